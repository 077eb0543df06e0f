"""skillbite_launches_total: every POST to /lti/launch counted once, as accepted or rejected with its code."""

from __future__ import annotations

from lti import claims
from tests.plugin.launch.helpers import launch_through_platform_storage
from tests.support.first_page import assert_first_page

from .helpers import samples, scrape, value


def launches(client, result: str, error: str = "") -> float:  # type: ignore[no-untyped-def]
    return value(scrape(client), "skillbite_launches_total", result=result, error=error)


def test_good_launch_is_counted_as_accepted(platform, browser, client):
    before = launches(client, "accepted")
    assert_first_page(platform.launch(browser))
    assert launches(client, "accepted") - before == 1


def test_deep_linking_launch_is_counted_as_accepted(platform, browser, client):
    before = launches(client, "accepted")
    response = platform.launch(browser, role="Instructor", message_type=claims.DEEP_LINKING_REQUEST)
    assert response.status_code == 303
    assert launches(client, "accepted") - before == 1


def test_platform_storage_page_is_counted_as_continued_and_its_launch_once_as_accepted(platform, browser, client):
    before = {result: launches(client, result) for result in ("accepted", "continued")}
    asking, answered = launch_through_platform_storage(platform, browser)
    assert asking.status_code == 200
    assert_first_page(answered)
    assert launches(client, "continued") - before["continued"] == 1
    assert launches(client, "accepted") - before["accepted"] == 1


def test_rejected_launch_is_counted_with_its_error_code(platform, browser, client):
    before = launches(client, "rejected", "expired")
    response = platform.launch(browser, token_options=platform.token_case("expired"))
    assert response.status_code == 400
    assert launches(client, "rejected", "expired") - before == 1


def test_launch_without_id_token_is_counted_with_its_code(client):
    before = launches(client, "rejected", "missing_id_token")
    assert client.post("/lti/launch", data={"state": "s"}).status_code == 400
    assert launches(client, "rejected", "missing_id_token") - before == 1


def test_other_endpoints_are_not_counted_as_launches(client):
    before = total_launches(scrape(client))
    client.get("/healthz")
    client.post("/lti/login", data={})
    assert total_launches(scrape(client)) == before


def total_launches(text: str) -> float:
    return sum(v for (name, _), v in samples(text).items() if name == "skillbite_launches_total")
