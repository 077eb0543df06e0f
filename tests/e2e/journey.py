"""A learner's whole session over real HTTP: LTI launch, then every nugget of a course, answered correctly.

The driver plays the learner's browser (a ``requests.Session``, loopback only, bounded timeouts) and lets
a :class:`~tests.support.platform.StrictPlatform` play the LMS: login initiation at the tool, the tool's
redirect to the platform's authentication endpoint (checked strictly), the id_token form posted back and
answered with the first page. From there it goes where the tool sends it (``/learn/c/<slug>/resume``),
answers each quiz with the correct answers computed from the course's own item specs, marks the other
nuggets done, and checks that the tool says each nugget is complete.

``public_base`` is the tool's SKILLBITE_BASE_URL, the address the LMS knows; ``backend`` is the web server
this learner's requests really go to. With several servers behind one public URL the driver does what a
load balancer would: every URL under ``public_base`` is sent to the learner's backend.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
import yaml

from lti import claims as lti_claims
from plugin.catalog.package import split_front_matter
from plugin.catalog.services import DEMO_COURSE
from plugin.launch.tokens import FIELD as LAUNCH_TOKEN
from tests.support.browser import RequestsBrowser, require_loopback
from tests.support.first_page import assert_first_page, launch_token
from tests.support.platform import StrictPlatform, redirect_location

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
_NUGGET_PATH = re.compile(r"/learn/c/([^/]+)/n/([^/?#]+)")
PASSED = "Well done: this nugget is complete."

Fields = list[tuple[str, str]]


class JourneyFailed(AssertionError):
    """The tool did not answer a step the way a working Skillbite does."""


# -- the course, and the right answers --------------------------------------------------------------------


def correct_fields(item: Mapping[str, Any]) -> Fields:
    """The form fields that answer ``item`` correctly, named as the player reads them (``i.<item>[.<part>]``,
    see plugin/catalog/items.py ``read`` and player/_items.html)."""
    name, kind = "i." + str(item["id"]), item["type"]
    if kind == "single_choice":
        return [(name, str(next(i for i, c in enumerate(item["choices"]) if c.get("correct"))))]
    if kind == "multiple_response":
        return [(name, str(i)) for i, c in enumerate(item["choices"]) if c.get("correct")]
    if kind == "true_false":
        return [(name, "true" if item["answer"] else "false")]
    if kind == "numeric":
        return [(name, f"{float(item['answer']):g}")]
    if kind == "short_text":
        if not item.get("accepted"):
            raise ValueError(f"item {item['id']!r} only has patterns: no answer to type")
        return [(name, str(item["accepted"][0]))]
    if kind == "ordering":  # each step (by its authored index) gets its position, 1 = first
        return [(f"{name}.{step}", str(step + 1)) for step in range(len(item["order"]))]
    if kind == "matching":  # each left gets the index of its own right
        return [(f"{name}.{left}", str(left)) for left in range(len(item["pairs"]))]
    raise ValueError(f"no correct answer known for item type {kind!r}")


@dataclass(frozen=True)
class NuggetPlan:
    key: str
    answers: Fields  # empty: a nugget without a quiz, marked done


@dataclass(frozen=True)
class CoursePlan:
    slug: str
    nuggets: tuple[NuggetPlan, ...]

    def nugget(self, key: str) -> NuggetPlan:
        for nugget in self.nuggets:
            if nugget.key == key:
                return nugget
        raise JourneyFailed(f"the tool sent the learner to nugget {key!r}, which course {self.slug!r} lacks")


def course_plan(course_dir: Path = DEMO_COURSE) -> CoursePlan:
    """Every nugget of the course package in ``course_dir``, in manifest order, with its correct answers."""
    manifest = yaml.safe_load((course_dir / "course.yaml").read_text(encoding="utf-8"))
    nuggets = []
    for module in manifest["modules"]:
        for path in module["nuggets"]:
            front = split_front_matter((course_dir / path).read_text(encoding="utf-8"), path).front.data
            answers = [pair for item in front.get("items") or [] for pair in correct_fields(item)]
            nuggets.append(NuggetPlan(str(front["id"]), answers))
    return CoursePlan(str(manifest["slug"]), tuple(nuggets))


# -- the learner's browser ------------------------------------------------------------------------------


class LearnerBrowser(RequestsBrowser):
    """A browser whose requests for ``public_base`` reach ``backend`` (a load balancer's choice)."""

    def __init__(self, public_base: str, backend: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.public_base = public_base.rstrip("/")
        self.backend = backend.rstrip("/")
        self.requests = 0

    def route(self, url: str) -> str:
        if url == self.public_base or url.startswith(self.public_base + "/"):
            url = self.backend + url[len(self.public_base):]
        require_loopback(url)
        return url

    def get(self, url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        self.requests += 1
        return self._kept(self.session.get(self.route(url), params=params, allow_redirects=False,
                                           timeout=self.timeout))

    def post(self, url: str, data: Mapping[str, str] | Sequence[tuple[str, str]]) -> requests.Response:
        self.requests += 1
        pairs = list(data.items()) if isinstance(data, Mapping) else list(data)
        return self._kept(self.session.post(self.route(url), data=pairs, allow_redirects=False,
                                            timeout=self.timeout))


def _expect(response: requests.Response, status: int | tuple[int, ...], step: str) -> requests.Response:
    wanted = (status,) if isinstance(status, int) else status
    if response.status_code not in wanted:
        raise JourneyFailed(f"{step}: HTTP {response.status_code} from {response.url}: {response.text[:300]!r}")
    return response


def _next_url(response: requests.Response, step: str) -> str:
    return urljoin(response.url, redirect_location(response, step))


def _csrf(page: requests.Response, step: str) -> str:
    match = _CSRF.search(page.text)
    if match is None:
        raise JourneyFailed(f"{step}: the page has no csrf field")
    return match.group(1)


# -- the journey ----------------------------------------------------------------------------------------


@dataclass
class JourneyResult:
    sub: str
    backend: str
    nuggets_done: list[str] = field(default_factory=list)
    requests: int = 0
    launch_seconds: float = 0.0
    seconds: float = 0.0


def launch_claims(slug: str, ags: Mapping[str, Any] | None = None, nrps: Mapping[str, Any] | None = None,
                  name: str | None = None) -> dict[str, Any]:
    """Claims that send a learner's launch to course ``slug``, with the platform's AGS and NRPS services."""
    claims: dict[str, Any] = {lti_claims.CUSTOM: {"skillbite_course": slug}}
    if ags is not None:
        claims[lti_claims.AGS_ENDPOINT] = dict(ags)
    if nrps is not None:
        claims[lti_claims.NRPS_SERVICE] = dict(nrps)
    if name is not None:
        claims["name"] = name
    return claims


def launch(browser: LearnerBrowser, platform: StrictPlatform, sub: str, claims: Mapping[str, Any]) -> str:
    """LTI Core 1.3 §4.1 and §5: login initiation -> authentication request -> id_token form_post, answered
    with the first page. Returns that page's URL (its Content-Location, which carries the launch token)."""
    auth_url = platform.start_login(browser, claims=claims, login_overrides={"login_hint": sub})
    form = platform.authorize(auth_url)
    # The form goes to the redirect_uri the tool asked for (the platform checked it is registered).
    redirect_uri = dict(parse_qsl(urlsplit(auth_url).query))["redirect_uri"]
    response = platform.finish(browser, form, url=redirect_uri)
    try:
        return urljoin(response.url, assert_first_page(response))
    except AssertionError as problem:
        raise JourneyFailed(str(problem)) from problem


def learn(browser: LearnerBrowser, plan: CoursePlan, token: str, result: JourneyResult,
          max_nuggets: int | None = None) -> None:
    """Follow the tool's "resume" to each next nugget and finish it, until the course (or ``max_nuggets``
    of it) is done; then check the overview counts every nugget done."""
    base = browser.backend
    params = {LAUNCH_TOKEN: token}
    limit = len(plan.nuggets) if max_nuggets is None else min(max_nuggets, len(plan.nuggets))
    for _ in range(limit):
        resume = _expect(browser.get(f"{base}/learn/c/{plan.slug}/resume", params), 303, "resume")
        target = _next_url(resume, "resume")
        match = _NUGGET_PATH.search(urlsplit(target).path)
        if match is None:
            raise JourneyFailed(f"resume sent the learner to {target!r} with nuggets still to do: "
                                f"{[n.key for n in plan.nuggets if n.key not in result.nuggets_done]}")
        nugget = plan.nugget(match.group(2))
        page = _expect(browser.get(target), 200, f"nugget {nugget.key}")
        form = [("csrf", _csrf(page, nugget.key)), (LAUNCH_TOKEN, token)]
        action = "answers" if nugget.answers else "done"
        sent = browser.post(f"{base}/learn/c/{plan.slug}/n/{nugget.key}/{action}", form + nugget.answers)
        after = _next_url(_expect(sent, 303, f"{action} of {nugget.key}"), f"{action} of {nugget.key}")
        if nugget.answers:
            shown = _expect(browser.get(after), 200, f"result of {nugget.key}")
            if PASSED not in shown.text:
                raise JourneyFailed(f"nugget {nugget.key}: correct answers were not accepted as a pass")
        result.nuggets_done.append(nugget.key)
    if max_nuggets is None:
        overview = _expect(browser.get(f"{base}/learn/c/{plan.slug}", params), 200, "overview")
        total = len(plan.nuggets)
        if f"{total} of {total} done" not in overview.text:
            raise JourneyFailed(f"the overview does not count {total} of {total} nuggets done")


def run_journey(platform: StrictPlatform, public_base: str, backend: str, sub: str, plan: CoursePlan,
                claims: Mapping[str, Any], *, max_nuggets: int | None = None,
                timeout: float = 20.0) -> JourneyResult:
    """One learner: launch at ``backend``, then the whole course (or its first ``max_nuggets``)."""
    result = JourneyResult(sub, backend)
    browser = LearnerBrowser(public_base, backend, timeout)
    started = time.monotonic()
    try:
        first = launch(browser, platform, sub, claims)
        result.launch_seconds = time.monotonic() - started
        learn(browser, plan, launch_token(first), result, max_nuggets)
    finally:
        result.requests = browser.requests
        result.seconds = time.monotonic() - started
        browser.close()
    return result
