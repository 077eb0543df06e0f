"""deploy/Dockerfile: a wheel built in one stage, installed in a slim non-root runtime with a healthcheck."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from .files import DEPLOY, ROOT, resolve_command

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.read_text().splitlines()
                                           if not line.lstrip().startswith("#")))
    result = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            found.append([])
        found[-1].append((keyword, rest))
    return found


def last(stage: list[tuple[str, str]], keyword: str) -> str:
    values = [rest for key, rest in stage if key == keyword]
    assert values, f"no {keyword} in the stage"
    return values[-1]


def test_two_stages_on_python_3_11_slim():
    assert [rest for key, rest in instructions() if key == "FROM"] == [
        "python:3.11-slim AS build", "python:3.11-slim AS runtime"]


def test_build_stage_builds_wheels():
    assert "pip wheel" in last(stages()[0], "RUN")


def test_runtime_installs_the_wheels_from_the_build_stage_only():
    run = " ".join(rest for key, rest in stages()[1] if key == "RUN")
    assert "from=build" in run and "--no-index" in run


def test_runtime_runs_as_a_non_root_user():
    user = last(stages()[1], "USER")
    assert user.split(":")[0] not in {"0", "root", ""}


def test_healthcheck_asks_healthz():
    healthcheck = last(stages()[1], "HEALTHCHECK")
    assert "/healthz" in healthcheck and "CMD" in healthcheck


def test_entrypoint_is_the_skillbite_console_script():
    assert json.loads(last(stages()[1], "ENTRYPOINT")) == ["skillbite"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["skillbite"] == "plugin.cli:main"


def test_default_command_exists_and_listens_where_the_healthcheck_asks():
    command = json.loads(last(stages()[1], "CMD"))
    resolve_command(command)
    port = command[command.index("--port") + 1]
    assert f"127.0.0.1:{port}/healthz" in last(stages()[1], "HEALTHCHECK")
    assert last(stages()[1], "EXPOSE") == port


def test_web_processes_keep_their_metrics_files_in_the_writable_tmp():
    env = last(stages()[1], "ENV")
    assert re.findall(r"PROMETHEUS_MULTIPROC_DIR=(\S+)", env) == ["/tmp/skillbite-metrics"]


@pytest.mark.parametrize("source", ["pyproject.toml", "README.md", "lti/", "plugin/"])
def test_build_context_filter_lets_in_what_the_dockerfile_copies(source):
    allowed = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert f"!{source}" in allowed
    assert (ROOT / source).exists()
