"""Signing in to the console: CSRF, the rate limit across processes, the cookie, sign-out and expiry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import pytest
import sqlalchemy as sa

from plugin import create_app
from plugin.admin import accounts
from plugin.admin.models import AdminSession, LoginFailure
from plugin.db import utcnow

from .conftest import EMAIL, PASSWORD, csrf_in, sign_in


def test_sign_in_opens_the_dashboard_with_a_strict_cookie(app: Any, admin_account: str) -> None:
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("skillbite_admin=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/admin" in cookie and "Secure" not in cookie  # http base URL
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200 and "<h1>Dashboard</h1>" in dashboard.get_data(as_text=True)
    assert f'<span class="who">{EMAIL}</span>' in dashboard.get_data(as_text=True)  # who is signed in


def test_cookie_is_secure_when_the_base_url_is_https(config: Any, admin_account: str) -> None:
    app = create_app(dataclasses.replace(config, base_url="https://skillbite.example.com"))
    try:
        response = sign_in(app.test_client(), base_url="https://skillbite.example.com")
        assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]
    finally:
        app.extensions["skillbite"].engine.dispose()


def test_pages_send_people_without_a_session_to_sign_in(client: Any) -> None:
    response = client.get("/admin/platforms", headers={"Accept": "text/html"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login?next=/admin/platforms")
    assert client.post("/admin/keys/rotate").status_code == 401


def test_sign_in_without_the_forms_csrf_token_is_refused(app: Any, admin_account: str) -> None:
    client = app.test_client()
    client.get("/admin/login")
    response = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 403 and "did not come from Skillbite" in response.get_data(as_text=True)
    assert client.get("/admin/", headers={"Accept": "text/html"}).status_code == 302


def test_a_wrong_password_says_so_without_telling_which_part(app: Any, admin_account: str) -> None:
    for email in (EMAIL, "nobody@example.com"):
        response = sign_in(app.test_client(), email=email, password="wrong password, wrong")
        assert response.status_code == 401
        assert "The email or the password is not right." in response.get_data(as_text=True)
        assert "Nothing was changed." not in response.get_data(as_text=True)  # a sign-in changes nothing


def test_five_failures_lock_the_account_in_every_process(app: Any, config: Any, admin_account: str) -> None:
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, password="not the password!").status_code == 401
    locked = sign_in(client)  # the right password, too late
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.get_data(as_text=True)
    assert "15 more minutes" in locked.get_data(as_text=True)
    other_process = create_app(config)  # a second web process on the same database
    try:
        assert sign_in(other_process.test_client()).status_code == 429
    finally:
        other_process.extensions["skillbite"].engine.dispose()


def test_a_stranger_cannot_lock_the_admin_out(app: Any, admin_account: str) -> None:
    for _ in range(accounts.ACCOUNT_FAILURES):
        sign_in(app.test_client(), password="not the password!", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert sign_in(app.test_client(), environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 429
    # the admin, from their own address, still signs in
    assert sign_in(app.test_client(), environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 303


def test_a_guesser_spread_over_many_addresses_locks_the_account_everywhere(app: Any, admin_account: str) -> None:
    for n in range(accounts.ACCOUNT_FAILURES_ANYWHERE):
        sign_in(app.test_client(), password="not the password!", environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    locked = sign_in(app.test_client(), environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert locked.status_code == 429 and "this account" in locked.get_data(as_text=True)


def test_the_lock_lifts_when_the_failures_leave_the_window(app: Any, runtime: Any, admin_account: str) -> None:
    client = app.test_client()
    for _ in range(5):
        sign_in(client, password="not the password!")
    with runtime.sessions() as session, session.begin():
        session.execute(sa.update(LoginFailure).values(failed_at=utcnow() - dt.timedelta(minutes=16)))
    assert sign_in(client).status_code == 303


def test_many_failures_from_one_address_lock_that_address_only(app: Any, admin_account: str) -> None:
    attacker = app.test_client()
    for n in range(accounts.IP_FAILURES):
        sign_in(attacker, email=f"guess{n}@example.com", password="not the password!",
                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    refused = sign_in(attacker, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert refused.status_code == 429 and "your network address" in refused.get_data(as_text=True)
    assert sign_in(app.test_client(), environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 303


def test_sign_in_logs_neither_email_nor_password(app: Any, admin_account: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(app.test_client(), password="a wrong password 123")
    sign_in(app.test_client())
    text = caplog.text + "".join(str(getattr(r, "fields", "")) for r in caplog.records)
    assert "admin signed in" in text
    assert EMAIL not in text and PASSWORD not in text and "a wrong password 123" not in text


def test_next_never_leaves_the_console(app: Any, admin_account: str) -> None:
    client = app.test_client()
    token = csrf_in(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"csrf": token, "email": EMAIL, "password": PASSWORD,
                                                 "next": "https://evil.example/admin"})
    assert response.headers["Location"] == "/admin/"


def test_sign_out_ends_the_session_even_for_a_kept_cookie(app: Any, local: Any, runtime: Any) -> None:
    cookie = local.get_cookie("skillbite_admin", path="/admin").value
    response = local.post("/admin/logout", data={"csrf": local.csrf})
    assert response.status_code == 303 and "signed-out" in response.headers["Location"]
    replay = app.test_client()
    replay.set_cookie("skillbite_admin", cookie, path="/admin")
    assert replay.get("/admin/", headers={"Accept": "text/html"}).status_code == 302
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AdminSession)) == 0


def test_an_idle_session_expires(local: Any, runtime: Any) -> None:
    with runtime.sessions() as session, session.begin():
        session.execute(sa.update(AdminSession).values(
            last_seen_at=utcnow() - accounts.SESSION_IDLE - dt.timedelta(seconds=1)))
    assert local.get("/admin/", headers={"Accept": "text/html"}).status_code == 302


def test_a_session_ends_after_its_maximum_age(local: Any, runtime: Any) -> None:
    with runtime.sessions() as session, session.begin():
        session.execute(sa.update(AdminSession).values(expires_at=utcnow()))
    assert local.get("/admin/", headers={"Accept": "text/html"}).status_code == 302


def test_disabling_an_admin_ends_their_open_console(local: Any, runtime: Any) -> None:
    with runtime.sessions() as session, session.begin():
        accounts.set_disabled(session, EMAIL, True)
    assert local.get("/admin/", headers={"Accept": "text/html"}).status_code == 302
    refused = sign_in(local)
    assert refused.status_code == 401 and "disabled" in refused.get_data(as_text=True)
