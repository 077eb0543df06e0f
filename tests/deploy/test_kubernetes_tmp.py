"""deploy/k8s: the web pods' /tmp holds the uploads every web worker may be receiving at once."""

from __future__ import annotations

import re

from plugin.config import Config

from .files import DEPLOY, yaml_documents

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity_bytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * UNITS[unit]


def test_web_tmp_holds_one_largest_upload_per_worker_with_room_to_spare(app):
    # Werkzeug spools a request body over 500 KB to TMPDIR (/tmp); each worker serves one request at a time.
    (configmap,) = yaml_documents(DEPLOY / "k8s" / "configmap.yaml")
    workers = int(configmap["data"].get("SKILLBITE_WORKERS", Config.workers))
    (deployment,) = yaml_documents(DEPLOY / "k8s" / "web-deployment.yaml")
    spec = deployment["spec"]["template"]["spec"]
    (mount,) = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == "/tmp"]
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    assert quantity_bytes(volume["emptyDir"]["sizeLimit"]) > workers * app.config["MAX_CONTENT_LENGTH"]
