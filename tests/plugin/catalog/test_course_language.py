"""A course's `language` is a BCP 47 tag, checked at import as the statements will need it."""

from __future__ import annotations

import pytest

from plugin.catalog.package import PackageInvalid
from plugin.catalog.validate import parse_package
from tests.plugin.catalog.packages import MANIFEST, package


def _files(language: str):  # type: ignore[no-untyped-def]
    manifest = MANIFEST.format(slug="tiny", title="Tiny", nuggets="      - nuggets/a.md")
    return package({"a": "Words."}, manifest=manifest.replace("modules:", f"language: {language}\nmodules:", 1))


def _refusals(language: str) -> list[str]:
    with pytest.raises(PackageInvalid) as refused:
        parse_package(_files(language))
    return [str(problem) for problem in refused.value.problems]


def test_an_underscore_locale_is_refused_with_the_tag_to_write() -> None:
    assert _refusals("en_US") == ["course.yaml:4: `language`: use a BCP 47 language tag: write en-US"]


def test_a_tag_with_a_trailing_newline_is_refused() -> None:
    assert _refusals('"en-US\\n"') == ["course.yaml:4: `language`: use a BCP 47 language tag: write en-US"]


@pytest.mark.parametrize("language", ['"english!"', "en-", "de_DE.UTF-8"])
def test_a_language_that_is_no_tag_is_refused_with_examples(language: str) -> None:
    assert _refusals(language) == ["course.yaml:4: `language`: use a BCP 47 language tag, e.g. en, en-US or pt-BR"]


@pytest.mark.parametrize("language", ["en", "en-US", "pt-BR", "zh-Hant-TW", "de-CH-1996"])
def test_a_bcp_47_tag_is_accepted(language: str) -> None:
    assert parse_package(_files(language)).manifest["language"] == language
