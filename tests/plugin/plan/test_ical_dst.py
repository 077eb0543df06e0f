"""The calendar feed on the days clocks change: an event lasts exactly its minutes (RFC 5545 §3.6.1)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from plugin.plan.ical import plan_calendar
from plugin.plan.services import PlannedDay, WeekPlan

BERLIN = ZoneInfo("Europe/Berlin")


def _event_times(day: dt.date, slot: dt.time, minutes: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, slot, tzinfo=BERLIN)
    week = WeekPlan(days=(PlannedDay(day, start, minutes, minutes, ()),), weekly_minutes=minutes,
                    done_this_week=0.0, streak=0, today=day)
    body = plan_calendar(week, uid_prefix="x", host="h", now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return event.decoded("dtstart"), event.decoded("dtend")


@pytest.mark.parametrize("day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)], ids=["spring-forward", "fall-back"])
@pytest.mark.parametrize("slot", [dt.time(1, 45), dt.time(2, 30), dt.time(2, 50)])
def test_an_event_on_a_dst_day_lasts_exactly_its_minutes(day: dt.date, slot: dt.time) -> None:
    start, end = _event_times(day, slot, 60)
    assert end - start == dt.timedelta(minutes=60)
    assert start.utcoffset() == dt.timedelta(0)
