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
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=script_nonce()))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
