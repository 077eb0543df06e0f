"""A file is served by its content hash and its name: identical bytes may be several files."""

from __future__ import annotations

import sqlalchemy as sa

from plugin.catalog.models import Asset
from plugin.catalog.services import import_package
from plugin.db import transaction
from tests.plugin.catalog.packages import package

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


def test_two_files_with_the_same_bytes_are_each_served_by_their_own_name(client, runtime):
    with transaction(runtime.sessions) as session:
        import_package(session, package(extra_files={"media/a.png": PNG, "media/b.png": PNG}))
        import_package(session, package(slug="other", extra_files={"pictures/c.png": PNG}))
    with runtime.sessions() as session:
        assert len(set(session.scalars(sa.select(Asset.sha256)))) == 1
        sha256 = session.scalar(sa.select(Asset.sha256))
    for name in ("a.png", "b.png", "c.png"):
        response = client.get(f"/content/{sha256}/{name}")
        assert (response.status_code, response.data, response.mimetype) == (200, PNG, "image/png"), name


def test_a_name_no_file_with_those_bytes_has_is_not_found(client, runtime):
    with transaction(runtime.sessions) as session:
        import_package(session, package(extra_files={"media/a.png": PNG}))
    with runtime.sessions() as session:
        sha256 = session.scalar(sa.select(Asset.sha256))
    for name in ("b.png", "_.png", "%.png"):  # nor does a LIKE wildcard match another name
        assert client.get(f"/content/{sha256}/{name}").status_code == 404, name
