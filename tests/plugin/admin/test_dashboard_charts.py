"""The dashboard's charts keep their axis labels at a readable, fixed size on a phone and a wide screen,
with the numbers still given as text."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from plugin.admin import accounts, activity, charts
from plugin.db import transaction
from tests.e2e.axe import axe_violations
from tests.plugin.admin.browser import EMAIL, PASSWORD, in_chromium, signed_in_page

# A label's rendered height in CSS pixels, wherever it is: HTML or SVG text (which scales with its SVG).
LABEL_HEIGHT = """(text) => {
  const found = [...document.querySelectorAll('figure.chart *')].filter(e =>
      e.children.length === 0 && e.textContent.trim() === text && e.getClientRects().length > 0);
  return found.length ? found[0].getBoundingClientRect().height : null;
}"""


def test_the_chart_svg_holds_no_text_and_its_labels_are_html(local: Any, tenants: Any) -> None:
    page = local.get("/admin/").get_data(as_text=True)
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(svgs) == 3 and all("<text" not in svg for svg in svgs)
    assert all('preserveAspectRatio="none"' in svg for svg in svgs)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert '<p class="x-axis" aria-hidden="true"><span>' in page and f"<span>{today}</span>" in page
    assert '<ul class="y-axis" aria-hidden="true"><li>2</li><li>1</li><li>0</li></ul>' in page  # 2 launches


def test_axis_ticks_are_evenly_spaced_round_numbers() -> None:
    days = [dt.date(2025, 1, d) for d in (1, 2, 3)]
    assert [t.value for t in charts.bar_chart(activity.DailySeries("L", days, [0, 4, 2])).ticks] == [0, 5]
    assert [t.value for t in charts.bar_chart(activity.DailySeries("L", days, [0, 9, 2])).ticks] == [0, 5, 10]


@pytest.mark.browser
def test_axis_labels_are_the_same_readable_size_on_a_phone_and_a_wide_screen(live_server: Any) -> None:
    with transaction(live_server.app.extensions["skillbite"].sessions) as session:
        accounts.create_admin(session, EMAIL, PASSWORD)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    heights = []

    def check(browser: Any) -> None:
        for viewport in ({"width": 390, "height": 844}, {"width": 1920, "height": 1080}):
            page = signed_in_page(browser, live_server.url, viewport)
            heights.append(page.evaluate(LABEL_HEIGHT, today))  # the last day, under each chart
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert axe_violations(page) == []

    in_chromium(check)
    phone, wide = heights
    assert phone is not None and wide is not None
    assert 12 <= phone <= 24 and abs(phone - wide) < 1, heights
