"""A test-only source of learning events: a platform, a learner, a launch, and a catalog that names things.

The player publishes the same events in production; here they are published directly, inside one
transaction each, exactly as a progress change would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from plugin.db import transaction
from plugin.events import LearningEvent, publish
from plugin.launch.models import LaunchSession, LmsContext, User
from plugin.platforms.models import Deployment, Platform
from plugin.xapi.activities import ActivityDescription, EventActivities, Interaction, object_of

ISSUER = "https://lms.example.edu"

QUESTIONS: dict[int, Interaction] = {
    1: Interaction("choice", ("b",), choices=(("a", {"en": "Blame"}), ("b", {"en": "Ask"}), ("c", {"en": "Wait"}))),
    2: Interaction("true-false", ("true",)),
    3: Interaction("matching", ("s1[.]t2[,]s2[.]t1",), source=(("s1", {"en": "Goal"}), ("s2", {"en": "Habit"})),
                   target=(("t1", {"en": "Daily"}), ("t2", {"en": "Quarterly"}))),
    4: Interaction("sequencing", ("plan[,]do[,]check[,]act",),
                   choices=tuple((s, {"en": s.title()}) for s in ("plan", "do", "check", "act"))),
    5: Interaction("fill-in", ("{case_matters=false}feedback",)),
    6: Interaction("likert", (), scale=(("1", {"en": "Disagree"}), ("2", {"en": "Neutral"}), ("3", {"en": "Agree"}))),
    7: Interaction("numeric", ("4[:]6",)),
}


class TestCatalog:
    """Names for course 10 ("Feedback that lands"), module 20, nuggets 30+, questions 1-7."""

    def describe(self, session: Session, event: LearningEvent) -> EventActivities:
        course = ActivityDescription("course", "course/feedback-that-lands", {"en": "Feedback that lands"},
                                     {"en": "Give feedback people can use."})
        module = ActivityDescription("module", "course/feedback-that-lands/module/basics", {"en": "Basics"})
        nugget = (ActivityDescription("nugget", f"course/feedback-that-lands/nugget/{event.nugget_id}",
                                      {"en": f"Nugget {event.nugget_id}"}) if event.nugget_id else None)
        obj = course
        if event.item_id is not None:
            obj = ActivityDescription("question", f"course/feedback-that-lands/question/{event.item_id}",
                                      {"en": f"Question {event.item_id}"}, interaction=QUESTIONS[event.item_id])
        elif nugget is not None:
            obj = nugget
        if event.kind == "earned":
            obj = object_of(event, {})  # the badge, as the real catalogs name it
        return EventActivities(object=obj, course=course, module=module, nugget=nugget, language="en",
                               course_version="3")


@dataclass
class Learner:
    platform_id: int
    user_id: int
    session_id: str
    subject: str
    deployment_id: str
    clock: dt.datetime = field(default_factory=lambda: dt.datetime(2025, 3, 4, 9, 0, 0, 123456, tzinfo=dt.UTC))

    def event(self, kind: str, **fields: Any) -> LearningEvent:
        self.clock += dt.timedelta(seconds=7, microseconds=1000)
        values: dict[str, Any] = dict(kind=kind, occurred_at=self.clock, platform_id=self.platform_id,
                                      user_id=self.user_id, launch_session_id=self.session_id, course_version_id=10,
                                      module_id=20)
        values.update(fields)
        return LearningEvent(**values)

    def publish(self, sessions: sessionmaker[Session], kind: str, **fields: Any) -> LearningEvent:
        event = self.event(kind, **fields)
        with transaction(sessions) as session:
            publish(session, event)
        return event

    def session_events(self) -> list[LearningEvent]:
        """A whole sitting, as the player states it: a nugget with two answers passed and completed, the
        course's progress, completion and pass, and the exit."""
        return [
            self.event("initialized"),
            self.event("answered", nugget_id=31, item_id=1, response="b", success=True, score_raw=1, score_min=0,
                       score_max=1),
            self.event("answered", nugget_id=31, item_id=3, response="s1[.]t2[,]s2[.]t1", success=True,
                       score_raw=1, score_min=0, score_max=1),
            self.event("passed", nugget_id=31, score_raw=2, score_min=0, score_max=2, success=True,
                       duration_seconds=90.0),
            self.event("completed", nugget_id=31, completion=True, duration_seconds=95.0),
            self.event("progressed", progress=40),
            self.event("completed", completion=True, duration_seconds=300.0),
            self.event("passed", score_raw=8, score_min=0, score_max=10, success=True, duration_seconds=300.0),
            self.event("terminated", duration_seconds=310.0),
        ]


def make_learner(sessions: sessionmaker[Session], subject: str = "learner-1", email: str | None = None,
                 issuer: str = ISSUER) -> Learner:
    with transaction(sessions) as session:
        platform = session.query(Platform).filter_by(issuer=issuer).one_or_none()
        if platform is None:
            platform = Platform(name="Example LMS", issuer=issuer, client_id="skillbite",
                                auth_login_url=issuer + "/auth", auth_token_url=issuer + "/token",
                                key_set_url=issuer + "/jwks")
            platform.deployments.append(Deployment(deployment_id="dep-1"))
            session.add(platform)
            session.flush()
        context = session.query(LmsContext).filter_by(platform_id=platform.id).one_or_none()
        if context is None:
            context = LmsContext(platform_id=platform.id, deployment_id="dep-1", context_id="course-77",
                                 title="Leadership Q1")
            session.add(context)
        user = User(platform_id=platform.id, subject=subject, email=email, locale="en-GB")
        session.add(user)
        session.flush()
        launch = LaunchSession(id=f"session-{subject}", platform_id=platform.id, deployment_id="dep-1",
                               user_pk=user.id, context_pk=context.id, role="learner",
                               message_type="LtiResourceLinkRequest",
                               expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        session.add(launch)
        return Learner(platform.id, user.id, launch.id, subject, "dep-1")


def replace(event: LearningEvent, **changes: Any) -> LearningEvent:
    return dataclasses.replace(event, **changes)
