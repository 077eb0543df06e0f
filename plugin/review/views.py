"""The daily review: one due card at a time, graded on the server with the item's own type."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from plugin.catalog.items import item_type
from plugin.catalog.models import QuizItem
from plugin.db import utcnow
from plugin.launch.access import require_launch
from plugin.launch.tokens import token_from_request
from plugin.review import handlers  # noqa: F401  (answered items become cards)
from plugin.review.services import (
    AnswerBlank,
    CardNotFound,
    NotUpForReview,
    answer_review,
    count_due,
    due_cards,
    get_card,
    present,
    recorded_outcome,
    showing_of,
)
from plugin.skills.web import install, learner
from plugin.web.context import db
from plugin.web.csrf import check_csrf

bp = Blueprint("review", __name__, template_folder="templates")
install(bp)


NOT_YOURS = "This review card is not yours or no longer exists. Go back to your review."


def form_answers(values: MultiDict[str, str]) -> dict[str, list[str]]:
    """The answer fields: ``a`` is the item's own field, ``a.N`` its sub-fields (steps, pairs)."""
    found: dict[str, list[str]] = {}
    for name in values:
        if name == "a":
            found[""] = values.getlist(name)
        elif name.startswith("a."):
            found[name[2:]] = values.getlist(name)
    return found


@bp.get("/review")
@require_launch
def session_page() -> str:
    viewer = learner()
    session = db()
    # after an answer that was not recorded (plugin.review.services.NotUpForReview): say so, plainly
    not_recorded = request.args.get("not_recorded") == "1"
    cards = due_cards(session, viewer.platform_id, viewer.user_id)
    if not cards:
        session.commit()  # due_cards may have retired cards whose item left the course
        return render_template("review/done.html", waiting=count_due(session, viewer.platform_id, viewer.user_id),
                               not_recorded=not_recorded)
    card = cards[0]
    item = present(session, card)
    session.commit()
    return render_template("review/card.html", card=card, item=item, view=item_type(item.type).view(item.spec),
                           left=len(cards), shown=showing_of(card), not_recorded=not_recorded)


@bp.post("/review/<int:card_id>")
@require_launch
def answer(card_id: int) -> Response:
    """Post/Redirect/Get: the answer is recorded once, then the browser GETs its result, so a reload or
    Back shows the feedback again instead of answering twice. Inside an LMS iframe there may be no cookie:
    the launch token travels in the result page's URL (the answer is stored with the review).

    A second post of the same showing (a double click, a resubmitted form) records nothing and goes to the
    first one's result; a card not waiting for an answer goes back to the review, saying nothing was
    recorded; a blank answer comes back (422) with the item type's hint, the card still on screen."""
    check_csrf()
    viewer = learner()
    session = db()
    answers = form_answers(request.form)
    try:
        outcome = answer_review(session, viewer.platform_id, viewer.user_id, card_id, answers,
                                showing=request.form.get("shown"), launch_session_id=viewer.launch.id)
    except CardNotFound:
        abort(404, description=NOT_YOURS)
    except NotUpForReview as refused:
        session.rollback()
        if refused.log_id is not None:
            return redirect(url_for("review.result", card_id=card_id, log_id=refused.log_id,
                                    lt=token_from_request()), code=303)
        return redirect(url_for("review.session_page", not_recorded=1, lt=token_from_request()), code=303)
    except AnswerBlank as blank:
        session.rollback()
        return _blank_again(card_id, answers, blank.hint)
    session.commit()
    return redirect(url_for("review.result", card_id=card_id, log_id=outcome.log_id, lt=token_from_request()),
                    code=303)


def _blank_again(card_id: int, answers: dict[str, list[str]], hint: str) -> Response:
    """The card as it was (the same showing: its time still runs), what was given, and what to do."""
    viewer = learner()
    session = db()
    card = get_card(session, viewer.platform_id, viewer.user_id, card_id)
    item = session.get(QuizItem, card.item_id)
    assert item is not None  # answer_review found it
    left = len(due_cards(session, viewer.platform_id, viewer.user_id)) or 1
    page = render_template("review/card.html", card=card, item=item, view=item_type(item.type).view(item.spec),
                           left=left, shown=showing_of(card), given=answers, hint=hint)
    return make_response(page, 422)


@bp.get("/review/<int:card_id>/result/<int:log_id>")
@require_launch
def result(card_id: int, log_id: int) -> str:
    viewer = learner()
    try:
        outcome = recorded_outcome(db(), viewer.platform_id, viewer.user_id, card_id, log_id)
    except CardNotFound:
        abort(404, description=NOT_YOURS)
    item = db().get(QuizItem, outcome.card.item_id)
    return render_template("review/result.html", outcome=outcome, item=item, now=utcnow())
