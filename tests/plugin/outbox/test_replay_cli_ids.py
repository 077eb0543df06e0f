"""`skillbite outbox replay --id` takes message ids the database can hold; any other is a usage error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from plugin.cli import main
from plugin.db import transaction
from plugin.outbox import services as outbox
from plugin.outbox.models import OutboxMessage, Status
from plugin.web.numbers import DATABASE_ID_MAX


@pytest.fixture
def cli(runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    config = runtime.config
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_BASE_URL": config.base_url,
                        "SKILLBITE_MASTER_KEY": config.master_key,
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def _parked(runtime) -> int:
    with transaction(runtime.sessions) as session:
        outbox.enqueue(session, kind="test", destination="d", key="k", payload={}, platform_id=None)
        session.execute(sa.update(OutboxMessage).values(status=Status.PARKED, last_error="nope"))
        return session.scalar(sa.select(OutboxMessage.id))


@pytest.mark.parametrize("option", ["--id", "--platform-id"])
@pytest.mark.parametrize("value", ["99999999999999999999", str(DATABASE_ID_MAX + 1), "0"])
def test_an_id_the_database_cannot_hold_is_said_to_be_out_of_range(cli: CliRunner, runtime, option: str,
                                                                   value: str) -> None:
    parked = _parked(runtime)
    refused = cli.invoke(main, ["outbox", "replay", option, value])
    assert refused.exit_code == 2 and refused.exception is not None and isinstance(refused.exception, SystemExit)
    assert f"Invalid value for '{option}'" in refused.output and f"1<=x<={DATABASE_ID_MAX}" in refused.output
    assert "Traceback" not in refused.output
    with runtime.sessions() as session:
        assert session.get(OutboxMessage, parked).status == Status.PARKED


def test_a_status_for_a_platform_id_the_database_cannot_hold_is_a_usage_error(cli: CliRunner) -> None:
    refused = cli.invoke(main, ["outbox", "status", "--platform-id", "99999999999999999999"])
    assert refused.exit_code == 2 and "Invalid value for '--platform-id'" in refused.output


def test_the_largest_id_is_accepted_and_a_real_one_is_replayed(cli: CliRunner, runtime) -> None:
    parked = _parked(runtime)
    assert cli.invoke(main, ["outbox", "replay", "--id", str(DATABASE_ID_MAX)]).output == "0 message(s) queued again.\n"
    replayed = cli.invoke(main, ["outbox", "replay", "--id", str(parked)])
    assert replayed.exit_code == 0 and replayed.output == "1 message(s) queued again.\n"
    with runtime.sessions() as session:
        assert session.get(OutboxMessage, parked).status == Status.QUEUED
