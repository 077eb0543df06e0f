"""How a course package's files are served: which a browser may show inline, and under what policy.

Package files are served from Skillbite's own origin (``/content/<sha256>/<name>``), so a file a browser
would run (HTML, JavaScript, an SVG opened on its own) would run as Skillbite, with a signed-in admin's
cookies. Only pictures, audio, video and captions are shown inline; anything else is a download. Every
answer carries a sandboxing CSP besides: a document opened from it gets an opaque origin and may load
nothing, whatever its type.
"""

from __future__ import annotations

import io

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_is_complete(data: bytes) -> bool:
    """Whether Pillow reads the whole PNG: every chunk's CRC checks and it ends with ``IEND`` (a badge picture
    cut short would be downloaded without the credential baked into it)."""
    if not data.startswith(PNG_SIGNATURE):
        return False
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True

INLINE = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml",
    "video/mp4", "video/webm", "video/ogg", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/webm", "audio/wav",
    "text/vtt",
})
# CSP Level 3 §6.3.2 (sandbox): no script, opaque origin; an SVG picture opened on its own still shows.
ASSET_CSP = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; sandbox"
DOWNLOAD_TYPE = "application/octet-stream"


def shown_inline(media_type: str) -> bool:
    return media_type in INLINE
