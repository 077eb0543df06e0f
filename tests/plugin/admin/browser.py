"""Real Chromium for the console's layout tests, in a thread of its own.

Playwright's sync API allows one running instance per thread, and in a whole-suite run the e2e tests'
session-wide browser holds the main thread's; so each check here runs on its own thread and browser.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

EMAIL, PASSWORD = "it-admin@example.com", "correct horse battery staple"


def in_chromium(check: Callable[[Any], None]) -> None:
    """Run ``check(browser)``; its failure is this test's failure."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with sync_api.sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                try:
                    check(browser)
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001  (handed to the test's thread, which raises it)
            failures.append(exc)

    thread = threading.Thread(target=run, name="chromium")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def signed_in_page(browser: Any, base_url: str, viewport: dict[str, int]) -> Any:
    """A page of a new browser context, signed in to the console as the local admin EMAIL."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/admin/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/admin/")
    return page
