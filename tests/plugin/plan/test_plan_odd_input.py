"""Plan settings no form of ours sends: a page that says, in the learner's words, what to enter instead."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.plugin.skills.support import csrf_of

GOOD = {"weekly_minutes": "60", "days": ["1"], "slot": "09:00", "timezone": "UTC"}


def _save(client, learner, **changes):
    page = client.get("/plan", query_string=learner.q())
    return client.post("/plan", query_string=learner.q(), data={"csrf": csrf_of(page.text), **GOOD, **changes})


def _problem(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>(.*?)<a ', html, re.S)
    assert match, "the page says why the settings were not saved"
    return unescape(match.group(1))


def test_a_superscript_day_is_ignored_not_an_error(client, launch_as):
    assert _save(client, launch_as(), days=["1", "²"]).status_code == 303


@pytest.mark.parametrize("typed", ["1e3", "60.5", "²", "9" * 5000])
def test_weekly_minutes_that_are_no_whole_number_ask_for_one(client, launch_as, typed):
    response = _save(client, launch_as(), weekly_minutes=typed)
    assert response.status_code == 400
    problem = _problem(response.text)
    assert "weekly minutes: enter a whole number from 5 to 600" in problem
    assert "int()" not in problem and "literal" not in problem and "digits" not in problem


@pytest.mark.parametrize("zone", ["a" * 300, "Europe", "Europe/Berlin\x00"])
def test_a_time_zone_that_is_no_zone_name_is_refused_with_an_example(client, launch_as, zone):
    response = _save(client, launch_as(), timezone=zone)
    assert response.status_code == 400 and "use a name like Europe/Berlin" in _problem(response.text)


def test_a_start_time_with_a_trailing_newline_is_refused(client, launch_as):
    response = _save(client, launch_as(), slot="09:00\n")
    assert response.status_code == 400 and "time: use HH:MM" in _problem(response.text)


@pytest.mark.parametrize("minutes", ["²", "99999999999999999999"])
def test_what_next_ignores_minutes_that_are_no_number(client, launch_as, minutes):
    assert client.get("/plan/next", query_string=launch_as().q(minutes=minutes)).status_code == 200


def test_the_problem_ends_its_sentence_before_the_link(client, launch_as):
    problem = _problem(_save(client, launch_as(), slot="9 o'clock").text)
    assert problem.rstrip().endswith("e.g. 08:30.") or problem.rstrip().endswith(".")
    assert ".." not in problem
