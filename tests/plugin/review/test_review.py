"""Spaced retrieval: cards from player answers, FSRS scheduling, the daily session, events and mastery."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import fsrs
import pytest
import sqlalchemy as sa

from plugin.db import transaction
from plugin.plan.services import save_plan
from plugin.review.models import ReviewCard, ReviewLog
from plugin.review.services import SESSION_CARDS, answer_review, card_for_answer, due_cards, present
from plugin.skills.models import SkillEstimate
from plugin.xapi.models import XapiStatement
from tests.plugin.skills.support import csrf_of, give_role

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def answer_in_player(client, learner, slug: str, right: bool) -> None:
    page = client.get(f"/learn/c/{slug}/n/why-feedback", query_string=learner.q())
    client.post(f"/learn/c/{slug}/n/why-feedback/answers", query_string=learner.q(),
                data={"csrf": csrf_of(page.text), "i.praise-counts": "false" if right else "true"})


def cards_of(runtime, user_id: int) -> list[ReviewCard]:
    with runtime.sessions() as s:
        return list(s.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user_id)))


def test_an_answered_item_becomes_a_card_scheduled_by_fsrs(client, launch_as, demo_skills, runtime):
    learner = launch_as("ann")
    answer_in_player(client, learner, demo_skills, right=True)
    [card] = cards_of(runtime, learner.user_id)
    assert (card.nugget_key, card.item_key, card.reviews) == ("why-feedback", "praise-counts", 1)
    expected, _ = fsrs.Scheduler(enable_fuzzing=False).review_card(fsrs.Card(), fsrs.Rating.Good,
                                                           card.last_review.astimezone(dt.UTC))
    assert card.due == expected.due and card.stability == expected.stability


def test_scheduling_matches_fsrs_for_a_fixed_history(app, launch_as, demo_skills, runtime):
    """Good (in the quiz), Good, Again (in reviews) at fixed times: the stored card equals the fsrs package's."""
    learner = launch_as("bob")
    history = [(T0, True), (T0 + dt.timedelta(minutes=10), True), (T0 + dt.timedelta(days=3), False)]
    with transaction(runtime.sessions) as session:
        from plugin.catalog.models import QuizItem

        items = {i.type: i for i in session.scalars(sa.select(QuizItem))}
        item = items["true_false"]
        card = card_for_answer(session, learner.platform_id, learner.user_id, item, True, 1.0, history[0][0])
        for when, right in history[1:]:
            present(session, card, when)  # on screen in the daily review, then answered
            answer_review(session, learner.platform_id, learner.user_id, card.id,
                          {"": [str(item.spec["answer"] == right).lower()]}, now=when)
        ordering = items["ordering"]
        partial = card_for_answer(session, learner.platform_id, learner.user_id, ordering, False, 0.5, T0)
        card_id, partial_id = card.id, partial.id
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    expected = fsrs.Card()
    for when, right in history:
        expected, _ = scheduler.review_card(expected, fsrs.Rating.Good if right else fsrs.Rating.Again, when)
    hard, _ = scheduler.review_card(fsrs.Card(), fsrs.Rating.Hard, T0)
    with runtime.sessions() as s:
        stored, stored_partial = s.get(ReviewCard, card_id), s.get(ReviewCard, partial_id)
        ratings = list(s.scalars(sa.select(ReviewLog.rating).where(ReviewLog.card_id == card_id)
                                 .order_by(ReviewLog.id)))
    assert ratings == [3, 3, 1]
    assert (stored.state, stored.step, stored.due) == (int(expected.state), expected.step, expected.due)
    assert stored.stability == expected.stability and stored.difficulty == expected.difficulty
    assert stored_partial.due == hard.due  # half the steps in place: Hard


def test_daily_session_shows_due_cards_and_records_a_reviewed_statement(client, app, launch_as, demo_skills,
                                                                         runtime):
    learner = launch_as("cat")
    give_role(app, learner.platform_id, learner.user_id)
    answer_in_player(client, learner, demo_skills, right=False)  # Again: due again in a minute
    with transaction(runtime.sessions) as session:
        session.execute(sa.update(ReviewCard).where(ReviewCard.user_id == learner.user_id)
                        .values(due=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
        before = session.scalar(sa.select(SkillEstimate.p_known).where(SkillEstimate.user_id == learner.user_id))
    page = client.get("/review", query_string=learner.q())
    assert page.status_code == 200 and "1 card left today" in page.text
    [card] = cards_of(runtime, learner.user_id)
    result = client.post(f"/review/{card.id}", data={"lt": learner.token, "csrf": csrf_of(page.text), "a": "false"},
                         follow_redirects=True)
    assert [r.status_code for r in result.history] == [303]
    assert result.status_code == 200 and "Right" in result.text
    # when, in words the learner can use: a relearning step is minutes away, not "on" today's date
    again = re.search(r"You will see this again (in about \d+ (?:minute|hour)s?|on \d{4}-\d\d-\d\d)\.", result.text)
    assert again and again.group(1) == "in about 10 minutes", result.text  # FSRS's relearning step
    with runtime.sessions() as s:
        statements = list(s.scalars(sa.select(XapiStatement).where(XapiStatement.verb == "reviewed")))
        after = s.scalar(sa.select(SkillEstimate.p_known).where(SkillEstimate.user_id == learner.user_id))
        log = s.scalars(sa.select(ReviewLog).where(ReviewLog.card_id == card.id, ReviewLog.source == "review")).one()
    assert len(statements) == 1
    assert json.loads(statements[0].statement)["verb"]["id"] == "http://id.tincanapi.com/verb/reviewed"
    assert after > before  # a right answer in review is evidence too
    assert log.correct and log.duration_ms is not None
    done = client.get("/review", query_string=learner.q())
    assert "Review done for today" in done.text


def test_a_card_of_another_learner_is_not_found(client, launch_as, demo_skills, runtime):
    owner, other = launch_as("dan"), launch_as("eli")
    answer_in_player(client, owner, demo_skills, right=True)
    [card] = cards_of(runtime, owner.user_id)
    page = client.get("/plan", query_string=other.q())
    response = client.post(f"/review/{card.id}", data={"lt": other.token, "csrf": csrf_of(page.text), "a": "true"})
    assert response.status_code == 404
    assert cards_of(runtime, owner.user_id)[0].reviews == 1


def test_the_daily_session_is_a_few_cards(app, launch_as, demo_skills, runtime):
    learner = launch_as("fox")
    with transaction(runtime.sessions) as session:
        from plugin.catalog.models import QuizItem

        for item in session.scalars(sa.select(QuizItem)):
            card_for_answer(session, learner.platform_id, learner.user_id, item, False, 0.0, T0)
        assert len(due_cards(session, learner.platform_id, learner.user_id, T0 + dt.timedelta(days=1))) \
            == SESSION_CARDS


@pytest.mark.parametrize(("zone", "reviewed_at", "now", "new_day"), [
    # Auckland (UTC+13 in November): 23:00 on the 2nd, then 01:00 on the 3rd; UTC's day has not turned
    ("Pacific/Auckland", dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC),
     True),
    # Los Angeles (UTC-8): 15:00, then 18:00 the same day; UTC's day has turned in between
    ("America/Los_Angeles", dt.datetime(2026, 11, 2, 23, tzinfo=dt.UTC), dt.datetime(2026, 11, 3, 2, tzinfo=dt.UTC),
     False),
])
def test_the_daily_session_follows_the_learners_day(app, launch_as, demo_skills, runtime, zone, reviewed_at, now,
                                                     new_day):
    """A full day's reviews count until midnight where the learner lives (their plan's time zone)."""
    learner = launch_as("gus")
    with transaction(runtime.sessions) as session:
        from plugin.catalog.models import QuizItem

        save_plan(session, learner.platform_id, learner.user_id, weekly_minutes=60, days=[1, 2, 3, 4, 5],
                  slot="08:30", timezone=zone)
        cards = [card_for_answer(session, learner.platform_id, learner.user_id, item, False, 0.0, T0)
                 for item in session.scalars(sa.select(QuizItem))]
        for card in cards[:SESSION_CARDS]:
            session.add(ReviewLog(card_id=card.id, source="review", rating=1, correct=False, reviewed_at=reviewed_at))
    with runtime.sessions() as session:
        due = due_cards(session, learner.platform_id, learner.user_id, now)
    assert len(due) == (SESSION_CARDS if new_day else 0)


def test_review_feedback_is_formatted_and_the_card_page_has_a_heading(client, app, launch_as, demo_skills,
                                                                      runtime):
    learner = launch_as("dee")
    answer_in_player(client, learner, demo_skills, right=False)
    with transaction(runtime.sessions) as session:
        session.execute(sa.update(ReviewCard).where(ReviewCard.user_id == learner.user_id)
                        .values(due=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    page = client.get("/review", query_string=learner.q())
    assert '<h1 id="review-h">Review</h1>' in page.text  # axe: page-has-heading-one
    [card] = cards_of(runtime, learner.user_id)
    result = client.post(f"/review/{card.id}", data={"lt": learner.token, "csrf": csrf_of(page.text), "a": "true"},
                         follow_redirects=True)
    assert "Not quite" in result.text
    assert "what to <strong>keep doing</strong>" in result.text and "**" not in result.text


def due_card_page(client, learner, slug: str, runtime):
    """The learner answered wrongly in the player; the card is due, and on screen in the review."""
    answer_in_player(client, learner, slug, right=False)
    with transaction(runtime.sessions) as session:
        session.execute(sa.update(ReviewCard).where(ReviewCard.user_id == learner.user_id)
                        .values(due=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    page = client.get("/review", query_string=learner.q())
    [card] = cards_of(runtime, learner.user_id)
    return card, page


def test_a_reload_after_answering_shows_the_feedback_again_and_records_the_answer_once(client, app, launch_as,
                                                                                    demo_skills, runtime):
    learner = launch_as("gus")
    card, page = due_card_page(client, learner, demo_skills, runtime)
    cookieless = app.test_client()  # inside an LMS iframe: the launch token is the whole session
    posted = cookieless.post(f"/review/{card.id}", data={"lt": learner.token, "csrf": csrf_of(page.text), "a": "true"})
    assert posted.status_code == 303
    target = urlsplit(posted.headers["Location"])
    assert parse_qs(target.query) == {"lt": [learner.token]}  # the answer stays with the review, not in the URL
    shown = [cookieless.get(target.path, query_string=target.query) for _ in range(2)]  # the result, then a reload
    for result in shown:
        assert result.status_code == 200
        assert "Not quite" in result.text and "what to <strong>keep doing</strong>" in result.text
        assert f"/review?lt={learner.token}" in result.text  # "Next card" keeps the session
    with runtime.sessions() as s:
        reviews = list(s.scalars(sa.select(ReviewLog).where(ReviewLog.card_id == card.id,
                                                             ReviewLog.source == "review")))
        statements = list(s.scalars(sa.select(XapiStatement).where(XapiStatement.verb == "reviewed")))
    assert len(reviews) == 1 and len(statements) == 1
    assert reviews[0].response == {"": ["true"]}
    assert cards_of(runtime, learner.user_id)[0].reviews == 2  # the player's answer and this review


def test_a_review_result_of_another_learner_is_not_found(client, app, launch_as, demo_skills, runtime):
    owner, other = launch_as("hal"), launch_as("ivy")
    card, page = due_card_page(client, owner, demo_skills, runtime)
    posted = client.post(f"/review/{card.id}", data={"lt": owner.token, "csrf": csrf_of(page.text), "a": "true"})
    target = urlsplit(posted.headers["Location"])
    assert client.get(target.path, query_string=other.q(a="true")).status_code == 404
