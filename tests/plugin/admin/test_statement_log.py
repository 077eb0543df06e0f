"""A statement as a row of the console's log: short words for its result, the whole of it kept."""

from __future__ import annotations

import json

from plugin.admin.statement_log import describe

STATEMENT = {"id": "6f1c", "actor": {"account": {"homePage": "https://lms.example.com", "name": "sub-42"}},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
             "object": {"id": "https://skillbite.example.com/nugget/7",
                        "definition": {"name": {"en-US": "Lifting safely"}}},
             "result": {"score": {"scaled": 0.75}, "success": False, "completion": True},
             "timestamp": "2025-01-31T10:15:30.123+01:00"}


def test_a_statement_row_says_its_result_in_words_and_time_in_utc() -> None:
    row = describe(STATEMENT)
    assert (row.time, row.learner, row.verb) == ("2025-01-31 09:15:30", "sub-42", "answered")
    assert (row.activity, row.activity_iri) == ("Lifting safely", "https://skillbite.example.com/nugget/7")
    assert row.result == "score 75%, failed, completed"
    assert json.loads(row.whole) == STATEMENT  # the whole statement, one tap away


def test_an_activity_without_a_name_is_shown_by_its_iri_once() -> None:
    row = describe({**STATEMENT, "object": {"id": "https://x.example/a"}, "result": {"score": {"raw": 3, "max": 4}}})
    assert (row.activity, row.activity_iri, row.result) == ("https://x.example/a", None, "score 3 of 4")
