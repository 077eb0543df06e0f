"""Property tests: broken packages always give located, actionable errors and leave the database as it was."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin.catalog.models import Course, CourseVersion, Nugget
from plugin.catalog.package import PackageInvalid
from plugin.catalog.services import import_package
from tests.plugin.catalog.packages import nugget_text, package

FRONT_BREAKAGES = [
    "mastery: {text}\n", "attempts: -{n}\n", "minutes: 0\n", "requires: [{word}]\n", "{word}: 1\n",
    "items:\n  - id: q\n    type: {word}\n    prompt: x\n",
    "items:\n  - id: q\n    type: numeric\n    prompt: x\n",
    "items:\n  - id: q\n    type: single_choice\n    prompt: x\n    choices: [{{text: a}}, {{text: b}}]\n",
    "items:\n  - id: q\n    type: matching\n    prompt: x\n    pairs: [{{left: a, right: b}}]\n",
    "title: [{word}\n",
]
BODY_BREAKAGES = ["", "![]({word}.png)", "```video\ntitle: v\nsrc: {word}.mp4\n```\n", "```callout {word}x\nhi\n```\n",
                  "```video\ntitle: t\nembed: http://{word}.example/e\n```\n"]


@st.composite
def broken_packages(draw):
    word = draw(st.from_regex(r"[a-z]{3,8}", fullmatch=True))
    text = draw(st.sampled_from(["lots", "'x'", "1.5e9"]))
    count = draw(st.integers(min_value=1, max_value=4))
    nuggets = {f"n{i}": f"Words about feedback number {i}." for i in range(count)}
    files = package(nuggets, slug="prop")
    broken = draw(st.lists(st.integers(min_value=0, max_value=count - 1), min_size=1, max_size=count, unique=True))
    for index in broken:
        if draw(st.booleans()):
            front = draw(st.sampled_from(FRONT_BREAKAGES)).format(word=word, text=text, n=index + 1)
            files.files[f"nuggets/n{index}.md"] = nugget_text(f"n{index}", "Body.", front).encode()
        else:
            body = draw(st.sampled_from(BODY_BREAKAGES)).format(word=word)
            files.files[f"nuggets/n{index}.md"] = nugget_text(f"n{index}", body).encode()
    return files, {f"nuggets/n{i}.md" for i in broken}


def counts(runtime) -> tuple[int, ...]:
    with runtime.sessions() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Course, CourseVersion, Nugget))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=broken_packages())
def test_broken_packages_report_every_broken_file_and_change_nothing(runtime, case):
    files, broken = case
    with runtime.sessions() as session, session.begin():  # an existing course the broken one would update
        import_package(session, package({"n0": "A valid first version."}, slug="prop"))
    before = counts(runtime)
    try:
        with runtime.sessions() as session, session.begin():
            import_package(session, files)
    except PackageInvalid as exc:
        problems = exc.problems
    else:
        raise AssertionError("a broken package was imported")
    assert counts(runtime) == before
    named = {p.file for p in problems}
    assert broken <= named, (broken, [str(p) for p in problems])
    for problem in problems:
        assert problem.line >= 1, str(problem)
        assert len(problem.message) > 20  # says what to change, not only "invalid"
