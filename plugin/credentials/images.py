"""Badge images, and baking a credential into them (Open Badges 3.0 §5.3 "Baked badges").

PNG: an ``iTXt`` chunk with keyword ``openbadgecredential`` holding the credential JSON, uncompressed,
before ``IEND``. SVG: an ``<openbadges:credential>`` element (namespace https://purl.imsglobal.org/ob/v3p0)
right inside ``<svg>``, holding the JSON in CDATA.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zlib
from html import escape
from typing import Any

from PIL import Image, ImageDraw

from plugin.catalog.asset_types import PNG_SIGNATURE, png_is_complete

PNG_KEYWORD = b"openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SIZE = 400


def _colour(seed: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(seed.encode()).digest()
    # Dark enough for white text (WCAG AA on the initials).
    return (digest[0] % 120 + 10, digest[1] % 120 + 20, digest[2] % 120 + 60)


def _initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "SB"


def default_png(name: str) -> bytes:
    """A plain round badge with the achievement's initials, for achievements without an image."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = _colour(name)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=(*colour, 255), outline=(255, 255, 255, 255), width=10)
    draw.ellipse((40, 40, SIZE - 40, SIZE - 40), outline=(255, 255, 255, 200), width=4)
    text = _initials(name)
    font = _font(150)
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((SIZE - (box[2] - box[0])) / 2 - box[0], (SIZE - (box[3] - box[1])) / 2 - box[1]), text,
              fill=(255, 255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def achievement_png(name: str, image: bytes | None, image_type: str | None) -> bytes:
    """The badge's own PNG, else the generated artwork: for an SVG image, and for a PNG stored damaged before
    images were checked whole (cut short, it could not carry a baked credential)."""
    if image is not None and image_type == "image/png" and png_is_complete(image):
        return image
    return default_png(name)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The PNG's chunks up to ``IEND``; ValueError when it is cut short or has none."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset + 12 <= len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind = png[offset + 4:offset + 8]
        if offset + 12 + length > len(png):
            break
        chunks.append((kind, png[offset + 8:offset + 8 + length]))
        if kind == b"IEND":
            return chunks
        offset += 12 + length
    raise ValueError("damaged PNG file: it has no IEND chunk")


def bake_png(png: bytes, credential: dict[str, Any]) -> bytes:
    """The PNG with the credential in an iTXt chunk (replacing any credential baked in before).

    Raises ValueError for a damaged PNG, rather than returning a picture that carries no credential.
    """
    text = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # iTXt: keyword, NUL, compression flag 0, compression method 0, language tag NUL, translated keyword NUL.
    itxt = PNG_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text
    out = [PNG_SIGNATURE]
    for kind, data in _chunks(png):
        if kind == b"iTXt" and data.startswith(PNG_KEYWORD + b"\0"):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", itxt))
        out.append(_chunk(kind, data))
    return b"".join(out)


def unbake_png(png: bytes) -> dict[str, Any] | None:
    """The credential baked into a PNG, or None."""
    for kind, data in _chunks(png):
        if kind == b"iTXt" and data.startswith(PNG_KEYWORD + b"\0"):
            rest = data[len(PNG_KEYWORD) + 1:]
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            raw = zlib.decompress(text) if compressed else text
            credential: dict[str, Any] = json.loads(raw.decode("utf-8"))
            return credential
    return None


def bake_svg(name: str, png: bytes, credential: dict[str, Any]) -> str:
    """An SVG badge (the PNG artwork embedded) carrying the credential."""
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).replace("]]>", "]]]]><![CDATA[>")
    picture = base64.b64encode(png).decode()
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'xmlns:openbadges="{SVG_NAMESPACE}" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" '
            f'role="img" aria-label="{escape(name)}">\n'
            f"<openbadges:credential><![CDATA[{payload}]]></openbadges:credential>\n"
            f"<title>{escape(name)}</title>\n"
            f'<image width="{SIZE}" height="{SIZE}" href="data:image/png;base64,{picture}"/>\n'
            "</svg>\n")


def unbake_svg(svg: str) -> dict[str, Any] | None:
    from xml.etree import ElementTree  # noqa: S405 - parses our own output in tests and tools

    root = ElementTree.fromstring(svg)  # noqa: S314
    element = root.find(f"{{{SVG_NAMESPACE}}}credential")
    if element is None or not element.text:
        return None
    credential: dict[str, Any] = json.loads(element.text)
    return credential
