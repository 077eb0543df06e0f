"""SKILLBITE_METRICS_TOKEN: the placeholder shipped in deploy/ is refused, as the placeholder master key is."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from plugin.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[3]


def shipped_placeholder() -> str:
    (secret,) = [doc for doc in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "secret.yaml").read_text()) if doc]
    token: str = secret["stringData"]["SKILLBITE_METRICS_TOKEN"]
    return token


@pytest.mark.parametrize("token", [shipped_placeholder(), "replace-me"])
def test_a_placeholder_metrics_token_is_refused(tmp_path: Path, token: str) -> None:
    with pytest.raises(ConfigError, match="SKILLBITE_METRICS_TOKEN .*long random token"):
        Config.from_env({"SKILLBITE_METRICS_TOKEN": token, "SKILLBITE_INSTANCE_PATH": str(tmp_path)})


def test_a_random_metrics_token_is_kept(tmp_path: Path) -> None:
    token = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    config = Config.from_env({"SKILLBITE_METRICS_TOKEN": token, "SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    assert config.metrics_token == token


def test_no_metrics_token_leaves_metrics_open(tmp_path: Path) -> None:
    config = Config.from_env({"SKILLBITE_METRICS_TOKEN": "", "SKILLBITE_INSTANCE_PATH": str(tmp_path)})
    assert config.metrics_token is None
