"""How a test platform reaches the tool: the user agent in between, as a small Protocol.

A platform never talks to the tool directly in LTI 1.3: the login initiation, the tool's redirect to the
platform and the auto-submitted id_token form all pass through the user's browser, which carries the
tool's cookies. ``FlaskClientBrowser`` plays that part in-process, ``RequestsBrowser`` over real HTTP.
"""

from __future__ import annotations

import http.cookiejar
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class ResponseLike(Protocol):
    status_code: int

    @property
    def headers(self) -> Any: ...

    @property
    def text(self) -> str: ...


class Browser(Protocol):
    def get(self, url: str, params: Mapping[str, str] | None = None) -> ResponseLike: ...

    def post(self, url: str, data: Mapping[str, str]) -> ResponseLike: ...


def require_loopback(url: str) -> None:
    """Test traffic stays on this machine."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise AssertionError(f"test browser refuses non-loopback URL {url!r}")


class FlaskClientBrowser:
    """Maps absolute tool URLs under ``base_url`` onto a Flask test client, which keeps the cookies.

    The Flask test client's responses already have ``status_code``, ``headers`` and ``text``
    (``get_data(as_text=True)``), and are returned as they are.
    """

    def __init__(self, client: Any, base_url: str = "http://127.0.0.1") -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def _split(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise AssertionError(f"FlaskClientBrowser can only reach the tool at {self.base_url}, not {url!r}")
        base_path = base.path.rstrip("/")
        if not parts.path.startswith(base_path):
            raise AssertionError(f"{url!r} is outside the tool base {self.base_url}")
        return (parts.path or "/"), parts.query

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        path, query = self._split(url)
        if params:
            return self.client.get(path, query_string=dict(params), base_url=self.base_url)
        return self.client.get(path + (f"?{query}" if query else ""), base_url=self.base_url)

    def post(self, url: str, data: Mapping[str, str]) -> Any:
        path, query = self._split(url)
        return self.client.post(path + (f"?{query}" if query else ""), data=dict(data), base_url=self.base_url)


class _LoopbackIsSecurePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send ``Secure`` cookies to http://127.0.0.1 and localhost, as Chromium does.

    Browsers treat loopback origins as potentially trustworthy (W3C Secure Contexts §3.2), so a tool that
    marks its state cookie ``Secure; SameSite=None`` for the LMS iframe still gets it back in local tests.
    """

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        if urlsplit(request.get_full_url()).hostname in LOOPBACK_HOSTS:
            return True
        return bool(super().return_ok_secure(cookie, request))


class RequestsBrowser:
    """A real-HTTP user agent over a ``requests.Session``: never follows redirects, always times out."""

    def __init__(self, session: requests.Session | None = None, timeout: float = 5.0) -> None:
        self.session = session if session is not None else requests.Session()
        # What a browser navigating to a page asks for, so the tool answers with pages, not JSON.
        self.session.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        self.session.cookies.set_policy(_LoopbackIsSecurePolicy())
        self.timeout = timeout

    def get(self, url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        require_loopback(url)
        return self._kept(self.session.get(url, params=params, allow_redirects=False, timeout=self.timeout))

    def post(self, url: str, data: Mapping[str, str]) -> requests.Response:
        require_loopback(url)
        return self._kept(self.session.post(url, data=dict(data), allow_redirects=False, timeout=self.timeout))

    def _kept(self, response: requests.Response) -> requests.Response:
        """requests copies the session's cookies into a jar with the default policy for each request,
        so the policy alone cannot send ``Secure`` cookies to loopback http; clear the flag instead."""
        for cookie in self.session.cookies:
            if cookie.domain.lstrip(".") in LOOPBACK_HOSTS or cookie.domain.endswith(".local"):
                cookie.secure = False
        return response

    def close(self) -> None:
        self.session.close()
