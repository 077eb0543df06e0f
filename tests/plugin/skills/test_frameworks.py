"""Framework imports: ESCO CSV and CASE JSON; bad rows are all reported, with file and row, and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugin.db import transaction
from plugin.skills.frameworks import FrameworkInvalid
from plugin.skills.models import Skill, SkillFramework
from plugin.skills.services import DEMO, import_framework, read_framework

ESCO = "http://data.europa.eu/esco/skill/"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def esco_files(tmp_path: Path) -> tuple[Path, Path]:
    skills = write(tmp_path / "skills_en.csv",
                   "conceptType,conceptUri,preferredLabel,description\n"
                   f"KnowledgeSkillCompetence,{ESCO}s1,communication,Talks and listens.\n"
                   f"KnowledgeSkillCompetence,{ESCO}s2,give feedback,\"Gives specific, timely feedback.\"\n"
                   f"KnowledgeSkillCompetence,{ESCO}s3,listen actively,Listens to understand.\n")
    hierarchy = write(tmp_path / "broaderRelationsSkillPillar_en.csv",
                      f"conceptType,conceptUri,broaderType,broaderUri\nx,{ESCO}s2,y,{ESCO}s1\nx,{ESCO}s3,y,{ESCO}s1\n")
    return skills, hierarchy


def counts(runtime) -> tuple[int, int]:
    with runtime.sessions() as s:
        return (s.scalar(sa.select(sa.func.count(SkillFramework.id))) or 0,
                s.scalar(sa.select(sa.func.count(Skill.id))) or 0)


def do_import(runtime, path: Path, fmt: str, hierarchy: Path | None = None) -> None:
    with transaction(runtime.sessions) as session:
        import_framework(session, read_framework(session, path, fmt, hierarchy))


def test_esco_import_builds_skills_and_hierarchy(runtime, tmp_path):
    skills, hierarchy = esco_files(tmp_path)
    do_import(runtime, skills, "esco", hierarchy)
    with runtime.sessions() as s:
        rows = {r.uri: r for r in s.scalars(sa.select(Skill))}
    assert rows[f"{ESCO}s2"].label == "give feedback"
    assert rows[f"{ESCO}s2"].description == "Gives specific, timely feedback."
    assert rows[f"{ESCO}s2"].parent_id == rows[f"{ESCO}s1"].id
    assert rows[f"{ESCO}s1"].parent_id is None
    assert rows[f"{ESCO}s3"].code == "s3"


def test_esco_folder_import_finds_both_files(runtime, tmp_path):
    esco_files(tmp_path)
    do_import(runtime, tmp_path, "esco")
    assert counts(runtime) == (1, 3)


def test_importing_again_updates_labels_without_duplicates(runtime, tmp_path):
    skills, hierarchy = esco_files(tmp_path)
    do_import(runtime, skills, "esco", hierarchy)
    write(skills, skills.read_text().replace("give feedback", "give constructive feedback"))
    do_import(runtime, skills, "esco", hierarchy)
    assert counts(runtime) == (1, 3)
    with runtime.sessions() as s:
        assert s.scalar(sa.select(Skill.label).where(Skill.uri == f"{ESCO}s2")) == "give constructive feedback"


def test_esco_bad_rows_are_all_reported_and_nothing_is_written(runtime, tmp_path):
    skills = write(tmp_path / "skills_en.csv",
                   "conceptUri,preferredLabel\n"
                   f"{ESCO}ok,fine skill\n"
                   ",no uri\n"
                   f"{ESCO}nolabel,\n"
                   "not a uri,spaces\n"
                   f"{ESCO}ok,duplicate\n")
    hierarchy = write(tmp_path / "rel.csv", f"conceptUri,broaderUri\n{ESCO}ok,{ESCO}missing\n")
    with pytest.raises(FrameworkInvalid) as caught:
        do_import(runtime, skills, "esco", hierarchy)
    text = str(caught.value)
    assert [(p.file, p.row) for p in caught.value.problems] == [
        ("skills_en.csv", 3), ("skills_en.csv", 4), ("skills_en.csv", 5), ("skills_en.csv", 6), ("rel.csv", 2)]
    assert "conceptUri is empty" in text and "preferredLabel is empty" in text
    assert "appears twice" in text and "is not a URI" in text and "broaderUri" in text
    assert "nothing was imported" in text
    assert counts(runtime) == (0, 0)


def test_esco_missing_column_names_the_header(runtime, tmp_path):
    skills = write(tmp_path / "skills.csv", "uri,label\nhttp://x/1,one\n")
    with pytest.raises(FrameworkInvalid) as caught:
        do_import(runtime, skills, "esco")
    assert caught.value.problems[0].row == 1
    assert "missing column(s) conceptUri, preferredLabel" in caught.value.problems[0].message


def test_hierarchy_loop_is_refused(runtime, tmp_path):
    skills, _ = esco_files(tmp_path)
    loop = write(tmp_path / "loop.csv", f"conceptUri,broaderUri\n{ESCO}s1,{ESCO}s2\n{ESCO}s2,{ESCO}s1\n")
    with pytest.raises(FrameworkInvalid, match="loop"):
        do_import(runtime, skills, "esco", loop)
    assert counts(runtime) == (0, 0)


def test_case_demo_framework_imports_with_hierarchy(runtime):
    do_import(runtime, DEMO / "framework.json", "case")
    with runtime.sessions() as s:
        rows = {r.code: r for r in s.scalars(sa.select(Skill))}
    assert rows["feedback"].label == "Giving and receiving feedback"
    assert rows["feedback"].parent_id == rows["communication"].id
    assert rows["recognition"].parent_id == rows["feedback"].id
    assert rows["communication"].parent_id is None


def test_case_bad_items_and_associations_are_all_reported(runtime, tmp_path):
    package = {"CFDocument": {"identifier": "doc", "title": "Broken"},
               "CFItems": [{"identifier": "a", "fullStatement": "A"}, {"identifier": "", "fullStatement": ""},
                           "not an object"],
               "CFAssociations": [{"associationType": "isChildOf", "originNodeURI": {"identifier": "a"},
                                   "destinationNodeURI": {"identifier": "nowhere"}},
                                  {"associationType": "isChildOf", "originNodeURI": {"identifier": "ghost"},
                                   "destinationNodeURI": {"identifier": "doc"}}]}
    path = write(tmp_path / "case.json", json.dumps(package))
    with pytest.raises(FrameworkInvalid) as caught:
        do_import(runtime, path, "case")
    found = [(p.file, p.row) for p in caught.value.problems]
    assert found == [("case.json CFItems", 2), ("case.json CFItems", 2), ("case.json CFItems", 3),
                     ("case.json CFAssociations", 1), ("case.json CFAssociations", 2)]
    assert counts(runtime) == (0, 0)


def test_case_file_that_is_not_json_says_so(runtime, tmp_path):
    with pytest.raises(FrameworkInvalid, match="not a readable JSON file"):
        do_import(runtime, write(tmp_path / "x.json", "{nope"), "case")
