"""Package files are served so that none can run as Skillbite (plugin.catalog.asset_types)."""

from __future__ import annotations

import struct
import zlib

import pytest
import sqlalchemy as sa

from plugin.catalog.models import Asset
from plugin.catalog.package import PackageInvalid, read_package, write_zip
from plugin.catalog.services import import_package
from plugin.catalog.validate import parse_package
from plugin.db import transaction
from tests.plugin.catalog.packages import package

PAGE = b"<!doctype html><script src='a.js'></script>"
SCRIPT = b"fetch('/admin/platforms').then(r => r.text()).then(t => document.title = t)"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="4" height="4"/></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
FILES = {"files/guide.html": PAGE, "files/a.js": SCRIPT, "images/logo.svg": SVG, "images/dot.png": PNG,
         "files/notes.pdf": b"%PDF-1.4"}


def _served(client, runtime, path):
    with runtime.sessions() as session:
        asset = session.scalar(sa.select(Asset).where(Asset.path == path))
    return client.get(f"/content/{asset.sha256}/{path.rsplit('/', 1)[1]}")


def test_pages_and_scripts_from_a_package_are_downloads_never_run(client, runtime):
    with transaction(runtime.sessions) as session:
        import_package(session, package(extra_files=FILES))
    for path in ("files/guide.html", "files/a.js", "files/notes.pdf"):
        response = _served(client, runtime, path)
        assert response.status_code == 200 and response.mimetype == "application/octet-stream", path
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["X-Content-Type-Options"] == "nosniff"  # a script tag would refuse it too
    for path, media_type in (("images/logo.svg", "image/svg+xml"), ("images/dot.png", "image/png")):
        response = _served(client, runtime, path)
        assert response.mimetype == media_type and "Content-Disposition" not in response.headers
    for path in FILES:
        # opened on its own, even a picture gets an opaque origin and runs nothing (an SVG's script)
        policy = _served(client, runtime, path).headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy and "script-src" not in policy


def test_the_author_is_told_which_files_are_only_downloads():
    parsed = parse_package(package(extra_files=FILES))
    warned = {w.file: w.message for w in parsed.warnings}
    assert set(warned) == {"files/guide.html", "files/a.js", "files/notes.pdf"}
    assert "offered as a download" in warned["files/a.js"]


def test_a_damaged_zip_is_a_problem_to_fix_not_a_crash():
    data = bytearray(write_zip(package().files))
    # change the first file's CRC-32 in the central directory (offset 16 of its entry): its bytes no longer match
    struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 16, zlib.crc32(b"something else"))
    with pytest.raises(PackageInvalid) as refused:
        read_package(bytes(data))
    assert any("damaged in the zip" in p.message and "zip the course folder again" in p.message
               for p in refused.value.problems)
