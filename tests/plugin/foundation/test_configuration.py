"""Configuration: documented in one table, read from the environment, no constant secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugin.config import VARIABLES, Config, ConfigError, variables_markdown

ROOT = Path(__file__).resolve().parents[3]


def test_configuration_doc_matches_the_code() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == variables_markdown(), (
        "run: skillbite config docs > docs/configuration.md")


def test_every_variable_the_code_reads_is_documented() -> None:
    documented = {name for name, _, _ in VARIABLES}
    read: set[str] = set()
    for path in (ROOT / "plugin").rglob("*.py"):
        read |= set(re.findall(r"env(?:iron)?(?:\.get)?\(\s*[\"'](SKILLBITE_[A-Z_]+)", path.read_text()))
        read |= set(re.findall(r"_int\(env, \"(SKILLBITE_[A-Z_]+)\"", path.read_text()))
    assert read, "the scan found no variables: the pattern is stale"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_defaults_put_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    config = Config.from_env({"SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'skillbite.db'}"
    assert config.base_url == "http://127.0.0.1:5000"
    assert config.master_key is None and not config.demo


def test_base_url_must_be_http(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SKILLBITE_BASE_URL"):
        Config.from_env({"SKILLBITE_BASE_URL": "ftp://x", "SKILLBITE_INSTANCE_PATH": str(tmp_path)})


def test_bad_number_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SKILLBITE_WORKERS"):
        Config.from_env({"SKILLBITE_WORKERS": "many", "SKILLBITE_INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("days", ["-1", "7", "30"])
def test_launch_sessions_are_kept_long_enough_for_the_dashboard(tmp_path: Path, days: str) -> None:
    with pytest.raises(ConfigError, match="SKILLBITE_LAUNCH_SESSION_DAYS"):
        Config.from_env({"SKILLBITE_LAUNCH_SESSION_DAYS": days, "SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    for fine in ("0", "31", "365"):
        assert Config.from_env({"SKILLBITE_LAUNCH_SESSION_DAYS": fine,
                                "SKILLBITE_INSTANCE_PATH": str(tmp_path)}).launch_session_days == int(fine)


def test_trailing_slash_is_dropped_from_base_url(tmp_path: Path) -> None:
    config = Config.from_env({"SKILLBITE_BASE_URL": "https://sb.example.com/",
                              "SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    assert config.url("/lti/launch") == "https://sb.example.com/lti/launch"
    assert config.secure
