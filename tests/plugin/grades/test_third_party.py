"""Interoperability with the independent ``lti1p3platform`` (PyPI 0.1.8) as the LMS.

The peer serves its token endpoint through the package (``get_access_token``: it verifies the tool's
client assertion against the tool's JWKS fetched over HTTP). ThirdPartyPlatform does not serve the
package's AGS endpoints, so this module mounts the package's own ``AssignmentsGradesService`` on the
peer's server (a thin request adapter, as for the launch); bearer tokens and score bodies are checked by
the package's code. Deep linking responses are verified by the package's ``validate_deeplinking_resp``.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa
from lti1p3platform.exceptions import LtiException
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService
from werkzeug.wrappers import Request, Response

from lti import claims
from plugin.db import transaction
from plugin.launch.models import LaunchSession
from tests.plugin.launch.helpers import register
from tests.support.browser import RequestsBrowser
from tests.support.first_page import first_page
from tests.support.lti1p3platform_peer import PlainRequest

from .support import SLUG, LearnerLaunch, complete_course, drain, load_course, messages, score_worker

SCORES_PATH = "/ags/contexts/peer-course-1/lineitems/peer-rl-1/scores"


class PeerGradebook(AssignmentsGradesService):
    """The package's AGS service with an in-memory gradebook (the abstract storage methods)."""

    scores: list[dict[str, Any]] = []

    def update_score(self, line_item_id: str, score: Any) -> UpdateScoreStatus:
        self.scores.append({"line_item": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def find_lineitems(self, *args: Any, **kwargs: Any) -> Any:
        return {"content": [], "has_next": False}

    def find_lineitem(self, line_item_id: str) -> Any:
        raise NotImplementedError

    def create_lineitem(self, creation_data: Any) -> Any:
        raise NotImplementedError

    def update_lineitem(self, update_data: Any) -> Any:
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:
        raise NotImplementedError

    def get_results(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


@pytest.fixture
def peer(third_party_platform, live_server):
    runtime = live_server.app.extensions["skillbite"]
    made = third_party_platform(tool_base=live_server.url)
    register(runtime, made)
    load_course(runtime)
    made.gradebook = []
    made.token_posts = 0  # token requests for the score scope
    token_route = made.server.routes[("POST", "/token")]

    def token(request: Request) -> Response:
        if claims.SCOPE_AGS_SCORE in request.form.get("scope", ""):
            made.token_posts += 1
        return token_route(request)

    def scores(request: Request) -> Response:
        service = PeerGradebook(PlainRequest({
            "method": request.method, "headers": dict(request.headers), "get_data": dict(request.args),
            "json": request.get_json(silent=True), "content_type": request.mimetype, "path": request.path}),
            made.conf, made.base_url + "/ags/contexts/peer-course-1/lineitems",
            made.base_url + "/ags/contexts/peer-course-1/lineitems/peer-rl-1")
        service.scores = made.gradebook
        try:
            answer = service.handle_update_score("peer-rl-1")
        except LtiException as problem:  # the package raises for a token it cannot verify
            return Response(str(problem), status=401)
        return Response(b"", status=answer.code, content_type=answer.media_type)

    made.server.routes[("POST", "/token")] = token
    made.server.routes[("POST", SCORES_PATH)] = scores
    made.runtime = runtime
    return made


def test_scores_after_completion_reach_the_package_gradebook_with_one_token(peer, live_server):
    browser = RequestsBrowser()
    for n in range(2):
        peer.user = {**peer.user, "sub": f"peer-learner-{n}"}
        launched = peer.launch(browser, claims={claims.CUSTOM: {"skillbite_course": SLUG}})
        assert first_page(launched).path == f"/learn/c/{SLUG}"
    with transaction(peer.runtime.sessions) as session:
        sessions = list(session.scalars(sa.select(LaunchSession).order_by(LaunchSession.created_at)))
        learners = [LearnerLaunch(s.id, s.platform_id, s.user_pk, s.user.subject) for s in sessions]
    for who in learners:
        complete_course(peer.runtime, who)
    drain(score_worker(peer.runtime))
    assert {m.status for m in messages(peer.runtime)} == {"delivered"}
    finals = [s for s in peer.gradebook if s["gradingProgress"] == "FullyGraded"]
    assert sorted(s["userId"] for s in finals) == ["peer-learner-0", "peer-learner-1"]
    assert all(s["scoreGiven"] == 100.0 and s["scoreMaximum"] == 100.0 for s in finals)
    assert peer.token_posts == 1


def test_deep_linking_response_passes_the_package_verification(peer, live_server):
    browser = RequestsBrowser()
    launched = peer.launch(browser, role="Instructor", message_type=claims.DEEP_LINKING_REQUEST)
    assert launched.status_code == 303 and "/deep-linking?" in launched.headers["Location"]
    picker = first_page(launched, browser=browser, base=live_server.url)
    fields = dict(re.findall(r'name="(lt|csrf)" value="([^"]*)"', picker.text))
    answer = browser.post(live_server.url + "/deep-linking", {**fields, "choice": "nugget:site-safety:quiz"})
    assert answer.status_code == 200
    token = unescape(re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1))
    [item] = peer.conf.validate_deeplinking_resp({"JWT": token})
    assert item["custom"] == {"skillbite_course": SLUG, "skillbite_nugget": "quiz"}
    assert item["lineItem"]["scoreMaximum"] == 100.0
