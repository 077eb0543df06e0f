"""`skillbite worker` logs as the web processes do: one JSON object per line, with its fields."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from plugin.cli import main


def test_the_worker_logs_json_lines_with_their_fields(runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    config = runtime.config
    for name, value in {"SKILLBITE_DATABASE_URL": config.database_url, "SKILLBITE_BASE_URL": config.base_url,
                        "SKILLBITE_MASTER_KEY": config.master_key, "SKILLBITE_LOG_FORMAT": "json",
                        "SKILLBITE_INSTANCE_PATH": str(config.instance_path)}.items():
        monkeypatch.setenv(name, value)
    logger = logging.getLogger("skillbite")
    handlers = logger.handlers[:]
    try:
        result = CliRunner().invoke(main, ["worker", "--once"])
    finally:
        logger.handlers[:] = handlers  # not the runner's stream, closed once it returns
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    housekeeping = [line for line in lines if line["message"] == "housekeeping done"]
    assert housekeeping and housekeeping[0]["logger"] == "skillbite.worker" and "removed" in housekeeping[0]
