"""Old launch sessions are deleted, except each person's newest per LMS course and role (plugin.launch.retention)."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from plugin.db import transaction, utcnow
from plugin.launch.models import LaunchSession, LmsContext, User
from plugin.launch.retention import purge
from plugin.roster.services import context_roster
from tests.plugin.player.launches import make_platform

_ids = itertools.count(1)


def _session(session, platform_id, user, context, ended_days_ago, role="learner"):
    ended = utcnow() - dt.timedelta(days=ended_days_ago)
    row = LaunchSession(id=f"s{next(_ids)}", platform_id=platform_id, deployment_id="d1",
                        user_pk=user.id if user else None, context_pk=context.id if context else None,
                        role=role, message_type="LtiResourceLinkRequest", services={},
                        created_at=ended - dt.timedelta(hours=2), expires_at=ended)
    session.add(row)
    return row.id


def test_old_sessions_go_but_each_learners_newest_per_course_stays(runtime, app):
    platform_id = make_platform(app)
    with transaction(runtime.sessions) as session:
        ada, bo = User(platform_id=platform_id, subject="ada"), User(platform_id=platform_id, subject="bo", name="Bo")
        course = LmsContext(platform_id=platform_id, deployment_id="d1", context_id="c1")
        other_course = LmsContext(platform_id=platform_id, deployment_id="d1", context_id="c2")
        session.add_all([ada, bo, course, other_course])
        session.flush()
        gone = [_session(session, platform_id, ada, course, 200), _session(session, platform_id, ada, course, 120),
                _session(session, platform_id, None, course, 120),  # anonymous: no one to remember
                _session(session, platform_id, ada, None, 120)]  # no LMS course: no roster to appear on
        kept = [_session(session, platform_id, ada, course, 1),  # Ada's newest in c1
                _session(session, platform_id, ada, course, 30),  # within the 90 days
                _session(session, platform_id, ada, other_course, 300),  # Ada's only one in c2
                _session(session, platform_id, bo, course, 400),  # Bo's only one in c1
                _session(session, platform_id, bo, course, 500, role="instructor")]  # another role
    with transaction(runtime.sessions) as session:
        purged = purge(session, session_days=90)
    assert purged.sessions == len(gone)
    with transaction(runtime.sessions) as session:
        assert set(session.scalars(sa.select(LaunchSession.id))) == set(kept)
        # Bo last launched 400 days ago and is still on the roster the LMS has not sent yet
        roster = context_roster(session, platform_id, course.id)
        assert roster.from_launches and {m.subject for m in roster.members} == {"ada", "bo"}


def test_zero_days_keeps_every_session(runtime, app):
    platform_id = make_platform(app)
    with transaction(runtime.sessions) as session:
        ada = User(platform_id=platform_id, subject="ada")
        course = LmsContext(platform_id=platform_id, deployment_id="d1", context_id="c1")
        session.add_all([ada, course])
        session.flush()
        for days in (900, 500, 1):
            _session(session, platform_id, ada, course, days)
    with transaction(runtime.sessions) as session:
        assert purge(session, session_days=0).sessions == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(LaunchSession)) == 3
