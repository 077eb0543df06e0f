"""Per-request access to the runtime and one database session."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from plugin.runtime import Runtime


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["skillbite"]
    return rt


def db() -> Session:
    """The request's session. Views commit explicitly; anything uncommitted is rolled back at teardown."""
    if "db" not in g:
        g.db = runtime().sessions()
    session: Session = g.db
    return session


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()  # rolls back whatever was not committed
