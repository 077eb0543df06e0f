"""Small packages for tests, built in memory."""

from __future__ import annotations

import textwrap

from plugin.catalog.package import PackageFiles

MANIFEST = """\
format: skillbite/1
slug: {slug}
title: {title}
modules:
  - id: m1
    title: Module one
    nuggets:
{nuggets}
"""

NUGGET = """\
---
id: {key}
title: Nugget {key}
{extra}---
{body}
"""


def package(nuggets: dict[str, str] | None = None, slug: str = "tiny", title: str = "Tiny course",
            manifest: str | None = None, extra_files: dict[str, bytes] | None = None) -> PackageFiles:
    """``nuggets`` maps a key to its body; files are nuggets/<key>.md."""
    nuggets = nuggets if nuggets is not None else {"a": "Some words to read.", "b": "More words."}
    files: dict[str, bytes] = {}
    lines = "\n".join(f"      - nuggets/{key}.md" for key in nuggets)
    files["course.yaml"] = (manifest or MANIFEST.format(slug=slug, title=title, nuggets=lines)).encode()
    for key, body in nuggets.items():
        files[f"nuggets/{key}.md"] = nugget_text(key, body).encode()
    files.update(extra_files or {})
    return PackageFiles(files)


def nugget_text(key: str, body: str, front: str = "") -> str:
    return NUGGET.format(key=key, extra=textwrap.dedent(front), body=body)
