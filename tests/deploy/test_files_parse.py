"""Every deployment file parses, and every variable it sets is one Skillbite documents."""

from __future__ import annotations

import re

import pytest

from plugin.config import VARIABLES

from .files import DEPLOY, kubernetes_objects, yaml_documents

YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
DOCUMENTED = {name for name, _, _ in VARIABLES} | {"PROMETHEUS_MULTIPROC_DIR"}


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_file_parses(path):
    assert yaml_documents(path)


def variables_set_by_deploy_files() -> set[str]:
    names: set[str] = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix in {".example", ".service", ".yml", ".yaml", ""}:
            names |= set(re.findall(r"\b(SKILLBITE_[A-Z_]+)\s*[=:]", path.read_text()))
    for _, obj in kubernetes_objects():
        names |= {key for key in {**obj.get("data", {}), **obj.get("stringData", {})}}
    return names


def test_every_variable_the_deploy_files_set_is_documented():
    found = variables_set_by_deploy_files()
    assert "SKILLBITE_MASTER_KEY" in found, "the scan found nothing: its pattern is stale"
    assert found <= DOCUMENTED, f"not in plugin/config.py VARIABLES: {sorted(found - DOCUMENTED)}"
