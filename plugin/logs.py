"""Structured logs: one JSON object per line, with the request id, and never a token or personal data.

Call sites log codes and ids, not payloads. As a second line of defence :class:`RedactingFilter`
masks any field or message fragment that looks like a JWT, a bearer token or a password.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import traceback
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_SECRETISH = re.compile(r"(?i)(bearer\s+|password=|token=|id_token=|secret=)[^\s&\"']+")
SENSITIVE_FIELDS = {"id_token", "token", "access_token", "password", "registration_token", "secret",
                    "email", "name", "authorization", "state", "nonce", "client_assertion"}


def redact(text: str) -> str:
    return _SECRETISH.sub(r"\1[redacted]", _JWT.sub("[jwt]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def _utc(created: float) -> str:
    """RFC 3339 UTC time to the millisecond, whatever the host's time zone."""
    return dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = "[redacted]" if key in SENSITIVE_FIELDS else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def formatter(fmt: str = "json") -> logging.Formatter:
    """The line format of every Skillbite process: ``json`` or ``text`` (SKILLBITE_LOG_FORMAT)."""
    if fmt == "json":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    # Neither format shows the thread, the process or the source line: spare every record looking them
    # up (the logging HOWTO's "Optimization" section).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger("skillbite")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def failure(exc: BaseException) -> dict[str, str]:
    """Log fields for an exception: its type and traceback, never its text. A database error's text carries
    the row's values (a learner's name, an e-mail), which a log must not hold."""
    return {"error": type(exc).__name__, "traceback": "".join(traceback.format_tb(exc.__traceback__))}


def event(logger: logging.Logger, message: str, level: int = logging.INFO, **fields: object) -> None:
    """Log an event with structured fields (codes and ids only)."""
    logger.log(level, message, extra={"fields": fields})
