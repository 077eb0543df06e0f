"""The L&D view: a role's skill gaps across learners (heatmap), minutes over time, who is stuck.

Always scoped to one platform (the viewer's): learners of other platforms are never counted or named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plugin.launch.models import LaunchSession, User
from plugin.plan.models import LearningDay
from plugin.skills import scale
from plugin.skills.models import LearnerRole, RoleProfile, SkillEstimate
from plugin.skills.services import gaps_for

STUCK_IDLE_DAYS = 14
STUCK_WRONG_ANSWERS = 3
STUCK_P_KNOWN = 0.3


@dataclass(frozen=True)
class LearnerRow:
    user_id: int
    name: str
    gaps: tuple[float, ...]  # in the order of the role's skills
    mean_gap: float


@dataclass(frozen=True)
class StuckLearner:
    name: str
    reason: str


@dataclass(frozen=True)
class Insights:
    role: RoleProfile
    skills: tuple[str, ...]
    targets: tuple[int, ...]
    learners: tuple[LearnerRow, ...]
    skill_means: tuple[float, ...]
    weeks: tuple[tuple[dt.date, float, int], ...]  # (week start, minutes, active learners)
    stuck: tuple[StuckLearner, ...]


def _name(user: User) -> str:
    return user.name or user.email or f"Learner {user.id}"


def learners_of(session: Session, platform_id: int, role_id: int, context_pk: int | None) -> list[User]:
    query = (sa.select(User).join(LearnerRole, sa.and_(LearnerRole.user_id == User.id,
                                                       LearnerRole.platform_id == User.platform_id))
             .where(User.platform_id == platform_id, LearnerRole.role_id == role_id))
    if context_pk is not None:
        # Who launched from this LMS course (launch sessions are our record of course membership).
        query = query.where(User.id.in_(sa.select(LaunchSession.user_pk).where(
            LaunchSession.platform_id == platform_id, LaunchSession.context_pk == context_pk)))
    return list(session.scalars(query.order_by(User.name, User.id)))


def role_insights(session: Session, platform_id: int, role: RoleProfile, context_pk: int | None = None,
                  today: dt.date | None = None, weeks: int = 8) -> Insights:
    if role.platform_id not in (None, platform_id):
        raise LookupError("role not offered on this platform")
    today = today or dt.datetime.now(dt.UTC).date()
    users = learners_of(session, platform_id, role.id, context_pk)
    ids = [u.id for u in users]
    skill_ids = [r.skill_id for r in role.requirements]
    found: dict[int, dict[int, SkillEstimate]] = {uid: {} for uid in ids}
    if ids:
        for est in session.scalars(sa.select(SkillEstimate).where(
                SkillEstimate.platform_id == platform_id, SkillEstimate.user_id.in_(ids),
                SkillEstimate.skill_id.in_(skill_ids))):
            found[est.user_id][est.skill_id] = est
    order = {r.skill_id: i for i, r in enumerate(role.requirements)}
    rows, stuck = [], []
    for user in users:
        gaps = sorted(gaps_for(role, found[user.id]), key=lambda g: order[g.skill_id])
        values = tuple(g.gap for g in gaps)
        rows.append(LearnerRow(user.id, _name(user), values, round(sum(values) / len(values), 2) if values else 0.0))
        for g in gaps:
            if g.gap > 0 and g.answers_wrong >= STUCK_WRONG_ANSWERS and g.p_known < STUCK_P_KNOWN:
                stuck.append(StuckLearner(_name(user), f"{g.answers_wrong} of {g.answers_right + g.answers_wrong} "
                                                       f"answers wrong in {g.label}; estimate {g.estimate:.1f}"))
                break
    labels = tuple(r.skill.label for r in role.requirements)
    means = tuple(round(sum(r.gaps[i] for r in rows) / len(rows), 2) if rows else 0.0 for i in range(len(labels)))
    first_week = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    per_week: dict[dt.date, tuple[float, set[int]]] = {
        first_week + dt.timedelta(weeks=i): (0.0, set()) for i in range(weeks)}
    last_day: dict[int, dt.date] = {}
    if ids:
        for user_id, day, minutes in session.execute(sa.select(LearningDay.user_id, LearningDay.day,
                                                                LearningDay.minutes).where(
                LearningDay.platform_id == platform_id, LearningDay.user_id.in_(ids))):
            last_day[user_id] = max(day, last_day.get(user_id, day))
            week = day - dt.timedelta(days=day.weekday())
            if week in per_week:
                total, active = per_week[week]
                active.add(user_id)
                per_week[week] = (total + minutes, active)
    # A learner who has never learnt anything has been idle since they chose the role.
    chosen: dict[int, dt.date] = {}
    if ids:
        chosen = {user_id: at.astimezone(dt.UTC).date() for user_id, at in session.execute(
            sa.select(LearnerRole.user_id, LearnerRole.chosen_at).where(
                LearnerRole.platform_id == platform_id, LearnerRole.user_id.in_(ids)))}
    named = {u.id: _name(u) for u in users}
    stuck_names = {s.name for s in stuck}
    for row in rows:
        last = last_day.get(row.user_id)
        if row.mean_gap <= 0 or named[row.user_id] in stuck_names:
            continue
        if last is not None and (today - last).days >= STUCK_IDLE_DAYS:
            stuck.append(StuckLearner(named[row.user_id], f"no learning for {(today - last).days} days, "
                                                          f"gaps remain (mean {row.mean_gap:.1f} levels)"))
        elif last is None and (today - chosen[row.user_id]).days >= STUCK_IDLE_DAYS:
            stuck.append(StuckLearner(named[row.user_id], f"no learning in the {(today - chosen[row.user_id]).days} "
                                                          f"days since choosing the role, gaps remain "
                                                          f"(mean {row.mean_gap:.1f} levels)"))
    return Insights(role, labels, tuple(r.level for r in role.requirements), tuple(rows), means,
                    tuple((w, round(m, 1), len(a)) for w, (m, a) in sorted(per_week.items())), tuple(stuck))


def heat_class(gap: float) -> str:
    """A CSS class per half level of gap (colour is never the only cue: the number is in the cell)."""
    return f"gap-{min(scale.MAX_LEVEL * 2, int(gap * 2))}"
