"""Numbers in URLs and forms that no id column can hold, or that are not ASCII digits: "not found" or
"enter a number", never a 500 (OverflowError on SQLite, DataError on PostgreSQL, ValueError from int())."""

from __future__ import annotations

import pytest

from lti.message import Role
from plugin.web.numbers import DATABASE_ID_MAX, whole_number
from tests.plugin.player.launches import demo_course, launch_as  # noqa: F401
from tests.plugin.player.test_player_flow import csrf_of

BIG = "99999999999999999999"


@pytest.mark.parametrize(("text", "expected"), [
    ("7", 7), ("007", 7), (str(DATABASE_ID_MAX), DATABASE_ID_MAX), (str(DATABASE_ID_MAX + 1), None), (BIG, None),
    ("9" * 5000, None), ("0" * 5000 + "7", 7), ("²", None), ("١", None), ("-1", None), (" 7", None), ("7.0", None),
    ("", None), (None, None),
])
def test_whole_numbers_are_ascii_digits_within_the_database_range(text, expected):
    assert whole_number(text) == expected


def test_whole_numbers_outside_the_asked_range_are_none():
    assert [whole_number(t, low=1, high=4) for t in ("0", "1", "4", "5")] == [None, 1, 4, None]


def test_a_status_list_number_beyond_any_id_is_not_found(client):
    assert client.get(f"/credentials/status/{BIG}").status_code == 404
    assert client.get("/credentials/status/%C2%B2").status_code == 404  # "²"


@pytest.mark.parametrize("card", [BIG, "%D9%A1"])  # "١": int() would read it as card 1
def test_a_review_card_number_beyond_any_id_or_in_other_digits_is_not_found(client, launch_as, card):  # noqa: F811
    learner = launch_as()
    csrf = csrf_of(client.get("/plan", query_string=learner.q()).text)
    assert client.post(f"/review/{card}", query_string=learner.q(), data={"csrf": csrf}).status_code == 404
    assert client.get(f"/review/{card}/result/1", query_string=learner.q()).status_code == 404
    assert client.get(f"/review/1/result/{card}", query_string=learner.q()).status_code == 404


def test_a_course_export_number_beyond_any_id_is_not_found(client, launch_as, demo_course):  # noqa: F811
    instructor = launch_as("teacher", role=Role.INSTRUCTOR)
    assert client.get(f"/learn/manage/{BIG}/export", query_string=instructor.q()).status_code == 404
