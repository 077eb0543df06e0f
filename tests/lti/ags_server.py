"""A strict LMS on 127.0.0.1 serving the token, AGS and NRPS endpoints, for the service tests.

It checks every request as a strict platform does — form-encoded token requests with a client assertion
verified against the tool's JWKS (kid, iss = sub = client_id, aud, exp, unique jti), known scopes,
bearer tokens that exist, have not expired and carry the scope, Accept and Content-Type media types,
Moodle's ``?type_id=`` on every AGS URL, required score fields — and answers a violation with the 4xx a
platform would, recording it in ``violations``. Moodle's own refusals are played too: 409 for a score in
the same second as the stored one, 400 for a score for a teacher. ``script(kind, Reply(...))`` makes the
next request of a kind answer something else (401 once, 429 with Retry-After, 503, a slow answer).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from lti import claims
from lti.ags import LINEITEM_CONTAINER_MEDIA_TYPE, LINEITEM_MEDIA_TYPE, SCORE_MEDIA_TYPE, AssignmentsAndGrades
from lti.http import HttpClient
from lti.nrps import MEMBERSHIP_CONTAINER_MEDIA_TYPE, NamesAndRoles
from lti.outbound import OutboundPolicy
from lti.service_token import CLIENT_ASSERTION_TYPE, ServiceTokens
from lti.storage import PlatformRegistration
from tests.lti.memory import FakeClock, MemoryAccessTokenCache, MemoryToolKeys
from tests.lti.platform_fixture import CLIENT_ID

CONTEXT = "2"
TYPE_ID = "3"
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_SCORES_PATH = re.compile(rf"^/mod/lti/services\.php/{CONTEXT}/lineitems/(\d+)/lineitem/scores$")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)")
_LINEITEMS_PATH = f"/mod/lti/services.php/{CONTEXT}/lineitems"
_MEMBERS_PATH = f"/api/lti/courses/{CONTEXT}/names_and_roles"


@dataclass
class Reply:
    """A scripted answer: ``status``, JSON ``body`` (or none), ``headers``, after ``delay`` seconds."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class Refusal(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def _json(body: Any, status: int = 200, content_type: str = "application/json",
          headers: list[tuple[str, str]] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type=content_type)
    for name, value in headers or []:
        response.headers.add(name, value)
    return response


def _accepts(request: Request, media_type: str) -> bool:
    return media_type in [part.split(";")[0].strip() for part in request.headers.get("Accept", "").split(",")]


class StrictPlatform:
    def __init__(self, tool_jwks: dict[str, Any], client_id: str, clock: Callable[[], float]) -> None:
        self.tool_jwks = tool_jwks
        self.client_id = client_id
        self.clock = clock
        self.expires_in: Any = 3600
        self.page_size = 2
        self.teachers: set[str] = set()
        self.token_requests: list[list[str]] = []
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.token_forms: list[tuple[str, dict[str, str]]] = []
        self.requests: list[tuple[str, str, str]] = []  # (kind, method, full path with query)
        self.violations: list[str] = []
        self.line_items: dict[int, dict[str, Any]] = {}
        self.scores: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
        self.score_bodies: list[tuple[str, bytes]] = []
        self.members: list[dict[str, Any]] = []
        self._tokens: dict[str, tuple[list[str], float]] = {}
        self._jtis: set[str] = set()
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.token_url = self.base_url + "/mod/lti/token.php"
        self.audience = self.token_url
        self.lineitems_url = f"{self.base_url}{_LINEITEMS_PATH}?type_id={TYPE_ID}"
        self.memberships_url = f"{self.base_url}{_MEMBERS_PATH}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # -- test controls --------------------------------------------------------------------------------

    def __enter__(self) -> StrictPlatform:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, kind: str, *replies: Reply) -> None:
        """The next requests of ``kind`` (token, lineitems, scores, members) answer ``replies`` in order."""
        self._scripts[kind].extend(replies)

    def revoke_tokens(self) -> None:
        self._tokens.clear()

    def add_line_item(self, label: str, **fields: Any) -> str:
        number = len(self.line_items) + 1
        url = f"{self.base_url}{_LINEITEMS_PATH}/{number}/lineitem?type_id={TYPE_ID}"
        self.line_items[number] = {"id": url, "label": label, "scoreMaximum": 100, **fields}
        return url

    def add_member(self, user_id: str, role: str = "Learner", **fields: Any) -> None:
        self.members.append({"user_id": user_id, "roles": [LIS + role], **fields})

    def requests_of(self, kind: str) -> list[tuple[str, str, str]]:
        return [r for r in self.requests if r[0] == kind]

    # -- the platform ---------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        kind = self._kind(request)
        with self._lock:
            self.requests.append((kind, request.method, request.full_path.rstrip("?")))
            scripted = self._scripts[kind].popleft() if self._scripts[kind] else None
        if scripted is not None:
            time.sleep(scripted.delay)
            response = Response(
                json.dumps(scripted.body) if scripted.body is not None else b"",
                status=scripted.status,
                content_type="application/json",
            )
            for name, value in scripted.headers.items():
                response.headers.add(name, value)
            return response(environ, start_response)
        try:
            with self._lock:
                response = self._handle(kind, request)
        except Refusal as refusal:
            self.violations.append(f"{kind}: {refusal.description}")
            response = _json({"error": refusal.error, "error_description": refusal.description}, refusal.status)
        return response(environ, start_response)

    def _kind(self, request: Request) -> str:
        if request.path == "/mod/lti/token.php":
            return "token"
        if request.path == _LINEITEMS_PATH:
            return "lineitems"
        if _SCORES_PATH.match(request.path):
            return "scores"
        if request.path == _MEMBERS_PATH:
            return "members"
        return "unknown"

    def _handle(self, kind: str, request: Request) -> Response:
        if kind == "token" and request.method == "POST":
            return self._token(request)
        if kind in ("lineitems", "scores") and request.args.get("type_id") != TYPE_ID:
            raise Refusal(404, "not_found", "Moodle needs ?type_id= on every AGS URL")
        if kind == "lineitems" and request.method == "GET":
            self._authorize(request, {claims.SCOPE_AGS_LINEITEM, claims.SCOPE_AGS_LINEITEM_READONLY})
            return self._line_item_page(request)
        if kind == "lineitems" and request.method == "POST":
            self._authorize(request, {claims.SCOPE_AGS_LINEITEM})
            return self._create_line_item(request)
        if kind == "scores" and request.method == "POST":
            self._authorize(request, {claims.SCOPE_AGS_SCORE})
            return self._score(request)
        if kind == "members" and request.method == "GET":
            self._authorize(request, {claims.SCOPE_NRPS})
            return self._member_page(request)
        raise Refusal(404, "not_found", f"no {request.method} {request.path}")

    def _token(self, request: Request) -> Response:
        if request.mimetype != "application/x-www-form-urlencoded":
            raise Refusal(400, "invalid_request", f"token requests are form-encoded, not {request.mimetype}")
        form = request.form.to_dict()
        self.token_forms.append((request.mimetype, form))
        if form.get("grant_type") != "client_credentials":
            raise Refusal(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise Refusal(400, "invalid_client", "wrong client_assertion_type")
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise Refusal(400, "invalid_client", f"unreadable assertion: {exc}") from None
        keys = {key["kid"]: key for key in self.tool_jwks["keys"]}
        if header.get("kid") not in keys:
            raise Refusal(400, "invalid_client", "the assertion header names no known kid")
        public = RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]]))
        try:
            payload = jwt.decode(
                assertion, public, algorithms=["RS256"], audience=self.audience,  # type: ignore[arg-type]
                options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"], "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            raise Refusal(400, "invalid_client", f"assertion refused: {exc}") from None
        if payload["iss"] != self.client_id or payload["sub"] != self.client_id:
            raise Refusal(400, "invalid_client", "Client ID not valid: iss and sub must be the client_id")
        if not payload["iat"] - 5 <= self.clock() < payload["exp"]:
            raise Refusal(400, "invalid_client", "the assertion is not valid now")
        if payload["jti"] in self._jtis:
            raise Refusal(400, "invalid_client", "the assertion's jti was used before")
        self._jtis.add(payload["jti"])
        self.assertions.append((header, payload))
        scopes = form.get("scope", "").split()
        if not scopes or any(scope not in claims.TOOL_SCOPES for scope in scopes):
            raise Refusal(400, "invalid_scope", f"unknown scope in {form.get('scope')!r}")
        self.token_requests.append(scopes)
        token = secrets.token_urlsafe(16)
        lifetime = self.expires_in if isinstance(self.expires_in, int | float) else 3600
        self._tokens[token] = (scopes, self.clock() + lifetime)
        answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "scope": " ".join(scopes)}
        if self.expires_in is not None:
            answer["expires_in"] = self.expires_in
        return _json(answer)

    def _authorize(self, request: Request, any_of: set[str]) -> None:
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            raise Refusal(401, "invalid_token", "no bearer token")
        entry = self._tokens.get(authorization.removeprefix("Bearer "))
        if entry is None or entry[1] <= self.clock():
            raise Refusal(401, "invalid_token", "unknown or expired access token")
        if not any_of & set(entry[0]):
            raise Refusal(403, "insufficient_scope", f"the token lacks {sorted(any_of)}")

    def _page(self, request: Request, entries: list[Any], base: str, relative: bool) -> tuple[list[Any], list[str]]:
        """One page and its Link headers, written in the odd but legal ways platforms write them."""
        try:
            limit = int(request.args.get("limit", self.page_size))
            page = int(request.args.get("page", "1"))
        except ValueError:
            raise Refusal(400, "invalid_request", "limit and page are integers") from None
        chunk = entries[(page - 1) * limit : page * limit]
        params = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        links = [f'<{base}?{urlencode(params + [("page", "1")])}>; rel="first"']
        if page * limit < len(entries):
            query = urlencode(params + [("page", str(page + 1))])
            target = f"{request.path.rsplit('/', 1)[1]}?{query}" if relative else f"{base}?{query}"
            last = (len(entries) + limit - 1) // limit
            links.append(f'<{base}?{urlencode(params + [("page", str(last))])}> ;rel=last,'
                         f'  <{target}> ; title="page, next; more" ;  REL="Next Prev-Archive"')
        if page > 1:
            links.append(f"<{base}?{urlencode(params + [('page', str(page - 1))])}>; rel=prev")
        return chunk, links

    def _line_item_page(self, request: Request) -> Response:
        if not _accepts(request, LINEITEM_CONTAINER_MEDIA_TYPE):
            raise Refusal(406, "not_acceptable", "Accept must name the line item container media type")
        items = [
            item for item in self.line_items.values()
            if all(request.args.get(param) in (None, item.get(name)) for param, name in
                   (("resource_link_id", "resourceLinkId"), ("resource_id", "resourceId"), ("tag", "tag")))
        ]
        chunk, links = self._page(request, items, self.base_url + _LINEITEMS_PATH, relative=False)
        return _json(chunk, content_type=LINEITEM_CONTAINER_MEDIA_TYPE, headers=[("Link", v) for v in links])

    def _create_line_item(self, request: Request) -> Response:
        if request.mimetype != LINEITEM_MEDIA_TYPE or not _accepts(request, LINEITEM_MEDIA_TYPE):
            raise Refusal(415, "unsupported_media_type", "line items are posted as the line item media type")
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict) or not body.get("label") or not isinstance(body.get("scoreMaximum"), int | float):
            raise Refusal(400, "invalid_request", "a line item needs label and scoreMaximum")
        url = self.add_line_item(**body)
        return _json(self.line_items[int(url.split("/lineitems/")[1].split("/")[0])], 201,
                     content_type=LINEITEM_MEDIA_TYPE)

    def _score(self, request: Request) -> Response:
        if request.mimetype != SCORE_MEDIA_TYPE:
            raise Refusal(415, "unsupported_media_type", f"scores are {SCORE_MEDIA_TYPE}, not {request.mimetype}")
        number = int(_SCORES_PATH.match(request.path).group(1))  # type: ignore[union-attr]
        if number not in self.line_items:
            raise Refusal(404, "not_found", "no such line item")
        body = request.get_json(force=True, silent=True)
        self.score_bodies.append((request.mimetype, request.get_data()))
        if not isinstance(body, dict) or not isinstance(body.get("userId"), str):
            raise Refusal(400, "invalid_request", "userId is required")
        stamp = body.get("timestamp")
        if not isinstance(stamp, str) or not _TIMESTAMP.fullmatch(stamp):
            raise Refusal(400, "invalid_request", "timestamp must be ISO 8601 with fractions of a second")
        if body.get("activityProgress") not in ACTIVITY_PROGRESS or body.get("gradingProgress") not in GRADING_PROGRESS:
            raise Refusal(400, "invalid_request", "activityProgress and gradingProgress are required")
        if "scoreGiven" in body and not isinstance(body.get("scoreMaximum"), int | float):
            raise Refusal(400, "invalid_request", "scoreGiven needs scoreMaximum")
        if body["userId"] in self.teachers:
            return _json({"status": 400, "reason": "Incorrect score received: user is not a learner"}, 400)
        when = dt.datetime.fromisoformat(stamp).timestamp()
        stored = self.scores[(number, body["userId"])]
        if stored and int(when) <= int(dt.datetime.fromisoformat(stored[-1]["timestamp"]).timestamp()):
            return _json({"status": 409, "reason": "Refusing score with an earlier timestamp for item"}, 409)
        stored.append(body)
        return Response(b"", status=200)

    def _member_page(self, request: Request) -> Response:
        if not _accepts(request, MEMBERSHIP_CONTAINER_MEDIA_TYPE):
            raise Refusal(406, "not_acceptable", "Accept must name the membership container media type")
        role = request.args.get("role")
        members = [m for m in self.members
                   if role is None or any(r == role or r.rsplit("#", 1)[-1] == role for r in m["roles"])]
        chunk, links = self._page(request, members, self.memberships_url, relative=True)
        body = {"id": request.url, "context": {"id": CONTEXT, "title": "Workplace safety"}, "members": chunk}
        return _json(body, content_type=MEMBERSHIP_CONTAINER_MEDIA_TYPE, headers=[("Link", v) for v in links])


@dataclass
class Services:
    """The tool's service clients, wired to a running :class:`StrictPlatform`."""

    platform: StrictPlatform
    clock: FakeClock
    registration: PlatformRegistration
    cache: MemoryAccessTokenCache
    tokens: ServiceTokens
    ags: AssignmentsAndGrades
    nrps: NamesAndRoles

    @property
    def ags_claim(self) -> dict[str, object]:
        return {
            "scope": [claims.SCOPE_AGS_LINEITEM, claims.SCOPE_AGS_LINEITEM_READONLY, claims.SCOPE_AGS_SCORE],
            "lineitems": self.platform.lineitems_url,
        }

    @property
    def nrps_claim(self) -> dict[str, object]:
        return {"context_memberships_url": self.platform.memberships_url, "service_versions": ["2.0"]}


def make_services(platform: StrictPlatform, clock: FakeClock, tool_keys: MemoryToolKeys,
                  timeout: float = 5.0, **registration: object) -> Services:
    reg = PlatformRegistration(
        id=7,
        issuer=platform.base_url,
        client_id=CLIENT_ID,
        auth_login_url=platform.base_url + "/auth",
        auth_token_url=platform.token_url,
        key_set_url=platform.base_url + "/jwks",
        **registration,  # type: ignore[arg-type]
    )
    # The platform runs on 127.0.0.1, as a tool under development would call it.
    http = HttpClient(timeout=timeout, policy=OutboundPolicy(allow_loopback=True))
    cache = MemoryAccessTokenCache()
    tokens = ServiceTokens(tool_keys, http, cache, clock=clock)
    return Services(platform, clock, reg, cache, tokens,
                    AssignmentsAndGrades(http, tokens, clock=clock), NamesAndRoles(http, tokens, clock=clock))
