"""An HTTP server on 127.0.0.1 that records every request it gets and answers as it is told.

The outbound-policy tests point the tool at it as an "internal" service and assert it heard nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from tests.support.local_server import LocalServer

SECRET = "internal-secret-7d1f"  # what an internal service would say; must never reach a message


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class Recorder:
    """``requests`` holds (method, path) of every request; ``answers`` maps a path to its :class:`Answer`."""

    def __init__(self, answers: dict[str, Answer] | None = None) -> None:
        self.requests: list[tuple[str, str]] = []
        self.answers: dict[str, Answer] = dict(answers or {})
        self.server = LocalServer(app=self._app)
        self.base_url = self.server.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        self.requests.append((environ["REQUEST_METHOD"], path))
        answer = self.answers.get(path, Answer(200, f'{{"said": "{SECRET}"}}'.encode()))
        start_response(f"{answer.status} X", [("Content-Type", answer.content_type),
                                              *answer.headers.items()])
        return [answer.body]

    def __enter__(self) -> Recorder:
        self.server.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.stop()
