"""A From or To date at the ends of the calendar is a filter the admin can correct, never a server error."""

from __future__ import annotations

from typing import Any

import pytest

OUT_OF_RANGE = ({"since": "0001-01-01T00:00:00+05:00"}, {"until": "9999-12-31T23:59:59-05:00"})


@pytest.mark.parametrize("query", OUT_OF_RANGE)
def test_a_date_that_leaves_the_calendar_in_utc_is_a_bad_filter_on_the_log(local: Any, tenants: Any,
                                                                             query: dict[str, str]) -> None:
    refused = local.get("/admin/statements", query_string=query)
    label = "From" if "since" in query else "To"
    assert refused.status_code == 400
    assert f"{label} must be a date or time between the years 1 and 9999" in refused.get_data(as_text=True)


@pytest.mark.parametrize("query", OUT_OF_RANGE)
def test_a_date_that_leaves_the_calendar_in_utc_is_a_bad_filter_on_the_export(local: Any, tenants: Any,
                                                                                query: dict[str, str]) -> None:
    refused = local.get("/admin/statements.jsonl", query_string=query, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert "between the years 1 and 9999" in refused.get_data(as_text=True)


def test_the_first_and_last_days_in_utc_are_filters_that_match_every_statement(local: Any, tenants: Any) -> None:
    everything = local.get("/admin/statements",
                           query_string={"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59Z"})
    assert everything.status_code == 200
    assert "learner-A" in everything.get_data(as_text=True) and "learner-B" in everything.get_data(as_text=True)
    export = local.get("/admin/statements.jsonl", query_string={"since": "0001-01-01T05:00:00+05:00",
                                                                "until": "9999-12-31T18:00:00-05:00"})
    lines = export.get_data(as_text=True).splitlines()
    export.close()
    assert export.status_code == 200 and len(lines) >= 2
