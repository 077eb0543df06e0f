"""Whole numbers sent by browsers (form fields, query strings, URL ids): ASCII digits, in a range.

``str.isdigit()`` is true for "²", which ``int()`` refuses, and for "١٢", which it reads as 12; and twenty
digits make a number no id column holds (OverflowError on SQLite, DataError on PostgreSQL). Either would
be a 500 instead of "not found" or "enter a number".
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

DATABASE_ID_MAX = 2**31 - 1  # id columns are INTEGER: 32 bits on PostgreSQL


def whole_number(text: str | None, low: int = 0, high: int = DATABASE_ID_MAX) -> int | None:
    """``text`` as an int when it is only ASCII digits and the number is within ``low``..``high``; else None."""
    if not text or not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(high)):  # before int(): it refuses strings over 4300 digits with a ValueError
        return None
    value = int(digits)
    return value if low <= value <= high else None


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in URLs: ASCII digits up to :data:`DATABASE_ID_MAX`; anything else matches no route (404)."""

    regex = r"[0-9]+"  # "\d" would also match "²" and "١"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DATABASE_ID_MAX)
        super().__init__(map, *args, **kwargs)
