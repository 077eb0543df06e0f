"""Pictures written inline as data: URLs (what Markdown editors produce when a picture is pasted)."""

from __future__ import annotations

import base64

import pytest

from plugin.catalog.package import PackageFiles, PackageInvalid
from plugin.catalog.render import MAX_DATA_IMAGE_BYTES, sanitize
from plugin.catalog.services import import_package
from plugin.catalog.validate import parse_package
from plugin.db import transaction
from tests.plugin.catalog.packages import nugget_text, package

# A 1×1 PNG.
DOT = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
       "RU5ErkJggg==")
SVG = "data:image/svg+xml;base64," + base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
                                                      ).decode()


def problems_of(files: PackageFiles) -> list[str]:
    with pytest.raises(PackageInvalid) as caught:
        parse_package(files)
    return [str(p) for p in caught.value.problems]


def test_a_pasted_png_shows_on_the_nugget_page_with_its_alt_text(app, client, launch_as, runtime):
    with transaction(runtime.sessions) as session:
        import_package(session, package({"a": f"Look:\n\n![A red dot]({DOT})\n", "b": "More."}))
    page = client.get("/learn/c/tiny/n/a", query_string=launch_as().q())
    assert page.status_code == 200
    assert f'<img src="{DOT}" alt="A red dot">' in page.text
    img_src = next(d for d in page.headers["Content-Security-Policy"].split(";") if d.strip().startswith("img-src"))
    assert "data:" in img_src.split()


def test_an_svg_data_image_is_refused_at_import_naming_the_file_and_line():
    found = problems_of(package({"a": f"Intro.\n\n![Diagram]({SVG})\n"}))
    [problem] = [p for p in found if "data:image/svg+xml" in p]
    assert problem.startswith("nuggets/a.md:7: image 'data:image/svg+xml;base64,")
    assert "never SVG" in problem and "Add the picture to the package as a file" in problem
    assert len(problem) < 400  # the picture's data is not repeated in the message


def test_an_inline_picture_over_the_size_limit_is_refused_with_what_to_do():
    big = b"\x89PNG\r\n\x1a\n" + bytes(MAX_DATA_IMAGE_BYTES)
    found = problems_of(package({"a": f"![Screenshot](data:image/png;base64,{base64.b64encode(big).decode()})"}))
    assert any(p.startswith("nuggets/a.md:5: image 'data:image/png") and "100 KB at most" in p
               and "images/diagram.png" in p for p in found), found


def test_an_inline_picture_whose_data_is_not_what_it_says_is_refused():
    fake = base64.b64encode(b"<html><script>alert(1)</script></html>").decode()
    found = problems_of(package({"a": f"![Chart](data:image/png;base64,{fake})"}))
    assert any("its data is not a PNG picture" in p for p in found), found


def test_a_data_link_is_refused_at_import():
    found = problems_of(package({"a": "[Open](data:text/html;base64,PHNjcmlwdD4=)"}))
    assert any(p.startswith("nuggets/a.md:5: link 'data:text/html") for p in found), found


def test_a_quiz_prompt_with_an_svg_data_image_is_refused_naming_the_item():
    files = package({"a": "Words."})
    front = f"""\
items:
  - id: q1
    type: true_false
    prompt: "Is this right? ![Diagram]({SVG})"
    answer: true
"""
    files.files["nuggets/a.md"] = nugget_text("a", "Words.", front).encode()
    found = problems_of(files)
    assert any(p.startswith("nuggets/a.md:5: item 'q1': image 'data:image/svg+xml") for p in found), found


def test_the_sanitizer_keeps_data_urls_only_as_raster_image_sources():
    html = sanitize(f'<img src="{DOT}" alt="dot"><img src="{SVG}" alt="svg">'
                    '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>')
    assert html.count("data:") == 1 and f'<img src="{DOT}" alt="dot">' in html
