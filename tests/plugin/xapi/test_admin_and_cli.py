"""The statement log and delivery health for admins; `skillbite lrs` against the real LRS."""

from __future__ import annotations

import dataclasses
import json

from click.testing import CliRunner

from plugin.cli import main
from plugin.db import transaction
from plugin.events import publish


def _session(runtime, learner) -> None:
    for event in learner.session_events():
        with transaction(runtime.sessions) as session:
            publish(session, event)


def test_admin_views_refuse_without_an_admin(client):
    response = client.get("/admin/outbox/health", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "administrators" in response.get_json()["message"]


def test_without_an_lrs_statements_stay_in_the_log_and_go_out_once_one_is_added(app, runtime, learner, lrs, add_lrs,
                                                                               deliver, monkeypatch):
    token = "operator-secret-token"
    runtime.config = dataclasses.replace(runtime.config, admin_token=token)
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    client = app.test_client()
    _session(runtime, learner)
    deliver()

    health = client.get("/admin/outbox/health", headers=auth).get_json()
    assert health["kinds"]["xapi"]["held"] == 9
    assert "No LRS is configured" in health["held"][0]["reason"]
    answered = client.get("/admin/xapi/statements?verb=answered&learner=learner-1", headers=auth).get_json()
    assert [s["verb"]["display"]["en-US"] for s in answered["statements"]] == ["answered", "answered"]
    assert client.get("/admin/xapi/statements?learner=nobody", headers=auth).get_json()["statements"] == []
    export = client.get("/admin/xapi/statements.jsonl", headers=auth)
    lines = export.get_data(as_text=True).splitlines()
    export.close()  # as a WSGI server does: ends the streamed response and its database session
    assert len(lines) == 9 and json.loads(lines[0])["verb"]["display"]["en-US"] == "initialized"
    page = client.get("/admin/xapi/statements", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and b"xAPI statement log" in page.data

    add_lrs(lrs.url, lrs.auth)
    deliver()
    assert len(lrs.statements()) == 9
    assert client.get("/admin/outbox/health", headers=auth).get_json()["kinds"] == {}  # nothing waiting


def test_lrs_cli_adds_lists_and_tests_a_real_lrs(config, runtime, lrs, monkeypatch):
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    added = runner.invoke(main, ["lrs", "add", "--endpoint", lrs.url, "--username", lrs.username,
                                 "--password", lrs.password, "--name", "Test LRS"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["lrs", "list"])
    assert "Test LRS" in listed.output and lrs.password not in listed.output
    tested = runner.invoke(main, ["lrs", "test", "1"])
    assert tested.exit_code == 0, tested.output
    assert "credentials accepted" in tested.output

    runner.invoke(main, ["lrs", "remove", "1"])
    again = runner.invoke(main, ["lrs", "add", "--endpoint", lrs.url, "--username", lrs.username,
                                 "--password", "wrong"])
    lrs_id = again.output.split("Added LRS ", 1)[1].split(".", 1)[0]
    refused = runner.invoke(main, ["lrs", "test", lrs_id])
    assert refused.exit_code != 0 and "credentials refused (HTTP 401)" in refused.output


def test_lrs_cli_refuses_an_endpoint_skillbite_would_not_call(config, runtime, monkeypatch):
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    refused = runner.invoke(main, ["lrs", "add", "--endpoint", "http://169.254.169.254/xapi/", "--username", "k",
                                   "--password", "s"])
    assert refused.exit_code == 1
    assert "--endpoint: This address is link-local" in refused.output and "Nothing was added." in refused.output
    private = runner.invoke(main, ["lrs", "add", "--endpoint", "https://10.0.0.1/xapi/", "--username", "k",
                                   "--password", "s"])
    assert private.exit_code == 1 and "SKILLBITE_ALLOW_PRIVATE_NETWORKS=1" in private.output
    assert "No LRS configured" in runner.invoke(main, ["lrs", "list"]).output
    public = runner.invoke(main, ["lrs", "add", "--endpoint", "https://93.184.216.34/xapi/", "--username", "k",
                                  "--password", "s"])
    assert public.exit_code == 0, public.output


def test_the_export_pages_through_the_log_in_order_without_holding_a_transaction(runtime, learner):
    from plugin.xapi import services as xapi_services

    for event in learner.session_events():
        with transaction(runtime.sessions) as session:
            publish(session, event)
    lines = list(xapi_services.export_statements(runtime.sessions, xapi_services.StatementFilter(), chunk=2))
    stamps = [json.loads(line)["timestamp"] for line in lines]
    assert len(lines) == len(learner.session_events()) and stamps == sorted(stamps)
    assert len({json.loads(line)["id"] for line in lines}) == len(lines)
    # Abandoned after one chunk: the next writer is not blocked by an open read.
    abandoned = xapi_services.export_statements(runtime.sessions, xapi_services.StatementFilter(), chunk=2)
    next(abandoned)
    with transaction(runtime.sessions) as session:
        publish(session, learner.session_events()[0])
