"""Builds the profile's statements from a learning event, with the ``tincan`` model classes.

Pure: no database, no network. Every rule here is written down in docs/xapi-profile.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    AgentAccount,
    Context,
    ContextActivities,
    Extensions,
    InteractionComponent,
    InteractionComponentList,
    LanguageMap,
    Result,
    Score,
    Statement,
    Verb,
)

from plugin.events import LearningEvent
from plugin.xapi import vocabulary as v
from plugin.xapi.activities import ActivityDescription, EventActivities


@dataclass(frozen=True)
class Learner:
    issuer: str  # the platform's issuer: the account's homePage
    subject: str  # the LTI sub: the account's name
    email: str | None = None
    identifier: str = "account"  # account | mbox | mbox_sha1sum (per platform, off by default)


@dataclass(frozen=True)
class LaunchContext:
    deployment_id: str | None = None
    lms_context_id: str | None = None
    lms_context_title: str | None = None
    session_id: str | None = None  # our launch session id; only a UUID derived from it is sent


@dataclass(frozen=True)
class BuiltStatement:
    id: str
    verb: str
    object_iri: str
    course_iri: str | None
    timestamp: dt.datetime
    statement: dict[str, Any]

    @property
    def json(self) -> str:
        return json.dumps(self.statement, separators=(",", ":"), ensure_ascii=False)


def xapi_timestamp(moment: dt.datetime) -> str:
    """xAPI 1.0.3 §2.4.7: ISO 8601 in UTC; we always give milliseconds and 'Z'."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def xapi_duration(seconds: float) -> str:
    """ISO 8601 duration in seconds, to 0.01 s (xAPI 1.0.3 §2.4.5: "PT4.25S")."""
    text = f"{max(0.0, seconds):.2f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def statement_id(event: LearningEvent) -> str:
    """UUIDv5 of the event's canonical form: the same event always gives the same statement id, so a
    re-delivery can never make a second statement in the LRS."""
    data = dataclasses.asdict(event)
    data["occurred_at"] = xapi_timestamp(event.occurred_at)
    data["extra"] = {k: val for k, val in event.extra.items() if k != "activities"}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return str(uuid.uuid5(v.STATEMENT_NAMESPACE, canonical))


def registration_id(platform_id: int, user_id: int, course_version_id: int | None) -> str:
    """One registration per learner enrolment in a course version (cmi5 §9.6.1 uses it the same way)."""
    return str(uuid.uuid5(v.REGISTRATION_NAMESPACE, f"{platform_id}/{user_id}/{course_version_id}"))


def activity_iri(base_url: str, description: ActivityDescription) -> str:
    if description.iri:
        return description.iri
    return f"{base_url}/xapi/activities/{quote(description.path, safe='/-_.~')}"


def _components(items: tuple[tuple[str, Mapping[str, str]], ...]) -> InteractionComponentList | None:
    if not items:
        return None
    return InteractionComponentList([InteractionComponent(id=i, description=_language_map(d)) for i, d in items])


def _language_map(texts: Mapping[str, str]) -> LanguageMap:
    # xAPI 1.0.3 §5.2.1: keys are RFC 5646 tags; a course imported before its language was checked may
    # be tagged `en_US`, which the LRS would refuse, so such a key is mended or becomes `und`.
    return LanguageMap({context_language(key) or "und": text for key, text in texts.items()})


def _activity(base_url: str, description: ActivityDescription) -> Activity:
    definition = ActivityDefinition(name=_language_map(description.name), type=v.ACTIVITY_TYPES[description.kind])
    if description.description:
        definition.description = _language_map(description.description)
    if description.extensions:
        definition.extensions = Extensions(dict(description.extensions))
    interaction = description.interaction
    if interaction is not None:
        definition.interaction_type = interaction.type
        if interaction.correct_responses:
            definition.correct_responses_pattern = list(interaction.correct_responses)
        for name in ("choices", "scale", "source", "target", "steps"):
            components = _components(getattr(interaction, name))
            if components is not None:
                setattr(definition, name, components)
    return Activity(id=activity_iri(base_url, description), definition=definition)


def _lms_context_activity(base_url: str, platform_id: int, launch: LaunchContext) -> Activity | None:
    if not launch.lms_context_id:
        return None
    description = ActivityDescription(
        kind="lms-context", path=f"lms-context/{platform_id}/{launch.lms_context_id}",
        name={"und": launch.lms_context_title or launch.lms_context_id})
    return _activity(base_url, description)


def _actor(learner: Learner) -> Agent:
    # xAPI 1.0.3 §2.4.2.1: exactly one inverse functional identifier; the LTI sub by default.
    if learner.email and learner.identifier == "mbox":
        return Agent(mbox=f"mailto:{learner.email}")
    if learner.email and learner.identifier == "mbox_sha1sum":
        return Agent(mbox_sha1sum=hashlib.sha1(f"mailto:{learner.email}".encode()).hexdigest())  # noqa: S324  (xAPI defines it)
    return Agent(account=AgentAccount(home_page=learner.issuer, name=learner.subject))


def _result(event: LearningEvent) -> Result | None:
    result = Result()
    used = False
    if event.kind in {"answered", "passed", "failed", "reviewed"} and event.score_raw is not None:
        score = Score(raw=event.score_raw)
        if event.score_min is not None:
            score.min = event.score_min
        if event.score_max is not None:
            score.max = event.score_max
        if event.score_scaled is not None:
            score.scaled = round(event.score_scaled, 4)
        result.score = score
        used = True
    if event.kind == "passed":
        result.success, used = True, True
    elif event.kind == "failed":
        result.success, used = False, True
    elif event.kind in {"answered", "reviewed"} and event.success is not None:
        result.success, used = event.success, True
    if event.kind == "completed":
        result.completion, used = True, True
    # xAPI 1.0.3 §2.4.5.5: the response in the interaction's own format when the item gives one.
    response = event.extra.get("xapi_response", event.response)
    if event.kind == "answered" and response is not None:
        result.response, used = response, True
    if event.duration_seconds is not None and event.kind in {"completed", "passed", "failed", "terminated",
                                                             "reviewed"}:
        # Measured on the server; xAPI 1.0.3 §2.4.5 compares durations at 0.01 s precision. Not on
        # "answered": a nugget's questions share one page, so no time is measured per question.
        result.duration, used = dt.timedelta(seconds=round(event.duration_seconds, 2)), True
    if event.kind == "progressed" and event.progress is not None:
        result.extensions = Extensions({v.PROGRESS_EXTENSION: max(0, min(100, int(event.progress)))})
        used = True
    if event.kind == "earned" and event.extra.get("credential_url"):
        result.extensions = Extensions({v.BADGE_ASSERTION_EXTENSION: {"@id": event.extra["credential_url"]}})
        used = True
    return result if used else None


@functools.lru_cache(maxsize=256)  # a handful of tags, asked for on every statement's every name
def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` is a language tag (RFC 5646, BCP 47) as xAPI 1.0.3 §2.4.6 context.language
    requires, by tincan's own check, so what this accepts tincan accepts."""
    if tag != tag.strip():  # tincan's pattern ends in `$`, which lets a trailing newline through
        return False
    try:
        Context(language=tag)
    except ValueError:
        return False
    return True


def context_language(value: str | None) -> str | None:
    """``value`` as a tag for context.language: `en_US` becomes `en-US`; None if it is still not a tag."""
    if not value:
        return None
    tag = value.strip().replace("_", "-")
    return tag if is_language_tag(tag) else None


def build_statement(event: LearningEvent, *, base_url: str, learner: Learner, launch: LaunchContext,
                    activities: EventActivities, locale: str | None = None) -> BuiltStatement:
    """The one statement an event becomes (docs/xapi-profile.md, "Statements")."""
    sid = statement_id(event)
    obj = activities.object
    parent: list[ActivityDescription] = []
    if obj.kind == "question" and activities.nugget is not None:
        parent = [activities.nugget]
    elif obj.kind == "nugget":
        parent = [p for p in (activities.module or activities.course,) if p is not None]
    elif obj.kind in {"module", "badge"} and activities.course is not None:
        parent = [activities.course]
    grouping = [g for g in (activities.course, activities.pathway) if g is not None and g is not obj
                and g not in parent]
    context_activities = ContextActivities(
        category=[Activity(id=v.PROFILE_VERSION_ID, definition=ActivityDefinition(type=v.PROFILE_ACTIVITY_TYPE))]
        + ([Activity(id=v.OPEN_BADGES_RECIPE)] if event.kind == "earned" else []))
    if parent:
        context_activities.parent = [_activity(base_url, p) for p in parent]
    lms = _lms_context_activity(base_url, event.platform_id, launch)
    groups = [_activity(base_url, g) for g in grouping] + ([lms] if lms is not None else [])
    if groups:
        context_activities.grouping = groups

    extensions: dict[str, Any] = {}
    if launch.deployment_id:
        extensions[v.DEPLOYMENT_EXTENSION] = launch.deployment_id
    if launch.lms_context_id:
        extensions[v.LMS_CONTEXT_EXTENSION] = launch.lms_context_id
    if launch.session_id:
        extensions[v.SESSION_EXTENSION] = str(uuid.uuid5(v.SESSION_NAMESPACE, launch.session_id))
    if activities.course_version:
        extensions[v.COURSE_VERSION_EXTENSION] = activities.course_version
    context = Context(registration=registration_id(event.platform_id, event.user_id, event.course_version_id),
                      platform=v.PLATFORM_NAME, context_activities=context_activities)
    # The course's language, else the launch locale (LMSs such as Moodle send `en_US`); a tag tincan
    # refuses is left out rather than failing the learner's request.
    language = context_language(activities.language or locale)
    if language is not None:
        context.language = language
    if extensions:
        context.extensions = Extensions(extensions)

    verb = Verb(id=v.VERBS[event.kind], display=LanguageMap({"en-US": event.kind}))
    statement = Statement(id=sid, actor=_actor(learner), verb=verb, object=_activity(base_url, obj),
                          context=context)
    result = _result(event)
    if result is not None:
        statement.result = result
    # xAPI 1.0.3 §2.4.10: the version property is the LRS's to set; we send the version header instead.
    del statement.version
    data: dict[str, Any] = statement.as_version("1.0.3")
    data["timestamp"] = xapi_timestamp(event.occurred_at)
    if "duration" in data.get("result", {}):
        data["result"]["duration"] = xapi_duration(event.duration_seconds or 0.0)
    course_iri = activity_iri(base_url, activities.course) if activities.course is not None else None
    return BuiltStatement(id=sid, verb=event.kind, object_iri=data["object"]["id"], course_iri=course_iri,
                          timestamp=event.occurred_at.astimezone(dt.UTC), statement=data)
