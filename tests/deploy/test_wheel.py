"""The wheel (what the Docker image and `pip install` get) carries every file the code reads at runtime."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from .files import ROOT

PACKAGES = ("lti", "plugin")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    # Built from a copy, so that setuptools' build/ and *.egg-info never land in the working tree.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, timeout=120, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob("skillbite-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def data_files() -> list[str]:
    """Every file of the packages that is not Python source: templates, static files, demo content, ..."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts)


def test_the_wheel_carries_the_demo_course_and_skills_framework(wheel_names):
    # `skillbite demo load` and `skillbite skills demo` read these from the installed package.
    assert "plugin/catalog/demo_course/course.yaml" in wheel_names
    assert "plugin/catalog/demo_course/media/sbi-clip.webm" in wheel_names
    assert "plugin/catalog/demo_course/media/sbi-clip.vtt" in wheel_names
    assert "plugin/catalog/demo_course/nuggets/01-why-feedback.md" in wheel_names
    assert "plugin/skills/demo/framework.json" in wheel_names
    assert "plugin/skills/demo/roles.json" in wheel_names


def test_the_wheel_carries_every_data_file_of_the_packages(wheel_names):
    assert data_files(), "no data files found: the walk is broken"
    missing = [name for name in data_files() if name not in wheel_names]
    assert not missing, f"add a pattern to [tool.setuptools.package-data] in pyproject.toml for: {missing}"
