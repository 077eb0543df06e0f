"""Security headers for every response.

Pages are framed by the LMS, so ``frame-ancestors`` cannot be 'self' only; the CSP allows only what
Skillbite itself serves (no CDN), so injected markup cannot load or run anything foreign.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
       "media-src 'self'; object-src 'none'; base-uri 'none'; form-action *; frame-ancestors *")


def script_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def install(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = script_nonce

    @app.after_request
    def secure_headers(response: Response) -> Response:
        # One pass over the headers a view set, then the missing defaults (Headers.setdefault scans
        # the list once per name, and every response goes through here).
        present = {name.lower() for name in response.headers.keys()}
        for name, value in _DEFAULTS:
            if name.lower() not in present:
                response.headers.add(name, value)
        if "content-security-policy" not in present:
            response.headers.add("Content-Security-Policy", CSP.format(nonce=script_nonce()))
        if "cache-control" not in present and response.mimetype == "text/html":
            response.headers.add("Cache-Control", "no-store")
        return response


_DEFAULTS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"))
