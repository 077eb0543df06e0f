"""Markdown → sanitized HTML blocks. A package can never inject script: raw HTML is off in the parser and
nh3 (the Ammonia sanitizer) removes anything not on the allow-list from what the parser produces.

Images are package files, or small raster images written inline as ``data:image/png;base64,...`` (what
Markdown editors produce when a picture is pasted): PNG, JPEG, GIF or WebP only, never SVG, which is a
document that can carry script. An <img> never runs what it shows, so raster data is safe to show.

Blocks are fenced in the Markdown body: ```` ```video ```` (YAML: src + captions, or an allow-listed
embed), ```` ```callout tip|note|warning ```` (Markdown inside), and ordinary code fences.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from plugin.catalog.asset_types import PNG_SIGNATURE

ALLOWED_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre", "blockquote",
                "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "span", "del",
                "sup", "sub"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "code": {"class"},
                      "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "data"}  # data: only for raster images: see _keep_attribute
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]+={0,2})", re.IGNORECASE)
# What each raster type's data starts with: a picture that is not what its data: URL says is refused.
DATA_IMAGE_SIGNATURES = {"png": (PNG_SIGNATURE,), "jpeg": (b"\xff\xd8\xff",),
                         "gif": (b"GIF87a", b"GIF89a"), "webp": (b"RIFF",)}
MAX_DATA_IMAGE_BYTES = 100 * 1024  # inline in every page view, never cached: bigger pictures are files
CALLOUT_KINDS = ("tip", "note", "warning")
# Embeds are only allowed from privacy-friendly player URLs of these providers (CSP frame-src lists them).
DEFAULT_VIDEO_SECONDS = 120
MAX_VIDEO_SECONDS = 24 * 60 * 60  # a nugget is minutes long: a bigger number is a typo (and overflows minutes)
EMBED_PROVIDERS = {"www.youtube-nocookie.com": "/embed/", "player.vimeo.com": "/video/"}
WORDS_PER_MINUTE = 200

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_md_inline = MarkdownIt("commonmark", {"html": False})
_commonmark_link_check = _md.validateLink


def _validate_link(url: str) -> bool:
    """markdown-it leaves links with data: URLs other than four raster types as literal text; let them
    through so that the import check names them (svg, too big, ...). What is refused never gets past nh3."""
    return url.strip().lower().startswith("data:") or _commonmark_link_check(url)


_md.validateLink = _validate_link  # type: ignore[method-assign]


def data_image_problem(src: str) -> str | None:
    """Why a ``data:`` URL cannot be an image on a page, or None when it is a small raster image."""
    match = DATA_IMAGE.fullmatch(src)
    if match is None:
        return ("only PNG, JPEG, GIF or WebP pictures can be written inline, as data:image/…;base64 "
                "(never SVG: it can carry script)")
    try:
        data = base64.b64decode(match[2], validate=True)
    except binascii.Error:
        return "its base64 data is damaged"
    if len(data) > MAX_DATA_IMAGE_BYTES:
        return f"it is {len(data) // 1024} KB; inline pictures may be {MAX_DATA_IMAGE_BYTES // 1024} KB at most"
    if not data.startswith(DATA_IMAGE_SIGNATURES[match[1].lower()]):
        return f"its data is not a {match[1].upper()} picture"
    return None


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word on every attribute: data: URLs only as the src of a valid raster image."""
    if value[:5].lower() != "data:":
        return value
    return value if tag == "img" and attribute == "src" and data_image_problem(value) is None else None


def sanitize(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow", strip_comments=True, attribute_filter=_keep_attribute)


@functools.lru_cache(maxsize=4096)
def render_inline(text: str) -> str:
    """Short Markdown (prompts, choices, feedback) → sanitized inline HTML. Cached: the same strings recur."""
    return sanitize(_md_inline.renderInline(text or ""))


@functools.lru_cache(maxsize=1024)
def render_text(text: str) -> str:
    return sanitize(_md.render(text or ""))


@dataclass
class RenderedBody:
    blocks: list[dict[str, Any]] = field(default_factory=list)
    words: int = 0
    videos: list[dict[str, Any]] = field(default_factory=list)
    images: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line in body, message)
    assets_used: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class PackageAsset:
    """A package file a nugget uses: its path in the package (its bytes count in the nugget's content hash,
    so a changed picture is a changed nugget) and the address pages show it at."""

    path: str
    url: str


AssetResolver = Callable[[str], PackageAsset | None]  # a reference as written → the file, or None when missing


def _is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


def _check_links(tokens: list[Token], resolve: AssetResolver, out: RenderedBody, line0: int) -> None:
    """Images must be package files with alt text; links must be http(s)/mailto or package files."""
    for token in tokens:
        line = line0 + (token.map[0] if token.map else 0)
        for child in token.children or []:
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                alt = "".join(c.content for c in child.children or [])
                shown = _shortened(src)
                if not alt.strip():
                    out.problems.append((line, f"image {shown!r} has no alt text: write ![what it shows]({shown})"))
                if src[:5].lower() == "data:":
                    _check_data_image(src, line, out)
                    continue
                if _is_external(src):
                    out.problems.append((line, f"image {src!r} is not in the package: add the file to the "
                                               "package and link it by its path (external images are blocked)"))
                    continue
                asset = resolve(src)
                if asset is None:
                    out.problems.append((line, f"image {src!r} is not in the package: check the path"))
                else:
                    out.assets_used.add(asset.path)
                    child.attrSet("src", asset.url)
                    out.images += 1
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if href[:5].lower() == "data:":
                    out.problems.append((line, f"link {_shortened(href)!r}: a link cannot carry its file "
                                               "inline; add the file to the package and link it by its path"))
                    continue
                # javascript: and other schemes never become links (markdown-it's validateLink, then nh3).
                scheme = urlsplit(href).scheme.lower()
                linked = resolve(href) if not scheme and href and not href.startswith("#") else None
                if linked is not None:
                    out.assets_used.add(linked.path)
                    child.attrSet("href", linked.url)
            elif child.type == "text":
                out.words += len(child.content.split())


def _shortened(url: str) -> str:
    """A data: URL is a whole picture: a message shows its start."""
    return url if len(url) <= 60 else url[:50] + "…"


def data_image_refusal(src: str) -> str | None:
    """What an author reads when an inline picture is refused, or None when it is shown."""
    why = data_image_problem(src)
    if why is None:
        return None
    return (f"image {_shortened(src)!r}: {why}. Add the picture to the package as a file "
            "(e.g. images/diagram.png) and write ![what it shows](images/diagram.png)")


def _check_data_image(src: str, line: int, out: RenderedBody) -> None:
    refusal = data_image_refusal(src)
    if refusal is None:
        out.images += 1
    else:
        out.problems.append((line, refusal))


def _markdown_block(source: str, resolve: AssetResolver, out: RenderedBody, line0: int) -> str:
    tokens = _md.parse(source)
    for token in tokens:
        if token.tag == "h1":  # the nugget title is the page's only h1
            token.tag = "h2"
    _check_links(tokens, resolve, out, line0)
    for token in tokens:
        if token.type in {"fence", "code_block"}:
            out.words += len(token.content.split())
    return sanitize(_md.renderer.render(tokens, _md.options, {}))


# Where a link or picture points in Markdown source: ](path), ](<path with spaces>), ](path "title").
_DESTINATION = re.compile(r"(\]\(\s*)(<[^<>\n]*>|[^\s()<>]+)")


def resolve_quiz_text(text: str, resolve: AssetResolver, out: RenderedBody) -> str:
    """A quiz text (prompt, choice, feedback, explanation) checked like a nugget body (alt text, no external
    or refused inline pictures, only package files), its package paths written as the files' addresses.

    Pages render quiz texts later (:func:`render_inline`, :func:`render_text`) without knowing where the
    nugget is in the package, so the paths are resolved here, once, as nugget bodies are.
    """
    written: dict[str, PackageAsset] = {}

    def address(match: re.Match[str]) -> str:
        bracketed = match[2].startswith("<")
        ref = match[2][1:-1] if bracketed else match[2]
        if ref[:5].lower() == "data:" or ref.startswith("#") or urlsplit(ref).scheme or ref.startswith("//"):
            return match[0]
        asset = resolve(ref)
        if asset is None:
            return match[0]
        written[asset.url] = asset
        return match[1] + (f"<{asset.url}>" if bracketed else asset.url)

    resolved = _DESTINATION.sub(address, text)
    missed: list[str] = []

    def already_written(ref: str) -> PackageAsset | None:
        if ref in written:
            return written[ref]
        asset = resolve(ref)
        if asset is not None:  # a form of reference the rewrite above does not read: never shown broken
            missed.append(ref)
        return asset

    _check_links(_md.parse(resolved), already_written, out, 0)
    out.problems.extend((0, f"{ref!r}: write the path in the link itself, e.g. ![what it shows]({ref})")
                        for ref in missed)
    return resolved


def _video_block(spec: Any, resolve: AssetResolver, out: RenderedBody, line: int) -> dict[str, Any] | None:
    if not isinstance(spec, dict) or not spec.get("title"):
        out.problems.append((line, "a video block needs YAML with `title:` and either `src:` + `captions:` "
                                   "(package files) or `embed:` (an allow-listed player URL)"))
        return None
    seconds = _video_seconds(spec.get("duration"))
    if seconds is None:
        out.problems.append((line, f"video `duration: {spec['duration']}`: write a number of seconds, e.g. 90 "
                                   f"(more than 0, at most {MAX_VIDEO_SECONDS})"))
        return None
    block: dict[str, Any] = {"kind": "video", "title": str(spec["title"]), "duration": seconds}
    if spec.get("embed"):
        url = str(spec["embed"])
        parts = urlsplit(url)
        prefix = EMBED_PROVIDERS.get(parts.netloc)
        if parts.scheme != "https" or prefix is None or not parts.path.startswith(prefix):
            allowed = ", ".join(f"https://{h}{p}…" for h, p in EMBED_PROVIDERS.items())
            out.problems.append((line, f"embed {url!r} is not from an allowed provider: use {allowed}"))
            return None
        block.update(embed=url, origin=f"https://{parts.netloc}")
        return block
    src, captions = str(spec.get("src") or ""), str(spec.get("captions") or "")
    video = resolve(src) if src else None
    if video is None:
        out.problems.append((line, f"video `src: {src}` is not a file in the package: add it or fix the path"))
        return None
    caption_file = resolve(captions) if captions.endswith(".vtt") else None
    if caption_file is None:
        out.problems.append((line, "a video needs `captions:` naming a WebVTT (.vtt) file in the package "
                                   "(WCAG 1.2.2: captions for prerecorded video)"))
        return None
    out.assets_used.update({video.path, caption_file.path})
    block.update(src=video.url, captions=caption_file.url, lang=str(spec.get("lang") or "en"),
                 type=_video_type(src))
    return block


def _video_seconds(duration: Any) -> float | None:
    """A video's length as authored: a number of seconds; none given means the default. None: unusable."""
    if duration is None:
        return float(DEFAULT_VIDEO_SECONDS)
    if isinstance(duration, bool) or not isinstance(duration, int | float):  # "5 min", "90s", [1]
        return None
    seconds = float(duration)
    return seconds if math.isfinite(seconds) and 0 < seconds <= MAX_VIDEO_SECONDS else None


def _video_type(path: str) -> str:
    return {"webm": "video/webm", "mp4": "video/mp4", "ogv": "video/ogg"}.get(path.rsplit(".", 1)[-1].lower(),
                                                                             "video/mp4")


FENCE = re.compile(r"^(```+)\s*(video|callout)\b\s*(\w*)\s*$")


def render_body(body: str, resolve: AssetResolver, first_line: int = 1,
                load_yaml: Callable[[str, int], Any] | None = None) -> RenderedBody:
    """Split a nugget's Markdown into blocks and render each. ``first_line``: the body's line in its file."""
    out = RenderedBody()
    lines = body.splitlines(keepends=True)
    text_start, index = 0, 0

    def flush_text(end: int) -> None:
        chunk = "".join(lines[text_start:end])
        if chunk.strip():
            out.blocks.append({"kind": "text", "html": _markdown_block(chunk, resolve, out, first_line + text_start)})

    while index < len(lines):
        match = FENCE.match(lines[index].rstrip("\n"))
        if not match:
            index += 1
            continue
        flush_text(index)
        fence, kind, arg = match.groups()
        close = next((j for j in range(index + 1, len(lines)) if lines[j].strip() == fence), None)
        if close is None:
            out.problems.append((first_line + index, f"the {kind} block is not closed: add a {fence} line"))
            close = len(lines)
        inner = "".join(lines[index + 1:close])
        line = first_line + index
        if kind == "video":
            spec = load_yaml(inner, line + 1) if load_yaml else None
            block = _video_block(spec, resolve, out, line)
            if block:
                out.blocks.append(block)
                out.videos.append(block)
        else:
            if arg not in CALLOUT_KINDS:
                out.problems.append((line, f"callout kind {arg!r}: use one of {', '.join(CALLOUT_KINDS)}, "
                                           "e.g. ```callout tip"))
            out.blocks.append({"kind": "callout", "variant": arg if arg in CALLOUT_KINDS else "note",
                               "html": _markdown_block(inner, resolve, out, line + 1)})
        index = close + 1
        text_start = index
    flush_text(len(lines))
    return out


def estimate_minutes(words: int, video_seconds: float, images: int, items: int) -> int:
    """Reading at 200 words a minute, videos at their length, 10 s per image, 30 s per quiz item."""
    seconds = words / WORDS_PER_MINUTE * 60 + video_seconds + images * 10 + items * 30
    return max(1, round(seconds / 60))
