"""The proficiency scale, its mappings, and the BKT estimate: documented numbers, bounded gaps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugin.skills import scale


@pytest.mark.parametrize(("value", "from_scale", "level"), [
    (1, "1-4", 1), (4, "1-4", 4), (1, "1-5", 1), (2, "1-5", 2), (3, "1-5", 3), (4, "1-5", 3), (5, "1-5", 4),
    (0, "percent", 1), (25, "percent", 1), (26, "percent", 2), (50, "percent", 2), (75, "percent", 3),
    (76, "percent", 4), (100, "percent", 4)])
def test_levels_map_to_the_one_scale(value, from_scale, level):
    assert scale.to_level(value, from_scale) == level


@pytest.mark.parametrize(("value", "from_scale"), [(0, "1-4"), (5, "1-4"), (2.5, "1-4"), (6, "1-5"),
                                                   (101, "percent"), (-1, "percent"), (1, "1-10")])
def test_values_off_the_scale_are_refused_with_a_hint(value, from_scale):
    with pytest.raises(scale.ScaleError, match="use"):
        scale.to_level(value, from_scale)


def test_bkt_update_matches_the_published_formula():
    # Corbett & Anderson: P(L|correct) = P(L)(1-S) / (P(L)(1-S) + (1-P(L))G), then learning with P(T).
    p = scale.observe(0.1, True)
    posterior = 0.1 * 0.9 / (0.1 * 0.9 + 0.9 * 0.2)
    assert p == pytest.approx(posterior + (1 - posterior) * 0.15)
    assert scale.observe(0.5, False) < 0.5 < scale.observe(0.5, True)


def test_self_assessment_sets_the_prior_and_quiz_evidence_still_moves_it():
    assert scale.prior_from_self_level(None) == 0.1
    assert scale.prior_from_self_level(2) == 0.5
    assert scale.prior_from_self_level(4) == 0.95
    assert scale.replay(0.95, [False, False, False]) < 0.5


@given(target=st.integers(1, 4), p=st.floats(-1, 2, allow_nan=False),
       answers=st.lists(st.one_of(st.none(), st.booleans()), max_size=30))
def test_estimates_and_gaps_stay_in_range(target, p, answers):
    level = scale.level_of(scale.replay(min(1.0, max(0.0, p)), answers))
    assert 0.0 <= level <= 4.0
    assert 0.0 <= scale.gap(target, level) <= target
    assert 0.0 <= scale.gap(target, scale.level_of(p)) <= 4.0
