"""Packages that used to fail as server errors are refused at import, each problem at its file and line."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from plugin.catalog.models import Course
from plugin.catalog.package import PackageFiles, PackageInvalid, load_yaml
from plugin.catalog.services import import_package
from plugin.catalog.validate import parse_package
from plugin.credentials.images import default_png
from plugin.db import transaction
from tests.plugin.catalog.packages import MANIFEST, package

PNG = default_png("B")  # a whole PNG: a cut-off one is refused (test_damaged_png.py)
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 20
ONE_NUGGET = "      - nuggets/a.md"


def _refusals(files: PackageFiles) -> list[str]:
    with pytest.raises(PackageInvalid) as refused:
        parse_package(files)
    return [str(problem) for problem in refused.value.problems]


def _manifest(extra: str = "", title: str = "Tiny course", slug: str = "tiny") -> str:
    return MANIFEST.format(slug=slug, title=title, nuggets=ONE_NUGGET).replace("modules:", extra + "modules:", 1)


# --- YAML: anchors, aliases and tags -----------------------------------------------------------------


def test_an_alias_to_its_own_anchor_is_a_problem_at_its_line():
    files = package({"a": "Words."})
    files.files["nuggets/a.md"] = b"---\nid: a\ntitle: A\nitems: &loop [*loop]\n---\nWords.\n"
    assert _refusals(files) == ["nuggets/a.md:4: anchors and aliases (&name, *name) are not supported: "
                                "write the value out"]


def test_nested_aliases_are_refused_before_anything_is_expanded():
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 6):  # expanded, a million values
        text += f"l{level}: &l{level} [" + ", ".join([f"*{'a' if level == 1 else f'l{level - 1}'}"] * 10) + "]\n"
    started = time.monotonic()
    with pytest.raises(PackageInvalid) as refused:
        load_yaml(text, "course.yaml")
    assert time.monotonic() - started < 2
    assert {p.line for p in refused.value.problems} == set(range(1, 7))
    assert all("anchors and aliases" in p.message for p in refused.value.problems)


@pytest.mark.parametrize("value", ["!!binary SGVsbG8=", "!!timestamp 2024-05-01", "!!set {a, b}", "!custom x"])
def test_a_tag_for_a_value_that_is_not_plain_is_a_problem_at_its_line(value):
    with pytest.raises(PackageInvalid) as refused:
        load_yaml(f"id: a\ntitle: {value}\n", "nuggets/a.md", first_line=2)
    [problem] = refused.value.problems
    assert (problem.file, problem.line) == ("nuggets/a.md", 3)
    assert f"the YAML tag `{value.split()[0]}` is not supported: write a plain value" in problem.message


def test_a_binary_title_is_refused_and_nothing_is_imported(runtime):
    files = package({"a": "Words."}, manifest=_manifest(title="!!binary SGVsbG8="))
    with pytest.raises(PackageInvalid) as refused, transaction(runtime.sessions) as session:
        import_package(session, files)
    assert [str(p) for p in refused.value.problems] == [
        "course.yaml:3: the YAML tag `!!binary` is not supported: write a plain value (text, a number, "
        "true/false, a list or a mapping)"]
    with runtime.sessions() as session:
        assert session.scalars(sa.select(Course)).all() == []


def test_an_unquoted_date_is_read_as_the_text_written():
    assert load_yaml("summary: 2024-05-01\nwhen: 2024-05-01 10:00:00\n", "course.yaml").data == {
        "summary": "2024-05-01", "when": "2024-05-01 10:00:00"}


# --- video duration ----------------------------------------------------------------------------------

EMBED = "```video\ntitle: Intro\nembed: https://www.youtube-nocookie.com/embed/x\n{duration}```\n"


@pytest.mark.parametrize("duration", ["5 min", "90s", "[1]", ".inf", ".nan", "0", "-30", "true", "1e12"])
def test_a_video_duration_that_is_not_a_number_of_seconds_is_a_problem(duration):
    files = package({"a": "Some words.\n\n" + EMBED.format(duration=f"duration: {duration}\n")})
    assert _refusals(files) == [f"nuggets/a.md:7: video `duration: {load_yaml(duration, 'x').data}`: write a "
                                "number of seconds, e.g. 90 (more than 0, at most 86400)"]


def test_a_video_counts_its_duration_or_two_minutes_when_none_is_given():
    timed = parse_package(package({"a": EMBED.format(duration="duration: 600\n")}))
    untimed = parse_package(package({"a": EMBED.format(duration="")}))
    assert [n.minutes for n in timed.nuggets] == [10]
    assert [n.minutes for n in untimed.nuggets] == [2]


# --- achievements ------------------------------------------------------------------------------------


def _badge(image: str = "", name: str = "Badge one") -> str:
    return (f"achievements:\n  - id: b1\n    name: '{name}'\n"
            + (f"    image: {image}\n" if image else ""))


@pytest.mark.parametrize(("image", "data", "why"), [
    ("media/badge.jpg", JPEG, "is not a PNG or SVG picture: save the badge as .png or .svg and name that file here"),
    ("media/badge.png", JPEG, "is named .png but is not a PNG picture: export it as PNG again"),
    ("media/nowhere.png", None, "is not a file in the package: add it or fix the path (relative to course.yaml)"),
])
def test_a_badge_image_that_cannot_be_published_is_a_problem_at_its_line(image, data, why):
    extra = {image: data} if data else {}
    files = package({"a": "Words."}, manifest=_manifest(_badge(image)), extra_files=extra)
    assert _refusals(files) == [f"course.yaml:7: achievement 'b1': `image: {image}` {why}"]


def test_a_blank_badge_name_is_a_problem_at_its_line():
    files = package({"a": "Words."}, manifest=_manifest(_badge(name="  ")))
    assert _refusals(files) == ["course.yaml:6: achievement 'b1': `name` is blank: write the badge's name, "
                                "e.g. name: Feedback practitioner"]


def test_a_png_badge_is_published_with_its_image(runtime):
    files = package({"a": "Words."}, manifest=_manifest(_badge("media/badge.png")),
                    extra_files={"media/badge.png": PNG})
    with transaction(runtime.sessions) as session:
        import_package(session, files)
    from plugin.credentials.models import Achievement
    with runtime.sessions() as session:
        badge = session.scalar(sa.select(Achievement).where(Achievement.key == "tiny/b1"))
        assert (badge.name, badge.image_type, badge.image_data) == ("Badge one", "image/png", PNG)


def test_a_badge_the_credentials_feature_refuses_at_publish_refuses_the_import(runtime):
    slug = "s" * 100  # slug/id makes a badge key of 201 characters: too long for an achievement
    files = package({"a": "Words."}, manifest=_manifest(_badge().replace("id: b1", "id: " + "b" * 100), slug=slug))
    with pytest.raises(PackageInvalid) as refused, transaction(runtime.sessions) as session:
        import_package(session, files)
    [problem] = refused.value.problems
    assert problem.file == "course.yaml"
    assert problem.message.startswith(f"achievement {'b' * 100!r} cannot be published: An achievement key is 1 to "
                                      "200 characters.")
    with runtime.sessions() as session:
        assert session.scalars(sa.select(Course)).all() == []
