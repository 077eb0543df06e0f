"""Words that agree with their numbers on every page: "1 minute", "7 minutes"."""

from __future__ import annotations

from flask import Flask


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun``, plural unless the number is one (``plural`` for irregular nouns)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def install(app: Flask) -> None:
    app.jinja_env.filters["counted"] = counted
