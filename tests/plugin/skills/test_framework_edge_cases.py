"""Framework imports at their edges: frameworks sharing URIs, ESCO download folders, over-long CASE URIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugin.skills.frameworks import FrameworkInvalid
from plugin.skills.models import Skill, SkillFramework
from tests.plugin.skills.test_frameworks import ESCO, counts, do_import, esco_files, write

ITEMS = "https://skills.example/items/"


def case_package(path: Path, doc: str, *, child_of: str | None) -> Path:
    """Two items, ``parent`` and ``child``, with the same URIs whatever the document."""
    items = [{"identifier": f"{doc}-{code}", "uri": f"{ITEMS}{code}", "fullStatement": code.title(),
              "humanCodingScheme": code} for code in ("parent", "child")]
    assocs = [] if child_of is None else [{"associationType": "isChildOf",
                                           "originNodeURI": {"uri": f"{ITEMS}child"},
                                           "destinationNodeURI": {"uri": f"{ITEMS}{child_of}"}}]
    return write(path, json.dumps({"CFDocument": {"identifier": doc, "title": doc}, "CFItems": items,
                                   "CFAssociations": assocs}))


def parents_by_framework(runtime) -> dict[tuple[str, str], str | None]:
    with runtime.sessions() as s:
        rows = s.execute(sa.select(SkillFramework.key, Skill.code, Skill.id, Skill.parent_id)
                         .join(SkillFramework, Skill.framework_id == SkillFramework.id)).all()
    code_of = {skill_id: (key, code) for key, code, skill_id, _ in rows}
    return {(key, code): (None if parent is None else "/".join(code_of[parent])) for key, code, _, parent in rows}


def test_reimporting_a_framework_leaves_another_with_the_same_uris_alone(runtime, tmp_path):
    first = case_package(tmp_path / "a.json", "a", child_of="parent")
    do_import(runtime, first, "case")
    do_import(runtime, case_package(tmp_path / "b.json", "b", child_of=None), "case")
    do_import(runtime, first, "case")
    assert parents_by_framework(runtime) == {
        ("case:a", "parent"): None, ("case:a", "child"): "case:a/parent",
        ("case:b", "parent"): None, ("case:b", "child"): None}


def test_a_framework_builds_its_hierarchy_from_its_own_skills_first(runtime, tmp_path):
    do_import(runtime, case_package(tmp_path / "a.json", "a", child_of=None), "case")
    do_import(runtime, case_package(tmp_path / "b.json", "b", child_of="parent"), "case")
    assert parents_by_framework(runtime)[("case:b", "child")] == "case:b/parent"
    assert parents_by_framework(runtime)[("case:a", "child")] is None


def test_esco_folder_import_reads_skills_en_not_the_skills_hierarchy(runtime, tmp_path):
    esco_files(tmp_path)
    write(tmp_path / "skillsHierarchy_en.csv", "Level 0 URI,Level 0 preferred term\nhttp://x/h,Hierarchy\n")
    write(tmp_path / "skillGroups_en.csv", "conceptUri,preferredLabel\nhttp://x/g,Group\n")
    do_import(runtime, tmp_path, "esco")
    with runtime.sessions() as s:
        assert set(s.scalars(sa.select(Skill.uri))) == {f"{ESCO}s1", f"{ESCO}s2", f"{ESCO}s3"}


def test_esco_folder_without_a_skills_file_says_what_to_give(runtime, tmp_path):
    write(tmp_path / "skillsHierarchy_en.csv", "Level 0 URI,Level 0 preferred term\nhttp://x/h,Hierarchy\n")
    with pytest.raises(FrameworkInvalid, match=r"no skills_<language>\.csv in this folder"):
        do_import(runtime, tmp_path, "esco")
    assert counts(runtime) == (0, 0)


def test_case_uris_over_1000_characters_are_reported_at_their_item(runtime, tmp_path):
    long_uri = "http://x/" + "a" * 1000
    package = {"CFDocument": {"identifier": "doc", "title": "Long", "uri": long_uri},
               "CFItems": [{"identifier": "ok", "uri": "http://x/ok", "fullStatement": "Fine"},
                           {"identifier": "long", "uri": long_uri, "fullStatement": "Too long"},
                           {"identifier": "i" * 1001, "fullStatement": "Identifier too long"}]}
    with pytest.raises(FrameworkInvalid) as caught:
        do_import(runtime, write(tmp_path / "case.json", json.dumps(package)), "case")
    assert [(p.file, p.row) for p in caught.value.problems] == [
        ("case.json CFDocument", 0), ("case.json CFItems", 2), ("case.json CFItems", 3)]
    assert all("at most 1000 characters" in p.message for p in caught.value.problems)
    assert counts(runtime) == (0, 0)
