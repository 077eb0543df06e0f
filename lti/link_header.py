"""The ``Link`` header (RFC 8288) of paged service containers: AGS 2.0 (line item service, container paging)
and NRPS 2.0 (membership paging, "limit" query parameter) page with ``rel="next"``.

Platforms write it in every legal way: several links in one header or several headers (which HTTP
clients join with ", "), ``rel`` quoted or not and with several space-separated values, commas inside
the URL or a quoted ``title``, spaces around ``;``, and relative URLs, resolved against the URL that was
requested (RFC 8288 §3.2).
"""

from __future__ import annotations

from urllib.parse import urljoin

_SPACE = " \t"


def _skip(value: str, i: int, chars: str) -> int:
    while i < len(value) and value[i] in chars:
        i += 1
    return i


def _skip_to_next_link(value: str, i: int) -> int:
    """Past the next comma that is outside a quoted string, or to the end."""
    quoted = False
    while i < len(value):
        char = value[i]
        if quoted and char == "\\":
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            return i + 1
        i += 1
    return i


def _quoted(value: str, i: int) -> tuple[str, int]:
    """The quoted-string starting at ``value[i] == '"'`` (RFC 9110 §5.6.4), and the index after it."""
    out: list[str] = []
    i += 1
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        if char == '"':
            return "".join(out), i + 1
        out.append(char)
        i += 1
    return "".join(out), i


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    """Each link as (target as written, {parameter name in lower case: value}); malformed parts are skipped.

    RFC 8288 §3.3: a repeated ``rel`` parameter is ignored after its first occurrence.
    """
    links: list[tuple[str, dict[str, str]]] = []
    i = 0
    while i < len(value):
        i = _skip(value, i, _SPACE + ",")
        if i >= len(value):
            break
        if value[i] != "<":
            i = _skip_to_next_link(value, i)
            continue
        end = value.find(">", i)
        if end < 0:
            break
        target = value[i + 1 : end].strip()
        i = end + 1
        params: dict[str, str] = {}
        while True:
            i = _skip(value, i, _SPACE)
            if i >= len(value) or value[i] == ",":
                break
            if value[i] != ";":
                i = _skip_to_next_link(value, i) - 1
                break
            i = _skip(value, i + 1, _SPACE)
            start = i
            while i < len(value) and value[i] not in "=;," + _SPACE:
                i += 1
            name = value[start:i].lower()
            i = _skip(value, i, _SPACE)
            param = ""
            if i < len(value) and value[i] == "=":
                i = _skip(value, i + 1, _SPACE)
                if i < len(value) and value[i] == '"':
                    param, i = _quoted(value, i)
                else:
                    start = i
                    while i < len(value) and value[i] not in ";,":
                        i += 1
                    param = value[start:i].strip()
            if name and name not in params:
                params[name] = param
        links.append((target, params))
    return links


def link_with_rel(value: str | None, rel: str, base_url: str) -> str | None:
    """The absolute URL of the first link whose ``rel`` values include ``rel`` (case-insensitive)."""
    if not value:
        return None
    for target, params in parse_link_header(value):
        if rel.lower() in params.get("rel", "").lower().split():
            return urljoin(base_url, target)
    return None


def next_page_url(value: str | None, base_url: str) -> str | None:
    """The ``rel="next"`` page of a container, absolute."""
    return link_with_rel(value, "next", base_url)
