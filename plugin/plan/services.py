"""The learner's plan: settings, today's recommendations, the week's plan, streaks and minutes, the
private calendar token. Every function is scoped by (platform_id, user_id)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.db import utcnow
from plugin.plan.catalog import current_catalog
from plugin.plan.models import LearningDay, LearningPlan, NuggetCompletion
from plugin.plan.recommend import Catalog, LearnerState, Recommendation, Target, plan_session, rank
from plugin.review.services import SESSION_CARDS, count_due
from plugin.skills.models import LearnerRole, RoleSkill, Skill, SkillEstimate

DEFAULT_DAYS = [1, 2, 3, 4, 5]
REVIEW_MINUTES_PER_CARD = 0.5
SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class PlanInvalid(ValueError):
    pass


def get_plan(session: Session, platform_id: int, user_id: int) -> LearningPlan:
    """The learner's plan; a default one (60 min a week, weekdays at 08:30 UTC) until they save theirs."""
    plan = session.get(LearningPlan, (platform_id, user_id))
    if plan is None:
        plan = LearningPlan(platform_id=platform_id, user_id=user_id, weekly_minutes=60, days=list(DEFAULT_DAYS),
                            slot="08:30", timezone="UTC")
    return plan


def save_plan(session: Session, platform_id: int, user_id: int, *, weekly_minutes: int, days: list[int],
              slot: str, timezone: str) -> LearningPlan:
    problems = []
    if not 5 <= weekly_minutes <= 600:
        problems.append("weekly minutes: choose 5 to 600")
    if not days or any(d not in range(1, 8) for d in days):
        problems.append("days: choose at least one day of the week")
    if not SLOT.match(slot):
        problems.append("time: use HH:MM, e.g. 08:30")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"time zone {timezone!r} is unknown: use a name like Europe/Berlin")
    if problems:
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
    done = frozenset(session.execute(sa.select(NuggetCompletion.course_id, NuggetCompletion.nugget_key).where(
        NuggetCompletion.platform_id == platform_id, NuggetCompletion.user_id == user_id)))
    targets = {skill_id: Target(label, level) for skill_id, label, level in session.execute(
        sa.select(RoleSkill.skill_id, Skill.label, RoleSkill.level).join(Skill, Skill.id == RoleSkill.skill_id)
        .join(LearnerRole, LearnerRole.role_id == RoleSkill.role_id)
        .where(LearnerRole.platform_id == platform_id, LearnerRole.user_id == user_id))}
    p_known: dict[int, float] = {}
    if targets:
        p_known = dict(session.execute(sa.select(SkillEstimate.skill_id, SkillEstimate.p_known).where(
            SkillEstimate.platform_id == platform_id, SkillEstimate.user_id == user_id,
            SkillEstimate.skill_id.in_(list(targets)))).all())
    return LearnerState(done=done, targets=targets, p_known=p_known)


def zone_of(plan: LearningPlan) -> dt.tzinfo:
    try:
        return ZoneInfo(plan.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def minutes_by_day(session: Session, platform_id: int, user_id: int, since: dt.date) -> dict[dt.date, float]:
    return dict(session.execute(sa.select(LearningDay.day, LearningDay.minutes).where(
        LearningDay.platform_id == platform_id, LearningDay.user_id == user_id,
        LearningDay.day >= since)).all())


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


def week_plan(session: Session, platform_id: int, user_id: int, now: dt.datetime | None = None,
              catalog: Catalog | None = None, state: LearnerState | None = None) -> WeekPlan:
    """The next seven days: each planned day gets the best nuggets that fit its minutes, in order, each
    day assuming the previous days' nuggets done. Today also gets due reviews and counts what was done."""
    now = now or utcnow()
    plan = get_plan(session, platform_id, user_id)
    zone = zone_of(plan)
    today = now.astimezone(zone).date()
    catalog = catalog or current_catalog(session)
    state = state or learner_state(session, platform_id, user_id)
    learnt = minutes_by_day(session, platform_id, user_id, today - dt.timedelta(days=370))
    week_start = today - dt.timedelta(days=today.weekday())
    done_this_week = sum(m for d, m in learnt.items() if d >= week_start)
    budget = day_budget(plan)
    due = count_due(session, platform_id, user_id, now)
    hour, minute = (int(x) for x in plan.slot.split(":"))
    days: list[PlannedDay] = []
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        if day.isoweekday() not in (plan.days or DEFAULT_DAYS):
            continue
        left = budget - (math.ceil(learnt.get(day, 0.0)) if offset == 0 else 0)
        review = min(max(0, left), math.ceil(min(due, SESSION_CARDS) * REVIEW_MINUTES_PER_CARD)) if offset == 0 else 0
        picks, state = plan_session(catalog, state, max(0, left - review))
        start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
        days.append(PlannedDay(day, start, max(0, left), review, tuple(picks)))
    return WeekPlan(tuple(days), plan.weekly_minutes, round(done_this_week, 1),
                    streak({d for d, m in learnt.items() if m > 0}, plan.days or DEFAULT_DAYS, today), today)


def recommendations(session: Session, platform_id: int, user_id: int, limit: int = 10,
                    minutes: int | None = None) -> list[Recommendation]:
    return rank(current_catalog(session), learner_state(session, platform_id, user_id), limit=limit,
                minutes=minutes)


def overview(session: Session, platform_id: int, user_id: int, now: dt.datetime | None = None,
             limit: int = 10) -> tuple[list[Recommendation], WeekPlan]:
    """"What next" and the week's plan from one read of the learner's rows (the plan page shows both)."""
    catalog = current_catalog(session)
    state = learner_state(session, platform_id, user_id)
    return rank(catalog, state, limit=limit), week_plan(session, platform_id, user_id, now, catalog, state)


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
