"""Values no page of ours sends (Unicode digits, huge numbers, a novel in a text box): the learner gets a page
that says what to fix, never a 500, and nothing oversized reaches the database or the LRS."""

from __future__ import annotations

import json

import sqlalchemy as sa

from plugin.catalog.items import ShortText
from plugin.progress.models import ItemResponse
from plugin.xapi.models import XapiStatement
from tests.plugin.player.launches import DEMO
from tests.plugin.player.test_player_flow import _complete, csrf_of

BIG = "99999999999999999999"  # more than any id column holds: OverflowError on SQLite, DataError on PostgreSQL


def _post_answers(client, launch, key, answers):
    page = client.get(f"/learn/c/{DEMO}/n/{key}", query_string=launch.q())
    return client.post(f"/learn/c/{DEMO}/n/{key}/answers", query_string=launch.q(),
                       data={"csrf": csrf_of(page.text), **answers})


def test_a_superscript_digit_as_a_choice_is_sent_back_to_correct(client, launch_as, demo_course, runtime):
    launch = launch_as()
    _complete(client, launch, "why-feedback", {"i.praise-counts": "false"})
    response = _post_answers(client, launch, "sbi-model",
                             {"i.sbi-example": "²", **{f"i.sbi-order.{i}": str(i + 1) for i in range(4)}})
    assert response.status_code == 422 and "Choose one answer" in response.text
    with runtime.sessions() as session:
        assert not session.scalars(sa.select(ItemResponse).where(ItemResponse.item_key == "sbi-example")).all()


def test_an_answer_longer_than_the_box_is_refused_and_never_stored_or_stated(client, launch_as, demo_course,
                                                                              runtime):
    launch = launch_as()
    _complete(client, launch, "why-feedback", {"i.praise-counts": "false"})
    _complete(client, launch, "sbi-model", {"i.sbi-example": "1", **{f"i.sbi-order.{i}": str(i + 1) for i in range(4)}})
    response = _post_answers(client, launch, "behaviour-not-character",
                             {"i.observable": ["0", "2"], "i.word-to-avoid": "x" * 600_000})
    assert response.status_code == 422
    assert f"at most {ShortText.MAX_LENGTH} characters" in response.text
    with runtime.sessions() as session:
        assert not session.scalars(sa.select(ItemResponse).where(ItemResponse.item_key == "word-to-avoid")).all()
        statements = [json.loads(s) for s in session.scalars(sa.select(XapiStatement.statement))]
    assert not [s for s in statements if s["object"]["id"].endswith("/question/word-to-avoid")]


def test_a_catalog_page_number_beyond_any_database_number_shows_a_page(client, launch_as, demo_course):
    launch = launch_as()
    for page in (BIG, "²", "-5"):
        response = client.get("/learn/courses", query_string=launch.q(page=page))
        assert response.status_code == 200, page
