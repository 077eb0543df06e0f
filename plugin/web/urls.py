"""URLs that do not change while the app runs, built once: every page inside a launch links to a dozen.

``url_for`` costs tens of microseconds (rule lookup, conversion, quoting); a page's static files and
argument-free links are the same for every request under one script root, so they are kept.
"""

from __future__ import annotations

from flask import Flask, request, url_for

_fixed: dict[tuple[str, str, str], str] = {}


def fixed_url(endpoint: str, filename: str = "") -> str:
    """``url_for(endpoint)`` for an endpoint without arguments, or a static file's URL."""
    key = (request.script_root, endpoint, filename)
    url = _fixed.get(key)
    if url is None:
        url = _fixed[key] = url_for(endpoint, filename=filename) if filename else url_for(endpoint)
    return url


def static_url(filename: str) -> str:
    return fixed_url("static", filename)


def with_query(url: str, name: str, value: str) -> str:
    """``url`` with one more query parameter whose name and value need no quoting."""
    url, hash_, fragment = url.partition("#")
    return f"{url}{'&' if '?' in url else '?'}{name}={value}{hash_}{fragment}"


def install(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
