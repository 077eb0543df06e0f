"""The package format: validation messages, graph checks, versions, export round trip, sanitizing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plugin.catalog.models import Course, CourseVersion, Nugget
from plugin.catalog.package import PackageFiles, PackageInvalid, read_package, write_zip
from plugin.catalog.services import DEMO_COURSE, export_files, import_package, load_demo_course
from plugin.catalog.validate import parse_package
from tests.plugin.catalog.packages import nugget_text, package


def problems_of(files: PackageFiles) -> list[str]:
    with pytest.raises(PackageInvalid) as caught:
        parse_package(files)
    return [str(p) for p in caught.value.problems]


def test_demo_course_is_valid_and_uses_every_item_type():
    parsed = parse_package(read_package(DEMO_COURSE))
    assert len(parsed.nuggets) >= 6
    from plugin.catalog.items import ITEM_TYPES

    assert {i["type"] for n in parsed.nuggets for i in n.items} == set(ITEM_TYPES)
    assert any(b["kind"] == "video" and b["captions"] for n in parsed.nuggets for b in n.blocks)


def test_missing_field_names_file_line_and_fix():
    files = package({"a": "Words."})
    files.files["nuggets/a.md"] = (b"---\nid: a\nitems:\n  - id: q\n    type: numeric\n    prompt: How many?\n"
                                   b"---\nText\n")
    found = problems_of(files)
    assert "nuggets/a.md:2: `title` is required: add it" in found
    assert "nuggets/a.md:4: `items.0.answer` is required: add it" in found


def test_all_problems_are_reported_at_once():
    files = package({"a": "Words.", "b": "Words."})
    files.files["nuggets/a.md"] = nugget_text("a", "x", "mastery: 7\n").encode()
    files.files["nuggets/b.md"] = nugget_text("b", "x", "colour: blue\n").encode()
    found = problems_of(files)
    assert any(p.startswith("nuggets/a.md:4: `mastery`") for p in found)
    assert any(p.startswith("nuggets/b.md:4: `colour` is not a known field") for p in found)


def test_unknown_item_type_lists_the_known_ones():
    files = package({"a": "Words."})
    front = "items:\n  - id: q\n    type: essay\n    prompt: Why?\n"
    files.files["nuggets/a.md"] = nugget_text("a", "x", front).encode()
    (found,) = problems_of(files)
    assert found.startswith("nuggets/a.md:6: `items.0.type`: unknown item type 'essay': use one of")
    assert "single_choice" in found


def test_yaml_syntax_error_names_the_line():
    files = package({"a": "Words."})
    files.files["course.yaml"] = b"format: skillbite/1\nslug: x\ntitle: [unclosed\nmodules: []\n"
    (found,) = problems_of(files)
    assert found.startswith("course.yaml:4: YAML syntax error")


def test_missing_nugget_file_is_named():
    files = package({"a": "Words."})
    del files.files["nuggets/a.md"]
    assert problems_of(files) == ["course.yaml:8: nugget file 'nuggets/a.md' is not in the package: "
                                  "check the path (relative to course.yaml)"]


def test_empty_nugget_is_refused():
    found = problems_of(package({"a": "Words.", "b": "   \n"}))
    assert any(p.startswith("nuggets/b.md:5: this nugget has no content") for p in found)


def test_long_nugget_is_a_warning_not_an_error():
    parsed = parse_package(package({"a": "word " * 4000}))
    assert parsed.nuggets[0].minutes == 20
    assert "consider splitting it in two" in str(parsed.warnings[0])


def test_prerequisite_cycle_names_the_nodes():
    files = package({"a": "Words.", "b": "Words.", "c": "Words."})
    files.files["nuggets/a.md"] = nugget_text("a", "x", "requires: [c]\n").encode()
    files.files["nuggets/b.md"] = nugget_text("b", "x", "requires: [a]\n").encode()
    files.files["nuggets/c.md"] = nugget_text("c", "x", "requires: [b]\n").encode()
    (found,) = problems_of(files)
    assert "prerequisites form a cycle" in found
    assert all(f"nugget {k}" in found for k in "abc")


def test_module_prerequisite_cycle_through_a_nugget():
    manifest = ("format: skillbite/1\nslug: x\ntitle: X\nmodules:\n  - id: m1\n    title: One\n    requires: [m2]\n"
                "    nuggets: [nuggets/a.md]\n  - id: m2\n    title: Two\n    nuggets: [nuggets/b.md]\n")
    files = package({"a": "Words.", "b": "Words."}, manifest=manifest)
    files.files["nuggets/b.md"] = nugget_text("b", "x", "requires: [a]\n").encode()
    (found,) = problems_of(files)
    assert "module m2" in found and "nugget a" in found and "nugget b" in found


def test_unknown_prerequisite_is_an_error():
    files = package({"a": "Words."})
    files.files["nuggets/a.md"] = nugget_text("a", "x", "requires: [zzz]\n").encode()
    assert any("unknown nugget 'zzz'" in p for p in problems_of(files))


def test_video_needs_captions():
    body = "```video\ntitle: Clip\nsrc: media/v.webm\n```\n"
    found = problems_of(package({"a": body}, extra_files={"media/v.webm": b"\x1aE\xdf\xa3"}))
    assert any("captions" in p and "WebVTT" in p for p in found)


def test_embed_only_from_allowed_providers():
    body = "```video\ntitle: Clip\nembed: https://evil.example.com/embed/x\n```\n"
    assert any("not from an allowed provider" in p for p in problems_of(package({"a": body})))
    ok = "```video\ntitle: Clip\nembed: https://www.youtube-nocookie.com/embed/abc\n```\n"
    assert parse_package(package({"a": ok})).nuggets[0].blocks[0]["embed"].endswith("/abc")


def test_image_without_alt_text_is_refused():
    found = problems_of(package({"a": "![](img.png)"}, extra_files={"img.png": b"\x89PNG"}))
    assert any("has no alt text" in p for p in found)


def test_script_javascript_links_and_event_handlers_never_render():
    body = ('Hi <script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n<img src=x onerror="alert(1)">\n\n'
            '<a href="#" onclick="steal()">x</a>\n\n```callout note\n<iframe src="https://evil"></iframe>\n```\n')
    parsed = parse_package(package({"a": body}))
    html = "".join(b["html"] for b in parsed.nuggets[0].blocks)
    tags, attributes = parsed_elements(html)
    assert not tags & {"script", "iframe", "img"}
    assert not [name for name, _ in attributes if name.startswith("on")]
    assert not [value for name, value in attributes if "javascript" in (value or "").lower()]
    assert "Hi" in html


def parsed_elements(html: str) -> tuple[set[str], list[tuple[str, str | None]]]:
    """The elements and attributes a browser would build from ``html`` (escaped text is not markup)."""
    from html.parser import HTMLParser

    tags: set[str] = set()
    attributes: list[tuple[str, str | None]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            attributes.extend(attrs)

    Collect().feed(html)
    return tags, attributes


def test_import_is_idempotent_and_changes_make_a_new_version(runtime):
    with runtime.sessions() as session, session.begin():
        first = import_package(session, package())
        again = import_package(session, package())
        assert first.created and not again.created and again.version.id == first.version.id
        changed = package({"a": "Some words to read.", "b": "Changed words."})
        second = import_package(session, changed)
        assert second.created and second.version.number == 2
        course = session.scalar(sa.select(Course).where(Course.slug == "tiny"))
        assert course.latest_version_id == second.version.id
        hashes = {v.number: {n.key: n.content_hash for n in v.nuggets}
                  for v in session.scalars(sa.select(CourseVersion))}
        assert hashes[1]["a"] == hashes[2]["a"] and hashes[1]["b"] != hashes[2]["b"]


def test_invalid_package_changes_nothing(runtime):
    with runtime.sessions() as session, session.begin():
        with pytest.raises(PackageInvalid):
            import_package(session, package({"a": ""}))
        assert session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_export_round_trips_to_the_same_version(runtime):
    with runtime.sessions() as session, session.begin():
        result = load_demo_course(session)
        exported = export_files(session, result.version.id)
        again = import_package(session, write_zip(exported))
        assert not again.created and again.version.id == result.version.id
        assert session.scalar(sa.select(sa.func.count()).select_from(Nugget)) == len(result.version.nuggets)


def test_demo_course_loader_is_idempotent(runtime):
    with runtime.sessions() as session, session.begin():
        assert load_demo_course(session).created
        assert not load_demo_course(session).created


def test_zip_with_top_folder_and_unsafe_paths():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in package().files.items():
            archive.writestr(f"tiny/{path}", data)
    assert "course.yaml" in read_package(buffer.getvalue()).files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.txt", b"x")
        archive.writestr("course.yaml", b"x")
    with pytest.raises(PackageInvalid, match="unsafe path"):
        read_package(buffer.getvalue())
    with pytest.raises(PackageInvalid, match="not a .zip"):
        read_package(b"not a zip")
