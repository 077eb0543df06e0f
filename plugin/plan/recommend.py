""""What next": nuggets ranked to close a learner's largest skill gaps. Pure functions over plain data,
so the same code serves the pages, the week plan, the iCalendar feed and the benchmark.

The rules (docs/skills.md, "How recommendations are chosen"):
1. Never a nugget whose prerequisites are not done (its own ``requires`` and its module's).
2. Value = how much of the learner's gaps the nugget is expected to close: for each aligned skill with a
   gap, the rise of the estimate that completing the nugget brings (BKT learning step), capped at the target.
3. Depth before breadth: a nugget of a pathway the learner has started (opened) counts DEPTH_BONUS times its value,
   and a list opens at most MAX_NEW_PATHWAYS pathways the learner has not started. Micro-learning fails
   by fragmentation; finishing a pathway builds connected knowledge.
4. It must fit the minutes the learner has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from plugin.skills import scale

DEPTH_BONUS = 2.0
MAX_NEW_PATHWAYS = 1


@dataclass(frozen=True)
class CatalogNugget:
    id: int
    course_id: int
    course_title: str
    key: str
    title: str
    minutes: int
    position: int  # order in its course
    skill_ids: tuple[int, ...]
    requires: tuple[str, ...]  # nugget keys of the same course: its own and its module's prerequisites
    owner: int | None = None  # the organisation whose course it is (catalog.models.CourseOwner); None: shared
    course_slug: str = ""  # for the link to the nugget
    version_id: int = 0  # the course version it is from
    content_hash: str = ""  # of its content: a new version keeps a completion only while this is unchanged

    @property
    def ref(self) -> tuple[int, str]:
        return (self.course_id, self.key)


@dataclass(frozen=True)
class Catalog:
    nuggets: tuple[CatalogNugget, ...]
    by_skill: Mapping[int, tuple[int, ...]]  # skill id → indexes into nuggets
    by_course: Mapping[int, tuple[int, ...]]
    titles: Mapping[tuple[int, str], str]
    _views: dict[int, Catalog] = field(default_factory=dict, compare=False, repr=False)
    _versions: dict[frozenset[tuple[int, int]], Catalog] = field(default_factory=dict, compare=False, repr=False)

    def version_of(self, course_id: int) -> int | None:
        """The version of the course this catalog offers, None when it offers none of it."""
        indexes = self.by_course.get(course_id)
        return self.nuggets[indexes[0]].version_id if indexes else None

    def with_versions(self, courses: Mapping[int, Sequence[CatalogNugget]]) -> Catalog:
        """This catalog with each course in ``courses`` offered from the nuggets given instead (all of one
        version): a learner keeps their version until they finish it. Kept per set of versions."""
        if not courses:
            return self
        key = frozenset((course_id, nuggets[0].version_id if nuggets else 0) for course_id, nuggets in courses.items())
        view = self._versions.get(key)
        if view is None:
            view = Catalog.build([*(n for n in self.nuggets if n.course_id not in courses),
                                  *(n for nuggets in courses.values() for n in nuggets)])
            if len(self._versions) >= 256:  # learners on older versions are few; never let it grow unbounded
                self._versions.clear()
            self._versions[key] = view
        return view

    def for_platform(self, platform_id: int) -> Catalog:
        """What people of ``platform_id`` may be offered: the shared library and their organisation's courses,
        never another organisation's (catalog.services.visible_to). Built once per platform and kept."""
        view = self._views.get(platform_id)
        if view is None:
            foreign = any(n.owner not in (None, platform_id) for n in self.nuggets)
            view = Catalog.build(n for n in self.nuggets if n.owner in (None, platform_id)) if foreign else self
            self._views[platform_id] = view
        return view

    @classmethod
    def build(cls, nuggets: Iterable[CatalogNugget]) -> Catalog:
        ordered = tuple(sorted(nuggets, key=lambda n: (n.course_id, n.position)))
        by_skill: dict[int, list[int]] = {}
        by_course: dict[int, list[int]] = {}
        for index, nugget in enumerate(ordered):
            for skill_id in nugget.skill_ids:
                by_skill.setdefault(skill_id, []).append(index)
            by_course.setdefault(nugget.course_id, []).append(index)
        return cls(ordered, {k: tuple(v) for k, v in by_skill.items()}, {k: tuple(v) for k, v in by_course.items()},
                   {n.ref: n.title for n in ordered})


@dataclass(frozen=True)
class Target:
    label: str
    level: int  # 1–4


@dataclass(frozen=True)
class LearnerState:
    done: frozenset[tuple[int, str]]
    targets: Mapping[int, Target]  # the role's skills
    p_known: Mapping[int, float]  # BKT estimates; missing skills are at the prior
    opened: frozenset[int] = frozenset()  # courses the learner opened and has not finished (an enrolment)
    planned: frozenset[tuple[int, str]] = frozenset()  # in ``done`` only because an earlier plan slot has it

    def p(self, skill_id: int) -> float:
        return self.p_known.get(skill_id, scale.BKT.p_init)

    def after(self, nugget: CatalogNugget) -> LearnerState:
        """The state once ``nugget`` is done: what the week plan assumes for the following days."""
        p_known = dict(self.p_known)
        for skill_id in nugget.skill_ids:
            if skill_id in self.targets:
                p_known[skill_id] = scale.study(self.p(skill_id))
        return replace(self, done=self.done | {nugget.ref}, planned=self.planned | {nugget.ref}, p_known=p_known)


@dataclass(frozen=True)
class GapClosed:
    skill: str
    before: float
    after: float
    target: int


@dataclass(frozen=True)
class Recommendation:
    nugget: CatalogNugget
    value: float
    score: float
    closes: tuple[GapClosed, ...]
    prerequisites: tuple[str, ...]  # titles, all done
    continues_pathway: bool
    reasons: tuple[str, ...] = field(default=())

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def started_courses(catalog: Catalog, state: LearnerState) -> set[int]:
    """Pathways begun and not finished: opened, or with a nugget done. Opening a course is starting it:
    a learner who opened one and has no target role is offered its next nugget, not nothing."""
    begun = state.opened | {course_id for course_id, _ in state.done}
    return {c for c in begun if c in catalog.by_course and
            any(catalog.nuggets[i].ref not in state.done for i in catalog.by_course[c])}


def _candidates(catalog: Catalog, state: LearnerState, started: set[int]) -> set[int]:
    """Only nuggets that could matter: those aligned to a skill with a gap, and those of started pathways."""
    found: set[int] = set()
    for skill_id, target in state.targets.items():
        if scale.gap(target.level, scale.level_of(state.p(skill_id))) > 0:
            found.update(catalog.by_skill.get(skill_id, ()))
    for course_id in started:
        found.update(catalog.by_course[course_id])
    return found


def evaluate(catalog: Catalog, state: LearnerState, nugget: CatalogNugget, started: set[int]) -> Recommendation | None:
    """The nugget as a recommendation, or None when it is done, locked, or does nothing for this learner."""
    if nugget.ref in state.done or any((nugget.course_id, k) not in state.done for k in nugget.requires):
        return None
    closes = []
    for skill_id in nugget.skill_ids:
        target = state.targets.get(skill_id)
        if target is None:
            continue
        before = scale.level_of(state.p(skill_id))
        after = min(float(target.level), scale.level_of(scale.study(state.p(skill_id))))
        if after > before:
            closes.append(GapClosed(target.label, before, after, target.level))
    value = round(sum(c.after - c.before for c in closes), 4)
    continues = nugget.course_id in started
    if value <= 0 and not continues:
        return None
    prerequisites = tuple(catalog.titles.get((nugget.course_id, k), k) for k in nugget.requires)
    planned_first = {catalog.titles.get((nugget.course_id, k), k) for k in nugget.requires
                     if (nugget.course_id, k) in state.planned}
    done_first = [t for t in prerequisites if t not in planned_first]
    reasons = [f"closes gap in {c.skill} from {c.before:.1f} to {c.after:.1f} (target {c.target})" for c in closes]
    if not closes:
        reasons.append("finishes a pathway you started")
    elif continues:
        reasons.append(f"continues {nugget.course_title}")
    if done_first:
        reasons.append(("prerequisite " if len(done_first) == 1 else "prerequisites ")
                       + ", ".join(done_first) + " done")
    if planned_first:  # the week plan: a prerequisite planned for an earlier slot is not done yet
        reasons.append("after " + ", ".join(t for t in prerequisites if t in planned_first))
    reasons.append(f"{nugget.minutes} min")
    return Recommendation(nugget, value, value * (DEPTH_BONUS if continues else 1.0), tuple(closes), prerequisites,
                          continues, tuple(reasons))


def _rank_key(rec: Recommendation) -> tuple[float, bool, int, int]:
    return (-rec.score, not rec.continues_pathway, rec.nugget.course_id, rec.nugget.position)


def _ranked(catalog: Catalog, state: LearnerState) -> list[Recommendation]:
    started = started_courses(catalog, state)
    return sorted((r for i in _candidates(catalog, state, started)
                   if (r := evaluate(catalog, state, catalog.nuggets[i], started)) is not None), key=_rank_key)


def rank(catalog: Catalog, state: LearnerState, limit: int | None = 10,
         minutes: int | None = None) -> list[Recommendation]:
    """Available nuggets, best first. With ``minutes``: only those that fit, together, in that time."""
    ranked = _ranked(catalog, state)
    chosen: list[Recommendation] = []
    new_courses: set[int] = set()
    left = minutes
    for rec in ranked:
        course_id = rec.nugget.course_id
        if not rec.continues_pathway and course_id not in new_courses and len(new_courses) >= MAX_NEW_PATHWAYS:
            continue  # rule 3: one new topic at a time
        if left is not None:
            if rec.nugget.minutes > left:
                continue
            left -= rec.nugget.minutes
        if not rec.continues_pathway:
            new_courses.add(course_id)
        chosen.append(rec)
        if limit is not None and len(chosen) >= limit:
            break
    return chosen


def plan_session(catalog: Catalog, state: LearnerState, minutes: int) -> tuple[list[Recommendation], LearnerState]:
    """One sitting of ``minutes``: pick the best nugget that fits, assume it done, pick again. A nugget
    may therefore follow its prerequisite within the same sitting. Returns the picks and the state after.

    After a pick only the nuggets it can change are evaluated again: those of its course (prerequisites,
    pathway started or finished) and those sharing one of its skills (the estimate rose).
    """
    picks: list[Recommendation] = []
    left = minutes
    opened_new = False
    started = started_courses(catalog, state)
    options: dict[int, Recommendation] = {}
    for i in _candidates(catalog, state, started):
        if (rec := evaluate(catalog, state, catalog.nuggets[i], started)) is not None:
            options[i] = rec
    while left > 0:
        fitting = [(i, r) for i, r in options.items()
                   if r.nugget.minutes <= left and (r.continues_pathway or not opened_new)]
        if not fitting:
            break
        index, pick = min(fitting, key=lambda pair: _rank_key(pair[1]))
        opened_new = opened_new or not pick.continues_pathway
        picks.append(pick)
        left -= pick.nugget.minutes
        state = state.after(pick.nugget)
        started = started_courses(catalog, state)
        touched = set(catalog.by_course[pick.nugget.course_id])
        for skill_id in pick.nugget.skill_ids:
            touched.update(catalog.by_skill.get(skill_id, ()))
        for i in touched:
            rec = evaluate(catalog, state, catalog.nuggets[i], started)
            if rec is None:
                options.pop(i, None)
            else:
                options[i] = rec
    return picks, state
