"""What the tool answers to an accepted launch: the first page, and the launch token that page carries.

A resource-link launch (LtiResourceLinkRequest) is answered with the first page itself: 200, with the
page's own URL, ``?lt=<launch token>`` included, in Content-Location (RFC 9110 §8.7). A deep-linking
launch (LtiDeepLinkingRequest) still redirects (303) to the content picker (LTI DL 2.0 §4.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from plugin.launch.tokens import FIELD as LAUNCH_TOKEN

from .browser import Browser, ResponseLike

REDIRECTS = (301, 302, 303, 307)


def launch_token(url: str) -> str:
    """The launch token in ``url``'s query, or an AssertionError naming the URL."""
    token = dict(parse_qsl(urlsplit(url).query)).get(LAUNCH_TOKEN)
    if not token:
        raise AssertionError(f"{url!r} carries no launch token ({LAUNCH_TOKEN}=)")
    return token


def assert_first_page(response: ResponseLike, step: str = "launch") -> str:
    """The URL of the first page a launch answered with (its Content-Location, launch token included),
    or an AssertionError that shows what the tool said instead."""
    location = response.headers.get("Content-Location")
    if response.status_code != 200 or not location:
        raise AssertionError(f"{step}: expected the first page (200 with Content-Location), got "
                             f"{response.status_code} {location!r} {response.text[:500]!r}")
    launch_token(location)
    return str(location)


@dataclass(frozen=True)
class FirstPage:
    """The page an accepted launch opened, and the URL it lives at (as the tool named it)."""

    url: str
    response: ResponseLike

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def token(self) -> str:
        return launch_token(self.url)

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return self.response.text


def first_page(response: ResponseLike, *, browser: Browser | None = None, base: str = "",
               hops: int = 5) -> FirstPage:
    """The page an accepted launch opens: the launch's own answer when it is the first page (200 with
    Content-Location); after a redirect (a deep-linking launch's 303), the page ``browser`` is led to.
    ``base`` makes the tool's relative Locations absolute."""
    if response.status_code not in REDIRECTS:
        return FirstPage(assert_first_page(response), response)
    if browser is None:
        raise AssertionError(f"the launch redirected to {response.headers.get('Location')!r}: pass a browser")
    for _ in range(hops):
        location = urljoin(base, str(response.headers["Location"]))
        response = browser.get(location)
        if response.status_code not in REDIRECTS:
            return FirstPage(location, response)
    raise AssertionError(f"more than {hops} redirects after the launch")
