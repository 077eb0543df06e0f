"""Each quiz item type: reading the form and grading on the server."""

from __future__ import annotations

import pytest

from plugin.catalog.items import ITEM_TYPES, item_type, load_item
from plugin.catalog.render import render_inline


def spec(raw: dict) -> dict:
    loaded, errors = load_item({"id": "q", "prompt": "?", **raw})
    assert not errors, errors
    return loaded


def answer(kind: str, s: dict, form: dict) -> tuple[float, bool, list[str]]:
    t = item_type(kind)
    g = t.grade(s, t.read(s, form))
    return g.score, g.correct, g.feedback


CHOICES = [{"text": "A", "feedback": "no A"}, {"text": "B", "correct": True, "feedback": "yes B"},
           {"text": "C", "correct": True}]


def test_single_choice():
    s = spec({"type": "single_choice", "choices": CHOICES[:2]})
    assert answer("single_choice", s, {"": ["1"]}) == (1.0, True, ["yes B"])
    assert answer("single_choice", s, {"": ["0"]}) == (0.0, False, ["no A"])
    assert answer("single_choice", s, {"": ["9"]})[1] is False  # out of range is no answer
    assert answer("single_choice", s, {})[1] is False


def test_single_choice_needs_exactly_one_correct():
    _, errors = load_item({"id": "q", "prompt": "?", "type": "single_choice", "choices": CHOICES})
    assert "exactly one" in str(errors)


def test_multiple_response_needs_the_exact_set():
    s = spec({"type": "multiple_response", "choices": CHOICES})
    assert answer("multiple_response", s, {"": ["1", "2"]})[:2] == (1.0, True)
    score, correct, feedback = answer("multiple_response", s, {"": ["1"]})
    assert (score, correct) == (0.0, False) and "Some correct answers are missing." in feedback
    assert answer("multiple_response", s, {"": ["0", "1", "2"]})[1] is False


def test_true_false_with_feedback_per_answer():
    s = spec({"type": "true_false", "answer": False, "feedback_true": "nope", "feedback_false": "yes"})
    assert answer("true_false", s, {"": ["false"]}) == (1.0, True, ["yes"])
    assert answer("true_false", s, {"": ["true"]}) == (0.0, False, ["nope"])
    assert answer("true_false", s, {"": ["maybe"]})[1] is False


@pytest.mark.parametrize(("given", "correct"), [("2.5", True), ("2,6", True), ("2.71", False), ("abc", False),
                                                ("nan", False), ("inf", False), ("", False)])
def test_numeric_with_tolerance(given, correct):
    s = spec({"type": "numeric", "answer": 2.5, "tolerance": 0.1})
    assert answer("numeric", s, {"": [given]})[1] is correct


@pytest.mark.parametrize(("given", "correct"), [("Always", True), ("  always ", True), ("never", True),
                                                ("Always.", True), ("ALWAYS!", True), ("“always”", True),
                                                ("always not", False), ("NEVERMORE", False), ("alwayz", False),
                                                ("", False), ("?!", False)])
def test_short_text_accepted_answers_and_patterns(given, correct):
    s = spec({"type": "short_text", "accepted": ["always"], "patterns": ["nev(er)?"]})
    assert answer("short_text", s, {"": [given]})[1] is correct


def test_short_text_bad_pattern_is_an_authoring_error():
    _, errors = load_item({"id": "q", "prompt": "?", "type": "short_text", "patterns": ["(unclosed"]})
    assert "not a valid regular expression" in str(errors)


def test_ordering_gives_partial_credit():
    s = spec({"type": "ordering", "order": ["one", "two", "three", "four"]})
    full = {str(i): [str(i + 1)] for i in range(4)}
    assert answer("ordering", s, full)[:2] == (1.0, True)
    swapped = {"0": ["2"], "1": ["1"], "2": ["3"], "3": ["4"]}
    assert answer("ordering", s, swapped)[:2] == (0.5, False)
    duplicate = {"0": ["1"], "1": ["1"], "2": ["3"], "3": ["4"]}
    assert answer("ordering", s, duplicate)[:2] == (0.0, False)


def test_ordering_is_never_shown_in_the_right_order():
    s = spec({"type": "ordering", "order": ["one", "two"]})
    assert [i for i, _ in item_type("ordering").view(s)["steps"]] == [1, 0]


def test_matching_partial_credit():
    s = spec({"type": "matching", "pairs": [{"left": "a", "right": "1"}, {"left": "b", "right": "2"},
                                            {"left": "c", "right": "3"}]})
    assert answer("matching", s, {"0": ["0"], "1": ["1"], "2": ["2"]})[:2] == (1.0, True)
    score, correct, _ = answer("matching", s, {"0": ["0"], "1": ["2"], "2": ["1"]})
    assert (round(score, 2), correct) == (0.33, False)


def test_views_never_contain_answers():
    for kind, raw in {"single_choice": {"choices": CHOICES[:2]}, "multiple_response": {"choices": CHOICES},
                      "numeric": {"answer": 42}, "true_false": {"answer": True}}.items():
        view = item_type(kind).view(spec({"type": kind, **raw}))
        assert "correct" not in str(view) and "42" not in str(view) and "answer" not in str(view)


def test_every_registered_type_has_a_label_and_schema():
    assert len(ITEM_TYPES) == 7
    for cls in ITEM_TYPES.values():
        assert cls.label and cls.schema


def test_inline_markdown_in_prompts_is_sanitized():
    html = render_inline('**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))')
    assert "<strong>Bold</strong>" in html and "<img" not in html and 'href="javascript' not in html


@pytest.mark.parametrize(("raw", "said"), [
    ({"type": "single_choice", "choices": [{"text": "A"}, {"text": "B", "correct": True}]}, "B"),
    ({"type": "multiple_response", "choices": [{"text": "A", "correct": True}, {"text": "B"},
                                               {"text": "C", "correct": True}]}, "A; C"),
    ({"type": "true_false", "answer": False}, "False"),
    ({"type": "numeric", "answer": 2.5, "tolerance": 0.1, "unit": "days"}, "2.5 days (± 0.1)"),
    ({"type": "short_text", "accepted": ["ask", "listen"]}, "ask or listen"),
    ({"type": "ordering", "order": ["one", "two"]}, "one → two"),
    ({"type": "matching", "pairs": [{"left": "a", "right": "1"}, {"left": "b", "right": "2"}]}, "a = 1; b = 2"),
])
def test_every_item_type_says_its_answer_in_words(raw, said):
    assert set(ITEM_TYPES) == {"single_choice", "multiple_response", "true_false", "numeric", "short_text",
                               "ordering", "matching"}  # a new type needs a case here
    assert item_type(raw["type"]).solution(spec(raw)) == said
