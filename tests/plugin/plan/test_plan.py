"""The learner's plan: settings, the week within budget, streaks, minutes from the player, the calendar feed."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
import sqlalchemy as sa

from plugin.db import transaction
from plugin.plan.models import LearningDay
from plugin.plan.services import PlanInvalid, save_plan, streak, week_plan
from tests.plugin.skills.support import csrf_of, give_role

MONDAY = dt.date(2026, 11, 23)


def test_streak_counts_planned_days_and_skips_unplanned_ones():
    weekdays = [1, 2, 3, 4, 5]
    learnt = {MONDAY + dt.timedelta(days=i) for i in (0, 1, 2, 3, 4)} | {MONDAY - dt.timedelta(days=3)}  # Fri before
    saturday = MONDAY + dt.timedelta(days=5)
    assert streak(learnt, weekdays, saturday) == 6
    assert streak(learnt - {MONDAY + dt.timedelta(days=2)}, weekdays, saturday) == 2  # Wednesday missed


def test_today_does_not_break_a_streak_before_it_is_over():
    assert streak({MONDAY}, [1, 2], MONDAY + dt.timedelta(days=1)) == 1


def test_plan_settings_are_checked_all_at_once(app, launch_as):
    learner = launch_as("pat")
    with pytest.raises(PlanInvalid) as caught, transaction(app.extensions["skillbite"].sessions) as session:
        save_plan(session, learner.platform_id, learner.user_id, weekly_minutes=1, days=[], slot="25:00",
                  timezone="Mars/Base")
    assert str(caught.value).count(";") == 3


def test_week_plan_fits_each_day_and_the_week(app, launch_as, demo_skills):
    learner = launch_as("quinn")
    give_role(app, learner.platform_id, learner.user_id)
    with transaction(app.extensions["skillbite"].sessions) as session:
        save_plan(session, learner.platform_id, learner.user_id, weekly_minutes=45, days=[1, 3, 5], slot="07:45",
                  timezone="Europe/Berlin")
        week = week_plan(session, learner.platform_id, learner.user_id,
                         now=dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC))
    assert [d.day.isoweekday() for d in week.days] == [1, 3, 5]
    assert all(d.budget == 15 and d.minutes <= 15 for d in week.days)
    assert sum(d.minutes for d in week.days) <= 45
    first = week.days[0]
    assert first.start.strftime("%H:%M") == "07:45" and first.nuggets[0].nugget.key == "why-feedback"
    planned = [r.nugget.key for d in week.days for r in d.nuggets]
    assert len(planned) == len(set(planned))


def test_plan_page_saves_settings_and_shows_reasons(client, app, launch_as, demo_skills):
    learner = launch_as("rae")
    give_role(app, learner.platform_id, learner.user_id)
    page = client.get("/plan", query_string=learner.q())
    assert page.status_code == 200 and "Why: closes gap in Giving and receiving feedback" in page.text
    bad = client.post("/plan", data={"lt": learner.token, "csrf": csrf_of(page.text), "weekly_minutes": "0",
                                     "days": ["1"], "slot": "08:00", "timezone": "UTC"})
    assert bad.status_code == 400 and "weekly minutes: choose 5 to 600" in bad.text
    wrong = client.post("/plan", data={"lt": learner.token, "csrf": csrf_of(page.text), "weekly_minutes": "45",
                                       "days": ["6", "7"], "slot": "19:15", "timezone": "Mars/Phobos"})
    assert wrong.status_code == 400 and "Your plan settings were not saved" in wrong.text
    # what was typed stays on the form, to correct rather than type again
    assert 'value="45"' in wrong.text and 'value="19:15"' in wrong.text and 'value="Mars/Phobos"' in wrong.text
    assert re.findall(r'name="days" value="(\d)" checked', wrong.text) == ["6", "7"]
    saved = client.post("/plan", data={"lt": learner.token, "csrf": csrf_of(page.text), "weekly_minutes": "70",
                                       "days": ["1", "2", "3", "4", "5", "6", "7"], "slot": "18:00",
                                       "timezone": "UTC"})
    assert saved.status_code == 303
    assert "of 70 minutes" in client.get("/plan", query_string=learner.q()).text


def test_forms_without_the_csrf_value_are_refused(client, launch_as):
    learner = launch_as("sam")
    assert client.post("/plan/calendar", data={"lt": learner.token}).status_code == 403


def test_minutes_and_completions_come_from_the_player(client, app, launch_as, demo_skills):
    learner = launch_as("tia")
    give_role(app, learner.platform_id, learner.user_id)
    page = client.get(f"/learn/c/{demo_skills}/n/why-feedback", query_string=learner.q())
    client.post(f"/learn/c/{demo_skills}/n/why-feedback/answers", query_string=learner.q(),
                data={"csrf": csrf_of(page.text), "i.praise-counts": "false"})
    with transaction(app.extensions["skillbite"].sessions) as session:
        week = week_plan(session, learner.platform_id, learner.user_id)
        days = list(session.scalars(sa.select(LearningDay).where(LearningDay.user_id == learner.user_id)))
    assert [(d.nuggets, d.minutes > 0) for d in days] == [(1, True)]  # time on task measured by the player
    assert week.streak == 1
    planned = [r.nugget.key for d in week.days for r in d.nuggets]
    assert "why-feedback" not in planned and "sbi-model" in planned


def _calendar_url(client, learner) -> str:
    page = client.get("/plan", query_string=learner.q())
    made = client.post("/plan/calendar", data={"lt": learner.token, "csrf": csrf_of(page.text)})
    assert made.status_code == 200
    match = re.search(r"<code>(http[^<]+\.ics)</code>", made.text)
    assert match, "the new private URL is shown once"
    return match.group(1).replace("http://localhost", "")


def test_calendar_feed_parses_with_icalendar(client, app, launch_as, demo_skills):
    learner = launch_as("uma")
    give_role(app, learner.platform_id, learner.user_id)
    feed = client.get(_calendar_url(client, learner))
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = list(calendar.walk("VEVENT"))
    assert events, "a default plan has weekday slots"
    first = events[0]
    assert str(first["SUMMARY"]).startswith("Skillbite: ")
    assert first.decoded("DTSTART").tzinfo is not None
    assert first.decoded("DTEND") > first.decoded("DTSTART")
    assert "closes gap in" in str(first["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_a_new_calendar_link_revokes_the_old_and_turning_it_off_revokes_all(client, app, launch_as, demo_skills):
    learner = launch_as("vic")
    old = _calendar_url(client, learner)
    new = _calendar_url(client, learner)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    page = client.get("/plan", query_string=learner.q())
    client.post("/plan/calendar/revoke", data={"lt": learner.token, "csrf": csrf_of(page.text)})
    assert client.get(new).status_code == 404


def test_guessed_calendar_tokens_find_nothing(client, demo_skills):
    assert client.get("/plan/calendar/" + "A" * 43 + ".ics").status_code == 404


def test_what_next_fits_the_minutes_given(client, app, launch_as, demo_skills):
    learner = launch_as("wes")
    give_role(app, learner.platform_id, learner.user_id)
    page = client.get("/plan/next", query_string=learner.q(minutes="1"))
    assert page.status_code == 200
    assert re.findall(r"\(Giving useful feedback, (\d+) min\)", page.text) == ["1"]
    assert "Why: closes gap in Giving and receiving feedback from 0.4 to 1.5 (target 3); 1 min" in page.text


def test_a_course_opened_without_a_role_is_what_comes_next(client, app, launch_as, demo_skills):
    # No target role and nothing finished yet: opening a course starts its pathway, so "What next" and
    # the week plan offer its next nugget instead of "nothing to recommend".
    learner = launch_as("uma")
    assert "Nothing to recommend right now" in client.get("/plan/next", query_string=learner.q()).text
    assert client.get(f"/learn/c/{demo_skills}", query_string=learner.q()).status_code == 200
    page = client.get("/plan/next", query_string=learner.q())
    assert "Why feedback matters" in page.text and "finishes a pathway you started" in page.text
    link = re.search(r'<a href="([^"]+)"><strong>Why feedback matters</strong></a>', page.text)
    assert link and f"/learn/c/{demo_skills}/n/why-feedback" in link.group(1) and learner.token in link.group(1)
    assert client.get(link.group(1)).status_code == 200
    plan = client.get("/plan", query_string=learner.q()).text
    # later picks come after earlier ones in the plan: they are not "done"
    assert "prerequisite Why feedback matters done" not in plan and "after Why feedback matters" in plan
    assert f'/learn/c/{demo_skills}/n/sbi-model' in plan
    with transaction(app.extensions["skillbite"].sessions) as session:
        week = week_plan(session, learner.platform_id, learner.user_id)
    assert week.days[0].nuggets[0].nugget.key == "why-feedback"
