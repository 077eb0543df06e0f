"""Picker filters no page of ours sends are ignored, never a 500."""

from __future__ import annotations

import pytest

from tests.plugin.deep_linking.test_picker import browser, fields, open_picker, platform  # noqa: F401
from tests.plugin.launch.helpers import TOOL_BASE


@pytest.mark.parametrize("minutes", ["²", "99999999999999999999", "7"])
def test_a_duration_that_is_not_one_offered_shows_the_whole_catalog(platform, browser, client, minutes):  # noqa: F811
    picker, _ = open_picker(platform, browser)
    page = client.get("/deep-linking", query_string={"lt": fields(picker.text)["lt"], "max_minutes": minutes},
                      base_url=TOOL_BASE)
    assert page.status_code == 200 and "Site safety" in page.text
