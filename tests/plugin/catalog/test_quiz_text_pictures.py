"""Pictures in quiz texts (prompt, choices, feedback, explanation) follow the nugget body's rules and show."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from plugin.catalog.models import QuizItem
from plugin.catalog.package import PackageFiles, PackageInvalid
from plugin.catalog.render import render_inline
from plugin.catalog.services import import_package
from plugin.catalog.validate import parse_package
from plugin.db import transaction
from tests.plugin.catalog.packages import package

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
CHART = f"/content/{hashlib.sha256(PNG).hexdigest()}/chart.png"


def _with_item(item: str, extra_files: dict[str, bytes] | None = None) -> PackageFiles:
    files = package({"a": "Words."}, extra_files=extra_files)
    files.files["nuggets/a.md"] = (f"---\nid: a\ntitle: A\nitems:\n{item}---\nWords.\n").encode()
    return files


def _refusals(files: PackageFiles) -> list[str]:
    with pytest.raises(PackageInvalid) as refused:
        parse_package(files)
    return [str(problem) for problem in refused.value.problems]


CHOICE_ITEM = """\
  - id: q1
    type: single_choice
    prompt: "Is this the chart? ![the sales chart](../media/chart.png)"
    choices:
      - text: "This one: ![the sales chart](../media/chart.png)"
        correct: true
        feedback: "Yes: ![the chart again](<../media/chart.png>)"
      - text: Another one
    explanation: "See ![the chart](/media/chart.png)."
"""


def test_a_picture_in_a_quiz_prompt_is_shown_from_the_package(runtime):
    with transaction(runtime.sessions) as session:
        import_package(session, _with_item(CHOICE_ITEM, {"media/chart.png": PNG}))
    with runtime.sessions() as session:
        item = session.scalar(sa.select(QuizItem).where(QuizItem.key == "q1"))
        assert f'<img src="{CHART}" alt="the sales chart">' in item.prompt_html
        assert f'<img src="{CHART}" alt="the chart">' in item.explanation_html


def test_pictures_in_choices_and_feedback_are_shown_from_the_package():
    [spec] = parse_package(_with_item(CHOICE_ITEM, {"media/chart.png": PNG})).nuggets[0].items
    assert f'<img src="{CHART}" alt="the sales chart">' in render_inline(spec["choices"][0]["text"])
    assert f'<img src="{CHART}" alt="the chart again">' in render_inline(spec["choices"][0]["feedback"])


def test_a_picture_next_to_the_nugget_is_found_from_a_quiz_text():
    item = "  - {id: q1, type: true_false, prompt: 'Right? ![the chart](chart.png)', answer: true}\n"
    [spec] = parse_package(_with_item(item, {"nuggets/chart.png": PNG})).nuggets[0].items
    assert spec["prompt"] == f"Right? ![the chart]({CHART})"


def test_an_external_picture_without_alt_text_in_a_quiz_prompt_is_refused_at_the_item():
    item = "  - {id: q1, type: true_false, prompt: 'Right? ![](https://tracker.example/p.png)', answer: true}\n"
    assert _refusals(_with_item(item)) == [
        "nuggets/a.md:5: item 'q1': image 'https://tracker.example/p.png' has no alt text: "
        "write ![what it shows](https://tracker.example/p.png)",
        "nuggets/a.md:5: item 'q1': image 'https://tracker.example/p.png' is not in the package: add the file to "
        "the package and link it by its path (external images are blocked)"]


def test_a_missing_picture_in_a_choice_is_refused_at_the_item():
    item = ("  - id: q1\n    type: single_choice\n    prompt: Which?\n    choices:\n"
            "      - {text: 'This ![the chart](../media/gone.png)', correct: true}\n      - {text: That}\n")
    assert _refusals(_with_item(item)) == [
        "nuggets/a.md:5: item 'q1': image '../media/gone.png' is not in the package: check the path"]


def test_a_changed_picture_in_a_quiz_text_changes_the_nuggets_hash():
    item = "  - {id: q1, type: true_false, prompt: 'Right? ![the chart](chart.png)', answer: true}\n"
    hashes = [parse_package(_with_item(item, {"nuggets/chart.png": data})).nuggets[0].content_hash
              for data in (PNG, PNG, PNG + b"\1")]
    assert hashes[0] == hashes[1] != hashes[2]
