"""The machine-readable profile (xAPI Profiles 1.0, JSON-LD): docs/xapi-profile.jsonld is generated from
here (`skillbite xapi profile`), and a test keeps the two equal, so the profile never drifts from the code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plugin.events import LearningEvent
from plugin.xapi import vocabulary as v
from plugin.xapi.activities import ActivityDescription, EventActivities, Interaction, badge_activity
from plugin.xapi.statements import LaunchContext, Learner, build_statement

EXAMPLE_BASE = "https://skillbite.example.com"
_DEFINITIONS = {
    "initialized": "A sitting began: the learner's first course page in a launch, or learning again after "
                   "leaving. Object: the course. The first statement of the sitting (cmi5 9.3.2).",
    "progressed": "The share of the course's nuggets done changed; object: the course, result.extensions "
                  "carries the cmi5 progress, 0-100.",
    "answered": "The learner answered a question; result carries response, success and score.",
    "completed": "The learner finished all of a nugget or course (result.completion true, duration).",
    "passed": "The learner met the mastery score: of a nugget's quiz on a graded attempt, or of the course "
              "when its completion rule is met (result.success true, score, duration).",
    "failed": "The learner scored below the mastery score: of a nugget's quiz on a graded attempt, or of the "
              "course when its completion rule is met (result.success false, score, duration).",
    "terminated": "The sitting ended: the learner left the course (result.duration: this sitting's "
                  "server-measured time on task). The last statement of the sitting (cmi5 9.3.8).",
    "reviewed": "The learner answered a question again in spaced review practice (object: the question, "
                "parent: its nugget; result: success, score, duration).",
    "earned": "The learner earned an Open Badges 3.0 credential. Object: the achievement (badge), parent: "
              "the course; result.extensions: the assertion IRI.",
}
_OBJECT_TYPES = {"earned": "badge", "answered": "question", "reviewed": "question"}
_NUGGET_OR_COURSE = ("completed", "passed", "failed")
_EXTENSIONS = [
    (v.DEPLOYMENT_EXTENSION, "ContextExtension", "LTI deployment id", "The LTI deployment_id of the launch."),
    (v.LMS_CONTEXT_EXTENSION, "ContextExtension", "LMS context id", "The LTI context (course) id in the LMS."),
    (v.SESSION_EXTENSION, "ContextExtension", "session id",
     "A UUID (v5) derived from the Skillbite launch session: groups one sitting, reveals nothing."),
    (v.COURSE_VERSION_EXTENSION, "ContextExtension", "course version", "The version of the course content."),
]


def example_statements() -> dict[str, dict[str, Any]]:
    """One example per verb, built by the real builder from fixed inputs."""
    course = ActivityDescription("course", "course/feedback-that-lands", {"en": "Feedback that lands"})
    module = ActivityDescription("module", "course/feedback-that-lands/module/basics", {"en": "Basics"})
    nugget = ActivityDescription("nugget", "course/feedback-that-lands/nugget/ask-first", {"en": "Ask first"})
    question = ActivityDescription("question", "course/feedback-that-lands/question/q1",
                                   {"en": "What do you do first?"},
                                   interaction=Interaction("choice", ("b",), choices=(("a", {"en": "Judge"}),
                                                                                     ("b", {"en": "Ask"}))))
    earned_extra = {"credential_url": EXAMPLE_BASE + "/credentials/3f1e",
                    "achievement_id": EXAMPLE_BASE + "/credentials/achievements/feedback-practitioner",
                    "achievement_name": "Feedback Practitioner"}
    badge = badge_activity(LearningEvent(kind="earned", occurred_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC),
                                         platform_id=1, user_id=1, extra=earned_extra))
    assert badge is not None
    learner = Learner("https://lms.example.edu", "8f3c2a")
    launch = LaunchContext("deployment-1", "course-77", "Leadership Q1", "example-session")
    at = dt.datetime(2025, 3, 4, 9, 15, 2, 123000, tzinfo=dt.UTC)
    base: dict[str, Any] = dict(occurred_at=at, platform_id=1, user_id=1, launch_session_id="example-session",
                                course_version_id=1)
    cases: list[tuple[str, ActivityDescription, dict[str, Any]]] = [
        ("initialized", course, {}),
        ("progressed", course, dict(progress=40)),
        ("answered", question, dict(nugget_id=1, item_id=1, response="b", success=True, score_raw=1, score_min=0,
                                    score_max=1)),
        ("completed", nugget, dict(nugget_id=1, duration_seconds=95)),
        ("passed", course, dict(score_raw=8, score_min=0, score_max=10, duration_seconds=300)),
        ("failed", course, dict(score_raw=4, score_min=0, score_max=10, duration_seconds=280)),
        ("terminated", course, dict(duration_seconds=310)),
        ("reviewed", question, dict(nugget_id=1, item_id=1, success=True, score_raw=1, score_min=0, score_max=1,
                                    duration_seconds=8.5)),
        ("earned", badge, dict(extra=earned_extra)),
    ]
    out = {}
    for kind, obj, fields in cases:
        event = LearningEvent(kind=kind, **base, **fields)
        activities = EventActivities(object=obj, course=course, module=module,
                                     nugget=nugget if obj is question else None, language="en", course_version="3")
        out[kind] = build_statement(event, base_url=EXAMPLE_BASE, learner=learner, launch=launch,
                                    activities=activities).statement
    return out


def profile_document() -> dict[str, Any]:
    version = v.PROFILE_VERSION_ID
    concepts: list[dict[str, Any]] = []
    for kind, iri in v.VERBS.items():
        if iri.startswith(v.PROFILE_ID):
            concepts.append({"id": iri, "type": "Verb", "inScheme": version, "prefLabel": {"en": kind},
                             "definition": {"en": _DEFINITIONS[kind]}})
    for kind, iri in v.ACTIVITY_TYPES.items():
        if iri.startswith(v.PROFILE_ID):
            concepts.append({"id": iri, "type": "ActivityType", "inScheme": version, "prefLabel": {"en": kind},
                             "definition": {"en": f"A Skillbite {kind}."}})
    for iri, kind, label, text in _EXTENSIONS:
        concepts.append({"id": iri, "type": kind, "inScheme": version, "prefLabel": {"en": label},
                         "definition": {"en": text}, "inlineSchema": '{"type": "string"}'})
    examples = example_statements()
    templates = []
    for kind, verb in v.VERBS.items():
        rules: list[dict[str, Any]] = [
            {"location": "$.actor", "presence": "included"},
            {"location": "$.context.registration", "presence": "included"},
            {"location": "$.context.platform", "presence": "included", "all": [v.PLATFORM_NAME]},
            {"location": "$.context.contextActivities.category[*].id", "presence": "included", "any": [version]},
            {"location": "$.timestamp", "presence": "included"},
            {"location": "$.version", "presence": "excluded"},
        ]
        result = examples[kind].get("result", {})
        for key in ("score", "success", "completion", "duration", "response"):
            rules.append({"location": f"$.result.{key}", "presence": "included" if key in result else "excluded"})
        if kind == "progressed":
            rules.append({"location": f"$.result.extensions['{v.PROGRESS_EXTENSION}']", "presence": "included"})
        if kind == "earned":
            rules.append({"location": "$.context.contextActivities.parent[*].definition.type",
                          "presence": "included", "all": [v.ACTIVITY_TYPES["course"]]})
        template: dict[str, Any] = {
            "id": f"{version}/templates/{kind}", "type": "StatementTemplate", "inScheme": version,
            "prefLabel": {"en": kind}, "definition": {"en": _DEFINITIONS[kind]}, "verb": verb,
        }
        if kind in _NUGGET_OR_COURSE:
            # A template names one object type; these are stated on a nugget and on the course.
            rules.append({"location": "$.object.definition.type", "presence": "included",
                          "any": [v.ACTIVITY_TYPES["nugget"], v.ACTIVITY_TYPES["course"]]})
        else:
            template["objectActivityType"] = v.ACTIVITY_TYPES[_OBJECT_TYPES.get(kind, "course")]
        template["rules"] = rules
        templates.append(template)
    return {
        "@context": "https://w3id.org/xapi/profiles/context",
        "id": v.PROFILE_ID, "type": "Profile", "conformsTo": "https://w3id.org/xapi/profiles#1.0",
        "prefLabel": {"en": "Skillbite xAPI profile"},
        "definition": {"en": "The statements Skillbite, an LTI 1.3 micro-learning tool, sends to an LRS. "
                             "Follows cmi5's vocabulary where it fits and Open Badges 'earned' for credentials."},
        "author": {"type": "Organization", "name": "Skillbite"},
        "versions": [{"id": version, "generatedAtTime": "2025-03-01T00:00:00Z"}],
        "seeAlso": "docs/xapi-profile.md",
        "concepts": concepts, "templates": templates,
        # Not part of the Profiles vocabulary: an example statement per template, for people.
        "examples": {f"{version}/templates/{k}": s for k, s in examples.items()},
    }
