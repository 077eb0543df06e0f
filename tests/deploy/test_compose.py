"""deploy/docker-compose.yml: valid against the Compose Specification, migrations before web and worker."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from .files import DEPLOY, resolve_command, yaml_documents

COMPOSE = DEPLOY / "docker-compose.yml"


def compose_schema() -> dict[str, Any]:
    # The Compose Specification's JSON schema, as vendored by the check-jsonschema package.
    source = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(source.read_text())
    return schema


def validate(document: Any) -> None:
    schema = compose_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    validator(schema).validate(document)


@pytest.fixture
def compose() -> dict[str, Any]:
    (document,) = yaml_documents(COMPOSE)
    return document  # type: ignore[no-any-return]


def test_compose_file_is_valid_against_the_compose_specification(compose):
    validate(compose)


def test_the_schema_check_does_catch_a_mistake(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_finished"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_compose_has_web_worker_database_and_migrations(compose):
    assert set(compose["services"]) == {"db", "migrate", "web", "worker"}


@pytest.mark.parametrize("service", ["web", "worker"])
def test_web_and_worker_start_after_migrations_succeeded(compose, service):
    assert compose["services"][service]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}}


def test_migrations_wait_for_a_healthy_database(compose):
    assert compose["services"]["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert compose["services"]["migrate"]["restart"] == "no"


@pytest.mark.parametrize("service", ["migrate", "web", "worker"])
def test_each_service_runs_an_existing_skillbite_command(compose, service):
    resolve_command(compose["services"][service]["command"])


def test_migrations_run_db_upgrade(compose):
    assert compose["services"]["migrate"]["command"] == ["db", "upgrade"]


@pytest.mark.parametrize("service", ["migrate", "web", "worker"])
def test_app_containers_are_read_only_without_capabilities(compose, service):
    spec = compose["services"][service]
    assert spec["read_only"] is True and spec["cap_drop"] == ["ALL"]


def test_web_port_is_published_on_loopback_only(compose):
    assert compose["services"]["web"]["ports"] == ["127.0.0.1:8000:8000"]


@pytest.mark.parametrize("service", ["migrate", "worker"])
def test_roles_without_http_disable_the_image_healthcheck(compose, service):
    assert compose["services"][service]["healthcheck"] == {"disable": True}
