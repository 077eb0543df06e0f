"""The console's Registration links page: local admins make one-time links for LMS dynamic registration,
see who used them, and revoke them; nobody else can."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import sqlalchemy as sa

from plugin.admin.models import AdminAction
from plugin.platforms.models import Platform
from plugin.registration import invites
from plugin.registration.models import RegistrationInvite

PAGE = "/admin/registration-links"
LINK = re.compile(r"http://localhost/lti/register\?invite=([A-Za-z0-9_-]{43})")


def _links(runtime: Any) -> list[RegistrationInvite]:
    with runtime.sessions() as session:
        return list(session.scalars(sa.select(RegistrationInvite).order_by(RegistrationInvite.id)))


def _actions(runtime: Any) -> list[tuple[str, str, str]]:
    with runtime.sessions() as session:
        return [(a.action, a.actor_kind, a.target) for a in session.scalars(sa.select(AdminAction))
                if a.action.startswith("registration_link.")]


def _registration_page(client: Any, token: str) -> Any:
    """/lti/register with the link but without the LMS's parameters: 400 if the link is good, 403 if not."""
    return client.get("/lti/register", query_string={"invite": token})


def test_a_local_admin_creates_a_link_and_sees_its_url_once(local: Any, runtime: Any, client: Any) -> None:
    made = local.post(PAGE, data={"csrf": local.csrf, "name": "Acme Moodle", "days": "3"})
    assert made.status_code == 200
    html = unescape(made.get_data(as_text=True))
    [token] = set(LINK.findall(html))
    assert "Manage tools" in html and "Tool URL" in html
    assert made.headers["Cache-Control"] == "no-store"
    [stored] = _links(runtime)
    assert stored.name == "Acme Moodle" and stored.token_hash == invites.token_hash(token)
    assert _actions(runtime) == [("registration_link.created", "local", invites.label(stored))]
    listing = local.get(PAGE).get_data(as_text=True)
    assert "Acme Moodle" in listing and token not in listing  # listed, but the URL is never shown again
    page = _registration_page(client, token)
    assert page.status_code == 400 and "dynamic registration URL" in page.get_data(as_text=True)


def test_creating_a_link_without_the_consoles_csrf_value_is_refused(local: Any, runtime: Any) -> None:
    refused = local.post(PAGE, data={"csrf": "forged", "name": "Evil LMS"})
    assert refused.status_code == 403
    assert _links(runtime) == [] and _actions(runtime) == []


def test_a_bad_number_of_days_says_what_to_fix_and_makes_nothing(local: Any, runtime: Any) -> None:
    for days in ("soon", "0", "400"):
        refused = local.post(PAGE, data={"csrf": local.csrf, "name": "Acme", "days": days})
        assert refused.status_code == 422, days
        assert "That did not work" in refused.get_data(as_text=True)
    assert _links(runtime) == []


def test_a_revoked_link_no_longer_registers(local: Any, runtime: Any, client: Any) -> None:
    html = unescape(local.post(PAGE, data={"csrf": local.csrf, "name": "Acme"}).get_data(as_text=True))
    [token] = set(LINK.findall(html))
    [stored] = _links(runtime)
    assert f'action="{PAGE}/{stored.id}/revoke"' in local.get(PAGE).get_data(as_text=True)
    assert local.post(f"{PAGE}/{stored.id}/revoke", data={"csrf": "forged"}).status_code == 403
    assert _registration_page(client, token).status_code == 400  # still open
    revoked = local.post(f"{PAGE}/{stored.id}/revoke", data={"csrf": local.csrf})
    assert revoked.status_code == 303 and "done=revoked" in revoked.headers["Location"]
    assert "Registration link revoked" in local.get(revoked.headers["Location"]).get_data(as_text=True)
    page = _registration_page(client, token)
    assert page.status_code == 403 and "registration_link_revoked" in page.get_data(as_text=True)
    assert [a for a, _, _ in _actions(runtime)] == ["registration_link.created", "registration_link.revoked"]


def test_the_console_nav_leads_local_admins_to_the_page(local: Any) -> None:
    assert f'href="{PAGE}"' in local.get("/admin/").get_data(as_text=True)
    assert "<h1>Registration links</h1>" in local.get(PAGE).get_data(as_text=True)


def test_an_lms_administrator_cannot_open_the_page_nor_make_a_link(lti_admin: Any, tenants: Any,
                                                                   runtime: Any) -> None:
    admin = lti_admin(tenants[0].platform_id)
    assert admin.get(PAGE).status_code == 403
    assert admin.post(PAGE, data={"name": "Second tenant"}).status_code == 403  # with their valid CSRF value
    assert _links(runtime) == []
    assert f'href="{PAGE}"' not in admin.get("/admin/").get_data(as_text=True)


def test_an_lms_administrator_cannot_revoke_a_link(lti_admin: Any, tenants: Any, runtime: Any) -> None:
    with runtime.sessions() as session, session.begin():
        link_id = invites.create_invite(session, name="Acme").invite.id
    assert lti_admin(tenants[0].platform_id).post(f"{PAGE}/{link_id}/revoke").status_code == 403
    assert _links(runtime)[0].revoked_at is None


def test_someone_not_signed_in_is_sent_to_sign_in_and_cannot_post(client: Any, runtime: Any) -> None:
    page = client.get(PAGE, headers={"Accept": "text/html"})
    assert page.status_code == 302 and "/admin/login" in page.headers["Location"]
    assert client.post(PAGE, data={"name": "Evil LMS"}).status_code == 401
    assert _links(runtime) == []


def test_the_listing_says_which_platform_used_a_link(local: Any, tenants: Any, runtime: Any) -> None:
    with runtime.sessions() as session, session.begin():
        token = invites.create_invite(session, name="For tenant A").token
        assert invites.consume_invite(session, token)
        invites.record_platform(session, token, session.get(Platform, tenants[0].platform_id))
    listing = local.get(PAGE).get_data(as_text=True)
    assert "For tenant A" in listing
    assert f'<a href="/admin/platforms/{tenants[0].platform_id}">{tenants[0].name}</a>' in listing
    assert "/revoke" not in listing  # a used link has nothing left to revoke
