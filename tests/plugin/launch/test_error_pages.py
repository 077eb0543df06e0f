"""Pages of rejected launches: plain words for the learner first, the technical detail for the LMS admin."""

from __future__ import annotations

import re
from pathlib import Path

from plugin.logs import JsonFormatter
from plugin.platforms.models import Platform
from plugin.web.context import db
from tests.support.browser import FlaskClientBrowser

from .helpers import TOOL_BASE

JARGON = ("id_token", "JWT", "JWKS", "nonce", "OIDC", "claim", "issuer", "client_id", "deployment")


def parts(html: str) -> tuple[str, str]:
    """(what everyone reads, the part for the LMS administrator) as text."""
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    assert main, html[:800]
    plain, _, admin = main.group(1).partition('<section class="for-admin"')
    assert admin, "the page has a part for the LMS administrator"
    return re.sub(r"<[^>]+>", " ", plain), re.sub(r"<[^>]+>", " ", admin)


def headline(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match
    return match.group(1).strip()


def test_a_used_launch_says_so_in_plain_words_and_what_to_do(platform, browser):
    response = platform.launch(browser, tamper=lambda form: {**form, "state": "s-" + "x" * 40})
    assert response.status_code == 400
    plain, admin = parts(response.text)
    assert headline(response.text) == "This sign-in has expired"
    assert "open the activity again" in plain and not any(word in plain for word in JARGON)
    assert "For your LMS administrator" in admin and "<code>invalid_state</code>" in response.text
    assert "This launch could not be completed: This launch has expired or was already used." in admin


def test_a_blocked_cookie_tells_the_learner_to_open_a_new_window(platform, browser, client, runtime):
    form = platform.authorize(platform.start_login(browser))
    client.delete_cookie("lti_state_" + form["state"], domain="localhost", path="/lti/")
    response = platform.finish(browser, form)
    assert response.status_code == 401
    plain, admin = parts(response.text)
    assert headline(response.text) == "Your browser blocked the sign-in"
    assert "new window" in plain and not any(word in plain for word in JARGON)
    assert "Third-party cookies seem blocked" in admin and "Reference:  state_not_bound  (HTTP 401)" in admin


def test_a_setup_problem_says_it_is_not_the_learners_fault_and_keeps_the_detail_for_the_admin(platform, app):
    stranger = FlaskClientBrowser(app.test_client(), TOOL_BASE)
    response = platform.launch(stranger, tamper=lambda form: {"state": form["state"]})
    assert response.status_code == 400
    plain, admin = parts(response.text)
    assert headline(response.text) == "Skillbite is not set up correctly in your LMS"
    assert "not something you did" in plain and "LMS administrator" in plain
    assert not any(word in plain for word in JARGON)
    assert "The LMS did not send an id_token." in admin and "What to check" in admin
    assert "Reference:  missing_id_token  (HTTP 400)" in admin


def test_other_errors_keep_their_own_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert 'class="for-admin"' not in response.text


def test_pages_the_app_has_no_words_for_still_speak_plainly(client):
    # a reloaded or bookmarked launch address is a GET where the LMS posts
    launch = client.get("/lti/launch")
    assert launch.status_code == 405
    assert "This page cannot be opened this way" in launch.text and "open Skillbite from there" in launch.text
    assert "The method is not allowed for the requested URL" not in launch.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert "The requested URL was not found on the server" not in missing.text


def test_the_error_page_shows_after_a_failed_flush_in_a_launch(app, client, launch_as):
    """A view whose flush failed leaves the session refusing queries until rolled back; the error page
    reads the launch for its navigation, so the handler rolls back first, and the learner gets the page."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers, not the test client

    def broken() -> str:
        db().add(Platform())  # no issuer, no client_id: NOT NULL fails at flush
        db().flush()
        return "unreachable"

    app.add_url_rule("/test/broken-flush", view_func=broken)
    learner = launch_as("ann")
    response = client.get("/test/broken-flush", query_string=learner.q())
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert 'href="/learn/courses?lt=' in response.text  # the launch's navigation, read after the rollback


def test_every_launch_and_registration_error_code_has_plain_words():
    """A code without a kind in error_wording.html shows the technical message to the learner: each code the
    code base raises has one."""
    root = Path(__file__).resolve().parents[3]
    raised = set()
    for source in [*root.glob("lti/*.py"), *root.glob("plugin/**/*.py")]:
        raised |= set(re.findall(r'(?:LaunchError|RegistrationError)\(\s*"([a-z_]+)"', source.read_text()))
    wording = (root / "plugin/launch/templates/launch/error_wording.html").read_text()
    kinds = set(re.findall(r'"([a-z_]+)": "[a-z]+"', wording.partition("KIND_OF")[2]))
    assert len(raised) > 30
    assert raised - kinds == set()


def test_an_unexpected_error_is_logged_without_its_text(app, client, caplog):
    """A database error's text carries the row's values (a learner's name, an e-mail): the log keeps the
    error's type and traceback, never its text."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> str:
        learner = "".join(reversed("ecalevoL adA"))  # a value, as a row's: not in the source the traceback quotes
        raise RuntimeError(f"{learner} did not fit")

    app.add_url_rule("/test/broken", view_func=broken)
    assert client.get("/test/broken").status_code == 500
    [record] = [r for r in caplog.records if r.getMessage() == "unexpected error"]
    line = JsonFormatter().format(record)  # the line as the log gets it
    assert '"error": "RuntimeError"' in line and "in broken" in line  # the traceback's frames
    assert "Ada Lovelace" not in line
