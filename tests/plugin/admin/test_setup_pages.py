"""Local admins set Skillbite up: platforms and deployments, tool keys, LRS destinations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from plugin.keys.models import ToolKey
from plugin.platforms.models import Platform
from plugin.xapi.models import LrsDestination
from tests.plugin.admin.html import by_id, described_by
from tests.support.lrs import LearningLocker, lrs, lrs_server  # noqa: F401  (fixtures)

NEW_PLATFORM = {"name": "Acme Canvas", "issuer": "https://canvas.instructure.com", "client_id": "10000000000042",
                "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
                "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
                "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks", "policy": "record_first_seen",
                "deployment_ids": "1:abc\n2:def"}


def _count(runtime: Any, model: Any) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)))


def test_every_page_renders_for_a_local_admin(local: Any, tenants: Any) -> None:
    headings = {"/admin/": "Dashboard", "/admin/platforms": "Platforms and deployments",
                f"/admin/platforms/{tenants[0].platform_id}": "Tenant A", "/admin/keys": "Tool keys",
                "/admin/lrs": "Learning record stores", "/admin/delivery": "Delivery health",
                "/admin/statements": "xAPI statement log", "/admin/credentials": "Credentials",
                "/admin/content": "Content"}
    for path, heading in headings.items():
        response = local.get(path)
        assert response.status_code == 200, path
        assert f"<h1>{heading}</h1>" in response.get_data(as_text=True)


def test_platforms_page_gives_the_urls_and_the_moodle_and_canvas_steps(local: Any, tenants: Any) -> None:
    page = local.get("/admin/platforms").get_data(as_text=True)
    assert "Tenant A" in page and "Tenant B" in page
    for url in ("http://localhost/lti/launch", "http://localhost/lti/login", "http://localhost/lti/jwks",
                "http://localhost/lti/register?invite=…", "http://localhost/lti/canvas.json"):
        assert f"<code>{url}</code>" in page
    assert "Registration links" in page and "skillbite platform invite" in page  # where a registration link comes from
    assert "Moodle 4.x: dynamic registration" in page and "Add LTI Advantage" in page
    assert "Developer Keys" in page and "By Client ID" in page


def test_add_a_platform_then_it_has_its_deployments(local: Any, runtime: Any) -> None:
    response = local.post("/admin/platforms", data={"csrf": local.csrf, **NEW_PLATFORM})
    assert response.status_code == 303 and "platform-added" in response.headers["Location"]
    detail = local.get(response.headers["Location"]).get_data(as_text=True)
    assert "Platform added." in detail and "1:abc" in detail
    with runtime.sessions() as session:
        platform = session.scalars(sa.select(Platform)).one()
        assert platform.deployment_policy == "record_first_seen"
        assert [d.deployment_id for d in platform.deployments] == ["1:abc", "2:def"]


def test_a_bad_platform_form_says_what_to_fix_and_adds_nothing(local: Any, runtime: Any) -> None:
    response = local.post("/admin/platforms", data={"csrf": local.csrf, **NEW_PLATFORM,
                                                    "auth_token_url": "not a url", "key_set_url": "ftp://x"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Access token URL must be a full address starting with https://" in text and "Nothing was changed." in text
    assert "Public keyset URL must be a full address starting with https://" in text  # every problem at once
    assert 'value="10000000000042"' in text  # what was typed is kept
    assert _count(runtime, Platform) == 0


def test_edit_disable_and_enable_a_platform(local: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    edit = {"csrf": local.csrf, "name": "Acme Moodle", "auth_login_url": "https://lms-a.example.com/auth2",
            "auth_token_url": "https://lms-a.example.com/token", "key_set_url": "https://lms-a.example.com/jwks",
            "policy": "known_only"}
    assert local.post(f"/admin/platforms/{a.platform_id}", data=edit).status_code == 303
    bad = local.post(f"/admin/platforms/{a.platform_id}", data={**edit, "name": " ", "key_set_url": "x"})
    assert bad.status_code == 422 and "Enter the Name." in bad.get_data(as_text=True)  # test_platform_edit_form
    assert local.post(f"/admin/platforms/{a.platform_id}/enabled",
                      data={"csrf": local.csrf, "enabled": "0"}).status_code == 303
    with runtime.sessions() as session:
        platform = session.get(Platform, a.platform_id)
        assert (platform.name, platform.auth_login_url, platform.enabled) == (
            "Acme Moodle", "https://lms-a.example.com/auth2", False)
    local.post(f"/admin/platforms/{a.platform_id}/enabled", data={"csrf": local.csrf, "enabled": "1"})
    with runtime.sessions() as session:
        assert session.get(Platform, a.platform_id).enabled


def test_deployments_are_added_and_removed_and_duplicates_refused(local: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    url = f"/admin/platforms/{a.platform_id}/deployments"
    assert local.post(url, data={"csrf": local.csrf, "deployment_id": "dep-A2"}).status_code == 303
    again = local.post(url, data={"csrf": local.csrf, "deployment_id": "dep-A2"})
    assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)
    with runtime.sessions() as session:
        deployments = {d.deployment_id: d.id for d in session.get(Platform, a.platform_id).deployments}
    assert set(deployments) == {"dep-A", "dep-A2"}
    removed = local.post(f"{url}/{deployments['dep-A']}/remove", data={"csrf": local.csrf})
    assert removed.status_code == 303
    with runtime.sessions() as session:
        assert [d.deployment_id for d in session.get(Platform, a.platform_id).deployments] == ["dep-A2"]


def test_rotate_then_retire_a_tool_key(local: Any, runtime: Any) -> None:
    with runtime.sessions() as session:
        (first,) = session.scalars(sa.select(ToolKey.kid)).all()
    only = local.post(f"/admin/keys/{first}/retire", data={"csrf": local.csrf})
    assert only.status_code == 400 and "only active key" in only.get_data(as_text=True)
    assert local.post("/admin/keys/rotate", data={"csrf": local.csrf}).status_code == 303
    page = local.get("/admin/keys").get_data(as_text=True)
    assert "published, signing" in page and first in page
    assert local.post(f"/admin/keys/{first}/retire", data={"csrf": local.csrf}).status_code == 303
    with runtime.sessions() as session:
        assert session.scalar(sa.select(ToolKey.retired_at).where(ToolKey.kid == first)) is not None
    unknown = local.post("/admin/keys/no-such-kid/retire", data={"csrf": local.csrf})
    assert unknown.status_code == 400 and "No tool key" in unknown.get_data(as_text=True)


def test_add_test_and_remove_a_real_lrs(local: Any, runtime: Any, lrs: LearningLocker) -> None:  # noqa: F811
    form = {"csrf": local.csrf, "name": "Learning Locker", "endpoint": lrs.url, "username": lrs.username,
            "password": lrs.password, "xapi_version": "1.0.3", "batch_size": "100"}
    assert local.post("/admin/lrs", data=form).status_code == 303
    with runtime.sessions() as session:
        row = session.scalars(sa.select(LrsDestination)).one()
        assert row.platform_id is None and row.password_sealed != lrs.password.encode()
    tested = local.post(f"/admin/lrs/{row.id}/test", data={"csrf": local.csrf},
                        follow_redirects=True).get_data(as_text=True)
    assert "Works: statements: credentials accepted" in tested and lrs.password not in tested
    wrong = {**form, "name": "Wrong secret", "password": "not-it", "platform_id": ""}
    with runtime.sessions() as session, session.begin():
        session.delete(session.get(LrsDestination, row.id))
    local.post("/admin/lrs", data=wrong)
    with runtime.sessions() as session:
        wrong_id = session.scalars(sa.select(LrsDestination.id)).one()
    refused = local.post(f"/admin/lrs/{wrong_id}/test", data={"csrf": local.csrf},
                         follow_redirects=True).get_data(as_text=True)
    assert "Problem: statements: credentials refused" in refused
    assert local.post(f"/admin/lrs/{wrong_id}/remove", data={"csrf": local.csrf}).status_code == 303
    assert _count(runtime, LrsDestination) == 0


def test_a_bad_lrs_form_says_each_problem_beside_its_field_and_adds_nothing(local: Any, runtime: Any) -> None:
    bad = local.post("/admin/lrs", data={"csrf": local.csrf, "name": "Acme LRS", "endpoint": "ftp://lrs",
                                         "username": " ", "password": "s", "batch_size": "many"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert described_by(page, "endpoint").startswith("Error: xAPI endpoint must be a full address starting with "
                                                     "https://")
    assert described_by(page, "username").startswith("Error: Enter the key (Basic auth username)")
    assert described_by(page, "batch_size").startswith("Error: Statements per request must be a whole number "
                                                       "from 1 to 2000.")
    assert "password-error" not in page  # the secret was given: no problem there
    ids = by_id(page)
    assert ids["name"].attrs["value"] == "Acme LRS" and ids["batch_size"].attrs["value"] == "many"  # kept
    assert 'value="s"' not in page  # the secret is never echoed back
    for name in ("endpoint", "username", "batch_size"):
        assert f'<a href="#{name}">' in page
    missing_secret = local.post("/admin/lrs", data={"csrf": local.csrf, "endpoint": "https://93.184.216.34/x/",
                                                    "username": "k", "batch_size": "3000"})
    assert missing_secret.status_code == 422
    assert described_by(missing_secret.get_data(as_text=True), "password").startswith("Error: Enter the secret")
    assert "from 1 to 2000" in described_by(missing_secret.get_data(as_text=True), "batch_size")
    assert _count(runtime, LrsDestination) == 0


def test_a_scope_already_served_is_said_for_the_whole_form(local: Any, runtime: Any) -> None:
    form = {"csrf": local.csrf, "endpoint": "https://93.184.216.34/xapi/", "username": "k", "password": "s"}
    assert local.post("/admin/lrs", data=form).status_code == 303
    again = local.post("/admin/lrs", data=form)
    assert again.status_code == 422 and "already serves this scope" in again.get_data(as_text=True)
    assert _count(runtime, LrsDestination) == 1


def test_an_lrs_endpoint_skillbite_would_not_call_is_refused_beside_it(local: Any, runtime: Any) -> None:
    form = {"csrf": local.csrf, "name": "Intranet LRS", "endpoint": "https://10.0.0.1/xapi/", "username": "k",
            "password": "the-secret"}
    refused = local.post("/admin/lrs", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    endpoint = by_id(page)["endpoint"]
    assert endpoint.attrs.get("aria-invalid") == "true" and endpoint.attrs["value"] == "https://10.0.0.1/xapi/"
    assert described_by(page, "endpoint").startswith(
        "Error: This address is on a private network (10.0.0.1). Skillbite only calls private networks when "
        "SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 is set; see docs/operations.md")
    assert '<a href="#endpoint">' in page and "the-secret" not in page
    metadata = local.post("/admin/lrs", data={**form, "endpoint": "http://169.254.169.254/xapi/"})
    assert metadata.status_code == 422
    assert "This address is link-local" in described_by(metadata.get_data(as_text=True), "endpoint")
    assert _count(runtime, LrsDestination) == 0


def test_an_lrs_on_a_public_address_is_added(local: Any, runtime: Any) -> None:
    form = {"csrf": local.csrf, "endpoint": "https://93.184.216.34/xapi/", "username": "k", "password": "s"}
    assert local.post("/admin/lrs", data=form).status_code == 303
    assert _count(runtime, LrsDestination) == 1
