"""Review cards follow the learner's current version of the course: a corrected answer key grades the
review, and an item removed from the course is no longer reviewed."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from plugin.catalog.services import import_package
from plugin.db import transaction
from plugin.review.models import ReviewCard, ReviewLog
from plugin.review.services import RETIRED, count_due
from tests.plugin.catalog.packages import MANIFEST, PackageFiles, nugget_text
from tests.plugin.skills.support import csrf_of

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def publish(app, answer: str, item_key: str = "q1", prompt: str = "The sky is green.") -> None:
    front = f"items:\n  - id: {item_key}\n    type: true_false\n    prompt: {prompt}\n    answer: {answer}\n"
    files = {"course.yaml": MANIFEST.format(slug="tiny", title="Tiny", nuggets="      - nuggets/q.md").encode(),
             "nuggets/q.md": nugget_text("q", "Read this.", front).encode()}
    with transaction(app.extensions["skillbite"].sessions) as session:
        import_package(session, PackageFiles(files))


def answer_in_player_and_make_due(client, app, learner, answer: str) -> None:
    page = client.get("/learn/c/tiny/n/q", query_string=learner.q())
    client.post("/learn/c/tiny/n/q/answers", query_string=learner.q(),
                data={"csrf": csrf_of(page.text), "i.q1": answer})
    with transaction(app.extensions["skillbite"].sessions) as session:
        session.execute(sa.update(ReviewCard).where(ReviewCard.user_id == learner.user_id).values(due=LONG_AGO))


def test_a_review_is_graded_with_the_corrected_answer_key_of_the_new_version(client, app, launch_as):
    publish(app, "true")  # v1: wrong key
    learner = launch_as("rev")
    answer_in_player_and_make_due(client, app, learner, "true")
    publish(app, "false", prompt="The sky is green (corrected).")  # v2: corrected
    page = client.get("/review", query_string=learner.q())
    assert "The sky is green (corrected)." in page.text
    card_id = re.search(r'action="/review/(\d+)', page.text).group(1)  # type: ignore[union-attr]
    shown = re.search(r'name="shown" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(f"/review/{card_id}", query_string=learner.q(),
                data={"csrf": csrf_of(page.text), "a": "false", "shown": shown})
    with app.extensions["skillbite"].sessions() as session:
        assert list(session.scalars(sa.select(ReviewLog.correct).where(ReviewLog.source == "review"))) == [True]


def test_a_card_whose_item_was_removed_is_retired_and_not_shown(client, app, launch_as):
    publish(app, "false")
    learner = launch_as("gone")
    answer_in_player_and_make_due(client, app, learner, "false")
    publish(app, "false", item_key="q2")  # v2: q1 replaced by q2
    page = client.get("/review", query_string=learner.q())
    assert "The sky is green." not in page.text and 'action="/review/' not in page.text
    with app.extensions["skillbite"].sessions() as session:
        [card] = session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == learner.user_id))
        assert card.due == RETIRED
        assert count_due(session, learner.platform_id, learner.user_id) == 0

