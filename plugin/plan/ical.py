"""The week's plan as an iCalendar feed (RFC 5545), for the learner's private calendar URL."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event

from plugin.plan.services import WeekPlan


def plan_calendar(week: WeekPlan, *, uid_prefix: str, host: str, now: dt.datetime, open_url: str = "") -> bytes:
    """One event per planned day with something to do. UIDs are stable per learner and day, so a
    calendar that refreshes the feed updates the day's event rather than adding another (RFC 5545 §3.8.4.7)."""
    cal = Calendar()
    cal.add("prodid", "-//Skillbite//Learning plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Skillbite learning plan")
    for day in week.days:
        if day.minutes <= 0:
            continue
        event = Event()
        event.add("uid", f"{uid_prefix}-{day.day.isoformat()}@{host}")
        event.add("dtstamp", now.astimezone(dt.UTC))
        # UTC times: every calendar reads them the same, with no VTIMEZONE block to get wrong.
        # The end is computed in UTC: zoned wall-clock arithmetic on a DST day would end the event before
        # it starts or an hour late (RFC 5545 §3.6.1: DTEND is after DTSTART).
        start = day.start.astimezone(dt.UTC)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=day.minutes))
        titles = [r.nugget.title for r in day.nuggets]
        summary = f"Skillbite: {day.minutes} min"
        if titles:
            summary += f" – {titles[0]}" + (f" (+{len(titles) - 1})" if len(titles) > 1 else "")
        elif day.review_minutes:
            summary += " – review"
        event.add("summary", summary)
        lines = [f"• {r.nugget.title} ({r.nugget.course_title}): {r.why}" for r in day.nuggets]
        if day.review_minutes:
            lines.append(f"• Review practice: about {day.review_minutes} min")
        if open_url:
            lines.append(f"Open Skillbite from your LMS course: {open_url}")
        event.add("description", "\n".join(lines))
        event.add("transp", "TRANSPARENT")  # a learning slot should not block meetings being booked
        cal.add_component(event)
    body: bytes = cal.to_ical()
    return body
