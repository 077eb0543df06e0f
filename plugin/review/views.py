"""The daily review: one due card at a time, graded on the server with the item's own type."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from plugin.catalog.items import item_type
from plugin.catalog.models import QuizItem
from plugin.db import utcnow
from plugin.launch.access import require_launch
from plugin.launch.tokens import token_from_request
from plugin.review import handlers  # noqa: F401  (answered items become cards)
from plugin.review.services import CardNotFound, answer_review, count_due, due_cards, present, recorded_outcome
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
    cards = due_cards(session, viewer.platform_id, viewer.user_id)
    if not cards:
        return render_template("review/done.html", waiting=count_due(session, viewer.platform_id, viewer.user_id))
    card = cards[0]
    item = present(session, card)
    session.commit()
    return render_template("review/card.html", card=card, item=item, view=item_type(item.type).view(item.spec),
                           left=len(cards))


@bp.post("/review/<int:card_id>")
@require_launch
def answer(card_id: int) -> Response:
    """Post/Redirect/Get: the answer is recorded once, then the browser GETs its result, so a reload or
    Back shows the feedback again instead of answering twice. Inside an LMS iframe there may be no cookie:
    the launch token travels in the result page's URL (the answer is stored with the review)."""
    check_csrf()
    viewer = learner()
    session = db()
    answers = form_answers(request.form)
    try:
        outcome = answer_review(session, viewer.platform_id, viewer.user_id, card_id, answers,
                                launch_session_id=viewer.launch.id)
    except CardNotFound:
        abort(404, description=NOT_YOURS)
    session.commit()
    return redirect(url_for("review.result", card_id=card_id, log_id=outcome.log_id, lt=token_from_request()),
                    code=303)


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
