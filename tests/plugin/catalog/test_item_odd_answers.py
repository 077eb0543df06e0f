"""Answers no browser control sends (Unicode digits, huge numbers, a novel in a text box) are unreadable
answers, never an error: the learner gets the page back with what to fix."""

from __future__ import annotations

import pytest

from plugin.catalog.items import item_type
from tests.plugin.catalog.test_catalog_items import CHOICES, spec

# "²" passes str.isdigit() but int() refuses it; "١" is an Arabic-Indic one, which int() would read as 1.
ODD_NUMBERS = ["²", "١", "99999999999999999999", "9" * 5000, "-1", " "]

ONE_FIELD = {
    "single_choice": {"choices": CHOICES[:2]},
    "multiple_response": {"choices": CHOICES},
}
PER_PART = {
    "ordering": {"order": ["one", "two"]},
    "matching": {"pairs": [{"left": "a", "right": "1"}, {"left": "b", "right": "2"}]},
}


@pytest.mark.parametrize("kind", sorted(ONE_FIELD))
@pytest.mark.parametrize("odd", ODD_NUMBERS)
def test_a_choice_that_is_not_an_ascii_number_is_no_answer(kind, odd):
    s = spec({"type": kind, **ONE_FIELD[kind]})
    assert not item_type(kind).answered(item_type(kind).read(s, {"": [odd]}))


@pytest.mark.parametrize("kind", sorted(PER_PART))
@pytest.mark.parametrize("odd", ODD_NUMBERS)
def test_a_position_that_is_not_an_ascii_number_is_no_answer(kind, odd):
    s = spec({"type": kind, **PER_PART[kind]})
    first = "1" if kind == "ordering" else "0"  # one readable part, one odd: still not an answer
    assert not item_type(kind).answered(item_type(kind).read(s, {"0": [first], "1": [odd]}))


def test_a_short_answer_longer_than_its_box_is_refused_with_the_limit():
    kind = item_type("short_text")
    s = spec({"type": "short_text", "accepted": ["always"]})
    assert kind.read(s, {"": ["x" * kind.MAX_LENGTH]}) == "x" * kind.MAX_LENGTH
    assert not kind.answered(kind.read(s, {"": ["x" * (kind.MAX_LENGTH + 1)]}))
    assert f"at most {kind.MAX_LENGTH} characters" in kind.blank_hint(s)
