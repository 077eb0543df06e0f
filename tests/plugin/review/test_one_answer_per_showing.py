"""One answer per showing of a due card: a blank is sent back with the player's hint, a second post of the
same showing goes to the first one's result, a card not waiting for an answer records nothing."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import sqlalchemy as sa

from plugin.catalog.items import item_type
from plugin.catalog.models import QuizItem
from plugin.db import transaction
from plugin.review.models import ReviewCard, ReviewLog
from plugin.review.services import AnswerBlank, NotUpForReview, answer_review, card_for_answer, present
from plugin.xapi.models import XapiStatement
from tests.plugin.review.test_review import T0, answer_in_player, cards_of, due_card_page
from tests.plugin.skills.support import csrf_of


def recorded(runtime, card_id: int) -> tuple[int, int]:
    """(reviews logged in the daily review, ``reviewed`` statements) so far."""
    with runtime.sessions() as s:
        reviews = s.scalar(sa.select(sa.func.count(ReviewLog.id)).where(ReviewLog.card_id == card_id,
                                                                        ReviewLog.source == "review"))
        statements = s.scalar(sa.select(sa.func.count(XapiStatement.id)).where(XapiStatement.verb == "reviewed"))
    return reviews, statements


def answer_form(learner, page, **answer: str) -> dict[str, str]:
    """What the card page posts: its hidden fields (the showing among them) and the answer."""
    shown = re.search(r'name="shown" value="([^"]*)"', page.text)
    return {"lt": learner.token, "csrf": csrf_of(page.text), "shown": unescape(shown.group(1)) if shown else "",
            **answer}


def test_a_blank_answer_comes_back_with_the_hint_and_records_nothing(client, launch_as, demo_skills, runtime):
    learner = launch_as("ada")
    card, page = due_card_page(client, learner, demo_skills, runtime)
    blank = client.post(f"/review/{card.id}", data=answer_form(learner, page))
    assert blank.status_code == 422
    with runtime.sessions() as s:
        spec = s.get(QuizItem, card.item_id).spec
    hint = f"<strong>Answer first:</strong> {item_type('true_false').blank_hint(spec)} Nothing was recorded."
    assert hint in blank.text
    assert 'role="alert"' in blank.text and f'action="/review/{card.id}"' in blank.text  # the card, again
    assert recorded(runtime, card.id) == (0, 0)
    [after] = cards_of(runtime, learner.user_id)
    assert (after.due, after.reviews, after.shown_at) == (card.due, card.reviews, card.shown_at)  # same showing
    answered = client.post(f"/review/{card.id}", data=answer_form(learner, blank, a="false"))
    assert answered.status_code == 303 and "/result/" in answered.headers["Location"]
    assert recorded(runtime, card.id) == (1, 1)


def test_a_partial_answer_is_kept_and_sent_back_with_the_item_type_hint(app, launch_as, demo_skills, runtime):
    learner = launch_as("bea")
    with transaction(runtime.sessions) as session:
        ordering = session.scalars(sa.select(QuizItem).where(QuizItem.type == "ordering")).first()
        card = card_for_answer(session, learner.platform_id, learner.user_id, ordering, False, 0.0, T0)
        present(session, card, T0 + dt.timedelta(days=1))
        card_id, spec = card.id, ordering.spec
    with transaction(runtime.sessions) as session:
        try:
            answer_review(session, learner.platform_id, learner.user_id, card_id, {"0": ["1"]},
                          now=T0 + dt.timedelta(days=1, seconds=20))
        except AnswerBlank as blank:
            assert blank.hint == item_type("ordering").blank_hint(spec)
        else:
            raise AssertionError("an unordered answer was graded")
    assert recorded(runtime, card_id) == (0, 0)


def test_a_second_post_of_the_same_showing_goes_to_the_first_result(client, launch_as, demo_skills, runtime):
    learner = launch_as("cy")
    card, page = due_card_page(client, learner, demo_skills, runtime)
    form = answer_form(learner, page, a="false")
    first, second = (client.post(f"/review/{card.id}", data=form) for _ in range(2))
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]  # the review already recorded
    result = client.get(second.headers["Location"])
    assert result.status_code == 200 and "Right" in result.text
    assert recorded(runtime, card.id) == (1, 1)
    assert cards_of(runtime, learner.user_id)[0].reviews == 2  # the player's answer and one review


def test_an_answer_to_a_card_not_waiting_for_one_records_nothing(client, launch_as, demo_skills, runtime):
    learner = launch_as("dot")
    card, page = due_card_page(client, learner, demo_skills, runtime)
    answer_in_player(client, learner, demo_skills, right=True)  # answered again in the nugget: not due now
    refused = client.post(f"/review/{card.id}", data=answer_form(learner, page, a="false"))
    assert refused.status_code == 303 and "/result/" not in refused.headers["Location"]
    told = client.get(refused.headers["Location"])
    assert "nothing was recorded" in told.text
    never_shown = client.post(f"/review/{card.id}", data={"lt": learner.token, "csrf": csrf_of(page.text),
                                                          "a": "false"})
    assert never_shown.status_code == 303 and "not_recorded=1" in never_shown.headers["Location"]
    assert recorded(runtime, card.id) == (0, 0)


def test_of_two_racing_answers_to_one_showing_only_one_is_recorded(app, launch_as, demo_skills, runtime):
    learner = launch_as("eve")
    with transaction(runtime.sessions) as session:
        item = session.scalars(sa.select(QuizItem).where(QuizItem.type == "true_false")).first()
        card = card_for_answer(session, learner.platform_id, learner.user_id, item, False, 0.0, T0)
        present(session, card, T0 + dt.timedelta(days=1))
        card_id, right = card.id, str(item.spec["answer"]).lower()
    when = T0 + dt.timedelta(days=1, seconds=20)
    with runtime.sessions() as late:  # the second post has read the card, still on screen...
        on_screen = late.get(ReviewCard, card_id)
        assert on_screen is not None and on_screen.shown_at is not None
        with transaction(runtime.sessions) as early:  # ...when the first one records its answer
            first = answer_review(early, learner.platform_id, learner.user_id, card_id, {"": [right]}, now=when)
        try:
            answer_review(late, learner.platform_id, learner.user_id, card_id, {"": [right]}, now=when)
        except NotUpForReview as refused:
            assert refused.log_id is None  # no showing named: the web form names it (see above)
        else:
            raise AssertionError("the same showing was answered twice")
        late.rollback()
    assert recorded(runtime, card_id) == (1, 1) and first.log_id
