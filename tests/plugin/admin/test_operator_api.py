"""The operator API (/admin/xapi/…, /admin/outbox/…) for the console's viewers: scoped like the console, and
a change needs the viewer's CSRF value, since a browser sends the console cookie and the launch cookie
on its own (a cross-site form could otherwise replay a tenant's parked messages)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from plugin.launch.tokens import COOKIE as LAUNCH_COOKIE
from plugin.outbox.models import OutboxMessage, Status
from plugin.web.csrf import HEADER as CSRF_HEADER

JSON = {"Accept": "application/json"}


def _status(runtime: Any, message_id: int) -> str:
    with runtime.sessions() as session:
        status: str = session.scalar(sa.select(OutboxMessage.status).where(OutboxMessage.id == message_id))
    return status


def _learners(response: Any) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["actor"]["account"]["name"] for row in response.get_json()["statements"]}


def test_a_local_admin_signed_in_to_the_console_reads_every_platform(local: Any, tenants: Any) -> None:
    assert _learners(local.get("/admin/xapi/statements", headers=JSON)) == {"learner-A", "learner-B"}
    health = local.get("/admin/outbox/health", headers=JSON).get_json()
    assert len(health["parked"]) == 2


def test_an_lms_admin_reads_their_own_platform_only(lti_admin: Any, tenants: Any) -> None:
    a, _ = tenants
    admin = lti_admin(a.platform_id)
    assert _learners(admin.get("/admin/xapi/statements", headers=JSON)) == {"learner-A"}
    parked = admin.get("/admin/outbox/health", headers=JSON).get_json()["parked"]
    assert [row["id"] for row in parked] == [a.parked_id]


def test_a_replay_carried_by_the_launch_cookie_alone_is_refused(lti_admin: Any, tenants: Any, runtime: Any) -> None:
    a, b = tenants
    admin = lti_admin(a.platform_id)
    browser = admin.client
    browser.set_cookie(LAUNCH_COOKIE, admin.token)  # what a cross-site form post would bring along

    forged = browser.post("/admin/outbox/replay", data={"kind": "xapi"})
    assert forged.status_code == 403
    assert CSRF_HEADER in forged.get_data(as_text=True)  # says what to send
    assert _status(runtime, a.parked_id) == Status.PARKED.value

    replayed = browser.post("/admin/outbox/replay", json={}, headers={CSRF_HEADER: admin.csrf})
    assert replayed.status_code == 200 and replayed.get_json() == {"replayed": 1}
    assert _status(runtime, a.parked_id) == Status.QUEUED.value
    assert _status(runtime, b.parked_id) == Status.PARKED.value  # another tenant's message is not theirs


def test_a_local_admin_replays_with_the_consoles_csrf_value(local: Any, tenants: Any, runtime: Any) -> None:
    a, b = tenants
    assert local.post("/admin/outbox/replay", json={"ids": [a.parked_id]}).status_code == 403
    assert _status(runtime, a.parked_id) == Status.PARKED.value
    done = local.post("/admin/outbox/replay", json={"ids": [a.parked_id, b.parked_id]},
                      headers={CSRF_HEADER: local.csrf})
    assert done.get_json() == {"replayed": 2}
    assert {_status(runtime, a.parked_id), _status(runtime, b.parked_id)} == {Status.QUEUED.value}


def test_the_api_refuses_a_learner_and_a_signed_out_browser(lti_admin: Any, tenants: Any, client: Any) -> None:
    a, _ = tenants
    learner = lti_admin(a.platform_id, role="learner")
    assert learner.get("/admin/xapi/statements", headers=JSON).status_code == 403
    refused = client.post("/admin/outbox/replay", json={})
    assert refused.status_code == 403 and "/admin/login" in refused.get_data(as_text=True)
