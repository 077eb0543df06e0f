"""The learner's plan: settings, today's recommendations, the week's plan, streaks and minutes, the
private calendar token. Every function is scoped by (platform_id, user_id)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.db import utcnow
from plugin.plan.catalog import current_catalog, fingerprint_columns, learner_catalog
from plugin.plan.models import LearningDay, LearningPlan, NuggetCompletion
from plugin.plan.recommend import Catalog, LearnerState, Recommendation, Target, plan_session, rank
from plugin.plan.zones import ZONE_ERRORS, start_of_local_day, zone_of
from plugin.progress.models import Enrolment, NuggetProgress
from plugin.review.services import SESSION_CARDS, due_count_query, reviewed_since
from plugin.skills.models import LearnerRole, RoleSkill, Skill, SkillEstimate

DEFAULT_DAYS = [1, 2, 3, 4, 5]
REVIEW_MINUTES_PER_CARD = 0.5
SLOT = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")  # with fullmatch: "$" would let "09:00\n" through


class PlanInvalid(ValueError):
    pass


def get_plan(session: Session, platform_id: int, user_id: int) -> LearningPlan:
    """The learner's plan; a default one (60 min a week, weekdays at 08:30 UTC) until they save theirs."""
    plan = session.get(LearningPlan, (platform_id, user_id))
    return plan if plan is not None else _default_plan(platform_id, user_id)


def _default_plan(platform_id: int, user_id: int) -> LearningPlan:
    return LearningPlan(platform_id=platform_id, user_id=user_id, weekly_minutes=60, days=list(DEFAULT_DAYS),
                        slot="08:30", timezone="UTC")


def save_plan(session: Session, platform_id: int, user_id: int, *, weekly_minutes: int | None, days: list[int],
              slot: str, timezone: str) -> LearningPlan:
    """Check and save the learner's settings (:class:`PlanInvalid` names every problem, in the learner's words).

    ``weekly_minutes`` is None when what was typed is not a whole number (60.5, 1e3)."""
    problems = []
    if weekly_minutes is None:
        problems.append("weekly minutes: enter a whole number from 5 to 600, e.g. 60")
    elif not 5 <= weekly_minutes <= 600:
        problems.append("weekly minutes: choose 5 to 600")
    if not days or any(d not in range(1, 8) for d in days):
        problems.append("days: choose at least one day of the week")
    if not SLOT.fullmatch(slot):
        problems.append("time: use HH:MM, e.g. 08:30")
    try:
        ZoneInfo(timezone)
    except ZONE_ERRORS:
        problems.append(f"time zone {timezone!r} is unknown: use a name like Europe/Berlin")
    if problems or weekly_minutes is None:  # None is among the problems; mypy cannot tell
        raise PlanInvalid("; ".join(problems))
    plan = session.get(LearningPlan, (platform_id, user_id))
    if plan is None:
        plan = LearningPlan(platform_id=platform_id, user_id=user_id)
        session.add(plan)
    plan.weekly_minutes, plan.days, plan.slot, plan.timezone = weekly_minutes, sorted(set(days)), slot, timezone
    plan.updated_at = utcnow()
    session.flush()
    return plan


def learner_state(session: Session, platform_id: int, user_id: int) -> LearnerState:
    """What the recommender knows of the learner, against the catalog they are offered (:func:`learner_view`)."""
    rows = learner_rows(session, platform_id, user_id, utcnow(), count_reviews=False)
    return learner_view(session, platform_id, rows)[1]


def _open_enrolments(platform_id: int, user_id: int) -> tuple[sa.ColumnElement[bool], ...]:
    """The learner's courses opened and not finished (a pathway they started, for the depth rule)."""
    return (Enrolment.platform_id == platform_id, Enrolment.user_id == user_id, Enrolment.completed_at.is_(None))


@dataclass(frozen=True)
class PlannedDay:
    day: dt.date
    start: dt.datetime  # aware, in the learner's zone
    budget: int  # minutes for the day
    review_minutes: int
    nuggets: tuple[Recommendation, ...]

    @property
    def minutes(self) -> int:
        return self.review_minutes + sum(r.nugget.minutes for r in self.nuggets)


@dataclass(frozen=True)
class WeekPlan:
    days: tuple[PlannedDay, ...]
    weekly_minutes: int
    done_this_week: float
    streak: int
    today: dt.date


def day_budget(plan: LearningPlan) -> int:
    """Minutes per planned day: the weekly goal spread evenly over the chosen days (rounded down, so a
    week never asks for more than the goal)."""
    return plan.weekly_minutes // max(1, len(plan.days or DEFAULT_DAYS))


def streak(days_learnt: set[dt.date], plan_days: list[int], today: dt.date) -> int:
    """Planned days in a row with some learning, counting back from today. Today does not break the
    streak before it is over, and a day that was not planned never breaks it (learning on it still counts)."""
    count, day = 0, today
    for _ in range(400):
        if day in days_learnt:
            count += 1
        elif day != today and day.isoweekday() in plan_days:
            break
        day -= dt.timedelta(days=1)
    return count


@dataclass(frozen=True)
class Enrolled:
    """The learner's current enrolment in a course, as the player chooses it (progress.services.find_enrolment:
    the unfinished one, else the newest), with the nuggets completed in it."""

    enrolment_id: int
    version_id: int
    finished: bool
    done_keys: frozenset[str]
    done_hashes: frozenset[str]  # content hashes: what a new enrolment on a newer version carries over


@dataclass(frozen=True)
class LearnerRows:
    """Everything the plan page reads about one learner, from one statement (see :func:`learner_rows`)."""

    plan: LearningPlan
    state: LearnerState  # ``done``: completions by course and key; :func:`learner_view` gives the player's
    learnt: dict[dt.date, float]  # minutes by day, for the last 372 days at least
    due: int  # review cards due at ``now``
    fingerprint: tuple[Any, ...]  # the catalog's, for current_catalog
    enrolled: Mapping[int, Enrolled] = field(default_factory=dict)  # course id → current enrolment
    reviewed_today: int = 0  # reviews since the learner's local midnight (today's session is SESSION_CARDS)


_DONE, _TARGET, _DAY, _OPENED, _FINISHED, _PROGRESS = 0, 1, 2, 3, 4, 5
HISTORY_DAYS = 370


def learner_rows(session: Session, platform_id: int, user_id: int, now: dt.datetime, *,
                 count_reviews: bool = True) -> LearnerRows:
    """One round trip instead of one per table: the learner's completions, role targets with their
    estimates, learning days, enrolments and the nuggets completed in them as one UNION ALL (a ``kind``
    column tells them apart), joined to a single row of scalar subqueries (the plan, the number of due
    cards, the catalog fingerprint). Only when cards are due, two more reads: today's reviews so far (for
    the week plan's review minutes; ``count_reviews=False`` when they are not needed).

    On PostgreSQL each statement costs a network round trip, which dominated the plan page's time."""
    int_, str_, float_, date_ = (sa.cast(sa.null(), t) for t in (sa.Integer, sa.String, sa.Float, sa.Date))
    done = sa.select(sa.literal(_DONE).label("kind"), NuggetCompletion.course_id.label("a"), int_.label("b"),
                     int_.label("e"), NuggetCompletion.nugget_key.label("s"), str_.label("h"), float_.label("f"),
                     date_.label("d")).where(
        NuggetCompletion.platform_id == platform_id, NuggetCompletion.user_id == user_id)
    targets = (sa.select(sa.literal(_TARGET), RoleSkill.skill_id, RoleSkill.level, int_, Skill.label, str_,
                         SkillEstimate.p_known, date_)
               .join(Skill, Skill.id == RoleSkill.skill_id)
               .join(LearnerRole, LearnerRole.role_id == RoleSkill.role_id)
               .outerjoin(SkillEstimate, sa.and_(SkillEstimate.platform_id == platform_id,
                                                 SkillEstimate.user_id == user_id,
                                                 SkillEstimate.skill_id == RoleSkill.skill_id))
               .where(LearnerRole.platform_id == platform_id, LearnerRole.user_id == user_id))
    # The plan's time zone is not known yet: read two days more than any zone's "today" can need.
    since = now.astimezone(dt.UTC).date() - dt.timedelta(days=HISTORY_DAYS + 2)
    days = sa.select(sa.literal(_DAY), int_, int_, int_, str_, str_, LearningDay.minutes, LearningDay.day).where(
        LearningDay.platform_id == platform_id, LearningDay.user_id == user_id, LearningDay.day >= since)
    opened = sa.select(sa.literal(_OPENED), Enrolment.course_id, Enrolment.version_id, Enrolment.id, str_, str_,
                       float_, date_).where(*_open_enrolments(platform_id, user_id))
    finished = sa.select(sa.literal(_FINISHED), Enrolment.course_id, Enrolment.version_id, Enrolment.id, str_, str_,
                         float_, date_).where(Enrolment.platform_id == platform_id, Enrolment.user_id == user_id,
                                              Enrolment.completed_at.is_not(None))
    progress = (sa.select(sa.literal(_PROGRESS), int_, int_, NuggetProgress.enrolment_id, NuggetProgress.nugget_key,
                          NuggetProgress.content_hash, float_, date_)
                .join(Enrolment, Enrolment.id == NuggetProgress.enrolment_id)
                .where(Enrolment.platform_id == platform_id, Enrolment.user_id == user_id,
                       NuggetProgress.platform_id == platform_id, NuggetProgress.user_id == user_id,
                       NuggetProgress.completed_at.is_not(None)))
    rows = sa.union_all(done, targets, days, opened, finished, progress).subquery("learner")

    def plan_column(column: Any) -> sa.ScalarSelect[Any]:
        return sa.select(column).where(LearningPlan.platform_id == platform_id,
                                       LearningPlan.user_id == user_id).scalar_subquery()

    plan_columns = [plan_column(c) for c in (LearningPlan.weekly_minutes, LearningPlan.days,
                                             LearningPlan.slot, LearningPlan.timezone)]
    due = due_count_query(platform_id, user_id, now).scalar_subquery()
    fingerprint_of = fingerprint_columns()
    header = [*plan_columns, due, *fingerprint_of]
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    result = session.execute(sa.select(*header, rows.c.kind, rows.c.a, rows.c.b, rows.c.e, rows.c.s, rows.c.h,
                                       rows.c.f, rows.c.d)
                             .select_from(one).outerjoin(rows, sa.true())).all()
    first = result[0]
    weekly_minutes, plan_days, slot, timezone, due_count = first[:5]
    fingerprint = tuple(first[5:5 + len(fingerprint_of)])
    completed: set[tuple[int, str]] = set()
    target_of: dict[int, Target] = {}
    p_known: dict[int, float] = {}
    learnt: dict[dt.date, float] = {}
    courses_opened: set[int] = set()
    enrolments: dict[int, tuple[int, int, bool]] = {}  # course id → (enrolment id, version id, finished)
    progress_done: dict[int, list[tuple[str, str]]] = {}  # enrolment id → completed (key, content hash)
    for *_, kind, a, b, e, s, h, f, d in result:
        if kind == _DONE:
            completed.add((a, s))
        elif kind == _TARGET:
            target_of[a] = Target(s, b)
            if f is not None:
                p_known[a] = f
        elif kind == _DAY:
            learnt[d] = f
        elif kind == _OPENED:
            courses_opened.add(a)
            current = enrolments.get(a)
            if current is None or current[2] or current[0] < e:
                enrolments[a] = (e, b, False)
        elif kind == _FINISHED:
            # The current enrolment, as the player chooses it: the unfinished one, else the newest.
            current = enrolments.get(a)
            if current is None or (current[2] and current[0] < e):
                enrolments[a] = (e, b, True)
        elif kind == _PROGRESS:
            progress_done.setdefault(e, []).append((s, h))
    enrolled = {course_id: Enrolled(e, v, finished, frozenset(k for k, _ in progress_done.get(e, ())),
                                    frozenset(h for _, h in progress_done.get(e, ())))
                for course_id, (e, v, finished) in enrolments.items()}
    if weekly_minutes is None:
        plan = _default_plan(platform_id, user_id)
    else:  # a detached copy with the saved values: the page only reads them
        plan = LearningPlan(platform_id=platform_id, user_id=user_id, weekly_minutes=weekly_minutes,
                            days=plan_days, slot=slot, timezone=timezone)
    # Today's review session is SESSION_CARDS cards; what was reviewed today already is not booked again.
    reviewed = reviewed_since(session, platform_id, user_id,
                              start_of_local_day(session, platform_id, user_id, now)) \
        if due_count and count_reviews else 0
    return LearnerRows(plan, LearnerState(done=frozenset(completed), targets=target_of, p_known=p_known,
                                          opened=frozenset(courses_opened)),
                       learnt, int(due_count or 0), fingerprint, enrolled, reviewed)


def learner_view(session: Session, platform_id: int, rows: LearnerRows) -> tuple[Catalog, LearnerState]:
    """The catalog and done set as the player shows them to this learner.

    A course the learner is enrolled in is offered from their unfinished enrolment's version (they keep it
    until they finish), else from the latest. Its done nuggets are their current enrolment's completed ones:
    on its own version by key; on a newer version those whose content is unchanged (same content hash),
    which is what the player carries over (progress.services). A completion by course and key alone would
    count a nugget changed by a new version as done, and unlock what requires it. Courses without an
    enrolment keep the completions recorded by course and key."""
    catalog = current_catalog(session, rows.fingerprint).for_platform(platform_id)
    catalog = learner_catalog(session, catalog, {course_id: e.version_id for course_id, e in rows.enrolled.items()
                                                 if not e.finished}, rows.fingerprint)
    done = {ref for ref in rows.state.done if ref[0] not in rows.enrolled}
    for course_id, enrolled in rows.enrolled.items():
        for index in catalog.by_course.get(course_id, ()):
            nugget = catalog.nuggets[index]
            if (nugget.key in enrolled.done_keys if nugget.version_id == enrolled.version_id
                    else nugget.content_hash in enrolled.done_hashes):
                done.add(nugget.ref)
    return catalog, replace(rows.state, done=frozenset(done))


def week_plan(session: Session, platform_id: int, user_id: int, now: dt.datetime | None = None,
              catalog: Catalog | None = None, state: LearnerState | None = None) -> WeekPlan:
    """The next seven days: each planned day gets the best nuggets that fit its minutes, in order, each
    day assuming the previous days' nuggets done. Today also gets due reviews and counts what was done."""
    now = now or utcnow()
    rows = learner_rows(session, platform_id, user_id, now)
    if catalog is None or state is None:
        offered, known = learner_view(session, platform_id, rows)
        catalog, state = catalog or offered, state or known
    return _week_plan(rows, now, catalog, state)


def _week_plan(rows: LearnerRows, now: dt.datetime, catalog: Catalog, state: LearnerState) -> WeekPlan:
    plan = rows.plan
    zone = zone_of(plan)
    today = now.astimezone(zone).date()
    since = today - dt.timedelta(days=HISTORY_DAYS)
    learnt = {d: m for d, m in rows.learnt.items() if d >= since}
    week_start = today - dt.timedelta(days=today.weekday())
    done_this_week = sum(m for d, m in learnt.items() if d >= week_start)
    budget = day_budget(plan)
    cards = min(rows.due, max(0, SESSION_CARDS - rows.reviewed_today))  # what today's review session offers
    hour, minute = (int(x) for x in plan.slot.split(":"))
    days: list[PlannedDay] = []
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        if day.isoweekday() not in (plan.days or DEFAULT_DAYS):
            continue
        left = budget - (math.ceil(learnt.get(day, 0.0)) if offset == 0 else 0)
        review = min(max(0, left), math.ceil(cards * REVIEW_MINUTES_PER_CARD)) if offset == 0 else 0
        picks, state = plan_session(catalog, state, max(0, left - review))
        start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        days.append(PlannedDay(day, start, max(0, left), review, tuple(picks)))
    return WeekPlan(tuple(days), plan.weekly_minutes, round(done_this_week, 1),
                    streak({d for d, m in learnt.items() if m > 0}, plan.days or DEFAULT_DAYS, today), today)


def recommendations(session: Session, platform_id: int, user_id: int, limit: int = 10,
                    minutes: int | None = None) -> list[Recommendation]:
    rows = learner_rows(session, platform_id, user_id, utcnow(), count_reviews=False)
    catalog, state = learner_view(session, platform_id, rows)
    return rank(catalog, state, limit=limit, minutes=minutes)


def overview(session: Session, platform_id: int, user_id: int, now: dt.datetime | None = None,
             limit: int = 10) -> tuple[list[Recommendation], WeekPlan]:
    """"What next" and the week's plan from one read of the learner's rows (the plan page shows both)."""
    now = now or utcnow()
    rows = learner_rows(session, platform_id, user_id, now)
    catalog, state = learner_view(session, platform_id, rows)
    return rank(catalog, state, limit=limit), _week_plan(rows, now, catalog, state)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(session: Session, platform_id: int, user_id: int) -> str:
    """A new private calendar URL token; the previous one stops working. Only its hash is stored."""
    plan = session.get(LearningPlan, (platform_id, user_id))
    if plan is None:
        defaults = get_plan(session, platform_id, user_id)
        session.add(defaults)
        plan = defaults
    token = secrets.token_urlsafe(32)
    plan.feed_token_hash = _hash(token)
    session.flush()
    return token


def revoke_feed(session: Session, platform_id: int, user_id: int) -> None:
    plan = session.get(LearningPlan, (platform_id, user_id))
    if plan is not None:
        plan.feed_token_hash = None
        session.flush()


def plan_for_feed(session: Session, token: str) -> LearningPlan | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(sa.select(LearningPlan).where(LearningPlan.feed_token_hash == _hash(token)))
