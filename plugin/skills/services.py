"""Frameworks and role profiles (admin), evidence and estimates (per learner), gaps. Callers own the
transaction. Every learner function takes ``platform_id`` and ``user_id`` and filters on both."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from plugin.catalog.models import CourseVersion, Nugget
from plugin.db import utcnow
from plugin.skills import scale
from plugin.skills.frameworks import FrameworkInvalid, ParsedFramework, Problem, read_case, read_esco
from plugin.skills.models import (
    LearnerRole,
    RoleProfile,
    RoleSkill,
    Skill,
    SkillEstimate,
    SkillEvidence,
    SkillFramework,
)

DEMO = Path(__file__).parent / "demo"


class RoleNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ImportSummary:
    framework: SkillFramework
    added: int
    updated: int


def _known_uris(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(sa.select(Skill.uri)))


def _esco_skills_file(folder: Path) -> Path:
    """ESCO's skills file in a download folder: ``skills_<lang>.csv``, English first. The underscore keeps
    ``skillsHierarchy_en.csv`` (and ``skillGroups_en.csv``) out: they are not lists of skills."""
    english = folder / "skills_en.csv"
    if english.is_file():
        return english
    found = sorted(p for p in folder.glob("skills_*.csv") if p.is_file())
    if not found:
        raise FrameworkInvalid([Problem(folder.name, 0, "no skills_<language>.csv in this folder: give the folder "
                                                        "of an ESCO CSV download (with skills_en.csv), or the "
                                                        "skills file itself")])
    return found[0]


def read_framework(session: Session, path: Path, source_format: str, hierarchy: Path | None = None,
                   key: str | None = None, title: str | None = None) -> ParsedFramework:
    """Parse and check a framework file (a folder for ESCO: its skills and broaderRelations CSVs)."""
    if source_format == "case":
        return read_case(path, known_uris=_known_uris(session))
    if source_format != "esco":
        raise FrameworkInvalid([Problem(path.name, 0, f"unknown format {source_format!r}: use esco or case")])
    if path.is_dir():
        path = _esco_skills_file(path)
        hierarchy = hierarchy or next(iter(sorted(path.parent.glob("broaderRelationsSkillPillar*.csv"))), None)
    return read_esco(path, hierarchy, key=key or "esco", title=title or "ESCO skills",
                     known_uris=_known_uris(session))


def import_framework(session: Session, parsed: ParsedFramework) -> ImportSummary:
    """Write a checked framework: skills are matched by URI, so importing again updates labels and keeps
    role profiles and learner estimates. Skills missing from a new file are kept (roles may use them)."""
    framework = session.scalar(sa.select(SkillFramework).where(SkillFramework.key == parsed.key))
    if framework is None:
        framework = SkillFramework(key=parsed.key, title=parsed.title, source_format=parsed.source_format,
                                   uri=parsed.uri)
        session.add(framework)
        session.flush()
    framework.title, framework.imported_at = parsed.title, utcnow()
    existing = {s.uri: s for s in session.scalars(sa.select(Skill).where(Skill.framework_id == framework.id))}
    added = updated = 0
    new_rows: list[dict[str, object]] = []
    for ps in parsed.skills:
        row = existing.get(ps.uri)
        if row is None:
            new_rows.append({"framework_id": framework.id, "uri": ps.uri, "code": ps.code, "label": ps.label,
                             "description": ps.description})
            added += 1
        elif (row.label, row.description, row.code) != (ps.label, ps.description, ps.code):
            row.label, row.description, row.code = ps.label, ps.description, ps.code
            updated += 1
    if new_rows:
        session.execute(sa.insert(Skill), new_rows)  # executemany: thousands of ESCO skills in one go
    session.flush()
    # A URI is unique per framework only: another framework may hold the same URIs, and its rows must
    # not be touched. A broader skill is taken from this framework, else (explicitly) from another one.
    ids = dict(session.execute(sa.select(Skill.uri, Skill.id).where(Skill.framework_id == framework.id)).all())
    elsewhere = _other_framework_ids(session, framework.id,
                                     {ps.broader_uri for ps in parsed.skills if ps.broader_uri} - ids.keys())
    parents = [{"b_id": ids[ps.uri], "b_parent": ids.get(ps.broader_uri) or elsewhere[ps.broader_uri]}
               for ps in parsed.skills if ps.broader_uri]
    if parents:
        session.connection().execute(sa.update(Skill).where(Skill.id == sa.bindparam("b_id"))
                                     .values(parent_id=sa.bindparam("b_parent")), parents)
    session.expire_all()
    return ImportSummary(framework, added, updated)


def _other_framework_ids(session: Session, framework_id: int, uris: set[str]) -> dict[str, int]:
    """Skills of other frameworks a hierarchy names as broader (the first framework imported wins a URI
    several frameworks share, as in :func:`skills_by_ref`)."""
    if not uris:
        return {}
    rows = session.execute(sa.select(Skill.uri, Skill.id).where(Skill.uri.in_(uris), Skill.framework_id != framework_id)
                           .order_by(Skill.id.desc()))
    return dict(rows.all())


def save_role(session: Session, key: str, title: str, requirements: dict[str, float], *,
              platform_id: int | None = None, scale_name: str = "1-4", description: str = "") -> RoleProfile:
    """Create or replace a role profile. ``requirements`` maps skill code or URI to a level on ``scale_name``.

    Every unknown skill and bad level is reported at once; nothing changes then.
    """
    problems: list[str] = []
    skills = skills_by_ref(session, set(requirements))
    levels: dict[int, int] = {}
    for ref, value in requirements.items():
        if ref not in skills:
            problems.append(f"skill {ref!r} is in no imported framework (import it first, or check the code)")
            continue
        try:
            levels[skills[ref]] = scale.to_level(value, scale_name)
        except scale.ScaleError as exc:
            problems.append(f"skill {ref!r}: {exc}")
    if problems:
        raise ValueError("; ".join(problems))
    role = session.scalar(sa.select(RoleProfile).where(RoleProfile.key == key, RoleProfile.platform_id.is_(None)
                                                       if platform_id is None else
                                                       RoleProfile.platform_id == platform_id))
    if role is None:
        role = RoleProfile(key=key, platform_id=platform_id, title=title)
        session.add(role)
    role.title, role.description = title, description
    current = {r.skill_id: r for r in role.requirements}
    for skill_id, req in current.items():
        if skill_id not in levels:
            role.requirements.remove(req)
    for skill_id, level in levels.items():
        if skill_id in current:
            current[skill_id].level = level
        else:
            role.requirements.append(RoleSkill(skill_id=skill_id, level=level))
    session.flush()
    return role


def roles_for(session: Session, platform_id: int) -> list[RoleProfile]:
    """Roles a platform's learners may choose: the platform's own and the shared ones."""
    return list(session.scalars(sa.select(RoleProfile).where(
        sa.or_(RoleProfile.platform_id == platform_id, RoleProfile.platform_id.is_(None)))
        .order_by(RoleProfile.title).options(selectinload(RoleProfile.requirements).selectinload(RoleSkill.skill))))


def choose_role(session: Session, platform_id: int, user_id: int, role_id: int) -> RoleProfile:
    role = session.get(RoleProfile, role_id)
    if role is None or role.platform_id not in (None, platform_id):
        raise RoleNotFound(role_id)
    row = session.get(LearnerRole, (platform_id, user_id))
    if row is None:
        session.add(LearnerRole(platform_id=platform_id, user_id=user_id, role_id=role.id))
    else:
        row.role_id, row.chosen_at = role.id, utcnow()
    session.flush()
    return role


def learner_role(session: Session, platform_id: int, user_id: int) -> RoleProfile | None:
    row = session.get(LearnerRole, (platform_id, user_id))
    return row.role if row is not None else None


def skills_by_ref(session: Session, refs: set[str]) -> dict[str, int]:
    """Skill ids for codes or URIs (the first framework imported wins a code two frameworks share)."""
    if not refs:
        return {}
    found: dict[str, int] = {}
    rows = session.execute(sa.select(Skill.id, Skill.code, Skill.uri).where(
        sa.or_(Skill.code.in_(refs), Skill.uri.in_(refs))).order_by(Skill.id.desc()))
    for skill_id, code, uri in rows:
        for ref in (code, uri):
            if ref in refs:
                found[ref] = skill_id
    return found


def nugget_skill_refs(version: CourseVersion, nugget: Nugget) -> list[str]:
    """A nugget's skills as references: a course-level skill with a ``framework`` URI stands for that URI."""
    declared = {s.get("id"): s.get("framework") for s in (version.manifest or {}).get("skills", [])
                if isinstance(s, dict)}
    return [declared.get(ref) or ref for ref in nugget.skills]


def nugget_skill_ids(session: Session, nugget: Nugget) -> list[int]:
    refs = nugget_skill_refs(nugget.version, nugget)
    found = skills_by_ref(session, set(refs))
    return list(dict.fromkeys(found[r] for r in refs if r in found))


def _estimate(session: Session, platform_id: int, user_id: int, skill_id: int) -> SkillEstimate:
    row = session.get(SkillEstimate, (platform_id, user_id, skill_id))
    if row is None:
        row = SkillEstimate(platform_id=platform_id, user_id=user_id, skill_id=skill_id, p_known=scale.BKT.p_init,
                            answers_right=0, answers_wrong=0, nuggets_done=0)
        session.add(row)
    return row


def record_answer(session: Session, platform_id: int, user_id: int, skill_ids: list[int], correct: bool,
                  kind: str = "answer", nugget_id: int | None = None) -> None:
    """An answered item (in a quiz or a review) aligned to ``skill_ids``: one BKT observation each."""
    for skill_id in skill_ids:
        row = _estimate(session, platform_id, user_id, skill_id)
        row.p_known = scale.observe(row.p_known, correct)
        row.answers_right += int(correct)
        row.answers_wrong += int(not correct)
        row.updated_at = utcnow()
        session.add(SkillEvidence(platform_id=platform_id, user_id=user_id, skill_id=skill_id, kind=kind,
                                  correct=correct, p_after=row.p_known, nugget_id=nugget_id, occurred_at=utcnow()))


def record_completion(session: Session, platform_id: int, user_id: int, skill_ids: list[int],
                      nugget_id: int | None = None) -> None:
    for skill_id in skill_ids:
        row = _estimate(session, platform_id, user_id, skill_id)
        row.p_known = scale.study(row.p_known)
        row.nuggets_done += 1
        row.updated_at = utcnow()
        session.add(SkillEvidence(platform_id=platform_id, user_id=user_id, skill_id=skill_id, kind="completion",
                                  p_after=row.p_known, nugget_id=nugget_id, occurred_at=utcnow()))


def self_assess(session: Session, platform_id: int, user_id: int, levels: dict[int, int | None]) -> None:
    """The learner's own levels (1–4, None to withdraw one). The estimate is replayed from the new prior
    over the recorded answers and completions, so a self-assessment never erases quiz evidence."""
    for skill_id, level in levels.items():
        if level is not None and level not in scale.LEVELS:
            raise scale.ScaleError(f"{level} is not a level on the 1–4 scale")
        row = _estimate(session, platform_id, user_id, skill_id)
        if row.self_level == level:
            continue
        history = session.execute(sa.select(SkillEvidence.kind, SkillEvidence.correct).where(
            SkillEvidence.platform_id == platform_id, SkillEvidence.user_id == user_id,
            SkillEvidence.skill_id == skill_id, SkillEvidence.kind != "self").order_by(SkillEvidence.id))
        row.self_level = level
        row.p_known = scale.replay(scale.prior_from_self_level(level),
                                   (None if kind == "completion" else bool(correct) for kind, correct in history))
        row.updated_at = utcnow()
        session.add(SkillEvidence(platform_id=platform_id, user_id=user_id, skill_id=skill_id, kind="self",
                                  self_level=level, p_after=row.p_known, occurred_at=utcnow()))
    session.flush()


@dataclass(frozen=True)
class SkillGap:
    skill_id: int
    label: str
    target: int
    estimate: float
    gap: float
    p_known: float
    self_level: int | None
    answers_right: int
    answers_wrong: int
    nuggets_done: int

    @property
    def explanation(self) -> str:
        """Why the estimate is what it is, in one sentence."""
        parts = [f"your own rating {self.self_level}" if self.self_level else "no rating of your own yet"]
        answered = self.answers_right + self.answers_wrong
        if answered:
            parts.append(f"{self.answers_right} of {answered} answers right")
        if self.nuggets_done:
            parts.append(f"{self.nuggets_done} nugget{'s' if self.nuggets_done != 1 else ''} done")
        # P(known) in words a learner reads: how likely the evidence says they master the skill
        return (f"{'; '.join(parts)} → level {self.estimate:.1f} of 4 "
                f"({round(self.p_known * 100)} % likely you master it)")


def estimates(session: Session, platform_id: int, user_id: int, skill_ids: list[int] | None = None
              ) -> dict[int, SkillEstimate]:
    query = sa.select(SkillEstimate).where(SkillEstimate.platform_id == platform_id, SkillEstimate.user_id == user_id)
    if skill_ids is not None:
        query = query.where(SkillEstimate.skill_id.in_(skill_ids))
    return {row.skill_id: row for row in session.scalars(query)}


def gaps_for(role: RoleProfile, found: dict[int, SkillEstimate]) -> list[SkillGap]:
    """Gap = target − estimate for each skill of the role, largest first."""
    result = []
    for req in role.requirements:
        est = found.get(req.skill_id)
        p = est.p_known if est is not None else scale.BKT.p_init
        level = scale.level_of(p)
        result.append(SkillGap(req.skill_id, req.skill.label, req.level, level, scale.gap(req.level, level), p,
                               est.self_level if est else None, est.answers_right if est else 0,
                               est.answers_wrong if est else 0, est.nuggets_done if est else 0))
    return sorted(result, key=lambda g: (-g.gap, g.label))


def skill_gaps(session: Session, platform_id: int, user_id: int) -> list[SkillGap]:
    role = learner_role(session, platform_id, user_id)
    if role is None:
        return []
    return gaps_for(role, estimates(session, platform_id, user_id, [r.skill_id for r in role.requirements]))


def load_demo_skills(session: Session) -> SkillFramework:
    """The shipped demo framework (CASE JSON, written by us) and its roles. Idempotent."""
    summary = import_framework(session, read_case(DEMO / "framework.json"))
    for role in json.loads((DEMO / "roles.json").read_text(encoding="utf-8")):
        save_role(session, role["key"], role["title"], role["skills"], description=role.get("description", ""))
    return summary.framework
