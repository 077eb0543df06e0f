"""LMS administrators arriving by LTI see and change their own platform only, whatever ids they guess."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from plugin.credentials.models import IssuedCredential
from plugin.outbox.models import OutboxMessage
from plugin.platforms.models import Deployment, Platform
from plugin.xapi.models import LrsDestination


def test_an_lms_admin_sees_the_console_of_their_platform(lti_admin: Any, tenants: Any) -> None:
    a, b = tenants
    admin = lti_admin(a.platform_id)
    page = admin.get("/admin/platforms").get_data(as_text=True)
    assert "Tenant A" in page and "Tenant B" not in page
    assert f"lt={admin.token}" in page  # links keep the launch: the LMS iframe may block cookies
    assert "LMS administrator, Tenant A" in page
    detail = admin.get(f"/admin/platforms/{a.platform_id}").get_data(as_text=True)
    assert f'name="csrf" value="{admin.csrf}"' in detail and f'name="lt" value="{admin.token}"' in detail


def test_every_listing_shows_only_the_own_platforms_rows(lti_admin: Any, tenants: Any) -> None:
    a, b = tenants
    admin = lti_admin(a.platform_id)
    pages = {path: admin.get(path).get_data(as_text=True) for path in
             ("/admin/", "/admin/lrs", "/admin/delivery", "/admin/statements", "/admin/credentials")}
    assert "LRS A" in pages["/admin/lrs"] and "LRS B" not in pages["/admin/lrs"]
    assert "LRS of A refused" in pages["/admin/delivery"] and "LRS of B" not in pages["/admin/delivery"]
    assert "learner-A" in pages["/admin/statements"] and "learner-B" not in pages["/admin/statements"]
    assert "Safety badge A" in pages["/admin/credentials"] and "Safety badge B" not in pages["/admin/credentials"]
    assert "Launches: 2 in the last 30 days" in pages["/admin/"]  # the learner's and this one; not B's
    export = admin.get("/admin/statements.jsonl")
    lines = export.get_data(as_text=True).splitlines()
    export.close()
    assert lines and {json.loads(line)["actor"]["account"]["name"] for line in lines} == {"learner-A"}


def test_guessed_ids_of_another_platform_are_not_found_and_change_nothing(lti_admin: Any, tenants: Any,
                                                                           runtime: Any) -> None:
    a, b = tenants
    admin = lti_admin(a.platform_id)
    with runtime.sessions() as session:
        b_deployment = session.scalar(sa.select(Deployment.id).where(Deployment.platform_id == b.platform_id))
    attempts = [
        admin.get(f"/admin/platforms/{b.platform_id}"),
        admin.post(f"/admin/platforms/{b.platform_id}", {"name": "Hijacked", "auth_login_url": "https://x.example/a",
                                                         "auth_token_url": "https://x.example/t",
                                                         "key_set_url": "https://x.example/k"}),
        admin.post(f"/admin/platforms/{b.platform_id}/deployments", {"deployment_id": "evil"}),
        admin.post(f"/admin/platforms/{b.platform_id}/deployments/{b_deployment}/remove"),
        admin.post(f"/admin/platforms/{a.platform_id}/deployments/{b_deployment}/remove"),
        admin.post(f"/admin/lrs/{b.lrs_id}/test"),
        admin.post(f"/admin/lrs/{b.lrs_id}/remove"),
        admin.post(f"/admin/credentials/{b.credential_id}/revoke", {"reason": "because"}),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    replay = admin.post("/admin/delivery/replay", {"id": [str(b.parked_id)]})
    assert replay.status_code == 303
    added = admin.post("/admin/lrs", {"endpoint": "https://lrs.example.com/xapi/", "username": "k",
                                      "password": "s", "platform_id": str(b.platform_id), "deployment_id": "dep-A"})
    assert added.status_code == 303
    with runtime.sessions() as session:
        platform_b = session.get(Platform, b.platform_id)
        assert platform_b.name == "Tenant B" and [d.deployment_id for d in platform_b.deployments] == ["dep-B"]
        assert session.get(LrsDestination, b.lrs_id) is not None
        assert session.get(OutboxMessage, b.parked_id).status == "parked"
        assert session.scalar(sa.select(IssuedCredential.revoked_at)
                              .where(IssuedCredential.public_id == b.credential_id)) is None
        new_lrs = session.scalars(sa.select(LrsDestination).where(LrsDestination.endpoint.like("https://lrs%"))).one()
        assert new_lrs.platform_id == a.platform_id  # the form's platform_id is ignored for an LMS admin


def test_an_lms_admin_can_change_their_own_platform(lti_admin: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    admin = lti_admin(a.platform_id)
    assert admin.post(f"/admin/platforms/{a.platform_id}/deployments", {"deployment_id": "dep-A2"}).status_code == 303
    replay = admin.post("/admin/delivery/replay", {"id": [str(a.parked_id)]})
    assert replay.status_code == 303 and f"lt={admin.token}" in replay.headers["Location"]
    with runtime.sessions() as session:
        assert {d.deployment_id for d in session.get(Platform, a.platform_id).deployments} == {"dep-A", "dep-A2"}
        assert session.get(OutboxMessage, a.parked_id).status == "queued"


def test_what_affects_every_tenant_is_for_local_admins_only(lti_admin: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    admin = lti_admin(a.platform_id)
    refused = [admin.post("/admin/keys/rotate"), admin.post(f"/admin/platforms/{a.platform_id}/enabled",
                                                            {"enabled": "0"}),
               admin.post("/admin/platforms", {"issuer": "https://new.example", "client_id": "c",
                                               "auth_login_url": "https://new.example/a",
                                               "auth_token_url": "https://new.example/t",
                                               "key_set_url": "https://new.example/k"})]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert "local admins can do it" in refused[0].get_data(as_text=True)
    with runtime.sessions() as session:
        assert session.get(Platform, a.platform_id).enabled
        assert session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 2


def test_learners_and_instructors_do_not_get_the_console(lti_admin: Any, tenants: Any) -> None:
    a, _ = tenants
    for role in ("learner", "instructor"):
        visitor = lti_admin(a.platform_id, role=role)
        assert visitor.get("/admin/platforms", headers={"Accept": "text/html"}).status_code == 302
        assert visitor.post(f"/admin/platforms/{a.platform_id}/deployments",
                            {"deployment_id": "x"}).status_code == 401


def test_an_lms_admins_post_needs_the_csrf_of_their_launch(lti_admin: Any, tenants: Any) -> None:
    a, b = tenants
    admin, other = lti_admin(a.platform_id), lti_admin(a.platform_id)
    forged = admin.client.post(f"/admin/platforms/{a.platform_id}/deployments",
                               data={"lt": admin.token, "csrf": other.csrf, "deployment_id": "x"})
    assert forged.status_code == 403 and "did not come from the admin console" in forged.get_data(as_text=True)


def test_an_organisations_own_course_is_not_in_another_organisations_console(lti_admin: Any, local: Any,
                                                                              tenants: Any, runtime: Any) -> None:
    from plugin.catalog.services import import_package
    from tests.plugin.catalog.packages import package

    a, b = tenants
    with runtime.sessions() as session, session.begin():
        import_package(session, package(title="Tenant A's onboarding"), owner=a.platform_id)
    assert "Tenant A&#39;s onboarding" in lti_admin(a.platform_id).get("/admin/content").get_data(as_text=True)
    assert "onboarding" not in lti_admin(b.platform_id).get("/admin/content").get_data(as_text=True)
    assert "Tenant A&#39;s onboarding" in local.get("/admin/content").get_data(as_text=True)  # the operator


def test_a_local_admin_hands_a_course_to_an_organisation_in_the_console(lti_admin: Any, local: Any,
                                                                         tenants: Any, runtime: Any) -> None:
    from plugin.catalog.services import import_package
    from tests.plugin.catalog.packages import package

    a, b = tenants
    with runtime.sessions() as session, session.begin():
        course_id = import_package(session, package(title="Shared onboarding")).course.id
    page = local.get("/admin/content").get_data(as_text=True)
    assert f'action="/admin/content/{course_id}/owner"' in page and ">Tenant A</option>" in page
    admin_b = lti_admin(b.platform_id)
    assert admin_b.post(f"/admin/content/{course_id}/owner", {"owner": str(b.platform_id)}).status_code == 403
    assert "Shared onboarding" in admin_b.get("/admin/content").get_data(as_text=True)

    handed = local.post(f"/admin/content/{course_id}/owner", data={"csrf": local.csrf, "owner": str(a.platform_id)})
    assert handed.status_code == 303
    assert "Shared onboarding" not in admin_b.get("/admin/content").get_data(as_text=True)
    assert "Your organisation" in lti_admin(a.platform_id).get("/admin/content").get_data(as_text=True)
    unknown = local.post(f"/admin/content/{course_id}/owner", data={"csrf": local.csrf, "owner": "999"})
    assert unknown.status_code == 400 and "There is no platform 999." in unknown.get_data(as_text=True)
    assert local.post(f"/admin/content/{course_id}/owner", data={"csrf": local.csrf, "owner": "x"}).status_code == 400
    activity = local.get("/admin/activity").get_data(as_text=True)
    assert "handed over the course Shared onboarding (tiny)" in activity
    assert f"now belongs to platform {a.platform_id}" in activity
