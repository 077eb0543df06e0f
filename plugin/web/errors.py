"""Every failure a person can meet becomes a page (or JSON) that says what happened and what to do."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from lti.errors import LaunchError
from plugin.logs import event, failure

log = logging.getLogger("skillbite.web")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def error_response(status: int, title: str, message: str, hint: str = "", code: str = "") -> Response:
    if _wants_json():
        response = jsonify(error=code or title, message=message, hint=hint)
    else:
        response = Response(render_template("error.html", title=title, message=message, hint=hint,
                                            code=code, status=status))
    response.status_code = status
    return response


# What a person meets when no view said more: werkzeug's stock descriptions speak to developers.
PLAIN: dict[int, tuple[str, str]] = {
    400: ("Something was missing", "The page received an incomplete or damaged request. Go back and try again; "
          "if you came from your LMS, open Skillbite again from your course."),
    404: ("Page not found", "There is nothing at this address. If you followed a link in Skillbite, go back and "
          "try again; if you came from your LMS, open Skillbite again from your course."),
    405: ("This page cannot be opened this way", "This address is where your LMS sends you when you open "
          "Skillbite, or where a form sends what you typed. Go back to your LMS course and open Skillbite "
          "from there."),
    413: ("Too large", "What you sent is larger than Skillbite accepts. Send a smaller file."),
    429: ("Too many requests", "Too many requests came in a short time. Wait a minute, then try again."),
}


def _discard_uncommitted() -> None:
    """Roll back the request's session before the error page reads from it (its navigation does): after a
    failed flush SQLAlchemy refuses every query until then. Teardown would roll it back anyway."""
    session = g.get("db")
    if session is not None:
        try:
            session.rollback()
        except SQLAlchemyError:  # a connection that broke: the page gets a fresh session
            log.warning("rolling back before an error page failed", exc_info=True)
            g.pop("db").invalidate()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(LaunchError)
    def launch_error(exc: LaunchError) -> Response:
        _discard_uncommitted()
        event(log, "launch rejected", logging.WARNING, code=exc.code, path=request.path)
        return error_response(exc.status, "This launch could not be completed", exc.message, exc.hint,
                              exc.code)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        _discard_uncommitted()
        status = exc.code or 500
        title, message = exc.name, exc.description or ""
        if message == type(exc).description and status in PLAIN:  # werkzeug's stock words, not a view's own
            title, message = PLAIN[status]
        return error_response(status, title, message, code=exc.name.lower())

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        event(log, "unexpected error", logging.ERROR, path=request.path, **failure(exc))
        _discard_uncommitted()
        return error_response(500, "Something went wrong on our side",
                              "The error was logged. Please try again in a moment.",
                              "If it keeps happening, tell your LMS administrator the time it happened.",
                              "internal_error")
