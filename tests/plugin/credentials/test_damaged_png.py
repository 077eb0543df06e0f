"""A damaged badge PNG is refused at import, and a .png download always carries the credential."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from plugin.catalog.package import PackageInvalid
from plugin.catalog.validate import parse_package
from plugin.credentials import images
from plugin.credentials.achievements import AchievementError, upsert_achievement
from plugin.credentials.models import Achievement
from tests.plugin.catalog.packages import MANIFEST, package
from tests.plugin.credentials.conftest import issue

GOOD = images.default_png("Fire Safety Basics")
SIGNATURE_AND_JUNK = images.PNG_SIGNATURE + b"\0" * 16
WITHOUT_IEND = GOOD[:-12]


@pytest.mark.parametrize("damaged", [SIGNATURE_AND_JUNK, WITHOUT_IEND], ids=["junk", "no-iend"])
def test_baking_a_damaged_png_raises_instead_of_returning_it_unbaked(damaged: bytes) -> None:
    with pytest.raises(ValueError, match="PNG"):
        images.bake_png(damaged, {"id": "urn:example"})


@pytest.mark.parametrize("damaged", [SIGNATURE_AND_JUNK, WITHOUT_IEND], ids=["junk", "no-iend"])
def test_a_damaged_png_badge_is_refused_at_import(damaged: bytes) -> None:
    manifest = MANIFEST.format(slug="tiny", title="Tiny", nuggets="      - nuggets/a.md").replace(
        "modules:", "achievements:\n  - id: b1\n    name: Badge one\n    image: media/badge.png\nmodules:", 1)
    files = package({"a": "Words."}, manifest=manifest, extra_files={"media/badge.png": damaged})
    with pytest.raises(PackageInvalid) as refused:
        parse_package(files)
    assert [str(p) for p in refused.value.problems] == [
        "course.yaml:7: achievement 'b1': `image: media/badge.png` is a damaged PNG (cut short or corrupted): "
        "export it as PNG again"]


@pytest.mark.parametrize("damaged", [SIGNATURE_AND_JUNK, WITHOUT_IEND], ids=["junk", "no-iend"])
def test_a_damaged_png_is_refused_as_an_achievement_image(runtime: Any, tenant: Any, damaged: bytes) -> None:
    with runtime.sessions() as session, pytest.raises(AchievementError, match="damaged"):
        upsert_achievement(session, tenant.platform_id, "other", name="Other", description="D.",
                           criteria_narrative="C.", image=damaged, image_type="image/png")


def test_an_undamaged_png_is_kept_as_the_achievement_image(runtime: Any, tenant: Any) -> None:
    with runtime.sessions() as session:
        badge = upsert_achievement(session, tenant.platform_id, "other", name="Other", description="D.",
                                   criteria_narrative="C.", image=GOOD, image_type="image/png")
        assert badge.image_data == GOOD


def test_png_download_of_a_badge_stored_damaged_still_carries_the_credential(client: Any, runtime: Any,
                                                                              settings: Any, tenant: Any) -> None:
    credential = issue(runtime, settings, tenant)
    with runtime.sessions() as session, session.begin():
        badge = session.get(Achievement, tenant.achievement_id)
        badge.image_data, badge.image_type = WITHOUT_IEND, "image/png"
    response = client.get(urlsplit(credential.document["id"]).path + ".png")
    assert response.status_code == 200
    assert images.unbake_png(response.data) == credential.document
