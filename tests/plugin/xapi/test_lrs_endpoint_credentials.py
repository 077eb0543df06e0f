"""A key and secret belong in their own fields, sealed: never in the LRS endpoint, where errors would show them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from plugin.cli import main
from plugin.db import transaction
from plugin.xapi import services
from plugin.xapi.models import LrsDestination

REFUSAL = ("The LRS endpoint must not carry the key or secret (key:secret@host): remove them from the URL and give "
           "them in the Key and Secret fields (--username and --password).")


def _add(runtime, endpoint: str) -> None:
    with transaction(runtime.sessions) as session:
        services.add_destination(session, runtime.box, name="LRS", endpoint=endpoint, username="k", password="s")


@pytest.mark.parametrize("endpoint", ["http://key:the-secret@93.184.216.34/xAPI/", "https://key@93.184.216.34/xapi/",
                                      "https://:the-secret@93.184.216.34/xapi/"])
def test_an_endpoint_with_a_key_or_secret_in_it_is_refused_and_nothing_is_saved(runtime, endpoint: str) -> None:
    with pytest.raises(services.XapiError) as refused:
        _add(runtime, endpoint)
    assert str(refused.value) == REFUSAL
    with runtime.sessions() as session:
        assert session.scalars(sa.select(LrsDestination)).all() == []


def test_a_refused_endpoint_that_is_not_http_does_not_repeat_its_secret(runtime) -> None:
    with pytest.raises(services.XapiError) as refused:
        _add(runtime, "key:the-secret@93.184.216.34/xapi/")
    assert "must be an http(s) URL" in str(refused.value) and "the-secret" not in str(refused.value)


def test_the_cli_refuses_an_endpoint_with_credentials_and_adds_nothing(config, runtime, monkeypatch) -> None:
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    refused = runner.invoke(main, ["lrs", "add", "--endpoint", "http://key:the-secret@93.184.216.34/xAPI/",
                                   "--username", "key", "--password", "the-secret"])
    assert refused.exit_code == 1 and REFUSAL in refused.output
    assert "No LRS configured" in runner.invoke(main, ["lrs", "list"]).output
