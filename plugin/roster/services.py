"""Rosters: asking for a refresh (never over the network in a request), recording members, course status.

NRPS 2.0: the worker fetches the context's members (the ``nrps_sync`` outbox kind, :mod:`.delivery`);
launches ask for that at most every SKILLBITE_ROSTER_REFRESH_MINUTES, instructors whenever they press the button.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lti.nrps import Member
from plugin.catalog.models import Course
from plugin.catalog.services import visible_to
from plugin.config import Config
from plugin.db import UTCDateTime, insert_for, table_of, utcnow
from plugin.db_driver import DriverStatement
from plugin.deep_linking.targets import target_of
from plugin.launch.models import LaunchSession, LmsContext, ResourceLink, User
from plugin.outbox.services import enqueue
from plugin.platforms.services import column_length
from plugin.progress.models import Enrolment
from plugin.roster.models import RosterMember, RosterSync

KIND = "nrps_sync"
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
NOT_STARTED, IN_PROGRESS, COMPLETED = "not started", "in progress", "completed"


_DEFAULT_REFRESH = dt.timedelta(minutes=Config.roster_refresh_minutes)  # SKILLBITE_ROSTER_REFRESH_MINUTES


def _ask_statement(dialect: str) -> Any:
    """Ask for a context's roster unless it was asked for after ``cutoff``: one atomic upsert.

    The row is inserted, or its ``requested_at`` moved forward only when older than the cutoff; a row
    comes back exactly when this caller is the one who asked, so concurrent launches in one course
    queue a single fetch.
    """
    table = table_of(RosterSync)
    insert = insert_for(dialect, RosterSync).values(
        {name: sa.bindparam(name) for name in ("context_pk", "platform_id", "requested_at", "members")})
    return insert.on_conflict_do_update(
        index_elements=["context_pk"], set_={"requested_at": insert.excluded.requested_at},
        where=table.c.requested_at <= sa.bindparam("cutoff", type_=UTCDateTime()),
    ).returning(table.c.context_pk)


_ASK = DriverStatement(_ask_statement)  # every launch in a course with NRPS runs it


def request_sync(session: Session, launch: LaunchSession, *, every: dt.timedelta = _DEFAULT_REFRESH,
                 force: bool = False, now: dt.datetime | None = None) -> bool:
    """Queue a roster fetch for the launch's context, unless one was asked for within ``every``.

    Returns whether one was queued. Needs the launch's NRPS claim; a launch without one has no roster.
    """
    claim = launch.services.get("nrps")
    if launch.context_pk is None or not isinstance(claim, dict) or not claim.get("context_memberships_url"):
        return False
    now = now or utcnow()
    cutoff = now if force else now - every
    asked = _ASK.first(session, {"context_pk": launch.context_pk, "platform_id": launch.platform_id,
                                 "requested_at": now, "members": 0, "cutoff": cutoff})
    if asked is None:
        return False
    enqueue(session, kind=KIND, destination=str(claim["context_memberships_url"]),
            key=f"nrps:{launch.context_pk}:{now.isoformat()}",
            payload={"platform_id": launch.platform_id, "context_pk": launch.context_pk, "claim": claim},
            platform_id=launch.platform_id)
    return True


def record_members(session: Session, platform_id: int, context_pk: int, members: Iterable[Member],
                   now: dt.datetime | None = None) -> int:
    """Replace the context's roster with ``members`` (a full fetch). Returns how many were recorded."""
    now = now or utcnow()
    context = session.get(LmsContext, context_pk)
    if context is None or context.platform_id != platform_id:
        raise LookupError(f"no context {context_pk} on platform {platform_id}")
    existing = {m.subject: m for m in session.scalars(sa.select(RosterMember).where(
        RosterMember.platform_id == platform_id, RosterMember.context_pk == context_pk))}
    seen: set[str] = set()
    limit = {column: column_length(RosterMember, column) for column in ("subject", "name", "email", "status")}
    for member in members:
        # What an LMS sends is not bound by our columns: a sub longer than OIDC allows (255) could never
        # match a launch, so it is left out; a long name is cut; an email longer than RFC 5321 allows is no
        # address. Otherwise one member's value would fail the whole roster, every time.
        if member.user_id in seen or len(member.user_id) > limit["subject"]:
            continue
        seen.add(member.user_id)
        row = existing.get(member.user_id)
        if row is None:
            row = RosterMember(platform_id=platform_id, context_pk=context_pk, subject=member.user_id)
            session.add(row)
        row.name = member.name[:limit["name"]] if member.name else member.name
        row.email = member.email if member.email and len(member.email) <= limit["email"] else None
        row.roles, row.status, row.synced_at = list(member.roles), member.status[:limit["status"]], now
    for subject, row in existing.items():
        if subject not in seen:
            session.delete(row)
    state = session.get(RosterSync, context_pk)
    if state is None:
        state = RosterSync(context_pk=context_pk, platform_id=platform_id, requested_at=now)
        session.add(state)
    state.synced_at, state.members = now, len(seen)
    session.flush()
    return len(seen)


@dataclass(frozen=True)
class MemberStatus:
    name: str
    email: str | None
    subject: str
    active: bool
    statuses: dict[str, str]  # course slug -> not started | in progress (n %) | completed


@dataclass(frozen=True)
class ContextRoster:
    courses: list[tuple[str, str]]  # (slug, title) of the courses placed in this LMS course
    members: list[MemberStatus]
    synced_at: dt.datetime | None
    requested_at: dt.datetime | None
    from_launches: bool = False  # no roster from the LMS yet: the learners who launched from this course

    def count(self, slug: str, status: str) -> int:
        return sum(1 for m in self.members if m.statuses.get(slug, "").startswith(status))


def context_courses(session: Session, platform_id: int, context_pk: int) -> list[tuple[str, str]]:
    """The courses the links of this LMS course open (any link naming a course, module or nugget of one)."""
    customs = session.scalars(sa.select(ResourceLink.custom).where(ResourceLink.platform_id == platform_id,
                                                                   ResourceLink.context_pk == context_pk))
    slugs = {t.course for t in (target_of(c) for c in customs) if t is not None and t.course}
    if not slugs:
        return []
    rows = session.execute(sa.select(Course.slug, Course.title).where(Course.slug.in_(slugs), visible_to(platform_id))
                           .order_by(Course.title))
    return [(slug, title) for slug, title in rows]


def context_roster(session: Session, platform_id: int, context_pk: int) -> ContextRoster:
    """The members of one LMS course with their status on each of its courses; learners only."""
    state = session.get(RosterSync, context_pk)
    if state is not None and state.platform_id != platform_id:
        state = None
    courses = context_courses(session, platform_id, context_pk)
    from_launches = state is None or state.synced_at is None
    members: list[Any] = (_launched_learners(session, platform_id, context_pk) if from_launches else [
        m for m in session.scalars(sa.select(RosterMember).where(
            RosterMember.platform_id == platform_id, RosterMember.context_pk == context_pk)
            .order_by(RosterMember.name, RosterMember.subject)) if LEARNER_ROLE in m.roles or "Learner" in m.roles])
    users = {u.subject: u.id for u in session.scalars(sa.select(User).where(
        User.platform_id == platform_id, User.subject.in_([m.subject for m in members])))} if members else {}
    progress: dict[tuple[int, str], Enrolment] = {}
    if users and courses:
        rows = session.execute(sa.select(Enrolment, Course.slug).join(Course, Course.id == Enrolment.course_id)
                               .where(Enrolment.platform_id == platform_id,
                                      Enrolment.user_id.in_(list(users.values())),
                                      Course.slug.in_([slug for slug, _ in courses]))
                               .order_by(Enrolment.id))
        for enrolment, slug in rows:
            best = progress.get((enrolment.user_id, slug))
            if best is None or best.completed_at is None:  # a completed enrolment wins over a newer one
                progress[(enrolment.user_id, slug)] = enrolment
    statuses: list[MemberStatus] = []
    for member in members:
        per_course: dict[str, str] = {}
        for slug, _ in courses:
            found = progress.get((users.get(member.subject, -1), slug))
            if found is None:
                per_course[slug] = NOT_STARTED
            elif found.completed_at is not None:
                per_course[slug] = COMPLETED + _result(found)
            else:
                per_course[slug] = f"{IN_PROGRESS} ({found.percent} %)"
        statuses.append(MemberStatus(member.name or member.email or member.subject, member.email, member.subject,
                                     member.status == "Active", per_course))
    return ContextRoster(courses, statuses, state.synced_at if state else None,
                         state.requested_at if state else None, from_launches)


def _result(enrolment: Enrolment) -> str:
    """How a completion went: the score, and whether it passed when the course has a pass mark."""
    parts = [f"{round(enrolment.score * 100)} %"] if enrolment.score is not None else []
    if enrolment.passed is False:
        parts.append("not passed")
    return f" ({', '.join(parts)})" if parts else ""


@dataclass(frozen=True)
class _LaunchedLearner:
    """A learner known from their launches, shaped as a roster member."""
    subject: str
    name: str | None
    email: str | None
    status: str = "Active"


def _launched_learners(session: Session, platform_id: int, context_pk: int) -> list[_LaunchedLearner]:
    """Until the LMS shares its roster (NRPS, or never when it offers no such service): the learners who
    opened Skillbite from this LMS course, so the instructor sees who started, if not who has not."""
    launched = sa.select(LaunchSession.user_pk).where(
        LaunchSession.platform_id == platform_id, LaunchSession.context_pk == context_pk,
        LaunchSession.role == "learner", LaunchSession.user_pk.is_not(None))
    return [_LaunchedLearner(u.subject, u.name, u.email) for u in session.scalars(
        sa.select(User).where(User.platform_id == platform_id, User.id.in_(launched))
        .order_by(User.name, User.subject))]
