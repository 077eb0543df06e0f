"""LTI launches in real Chromium, framed by an LMS page of another site (platform on 127.0.0.1, tool on
localhost): with cookies, with LTI Platform Storage when the tool's cookies are refused, and the demo."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from plugin.launch.models import LaunchSession
from tests.plugin.launch.helpers import count, register

pytestmark = pytest.mark.browser

PREVIEW_NOTICE = "nothing you do here is saved"


@pytest.fixture
def tool(localhost_server):
    return localhost_server()


@pytest.fixture
def lms(strict_platform, tool):
    platform = strict_platform(tool_base=tool.url)
    register(tool.app.extensions["skillbite"], platform)
    return platform


def tool_frame(page, tool_url: str):
    """The iframe's frame once it has landed on the tool's first page (bounded by the page timeout)."""
    frame = page.frame(name="tool")
    assert frame is not None
    frame.wait_for_url(re.compile(re.escape(tool_url) + r"/learn.*"), timeout=15_000)
    frame.wait_for_load_state("load")
    return frame


def refuse_tool_cookies(page, tool) -> None:
    """Make the browser keep none of the tool's cookies, as when third-party cookies are blocked: its
    responses reach the page without Set-Cookie, and the jar (which route.fetch shares) is emptied."""
    host = tool.url.split("://", 1)[1].split(":", 1)[0]

    def without_cookies(route):
        response = route.fetch(max_redirects=0)
        page.context.clear_cookies(domain=host)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        route.fulfill(response=response, headers=headers)

    page.context.route(re.compile(re.escape(tool.url) + "/.*"), without_cookies)


def test_launch_in_an_iframe_of_another_site_reaches_the_first_page(page, lms, tool):
    assert not tool.url.startswith("http://127.0.0.1")  # two sites, not just two ports
    page.goto(lms.base_url + "/course?role=Learner")
    frame = tool_frame(page, tool.url)
    body = frame.locator("body").inner_text()
    assert "could not be completed" not in body
    assert PREVIEW_NOTICE not in body
    assert count(tool.app.extensions["skillbite"], LaunchSession) == 1


def test_reloading_the_first_page_gets_it_again_instead_of_posting_the_launch(page, lms, tool):
    page.goto(lms.base_url + "/course?role=Learner")
    frame = tool_frame(page, tool.url)  # /learn… in the address bar: the page's history.replaceState ran
    heading = frame.locator("h1").inner_text()
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    with page.expect_response(lambda response: response.url == frame.url) as reloaded:
        frame.evaluate("() => location.reload()")
    assert reloaded.value.status == 200 and reloaded.value.request.method == "GET"
    frame = tool_frame(page, tool.url)
    assert frame.locator("h1").inner_text() == heading
    assert not [url for method, url in requests if method == "POST"]
    assert count(tool.app.extensions["skillbite"], LaunchSession) == 1


def test_launch_with_the_tools_cookies_refused_succeeds_through_platform_storage(page, lms, tool):
    refuse_tool_cookies(page, tool)
    page.goto(lms.base_url + "/course?role=Learner&storage=1")
    frame = tool_frame(page, tool.url)
    assert "could not be completed" not in frame.locator("body").inner_text()
    assert page.context.cookies(tool.url) == []
    log = page.evaluate("window.ltiStorageLog")
    assert [entry["subject"] for entry in log] == ["lti.put_data", "lti.get_data"]
    assert {entry["origin"] for entry in log} == {tool.url}
    assert count(tool.app.extensions["skillbite"], LaunchSession) == 1


def test_launch_with_the_tools_cookies_refused_and_no_platform_storage_is_refused(page, lms, tool):
    refuse_tool_cookies(page, tool)
    page.goto(lms.base_url + "/course?role=Learner")
    frame = page.frame(name="tool")
    frame.wait_for_url(re.compile(re.escape(tool.url) + "/lti/launch"), timeout=15_000)
    frame.wait_for_selector("text=state_not_bound")
    assert count(tool.app.extensions["skillbite"], LaunchSession) == 0


def test_demo_course_page_launches_alex_inside_its_iframe(page, localhost_server):
    tool = localhost_server(demo=True)
    page.goto(tool.url + "/demo?as=alex")
    frame = page.frame_locator("iframe.lms-frame")
    frame.locator("main").wait_for()
    # The frame has launched once its page is one of the learner's (bounded; not wait_for_function, whose
    # polling evaluates a string in the page, which the page's CSP forbids).
    expect(frame.locator("nav.launch-nav")).to_be_visible(timeout=15_000)
    text = frame.locator("body").inner_text()
    assert "could not be completed" not in text
    assert PREVIEW_NOTICE not in text
    assert count(tool.app.extensions["skillbite"], LaunchSession) == 1
