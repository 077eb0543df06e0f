"""The daily review: one due card at a time, graded on the server with the item's own type."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from plugin.catalog.items import item_type
from plugin.catalog.models import QuizItem
from plugin.db import utcnow
from plugin.launch.access import require_launch
from plugin.review import handlers  # noqa: F401  (answered items become cards)
from plugin.review.services import CardNotFound, answer_review, count_due, due_cards, present
from plugin.skills.web import install, learner
from plugin.web.context import db
from plugin.web.csrf import check_csrf

bp = Blueprint("review", __name__, template_folder="templates")
install(bp)


def form_answers() -> dict[str, list[str]]:
    """The answer fields: ``a`` is the item's own field, ``a.N`` its sub-fields (steps, pairs)."""
    found: dict[str, list[str]] = {}
    for name in request.form:
        if name == "a":
            found[""] = request.form.getlist(name)
        elif name.startswith("a."):
            found[name[2:]] = request.form.getlist(name)
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
def answer(card_id: int) -> str:
    check_csrf()
    viewer = learner()
    session = db()
    try:
        outcome = answer_review(session, viewer.platform_id, viewer.user_id, card_id, form_answers(),
                                launch_session_id=viewer.launch.id)
    except CardNotFound:
        abort(404, description="This review card is not yours or no longer exists. Go back to your review.")
    item = session.get(QuizItem, outcome.card.item_id)
    session.commit()
    return render_template("review/result.html", outcome=outcome, item=item, now=utcnow())
