"""A nugget's content hash covers the bytes of the pictures it shows, wherever the picture sits."""

from __future__ import annotations

import pytest

from plugin.catalog.validate import parse_package
from tests.plugin.catalog.packages import package

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
OTHER_PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 16


def _hash(reference: str, path: str, data: bytes) -> str:
    files = package({"a": f"![the picture]({reference})"}, extra_files={path: data})
    return parse_package(files).nuggets[0].content_hash


@pytest.mark.parametrize(("reference", "path"), [("p.png", "nuggets/p.png"), ("./p.png", "nuggets/p.png"),
                                                 ("../media/p.png", "media/p.png"), ("/media/p.png", "media/p.png")])
def test_changing_a_pictures_bytes_changes_the_nuggets_hash(reference, path):
    assert _hash(reference, path, PNG) != _hash(reference, path, OTHER_PNG)


@pytest.mark.parametrize(("reference", "path"), [("p.png", "nuggets/p.png"), ("../media/p.png", "media/p.png")])
def test_an_unchanged_package_keeps_the_nuggets_hash(reference, path):
    assert _hash(reference, path, PNG) == _hash(reference, path, PNG)


def test_changing_a_videos_captions_next_to_the_nugget_changes_the_nuggets_hash():
    body = "```video\ntitle: A clip\nsrc: clip.webm\ncaptions: clip.vtt\nduration: 8\n```\n"

    def nugget_hash(captions: bytes) -> str:
        files = package({"a": body}, extra_files={"nuggets/clip.webm": b"webm", "nuggets/clip.vtt": captions})
        return parse_package(files).nuggets[0].content_hash

    assert nugget_hash(b"WEBVTT\n") != nugget_hash(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")
