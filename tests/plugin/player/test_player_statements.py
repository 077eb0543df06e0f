"""What a real player session writes to the statement log: activities named as authors name them."""

from __future__ import annotations

import json

import sqlalchemy as sa

from plugin.xapi.models import XapiStatement
from tests.plugin.player.launches import DEMO
from tests.plugin.player.test_player_flow import csrf_of


def _statements(runtime) -> list[dict]:
    with runtime.sessions() as session:
        rows = session.scalars(sa.select(XapiStatement).order_by(XapiStatement.timestamp)).all()
        return [json.loads(row.statement) for row in rows]


def test_an_answer_is_stated_with_the_question_its_interaction_and_its_response(client, launch_as, demo_course,
                                                                                 runtime):
    launch = launch_as()
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=launch.q(),
                data={"csrf": csrf_of(page.text), "i.praise-counts": "false"})
    base = runtime.config.base_url
    [answered] = [s for s in _statements(runtime) if s["verb"]["id"].endswith("/answered")]
    question = f"{base}/xapi/activities/course/{DEMO}/nugget/why-feedback/question/praise-counts"
    assert answered["object"]["id"] == question
    definition = answered["object"]["definition"]
    assert definition["interactionType"] == "true-false"
    assert definition["correctResponsesPattern"] in (["true"], ["false"])
    assert answered["result"]["response"] in ("true", "false")
    assert answered["result"]["response"] == "false"
    parents = [a["id"] for a in answered["context"]["contextActivities"]["parent"]]
    assert f"{base}/xapi/activities/course/{DEMO}/nugget/why-feedback" in parents


def test_the_course_is_named_by_its_title_and_language(client, launch_as, demo_course, runtime):
    launch = launch_as()
    client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    [initialized] = [s for s in _statements(runtime) if s["verb"]["id"].endswith("/initialized")]
    # initialized is the sitting's start, on the course (docs/xapi-profile.md, cmi5 §9.3.2)
    assert initialized["object"]["definition"]["name"] == {"en": "Giving useful feedback"}
    assert initialized["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert initialized["context"]["language"] == "en"
