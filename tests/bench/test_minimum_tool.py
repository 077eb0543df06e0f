"""bench/reference/minimum_tool.py is a lower bound only if it does the checks it claims: each one here.

bench/launch.py reports its CPU per launch as the least any tool on this stack can spend while following
the Security Framework; a check it skipped would make that bound look lower than it is.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
from flask.testing import FlaskClient

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path[:0] = [str(BENCH), str(BENCH / "reference")]

from bench_platform import BenchPlatform, ToolUrls, learners  # noqa: E402
from minimum_tool import STATE_COOKIE_PREFIX, create_app  # noqa: E402

TOOL = ToolUrls("http://127.0.0.1:5999/login", "http://127.0.0.1:5999/launch")
LEARNER = learners(1)[0]


@pytest.fixture
def platform() -> Iterator[BenchPlatform]:
    started = BenchPlatform().start()
    yield started
    started.stop()


@pytest.fixture
def client(platform: BenchPlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    for name, value in {"ISSUER": platform.issuer, "CLIENT_ID": platform.client_id, "AUTH_URL": platform.auth_url,
                        "JWKS_URL": platform.jwks_url, "DEPLOYMENT_ID": platform.deployment_id}.items():
        monkeypatch.setenv("BENCH_REF_" + name, value)
    monkeypatch.setenv("BENCH_MIN_DB", str(tmp_path / "minimum.db"))
    return create_app().test_client()


def _login(client: FlaskClient, platform: BenchPlatform) -> tuple[str, str]:
    """Log in; the state and nonce of the authentication request."""
    answer = client.post("/login", data=platform.login_params(TOOL, LEARNER))
    assert answer.status_code == 302
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    return params["state"], params["nonce"]


def _launch(client: FlaskClient, state: str, token: str) -> int:
    return client.post("/launch", data={"state": state, "id_token": token}).status_code


def test_a_good_launch_shows_the_learner(client: FlaskClient, platform: BenchPlatform) -> None:
    state, nonce = _login(client, platform)
    answer = client.post("/launch", data={"state": state, "id_token": platform.id_token(nonce, TOOL, LEARNER)})
    assert answer.status_code == 200
    assert LEARNER.name in answer.get_data(as_text=True)


def test_a_state_is_spent_by_its_launch(client: FlaskClient, platform: BenchPlatform) -> None:
    state, nonce = _login(client, platform)
    token = platform.id_token(nonce, TOOL, LEARNER)
    assert _launch(client, state, token) == 200
    client.set_cookie(STATE_COOKIE_PREFIX + state, state, path="/")  # even with the cookie kept
    assert _launch(client, state, token) == 400


def test_a_replayed_id_token_fails_at_a_new_login(client: FlaskClient, platform: BenchPlatform) -> None:
    state, nonce = _login(client, platform)
    token = platform.id_token(nonce, TOOL, LEARNER)
    assert _launch(client, state, token) == 200
    second_state, _ = _login(client, platform)
    assert _launch(client, second_state, token) == 400  # the nonce is not this login's


def test_a_state_without_its_cookie_is_refused(client: FlaskClient, platform: BenchPlatform) -> None:
    state, nonce = _login(client, platform)
    client.delete_cookie(STATE_COOKIE_PREFIX + state, path="/")
    assert _launch(client, state, platform.id_token(nonce, TOOL, LEARNER)) == 401


@pytest.mark.parametrize("change", [
    {"iss": "https://elsewhere.example"},
    {"aud": "another-client"},
    {"exp": 1_000_000},
    {"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"},
    {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown"},
    {"https://purl.imsglobal.org/spec/lti/claim/roles": None},
    {"https://purl.imsglobal.org/spec/lti/claim/resource_link": {}},
    {"nonce": "not-the-login-nonce"},
])
def test_each_required_claim_is_checked(client: FlaskClient, platform: BenchPlatform,
                                        change: dict[str, object]) -> None:
    state, nonce = _login(client, platform)
    claims = {**platform.claims(nonce, TOOL, LEARNER), **change}
    token = jwt.encode(claims, platform.private_key, algorithm="RS256", headers={"kid": platform.kid})
    assert _launch(client, state, token) == 400


def test_the_signature_is_checked(client: FlaskClient, platform: BenchPlatform) -> None:
    state, nonce = _login(client, platform)
    header, payload, signature = platform.id_token(nonce, TOOL, LEARNER).split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert _launch(client, state, forged) == 400
