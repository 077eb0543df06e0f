"""Time to compute one learner's recommendations and week plan, with a realistic amount of data around.

    .venv/bin/python bench/recommend.py [--db sqlite|postgresql] [--learners 10000] [--samples 500]

Data: a 3,000-skill framework, 1,000 nuggets (20 courses × 50, chained prerequisites, 1–2 skills each),
20 roles of 8 skills, 10,000 learners each with a role, estimates, ~10 completions, learning days and
review cards. Timed: for sampled learners, a fresh session computing the top-10 recommendations and the
week's plan (`plan.services.overview`, what the plan page shows), with the catalog already cached as in
a running server.
Goal: p99 < 20 ms per learner. Reference measured in the same run: one primary-key lookup in a fresh session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plugin.models  # noqa: E402,F401
from plugin.catalog.models import Course, CourseVersion, Module, Nugget, QuizItem  # noqa: E402
from plugin.db import make_engine, make_sessionmaker  # noqa: E402
from plugin.launch.models import User  # noqa: E402
from plugin.migrate import upgrade  # noqa: E402
from plugin.plan.catalog import current_catalog  # noqa: E402
from plugin.plan.models import LearningDay, NuggetCompletion  # noqa: E402
from plugin.plan.services import overview  # noqa: E402
from plugin.platforms.models import Platform  # noqa: E402
from plugin.review.models import ReviewCard  # noqa: E402
from plugin.skills.models import LearnerRole, RoleProfile, RoleSkill, Skill, SkillEstimate, SkillFramework  # noqa: E402

GOAL_P99_MS = 20.0
SKILLS, COURSES, PER_COURSE, ROLES, ROLE_SKILLS = 3000, 20, 50, 20, 8
POSTGRES = os.environ.get("SKILLBITE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def chunks(rows: list[dict[str, object]], size: int = 5000):  # type: ignore[no-untyped-def]
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, object]]) -> None:
    for part in chunks(rows):
        conn.execute(sa.insert(table), part)


def populate(engine: sa.Engine, learners: int, rng: random.Random) -> list[int]:
    t = {m.__name__: m.__table__ for m in (Platform, User, SkillFramework, Skill, Course, CourseVersion, Module,
                                           Nugget, QuizItem, RoleProfile, RoleSkill, LearnerRole, SkillEstimate,
                                           NuggetCompletion, LearningDay, ReviewCard)}
    with engine.begin() as conn:
        conn.execute(sa.insert(t["Platform"]), [{"id": 1, "name": "Bench LMS", "issuer": "https://lms.bench",
                     "client_id": "c", "auth_login_url": "x", "auth_token_url": "x", "key_set_url": "x",
                     "algorithm": "RS256", "deployment_policy": "known_only", "registered_by": "manual",
                     "enabled": True, "created_at": NOW}])
        insert(conn, t["User"], [{"id": u, "platform_id": 1, "subject": f"s{u}", "name": f"Learner {u}",
                                  "created_at": NOW, "last_launch_at": NOW} for u in range(1, learners + 1)])
        conn.execute(sa.insert(t["SkillFramework"]), [{"id": 1, "key": "bench", "title": "Bench framework",
                                                       "source_format": "esco", "imported_at": NOW}])
        insert(conn, t["Skill"], [{"id": s, "framework_id": 1, "uri": f"http://bench/skill/{s}", "code": f"sk{s}",
                                   "label": f"Skill {s}", "description": "",
                                   "parent_id": None if s <= 100 else (s % 100) + 1} for s in range(1, SKILLS + 1)])
        nuggets, modules, items, versions, courses = [], [], [], [], []
        for c in range(1, COURSES + 1):
            courses.append({"id": c, "slug": f"course-{c}", "title": f"Course {c}", "created_at": NOW})
            versions.append({"id": c, "course_id": c, "number": 1, "title": f"Course {c}", "summary": "",
                             "language": "en", "content_hash": uuid.uuid4().hex, "completion_rule": {},
                             "manifest": {}, "minutes": 0, "published_at": NOW})
            for m in range(5):
                modules.append({"id": c * 10 + m, "version_id": c, "key": f"m{m}", "title": f"Module {m}",
                                "position": m, "prerequisites": [f"m{m - 1}"] if m and rng.random() < 0.3 else []})
            for p in range(PER_COURSE):
                nid = c * 1000 + p
                # Skills cluster per course (a course teaches a topic), as in real catalogs.
                skills = [f"sk{(c * 150 + rng.randrange(150)) % SKILLS + 1}" for _ in range(rng.randint(1, 2))]
                nuggets.append({"id": nid, "version_id": c, "module_id": c * 10 + p // 10, "key": f"n{p}",
                                "title": f"Nugget {c}.{p}", "position": p, "minutes": rng.randint(3, 12),
                                "mastery_score": 0.8, "max_attempts": 3,
                                "prerequisites": [f"n{p - 1}"] if p % 10 else [], "skills": skills, "blocks": [],
                                "source_path": f"n{p}.md", "front_matter": {}, "body": "",
                                "content_hash": uuid.uuid4().hex})
                items.append({"id": nid, "nugget_id": nid, "key": "q", "position": 0, "type": "true_false",
                              "prompt_html": "?", "explanation_html": "", "points": 1.0,
                              "spec": {"id": "q", "type": "true_false", "prompt": "?", "answer": True}})
        insert(conn, t["Course"], courses)
        insert(conn, t["CourseVersion"], versions)
        conn.execute(sa.update(t["Course"]).values(latest_version_id=t["Course"].c.id))
        insert(conn, t["Module"], modules)
        insert(conn, t["Nugget"], nuggets)
        insert(conn, t["QuizItem"], items)
        covered = sorted({int(s[2:]) for n in nuggets for s in n["skills"]})  # type: ignore[attr-defined]
        roles, role_skills = [], []
        for r in range(1, ROLES + 1):
            roles.append({"id": r, "platform_id": None, "key": f"role-{r}", "title": f"Role {r}", "description": ""})
            for s in rng.sample(covered, ROLE_SKILLS):
                role_skills.append({"role_id": r, "skill_id": s, "level": rng.randint(1, 4)})
        insert(conn, t["RoleProfile"], roles)
        insert(conn, t["RoleSkill"], role_skills)
        by_role: dict[int, list[int]] = {}
        for rs in role_skills:
            by_role.setdefault(int(rs["role_id"]), []).append(int(rs["skill_id"]))  # type: ignore[call-overload]
        learner_roles, estimates, completions, days, cards = [], [], [], [], []
        for u in range(1, learners + 1):
            role = rng.randint(1, ROLES)
            learner_roles.append({"platform_id": 1, "user_id": u, "role_id": role, "chosen_at": NOW})
            for s in by_role[role]:
                estimates.append({"platform_id": 1, "user_id": u, "skill_id": s, "p_known": rng.random(),
                                  "answers_right": 2, "answers_wrong": 1, "nuggets_done": 1, "updated_at": NOW})
            course = rng.randint(1, COURSES)
            for p in range(rng.randint(0, 20)):
                completions.append({"platform_id": 1, "user_id": u, "course_id": course, "nugget_key": f"n{p}",
                                    "completed_at": NOW})
                if p < 10:
                    cards.append({"platform_id": 1, "user_id": u, "course_id": course, "nugget_key": f"n{p}",
                                  "item_key": "q", "item_id": course * 1000 + p, "state": 2, "step": None,
                                  "stability": 3.0, "difficulty": 5.0,
                                  "due": NOW + dt.timedelta(days=rng.randint(-3, 9)),
                                  "last_review": NOW, "reviews": 1, "lapses": 0, "created_at": NOW})
            for d in rng.sample(range(60), 10):
                days.append({"platform_id": 1, "user_id": u, "day": (NOW - dt.timedelta(days=d)).date(),
                             "minutes": rng.uniform(2, 20), "nuggets": 1, "reviews": 0})
        for table, rows in (("LearnerRole", learner_roles), ("SkillEstimate", estimates),
                            ("NuggetCompletion", completions), ("LearningDay", days), ("ReviewCard", cards)):
            insert(conn, t[table], rows)
    return list(range(1, learners + 1))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.db == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            schema = "bench_" + uuid.uuid4().hex[:8]
            admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        try:
            run(url, args, rng)
        finally:
            if schema:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def run(url: str, args: argparse.Namespace, rng: random.Random) -> None:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    learners = populate(engine, args.learners, rng)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"data: {SKILLS} skills, {COURSES * PER_COURSE} nuggets, {len(learners)} learners "
          f"({engine.dialect.name}; built in {time.perf_counter() - started:.1f} s)")
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        t0 = time.perf_counter()
        current_catalog(session)
        print(f"catalog snapshot (once per process and catalog change): {(time.perf_counter() - t0) * 1000:.1f} ms")
    sample = rng.sample(learners, min(args.samples, len(learners)))
    timings, reference, picks = [], [], 0
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    for user_id in sample:
        t0 = time.perf_counter()
        with sessions() as session:
            session.get(User, user_id)
        reference.append((time.perf_counter() - t0) * 1000)
        sa.event.listen(engine, "before_cursor_execute", count)
        t0 = time.perf_counter()
        with sessions() as session:
            recs, week = overview(session, 1, user_id, NOW)
        timings.append((time.perf_counter() - t0) * 1000)
        sa.event.remove(engine, "before_cursor_execute", count)
        picks += len(recs) + sum(len(d.nuggets) for d in week.days)
    p50, p99 = statistics.median(timings), percentile(timings, 0.99)
    ref = statistics.median(reference)
    print(f"per learner (recommendations + week plan), {len(sample)} learners, {picks / len(sample):.1f} "
          f"nuggets proposed on average:")
    print(f"  p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {max(timings):.2f} ms   "
          f"SQL statements per learner: {statements[0] / len(sample):.1f}")
    print(f"  reference (one primary-key lookup in a fresh session): p50 {ref:.2f} ms; "
          f"p50 = {p50 / ref:.1f}× reference")
    print(f"  goal p99 < {GOAL_P99_MS:.0f} ms: ratio p99/goal = {p99 / GOAL_P99_MS:.2f} "
          f"({'met' if p99 < GOAL_P99_MS else 'NOT met'})")
    engine.dispose()


if __name__ == "__main__":
    main()
