"""Small catalogs for recommendation tests, built from plain data."""

from __future__ import annotations

from plugin.plan.recommend import Catalog, CatalogNugget, LearnerState, Target

LISTEN, FEEDBACK, COACH = 1, 2, 3
TARGETS = {LISTEN: Target("Active listening", 3), FEEDBACK: Target("Feedback", 2), COACH: Target("Coaching", 2)}


def nugget(course: int, key: str, position: int, *, skills: tuple[int, ...] = (), minutes: int = 5,
           requires: tuple[str, ...] = (), course_title: str = "") -> CatalogNugget:
    return CatalogNugget(id=course * 100 + position, course_id=course, course_title=course_title or f"Course {course}",
                         key=key, title=key.replace("-", " ").title(), minutes=minutes, position=position,
                         skill_ids=skills, requires=requires)


def two_courses() -> Catalog:
    """Course 1: listening (a → b → c); course 2: feedback (x, y needs x)."""
    return Catalog.build([
        nugget(1, "listen-a", 0, skills=(LISTEN,), minutes=5),
        nugget(1, "listen-b", 1, skills=(LISTEN,), minutes=8, requires=("listen-a",)),
        nugget(1, "listen-c", 2, skills=(LISTEN,), minutes=10, requires=("listen-b",)),
        nugget(2, "feedback-x", 0, skills=(FEEDBACK,), minutes=6),
        nugget(2, "feedback-y", 1, skills=(FEEDBACK,), minutes=7, requires=("feedback-x",)),
    ])


def state(done: set[tuple[int, str]] | None = None, p: dict[int, float] | None = None,
          targets: dict[int, Target] | None = None) -> LearnerState:
    return LearnerState(done=frozenset(done or set()), targets=TARGETS if targets is None else targets,
                        p_known=p or {})
