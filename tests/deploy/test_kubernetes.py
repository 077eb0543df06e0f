"""deploy/k8s: every object valid against the Kubernetes JSON schemas, and wired to the others."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest
from cryptography.fernet import Fernet

from .files import DEPLOY, kubernetes_objects, resolve_command, yaml_documents

# The oldest Kubernetes release the manifests promise to work on, and the newest the schemas know.
VERSIONS = ("1.29", kubernetes_validate.utils.latest_version())
OBJECTS = kubernetes_objects()
WORKLOADS = {"Deployment", "Job"}


def find(kind: str, name: str) -> dict[str, Any]:
    matches = [obj for _, obj in OBJECTS if obj["kind"] == kind and obj["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def test_there_are_manifests_to_check():
    kinds = {obj["kind"] for _, obj in OBJECTS}
    assert {"Deployment", "Job", "HorizontalPodAutoscaler", "ConfigMap", "Secret", "Service",
            "Ingress"} <= kinds


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("filename", "obj"), OBJECTS, ids=[f"{f}:{o['kind']}" for f, o in OBJECTS])
def test_object_is_valid_against_the_kubernetes_schema(filename, obj, version):
    # strict: an unknown or misspelt field is an error, as `kubectl apply --validate=strict` makes it.
    kubernetes_validate.validate(obj, version, strict=True)


def test_the_schema_check_does_catch_a_misspelt_field():
    broken = copy.deepcopy(find("Deployment", "skillbite-web"))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = broken["spec"]["template"]["spec"][
        "containers"][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest():
    (kustomization,) = yaml_documents(DEPLOY / "k8s" / "kustomization.yaml")
    files = {path.name for path in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def test_web_probes_readiness_and_liveness_separately():
    (container,) = pod_spec(find("Deployment", "skillbite-web"))["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_autoscaler_scales_the_web_deployment():
    hpa = find("HorizontalPodAutoscaler", "skillbite-web")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": "skillbite-web"}
    assert hpa["spec"]["minReplicas"] >= 2


@pytest.mark.parametrize(("name", "kind"), [("skillbite-web", "Deployment"), ("skillbite-worker", "Deployment"),
                                            ("skillbite-migrate", "Job")])
def test_workloads_run_unprivileged_on_a_read_only_root(name, kind):
    spec = pod_spec(find(kind, name))
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    for container in spec["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


@pytest.mark.parametrize(("name", "kind"), [("skillbite-web", "Deployment"), ("skillbite-worker", "Deployment"),
                                            ("skillbite-migrate", "Job")])
def test_workloads_run_an_existing_skillbite_command(name, kind):
    for container in pod_spec(find(kind, name))["containers"]:
        resolve_command(container["args"])


def test_migration_job_runs_db_upgrade_once():
    job = find("Job", "skillbite-migrate")
    assert pod_spec(job)["containers"][0]["args"] == ["db", "upgrade"]
    assert pod_spec(job)["restartPolicy"] == "Never"


@pytest.mark.parametrize(("name", "kind"), [("skillbite-web", "Deployment"), ("skillbite-worker", "Deployment"),
                                            ("skillbite-migrate", "Job")])
def test_workloads_read_the_configmap_and_the_secret(name, kind):
    for container in pod_spec(find(kind, name))["containers"]:
        sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert sources == {"skillbite-config", "skillbite-secrets"}


def test_configmap_holds_only_skillbite_variables_and_no_secret():
    data = find("ConfigMap", "skillbite-config")["data"]
    assert all(key.startswith("SKILLBITE_") for key in data)
    assert not {"SKILLBITE_MASTER_KEY", "SKILLBITE_DATABASE_URL", "SKILLBITE_METRICS_TOKEN"} & set(data)


def test_secret_holds_placeholders_never_a_usable_key():
    data = find("Secret", "skillbite-secrets")["stringData"]
    assert {"SKILLBITE_MASTER_KEY", "SKILLBITE_DATABASE_URL"} <= set(data)
    assert all("REPLACE" in value for value in data.values())
    with pytest.raises(ValueError):
        Fernet(data["SKILLBITE_MASTER_KEY"])  # Skillbite refuses to start until it is replaced


def test_service_selects_the_web_pods_and_the_ingress_reaches_it_over_tls():
    service = find("Service", "skillbite-web")
    web_labels = find("Deployment", "skillbite-web")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= web_labels.items()
    ingress = find("Ingress", "skillbite")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "skillbite-web"
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
