"""The platform's edit form works as the add form does: each problem at its field, in the add form's words,
a summary linking to them, what was typed kept, 422, and nothing saved."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa

from plugin.admin.models import AdminAction
from plugin.platforms.models import Platform
from tests.plugin.admin.html import by_id, described_by, elements, label_of
from tests.plugin.admin.test_platform_form import LMS_WORDS

EDITED = {"name": "Acme Moodle", "auth_login_url": "https://93.184.216.34/mod/lti/auth.php",
          "auth_token_url": "https://93.184.216.34/mod/lti/token.php",
          "key_set_url": "https://93.184.216.34/mod/lti/certs.php", "policy": "record_first_seen"}
URL_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url")


def _edit(local: Any, platform_id: int, **changes: str) -> Any:
    return local.post(f"/admin/platforms/{platform_id}", data={"csrf": local.csrf, **EDITED, **changes})


def _saved(runtime: Any, platform_id: int) -> tuple[str, ...]:
    with runtime.sessions() as session:
        p = session.get(Platform, platform_id)
        return (p.name, p.auth_login_url, p.auth_token_url, p.key_set_url, p.deployment_policy)


def _edits_recorded(runtime: Any) -> int:
    with runtime.sessions() as session:
        query = sa.select(sa.func.count()).select_from(AdminAction).where(AdminAction.action == "platform.edited")
        return int(session.scalar(query))


def test_the_edit_form_shows_the_platform_as_saved_with_the_add_forms_labels_and_hints(local: Any,
                                                                                        tenants: Any) -> None:
    page = local.get(f"/admin/platforms/{tenants[0].platform_id}").get_data(as_text=True)
    ids = by_id(page)
    assert label_of(page, "name") == "Name"  # required here: no "(optional)"
    for name in URL_FIELDS:
        assert label_of(page, name) == LMS_WORDS[name]
        assert "Moodle" in described_by(page, name) and "Canvas" in described_by(page, name)
    assert ids["name"].attrs["value"] == "Tenant A"
    assert ids["key_set_url"].attrs["value"] == "https://lms-a.example.com/jwks"
    assert "Error" not in page and "error-summary-title" not in ids


def test_a_good_edit_is_saved_and_recorded(local: Any, tenants: Any, runtime: Any) -> None:
    response = _edit(local, tenants[0].platform_id)
    assert response.status_code == 303 and "platform-saved" in response.headers["Location"]
    assert _saved(runtime, tenants[0].platform_id) == tuple(EDITED.values())
    assert _edits_recorded(runtime) == 1


@pytest.mark.parametrize(("name", "typed", "problem"), [
    ("name", " ", "Enter the Name."),
    ("name", "x" * 201, "Name must be at most 200 characters (it has 201)."),
    ("auth_login_url", "moodle.acme.example/auth.php", "Authentication request URL must be a full address"),
    ("auth_token_url", "not a url", "Access token URL must be a full address starting with https://"),
    ("key_set_url", "ftp://lms/certs", "Public keyset URL must be a full address starting with https://"),
])
def test_a_bad_field_is_told_beside_that_field_only(local: Any, tenants: Any, runtime: Any, name: str, typed: str,
                                                    problem: str) -> None:
    response = _edit(local, tenants[0].platform_id, **{name: typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    ids = by_id(page)
    assert ids[name].attrs.get("aria-invalid") == "true"
    assert described_by(page, name).startswith(f"Error: {problem}")
    for fine in {"name", *URL_FIELDS} - {name}:
        assert "aria-invalid" not in ids[fine].attrs, fine
        assert "Error:" not in described_by(page, fine), fine
    assert ids["error-summary-title"].text == "Check this field"
    assert f'<a href="#{name}">{problem}' in page


def test_several_problems_are_told_at_once_and_what_was_typed_is_kept(local: Any, tenants: Any,
                                                                     runtime: Any) -> None:
    a = tenants[0].platform_id
    before = _saved(runtime, a)
    response = _edit(local, a, name=" ", auth_token_url="not a url", key_set_url="https://10.0.0.1/certs",
                     auth_login_url="https://93.184.216.34/new-auth")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    ids = by_id(page)
    assert ids["error-summary-title"].text == "Check these 3 fields"
    links = [f'<a href="#{name}">' for name in ("name", "auth_token_url", "key_set_url")]
    assert all(link in page for link in links) and '<a href="#auth_login_url">' not in page
    assert page.index("error-summary-title") < page.index("<h1>")  # the summary opens the page
    assert "<title>Error: Tenant A" in page and "Nothing was changed." in page
    assert ids["auth_login_url"].attrs["value"] == "https://93.184.216.34/new-auth"  # fine, and kept as typed
    assert ids["auth_token_url"].attrs["value"] == "not a url"
    assert ids["key_set_url"].attrs["value"] == "https://10.0.0.1/certs"
    assert ids["name"].attrs["value"] == " "
    checked = [e.attrs["value"] for e in elements(page)
               if e.attrs.get("name") == "policy" and "checked" in e.attrs]
    assert checked == ["record_first_seen"]  # the choice typed, not the one saved
    assert _saved(runtime, a) == before  # nothing saved
    assert _edits_recorded(runtime) == 0


def test_an_unknown_deployment_policy_is_told_at_its_choices(local: Any, tenants: Any, runtime: Any) -> None:
    a = tenants[0].platform_id
    before = _saved(runtime, a)
    response = _edit(local, a, policy="whatever")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose how unknown deployment ids are treated." in described_by(page, "policy")
    assert '<a href="#policy">' in page
    assert _saved(runtime, a) == before


@pytest.mark.parametrize(("name", "url", "words"), [
    ("auth_token_url", "http://169.254.169.254/latest/meta-data/", "This address is link-local"),
    ("key_set_url", "https://10.0.0.1/mod/lti/certs.php",
     "This address is on a private network (10.0.0.1). Skillbite only calls private networks when "
     "SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 is set; see docs/operations.md, 'Which addresses Skillbite calls'."),
])
def test_a_url_skillbite_would_not_call_is_refused_beside_its_field(local: Any, tenants: Any, runtime: Any,
                                                                   name: str, url: str, words: str) -> None:
    a = tenants[0].platform_id
    before = _saved(runtime, a)
    response = _edit(local, a, **{name: url})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert by_id(page)[name].attrs.get("aria-invalid") == "true"
    assert described_by(page, name).startswith(f"Error: {words}")
    assert _saved(runtime, a) == before


def test_the_authentication_url_is_not_checked_as_the_browser_goes_there_not_skillbite(
        local: Any, tenants: Any, runtime: Any) -> None:
    a = tenants[0].platform_id
    assert _edit(local, a, auth_login_url="https://10.0.0.2/mod/lti/auth.php").status_code == 303
    assert _saved(runtime, a)[1] == "https://10.0.0.2/mod/lti/auth.php"


def test_a_private_url_is_saved_when_private_networks_are_allowed(local: Any, tenants: Any, runtime: Any) -> None:
    runtime.config = dataclasses.replace(runtime.config, allow_private_networks=True)
    a = tenants[0].platform_id
    assert _edit(local, a, key_set_url="https://10.0.0.1/mod/lti/certs.php").status_code == 303
    assert _saved(runtime, a)[3] == "https://10.0.0.1/mod/lti/certs.php"


def test_loopback_is_refused_when_skillbite_does_not_run_on_loopback(local: Any, tenants: Any,
                                                                     runtime: Any) -> None:
    runtime.config = dataclasses.replace(runtime.config, base_url="http://skillbite.example.com")
    response = _edit(local, tenants[0].platform_id, auth_token_url="http://127.0.0.1:8080/token")
    assert response.status_code == 422
    assert described_by(response.get_data(as_text=True), "auth_token_url").startswith(
        "Error: This address is this machine itself (127.0.0.1).")


def test_a_url_saved_before_it_was_refused_does_not_stop_renaming(local: Any, tenants: Any, runtime: Any) -> None:
    """Saved while private networks were allowed, then the setting went: the name can still change."""
    a = tenants[0].platform_id
    runtime.config = dataclasses.replace(runtime.config, allow_private_networks=True)
    assert _edit(local, a, key_set_url="https://10.0.0.1/mod/lti/certs.php").status_code == 303
    runtime.config = dataclasses.replace(runtime.config, allow_private_networks=False)
    assert _edit(local, a, key_set_url="https://10.0.0.1/mod/lti/certs.php", name="Renamed").status_code == 303
    assert _saved(runtime, a)[0] == "Renamed"
    response = _edit(local, a, key_set_url="https://10.0.0.9/mod/lti/certs.php")  # a new private one still is not
    assert response.status_code == 422


def test_an_lms_administrator_gets_the_same_form(lti_admin: Any, tenants: Any, runtime: Any) -> None:
    a = tenants[0].platform_id
    admin = lti_admin(a)
    before = _saved(runtime, a)
    response = admin.post(f"/admin/platforms/{a}", {**EDITED, "auth_token_url": "https://10.0.0.1/token"})
    assert response.status_code == 422
    assert by_id(response.get_data(as_text=True))["auth_token_url"].attrs.get("aria-invalid") == "true"
    assert _saved(runtime, a) == before
