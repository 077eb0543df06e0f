"""Python side of the independent credential verifier (tests/support/vc_verify.js, digitalbazaar's libraries)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCRIPT = HERE / "vc_verify.js"


@dataclass(frozen=True)
class VerifierResult:
    verified: bool
    errors: list[str]
    revoked: bool | None

    def mentions(self, text: str) -> bool:
        return any(text.lower() in error.lower() for error in self.errors)


def available() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir()


def verify_with_js(credential: dict[str, Any], did_documents: list[dict[str, Any]],
                   status_lists: dict[str, dict[str, Any]] | None = None, now: str | None = None,
                   timeout: float = 60.0) -> VerifierResult:
    payload = {"credential": credential, "didDocuments": did_documents, "statusLists": status_lists or {}}
    if now:
        payload["now"] = now
    completed = subprocess.run(["node", str(SCRIPT)], input=json.dumps(payload), capture_output=True,
                               text=True, timeout=timeout, cwd=ROOT, check=False)
    if completed.returncode != 0 or not completed.stdout.strip():
        raise RuntimeError(f"vc_verify.js failed ({completed.returncode}): {completed.stderr[-2000:]}")
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    return VerifierResult(verified=bool(data["verified"]), errors=list(data["errors"]), revoked=data["revoked"])
