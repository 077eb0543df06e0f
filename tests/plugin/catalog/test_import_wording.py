"""What an author reads: plain words for marshmallow's messages, and files saved with a byte order mark."""

from __future__ import annotations

import pytest

from plugin.catalog.package import PackageFiles, PackageInvalid
from plugin.catalog.validate import parse_package
from tests.plugin.catalog.packages import MANIFEST, package

ONE_NUGGET = MANIFEST.format(slug="tiny", title="Tiny", nuggets="      - nuggets/a.md")


def _refusals(files: PackageFiles) -> list[str]:
    with pytest.raises(PackageInvalid) as refused:
        parse_package(files)
    return [str(problem) for problem in refused.value.problems]


def _nugget(front: str) -> PackageFiles:
    return PackageFiles({"course.yaml": ONE_NUGGET.encode(), "nuggets/a.md": f"---\n{front}---\nWords.\n".encode()})


def test_a_nugget_file_saved_with_a_byte_order_mark_is_imported():
    files = PackageFiles({"course.yaml": ONE_NUGGET.encode(),
                          "nuggets/a.md": "\ufeff---\nid: a\ntitle: A\n---\nWords.\n".encode()})
    assert [n.title for n in parse_package(files).nuggets] == ["A"]


def test_a_module_that_is_not_a_mapping_asks_for_one():
    manifest = "format: skillbite/1\nslug: tiny\ntitle: Tiny\nmodules: [foundations]\n"
    assert _refusals(PackageFiles({"course.yaml": manifest.encode()})) == [
        "course.yaml:4: `modules.0`: write a mapping of `key: value` lines"]


def test_a_choice_that_is_not_a_mapping_asks_for_one():
    front = "id: a\ntitle: A\nitems:\n  - {id: q, type: single_choice, prompt: p, choices: [a, b]}\n"
    assert _refusals(_nugget(front)) == ["nuggets/a.md:5: `items.0.choices.0`: write a mapping of `key: value` lines",
                                         "nuggets/a.md:5: `items.0.choices.1`: write a mapping of `key: value` lines"]


def test_a_title_left_empty_asks_for_a_value():
    assert _refusals(_nugget("id: a\ntitle:\n")) == ["nuggets/a.md:3: `title`: give a value"]


def test_a_missing_title_asks_to_add_it():
    assert _refusals(_nugget("id: a\n")) == ["nuggets/a.md:2: `title` is required: add it"]


def test_a_file_offered_as_a_download_is_named_with_the_right_article():
    files = package({"a": "Words."}, extra_files={"files/handout.bin": b"\0\1", "files/notes.txt": b"notes"})
    assert [str(w) for w in parse_package(files).warnings] == [
        "files/handout.bin: an application/octet-stream file is offered as a download, never shown in a page: "
        "pages show pictures, audio, video and captions",
        "files/notes.txt: a text/plain file is offered as a download, never shown in a page: "
        "pages show pictures, audio, video and captions"]
