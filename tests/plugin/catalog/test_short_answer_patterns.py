"""Short-answer patterns cannot hold a worker: slow ones are refused at import, and grading has a time limit."""

from __future__ import annotations

import time

import pytest

from plugin.catalog import items
from plugin.catalog.items import item_type, load_item


def short_text(patterns: list[str]) -> tuple[dict | None, dict]:
    return load_item({"id": "q", "prompt": "?", "type": "short_text", "patterns": patterns})


@pytest.mark.parametrize("pattern", [r"(a|a)+b", r"(\w|\w)+x", r"(\d|\d)+\."])
def test_a_pattern_that_backtracks_without_end_is_refused_at_import(pattern):
    began = time.monotonic()
    loaded, errors = short_text(["always", pattern])
    assert loaded is None
    assert errors["patterns"] == [
        "pattern 2 takes too long to check on some answers: a repetition inside a repetition, such as `(a|a)+` "
        r"or `(\w+\s?)+`, tries every way to split an answer. Write it with one repetition (for example "
        r"`[\w\s]+`) or list the `accepted:` answers"]
    assert time.monotonic() - began < 5  # each probe stops at the time limit


def test_ordinary_patterns_still_import_and_grade():
    loaded, errors = short_text([r"(always )?listen(ing)?", r"[\w\s]+ feedback"])
    assert errors == {} and loaded is not None
    assert item_type("short_text").grade(loaded, "Always listening").correct
    assert item_type("short_text").grade(loaded, "giving useful feedback").correct
    assert not item_type("short_text").grade(loaded, "never").correct


def test_grading_stops_a_pattern_that_runs_out_of_time(monkeypatch, caplog):
    """A pattern stored before the import check (or one no probe caught) costs a learner at most the limit."""
    loaded, _ = short_text(["always"])
    assert loaded is not None
    slow = {**loaded, "patterns": [r"(a|a)+b"]}
    monkeypatch.setattr(items, "PATTERN_SECONDS", 0.01)
    began = time.monotonic()
    grade = item_type("short_text").grade(slow, "a" * 28)
    assert not grade.correct
    assert time.monotonic() - began < 2  # Python's re takes about 15 s, and four times as long per character more
    assert "ran out of time" in caplog.text


@pytest.mark.parametrize("kind", [["single_choice"], {"a": 1}, 3])
def test_an_item_type_that_is_not_a_name_is_a_problem(kind):
    loaded, errors = load_item({"id": "q", "prompt": "?", "type": kind})
    assert loaded is None and errors["type"][0].startswith(f"unknown item type {kind!r}: use one of ")
