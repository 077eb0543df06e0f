"""The activity log: each change names who made it; LMS administrators see their own platform's entries;
a refused change leaves no entry; the command line and the operator API are recorded too."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from plugin.admin.models import AdminAction
from plugin.catalog.package import write_zip
from plugin.cli import main
from plugin.web.csrf import HEADER as CSRF_HEADER
from tests.plugin.admin.conftest import EMAIL
from tests.plugin.catalog.packages import package


def _entries(runtime: Any) -> list[AdminAction]:
    with runtime.sessions() as session:
        return list(session.scalars(sa.select(AdminAction).order_by(AdminAction.id)))


def _rows(html: str) -> list[str]:
    """The activity page's table rows, as text."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>") if "<td" in row]


def test_console_changes_name_the_admin_and_the_platform(local: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    assert local.post(f"/admin/platforms/{a.platform_id}/enabled",
                      data={"csrf": local.csrf, "enabled": "0"}).status_code == 303
    assert local.post("/admin/keys/rotate", data={"csrf": local.csrf}).status_code == 303
    signed_in, disabled, rotated = _entries(runtime)
    assert (signed_in.action, signed_in.actor, signed_in.platform_id) == ("console.signed_in", EMAIL, None)
    assert (disabled.action, disabled.actor, disabled.actor_kind) == ("platform.disabled", EMAIL, "local")
    assert disabled.platform_id == a.platform_id and "Tenant A" in disabled.target
    assert (rotated.action, rotated.platform_id) == ("key.rotated", None)

    rows = _rows(local.get("/admin/activity").get_data(as_text=True))
    assert rows[0].endswith(f"{EMAIL} added the tool signing key {rotated.target}")  # newest first
    assert f"{EMAIL} disabled the platform Tenant A" in rows[1]


def test_an_lms_admin_sees_only_their_platforms_entries(local: Any, lti_admin: Any, tenants: Any) -> None:
    a, b = tenants
    local.post(f"/admin/platforms/{b.platform_id}/deployments", data={"csrf": local.csrf, "deployment_id": "b-2"})
    admin = lti_admin(a.platform_id)
    assert admin.post(f"/admin/platforms/{a.platform_id}/deployments", {"deployment_id": "a-2"}).status_code == 303

    page = admin.get("/admin/activity").get_data(as_text=True)
    [row] = _rows(page)
    assert "(LMS administrator, Tenant A) added the deployment a-2 of Tenant A" in row
    assert "b-2" not in page and EMAIL not in page  # another tenant's change, and the operator's sign-in
    everything = _rows(local.get("/admin/activity").get_data(as_text=True))
    assert len(everything) == 3  # the sign-in and both deployments


def test_a_refused_change_leaves_no_entry(local: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    refused = local.post(f"/admin/platforms/{a.platform_id}/deployments", data={"csrf": local.csrf,
                                                                               "deployment_id": " "})
    assert refused.status_code == 400
    assert [e.action for e in _entries(runtime)] == ["console.signed_in"]


def test_the_command_line_and_the_operator_api_are_recorded(app: Any, runtime: Any, admin_account: str,
                                                            tenants: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    config = runtime.config
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    assert CliRunner().invoke(main, ["admin", "disable", "--email", EMAIL.upper()]).exit_code == 0
    runtime.config = dataclasses.replace(config, admin_token="operator-secret")
    replayed = app.test_client().post("/admin/outbox/replay", json={"kind": "xapi"},
                                      headers={"Authorization": "Bearer operator-secret"})
    assert replayed.get_json() == {"replayed": 2}

    disabled, replay = _entries(runtime)
    assert (disabled.action, disabled.actor_kind, disabled.target) == ("admin.disabled", "cli", EMAIL)
    assert disabled.actor.startswith("command line (")
    assert (replay.actor_kind, replay.actor, replay.target) == ("operator", "operator token",
                                                                "2 xapi messages (every parked one)")


def test_an_lms_admins_api_replay_names_them(lti_admin: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    admin = lti_admin(a.platform_id)
    admin.client.post("/admin/outbox/replay", json={"ids": [a.parked_id]},
                      query_string={"lt": admin.token}, headers={CSRF_HEADER: admin.csrf})
    [entry] = _entries(runtime)
    assert entry.platform_id == a.platform_id and entry.actor_kind == "lti"
    assert entry.target == f"1 outbox message (ids {a.parked_id})"


def test_api_tokens_and_the_courses_they_import_are_recorded(app: Any, runtime: Any) -> None:
    config = runtime.config
    env = {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
           "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}
    created = CliRunner().invoke(main, ["api", "token", "create", "--name", "pipeline"], env=env)
    token = re.search(r"sb_[\w-]{20,}", created.output)
    assert token, created.output
    auth = {"Authorization": f"Bearer {token.group(0)}", "Content-Type": "application/zip"}
    client = app.test_client()
    zipped = write_zip(package().files)
    assert client.post("/api/v1/courses", headers=auth, data=zipped).status_code == 201
    assert client.post("/api/v1/courses", headers=auth, data=zipped).status_code == 200  # unchanged: no entry
    assert CliRunner().invoke(main, ["api", "token", "revoke", "1"], env=env).exit_code == 0

    made, imported, revoked = _entries(runtime)
    assert (made.action, made.actor_kind, made.target) == ("api_token.created", "cli", "#1 pipeline (sb_" +
                                                           token.group(0)[3:10] + "…)")
    assert (imported.action, imported.actor, imported.detail) == ("course.imported", "API token #1 (pipeline)",
                                                                  "version 1")
    assert (revoked.action, revoked.target) == ("api_token.revoked", "#1")
    assert token.group(0) not in " ".join(f"{e.target} {e.detail}" for e in _entries(runtime))  # never the secret


def test_replays_and_credential_keys_from_the_command_line_are_recorded(runtime: Any, tenants: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = tenants
    config = runtime.config
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_BASE_URL": config.base_url,
                        "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    replayed = CliRunner().invoke(main, ["outbox", "replay", "--platform-id", str(a.platform_id)])
    assert replayed.exit_code == 0, replayed.output
    rotated = CliRunner().invoke(main, ["credential", "rotate-key", "--platform", str(a.platform_id)])
    assert rotated.exit_code == 0, rotated.output

    replay, key = _entries(runtime)
    assert (replay.action, replay.platform_id, replay.target) == ("delivery.replayed", a.platform_id,
                                                                  "1 outbox message (every parked one)")
    assert (key.action, key.platform_id) == ("credential_key.rotated", a.platform_id)
    assert key.target in rotated.output  # the new key's verification method, as the command printed it


def test_content_loaded_from_the_command_line_is_recorded(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    config = runtime.config
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_BASE_URL": config.base_url,
                        "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    framework = Path(__file__).resolve().parents[3] / "plugin" / "skills" / "demo" / "framework.json"
    for args in (["demo", "load"], ["demo", "load"],  # the second changes nothing: no entry
                 ["skills", "import", str(framework)],
                 ["skills", "roles", "add", "coach", "--title", "Coach", "--skill", "feedback=3"]):
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 0, done.output
    refused = CliRunner().invoke(main, ["skills", "roles", "add", "x", "--title", "X", "--skill", "nope=3"])
    assert refused.exit_code != 0  # an unknown skill: nothing saved, nothing recorded

    demo, imported, role = _entries(runtime)
    assert (demo.action, demo.actor_kind) == ("demo.loaded", "cli")
    assert "version 1" in demo.target and "skill framework" in demo.target
    assert imported.action == "skills.imported" and imported.detail == "0 new, 0 updated skills, from framework.json"
    assert (role.action, role.target, role.platform_id) == ("role.saved", "Coach (coach)", None)
    assert role.detail and "3" in role.detail
