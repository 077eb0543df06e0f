"""The console's forms stop typing at the column's length: each text and URL input carries ``maxlength``."""

from __future__ import annotations

from typing import Any

from plugin.platforms.models import Deployment, Platform
from plugin.platforms.services import column_length
from plugin.xapi.models import LrsDestination
from tests.plugin.admin.html import by_id

ADD_PLATFORM_LIMITS = {name: column_length(Platform, name)
                       for name in ("name", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url")}
EDIT_PLATFORM_LIMITS = {name: ADD_PLATFORM_LIMITS[name]
                        for name in ("name", "auth_login_url", "auth_token_url", "key_set_url")}
LRS_LIMITS = {name: column_length(LrsDestination, name) for name in ("name", "endpoint", "username", "deployment_id")}


def _maxlengths(page: str, names: Any) -> dict[str, int]:
    ids = by_id(page)
    return {name: int(ids[name].attrs["maxlength"]) for name in names if "maxlength" in ids[name].attrs}


def test_the_add_platform_form_limits_each_input_to_its_column(local: Any) -> None:
    page = local.get("/admin/platforms").get_data(as_text=True)
    assert _maxlengths(page, ADD_PLATFORM_LIMITS) == ADD_PLATFORM_LIMITS


def test_the_deployment_ids_box_limits_each_line_not_the_whole(local: Any) -> None:
    """Several ids, one per line, may together pass one id's length: only the submit checks each line."""
    ids = by_id(local.get("/admin/platforms").get_data(as_text=True))
    assert ids["deployment_ids"].tag == "textarea" and "maxlength" not in ids["deployment_ids"].attrs


def test_the_edit_platform_form_limits_each_input_to_its_column(local: Any, tenants: Any) -> None:
    page = local.get(f"/admin/platforms/{tenants[0].platform_id}").get_data(as_text=True)
    assert _maxlengths(page, EDIT_PLATFORM_LIMITS) == EDIT_PLATFORM_LIMITS
    assert _maxlengths(page, ["deployment_id"]) == {"deployment_id": column_length(Deployment, "deployment_id")}


def test_the_edit_form_refused_keeps_its_limits(local: Any, tenants: Any) -> None:
    response = local.post(f"/admin/platforms/{tenants[0].platform_id}",
                          data={"csrf": local.csrf, "name": " ", "auth_login_url": "x", "auth_token_url": "x",
                                "key_set_url": "x", "policy": "known_only"})
    assert response.status_code == 422
    assert _maxlengths(response.get_data(as_text=True), EDIT_PLATFORM_LIMITS) == EDIT_PLATFORM_LIMITS


def test_the_add_lrs_form_limits_each_input_to_its_column(local: Any) -> None:
    page = local.get("/admin/lrs").get_data(as_text=True)
    assert _maxlengths(page, LRS_LIMITS) == LRS_LIMITS
    ids = by_id(page)
    assert "maxlength" not in ids["password"].attrs  # stored encrypted: no column length to keep to
