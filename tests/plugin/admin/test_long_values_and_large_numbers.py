"""Values longer than their columns are said at their field (never a DataError 500 on PostgreSQL), and numbers
too large for the database in query strings and forms are an empty page, ignored or a 400 (never an
OverflowError 500 on SQLite)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from plugin.admin.models import AdminAction
from plugin.db import transaction
from plugin.platforms.models import Platform
from plugin.platforms.services import PlatformError, add_platform
from plugin.xapi import services as xapi
from plugin.xapi.models import LrsDestination
from tests.plugin.admin.html import described_by
from tests.plugin.admin.test_setup_pages import NEW_PLATFORM

BIG = "99999999999999999999"
ENDPOINT = "https://93.184.216.34/xapi/"


def _count(runtime: Any, model: Any) -> int:
    with runtime.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- the services ---------------------------------------------------------------------------------

def _platform(**changes: Any) -> dict[str, Any]:
    return {"issuer": "https://lms.example.edu", "client_id": "c1", "auth_login_url": "https://lms.example.edu/a",
            "auth_token_url": "https://lms.example.edu/t", "key_set_url": "https://lms.example.edu/k", **changes}


@pytest.mark.parametrize(("field", "value", "said"), [
    ("name", "n" * 201, "name must be at most 200 characters, got 201"),
    ("client_id", "c" * 256, "client_id must be at most 255 characters, got 256"),
    ("issuer", "https://lms.example.edu/" + "i" * 480, "issuer must be at most 500 characters, got 504"),
    ("key_set_url", "https://lms.example.edu/" + "k" * 980, "JWKS URL must be at most 1000 characters, got 1004"),
    ("token_audience", "a" * 1001, "token audience must be at most 1000 characters, got 1001"),
    ("product", "p" * 101, "product must be at most 100 characters, got 101"),
    ("deployment_ids", ["ok", "d" * 256], "a deployment_id must be at most 255 characters, got 256"),
])
def test_add_platform_names_a_value_longer_than_its_column(runtime: Any, field: str, value: Any, said: str) -> None:
    with pytest.raises(PlatformError, match=said), transaction(runtime.sessions) as session:
        add_platform(session, **_platform(**{field: value}))
    assert _count(runtime, Platform) == 0


def test_add_platform_accepts_values_at_their_limits(runtime: Any) -> None:
    with transaction(runtime.sessions) as session:
        add_platform(session, **_platform(name="n" * 200, client_id="c" * 255, deployment_ids=["d" * 255]))
    assert _count(runtime, Platform) == 1


@pytest.mark.parametrize(("field", "value", "said"), [
    ("name", "n" * 201, "The LRS name must be at most 200 characters, got 201"),
    ("username", "u" * 501, r"The key \(username\) must be at most 500 characters, got 501"),
    ("endpoint", ENDPOINT + "e" * 1000, "The LRS endpoint .* must be at most 1000 characters, got 1028"),
])
def test_add_destination_names_a_value_longer_than_its_column(runtime: Any, field: str, value: str,
                                                              said: str) -> None:
    values = {"name": "LRS", "endpoint": ENDPOINT, "username": "k", **{field: value}}
    with pytest.raises(xapi.XapiError, match=said), transaction(runtime.sessions) as session:
        xapi.add_destination(session, runtime.box, password="s", **values)
    assert _count(runtime, LrsDestination) == 0


# --- the console forms ----------------------------------------------------------------------------

def test_the_platform_form_says_over_long_values_at_their_fields(local: Any, runtime: Any) -> None:
    response = local.post("/admin/platforms", data={
        "csrf": local.csrf, **NEW_PLATFORM, "name": "n" * 201, "client_id": "c" * 256,
        "key_set_url": "https://sso.canvaslms.com/" + "k" * 1000, "deployment_ids": "1:abc\n" + "d" * 300})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert described_by(page, "name").startswith("Error: Name must be at most 200 characters (it has 201).")
    assert described_by(page, "client_id").startswith("Error: Client ID must be at most 255 characters (it has 256).")
    assert described_by(page, "key_set_url").startswith(
        "Error: Public keyset URL must be at most 1000 characters (it has 1026).")
    assert described_by(page, "deployment_ids").startswith(
        "Error: Each Deployment ID must be at most 255 characters (one has 300).")
    assert _count(runtime, Platform) == 0


def test_the_lrs_form_says_over_long_values_at_their_fields(local: Any, runtime: Any) -> None:
    response = local.post("/admin/lrs", data={"csrf": local.csrf, "name": "n" * 201, "endpoint": ENDPOINT,
                                              "username": "u" * 501, "password": "s"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert described_by(page, "name").startswith("Error: Name must be at most 200 characters (it has 201).")
    assert described_by(page, "username").startswith(
        "Error: Key (Basic auth username) must be at most 500 characters (it has 501).")
    assert _count(runtime, LrsDestination) == 0


def test_an_lrs_without_a_name_is_named_by_its_endpoint_cut_to_the_names_length(local: Any, runtime: Any) -> None:
    endpoint = "https://93.184.216.34/" + "x" * 300 + "/"
    response = local.post("/admin/lrs", data={"csrf": local.csrf, "endpoint": endpoint, "username": "k",
                                              "password": "s"})
    assert response.status_code == 303
    with runtime.sessions() as session:
        [row] = session.scalars(sa.select(LrsDestination))
        assert row.name == endpoint[:200] and row.endpoint == endpoint


# --- large numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/admin/credentials", "/admin/statements"])
def test_an_offset_past_any_row_is_an_empty_page(local: Any, tenants: Any, path: str) -> None:
    response = local.get(path, query_string={"offset": BIG})
    assert response.status_code == 200
    assert tenants[0].credential_id not in response.get_data(as_text=True)


@pytest.mark.parametrize("offset", ["-5", "abc", "²"])
def test_an_offset_that_is_not_a_whole_number_is_the_first_page(local: Any, tenants: Any, offset: str) -> None:
    response = local.get("/admin/credentials", query_string={"offset": offset})
    assert response.status_code == 200
    assert tenants[0].credential_id in response.get_data(as_text=True)


def test_a_before_too_large_for_an_entry_id_is_ignored(local: Any, runtime: Any, tenants: Any) -> None:
    with runtime.sessions() as session:
        newest = session.scalar(sa.select(AdminAction).order_by(AdminAction.id.desc()).limit(1))
    assert newest is not None
    response = local.get("/admin/activity", query_string={"before": BIG})
    assert response.status_code == 200
    assert newest.target in response.get_data(as_text=True)


@pytest.mark.parametrize("message_id", [BIG, "x", "-1"])
def test_a_replay_of_a_message_id_no_message_has_is_a_400(local: Any, tenants: Any, message_id: str) -> None:
    response = local.post("/admin/delivery/replay", data={"csrf": local.csrf, "id": [str(tenants[0].parked_id),
                                                                                     message_id]})
    assert response.status_code == 400
    assert "Message ids are the numbers listed under Parked messages" in response.get_data(as_text=True)
