"""The one proficiency scale (1–4), mappings from other scales, and the mastery estimate (BKT).

Everything here is pure arithmetic, documented in docs/skills.md so that an estimate can be explained
to the learner it describes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# The Skillbite proficiency scale. Targets are whole levels; estimates are real numbers in [0, 4],
# where 0 means "no evidence of the skill yet".
LEVELS: dict[int, str] = {1: "Foundational", 2: "Working", 3: "Proficient", 4: "Expert"}
MAX_LEVEL = 4

# From a 1–5 scale (e.g. SFIA-like or Likert self-ratings): levels 3 and 4 both map to Proficient
# because a 5-point scale splits the middle of ours.
FROM_FIVE: dict[int, int] = {1: 1, 2: 2, 3: 3, 4: 3, 5: 4}
SCALES = ("1-4", "1-5", "percent")


class ScaleError(ValueError):
    pass


def to_level(value: float, scale: str = "1-4") -> int:
    """A required proficiency given on ``scale`` as a whole level of ours (1–4)."""
    if scale == "1-4":
        if value not in (1, 2, 3, 4):
            raise ScaleError(f"{value:g} is not a level on the 1–4 scale: use 1, 2, 3 or 4")
        return int(value)
    if scale == "1-5":
        if value not in (1, 2, 3, 4, 5):
            raise ScaleError(f"{value:g} is not a level on the 1–5 scale: use a whole number from 1 to 5")
        return FROM_FIVE[int(value)]
    if scale == "percent":
        if not 0 <= value <= 100:
            raise ScaleError(f"{value:g} is not a percentage: use 0 to 100")
        # Quarters: 0–25 % → 1, 26–50 % → 2, 51–75 % → 3, 76–100 % → 4.
        return max(1, math.ceil(value / 25))
    raise ScaleError(f"unknown scale {scale!r}: use one of {', '.join(SCALES)}")


@dataclass(frozen=True)
class BktParameters:
    """Bayesian Knowledge Tracing (Corbett & Anderson 1995), one parameter set for every skill.

    Values are the commonly used defaults of the BKT literature; they are not fitted to our learners
    (there is no data yet). ``p_learn_nugget`` is ours: completing an aligned nugget is a learning
    opportunity without an observation.
    """

    p_init: float = 0.10  # P(L0): known before any evidence, without a self-assessment
    p_learn: float = 0.15  # P(T): learnt at one practice opportunity (an answered item)
    p_guess: float = 0.20  # P(G): right answer while not knowing
    p_slip: float = 0.10  # P(S): wrong answer while knowing
    p_learn_nugget: float = 0.30  # learnt by working through one aligned nugget


BKT = BktParameters()


def prior_from_self_level(level: int | None, params: BktParameters = BKT) -> float:
    """A self-assessment sets the prior: level L of 4 becomes P(L0) = L/4, kept off 0 and 1 so that
    quiz evidence can still move it (people over- and under-rate themselves)."""
    if level is None:
        return params.p_init
    return min(0.95, max(0.05, level / MAX_LEVEL))


def observe(p_known: float, correct: bool, params: BktParameters = BKT) -> float:
    """One answer: the Bayesian posterior given the answer, then the chance to learn from practice."""
    if correct:
        evidence = p_known * (1 - params.p_slip)
        posterior = evidence / (evidence + (1 - p_known) * params.p_guess)
    else:
        evidence = p_known * params.p_slip
        posterior = evidence / (evidence + (1 - p_known) * (1 - params.p_guess))
    return posterior + (1 - posterior) * params.p_learn


def study(p_known: float, params: BktParameters = BKT) -> float:
    """Working through an aligned nugget: a learning opportunity without an observation."""
    return p_known + (1 - p_known) * params.p_learn_nugget


def replay(prior: float, answers: Iterable[bool | None], params: BktParameters = BKT) -> float:
    """The estimate from a prior and an evidence history (``None`` is a completed nugget)."""
    p = prior
    for answer in answers:
        p = study(p, params) if answer is None else observe(p, answer, params)
    return p


def level_of(p_known: float) -> float:
    """The estimate on our scale: P(known) × 4, so 0.5 reads as level 2 (Working)."""
    return round(max(0.0, min(1.0, p_known)) * MAX_LEVEL, 2)


def gap(target: int, estimate: float) -> float:
    """How far the estimate is below the target, in levels (0 when the target is met)."""
    return round(max(0.0, min(float(MAX_LEVEL), target - estimate)), 2)
