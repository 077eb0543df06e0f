"""Words that agree with their numbers, on every page and in every message: "1 minute", "7 minutes"."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the function is used outside requests too (importers, the command line)
    from flask import Flask


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun``, plural unless the number is one (``plural`` for irregular nouns)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def install(app: Flask) -> None:
    app.jinja_env.filters["counted"] = counted
