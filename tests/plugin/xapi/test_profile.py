"""The published profile is the code's profile."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from plugin.cli import main
from plugin.xapi import vocabulary as v
from plugin.xapi.profile import example_statements

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_the_jsonld_profile_in_docs_is_generated_from_the_code():
    printed = CliRunner().invoke(main, ["xapi", "profile"])
    assert printed.exit_code == 0
    assert json.loads(printed.output) == json.loads((DOCS / "xapi-profile.jsonld").read_text())


def test_the_profile_has_a_template_and_an_example_for_every_verb():
    profile = json.loads((DOCS / "xapi-profile.jsonld").read_text())
    assert {t["verb"] for t in profile["templates"]} == set(v.VERBS.values())
    assert set(profile["examples"]) == {t["id"] for t in profile["templates"]}
    markdown = (DOCS / "xapi-profile.md").read_text()
    for verb, iri in v.VERBS.items():
        assert iri in markdown, verb
    assert "version" not in example_statements()["answered"]
