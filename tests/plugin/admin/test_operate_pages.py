"""Local admins run Skillbite: dashboard charts, delivery health and replay, statements, credentials,
content; and every POST of the console refuses a request without its CSRF token."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import sqlalchemy as sa

from plugin.admin import activity, charts
from plugin.catalog.models import Course
from plugin.catalog.package import write_zip
from plugin.credentials.models import IssuedCredential
from plugin.outbox.models import OutboxMessage
from tests.plugin.catalog.packages import package


def test_dashboard_charts_are_svg_with_a_text_alternative(local: Any, tenants: Any) -> None:
    page = local.get("/admin/").get_data(as_text=True)
    assert page.count('role="img"') == 3 and "<script" not in page and "style=" not in page
    assert re.search(r'<svg [^>]*aria-labelledby="chart-1-title chart-1-desc"', page)
    assert "Launches: 2 in the last 30 days" in page  # one learner launch per tenant
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert f"<tr><td>{today}</td><td>2</td></tr>" in page  # the numbers as a table
    assert "Deliveries (xAPI statements, scores)" in page and "Course completions" in page


def test_charts_scale_to_round_numbers() -> None:
    assert [charts.nice_top(n) for n in (0, 1, 3, 7, 11, 180, 2001)] == [1, 1, 5, 10, 20, 200, 5000]
    days = [dt.date(2025, 1, d) for d in (1, 2, 3)]
    chart = charts.bar_chart(activity.DailySeries("Launches", days, [0, 4, 2]))
    assert [b.height for b in chart.bars] == [0, 131.2, 65.6]  # axis top 5 and chart.bars[1].label == "2025-01-02: 4"
    assert chart.summary == "Launches: 6 in the last 3 days; most on 2025-01-02 (4)."


def test_delivery_health_shows_parked_reasons_and_replays(local: Any, tenants: Any, runtime: Any) -> None:
    a, b = tenants
    page = local.get("/admin/delivery").get_data(as_text=True)
    assert "LRS of A refused the credentials (HTTP 401)" in page and "LRS of B refused" in page
    nothing = local.post("/admin/delivery/replay", data={"csrf": local.csrf})
    assert nothing.status_code == 400 and "Tick the parked messages" in nothing.get_data(as_text=True)
    assert local.post("/admin/delivery/replay", data={"csrf": local.csrf, "id": "many"}).status_code == 400
    done = local.post("/admin/delivery/replay", data={"csrf": local.csrf, "id": [str(a.parked_id)]})
    assert done.status_code == 303
    with runtime.sessions() as session:
        assert session.get(OutboxMessage, a.parked_id).status == "queued"
        assert session.get(OutboxMessage, b.parked_id).status == "parked"
    local.post("/admin/delivery/replay", data={"csrf": local.csrf, "all": "1"})
    with runtime.sessions() as session:
        assert session.get(OutboxMessage, b.parked_id).status == "queued"


def test_delivery_health_says_when_no_worker_picks_up_due_messages(local: Any, tenants: Any, runtime: Any) -> None:
    warning = "no worker has picked it up"
    assert warning not in local.get("/admin/delivery").get_data(as_text=True)
    with runtime.sessions() as session, session.begin():
        session.add(OutboxMessage(kind="xapi", destination="lrs", key="waiting-1", body="{}",
                                  next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=7)))
        session.add(OutboxMessage(kind="xapi", destination="lrs", key="later-1", body="{}",  # a retry, not due
                                  next_attempt_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)))
    page = local.get("/admin/delivery").get_data(as_text=True)
    assert "A message has been due for 7 min and " + warning in page and "skillbite worker" in page
    health = json.loads(local.get("/admin/outbox/health").get_data(as_text=True))
    assert 415 < health["unclaimed_due_seconds"] < 480


def test_statement_log_filters_and_exports_json_lines(local: Any, tenants: Any) -> None:
    by_learner = local.get("/admin/statements", query_string={"learner": "learner-B", "verb": "completed"})
    text = by_learner.get_data(as_text=True)
    assert "learner-B" in text and "learner-A" not in text
    assert "No statements match." in local.get("/admin/statements?since=2999-01-01").get_data(as_text=True)
    bad = local.get("/admin/statements?since=yesterday")
    assert bad.status_code == 400 and "From must be a date" in bad.get_data(as_text=True)
    assert local.get("/admin/statements?verb=danced").status_code == 400
    export = local.get("/admin/statements.jsonl", query_string={"course": "https://skillbite.test/course/A"})
    lines = export.get_data(as_text=True).splitlines()
    export.close()
    assert export.mimetype == "application/x-ndjson" and "attachment" in export.headers["Content-Disposition"]
    assert [json.loads(line)["object"]["id"] for line in lines] == ["https://skillbite.test/course/A"]


def test_credentials_are_searched_and_revoked_with_a_reason(local: Any, tenants: Any, runtime: Any) -> None:
    a, b = tenants
    found = local.get("/admin/credentials", query_string={"q": "learner b"}).get_data(as_text=True)
    assert "Safety badge B" in found and "Safety badge A" not in found
    by_id = local.get("/admin/credentials", query_string={"q": a.credential_id}).get_data(as_text=True)
    assert "Safety badge A" in by_id and "Safety badge B" not in by_id
    url = f"/admin/credentials/{a.credential_id}/revoke"
    no_reason = local.post(url, data={"csrf": local.csrf, "reason": "  "})
    assert no_reason.status_code == 400 and "Say why the credential is revoked" in no_reason.get_data(as_text=True)
    assert local.post(url, data={"csrf": local.csrf, "reason": "Issued by mistake"}).status_code == 303
    with runtime.sessions() as session:
        row = session.scalars(sa.select(IssuedCredential).where(IssuedCredential.public_id == a.credential_id)).one()
        assert row.revocation_reason == "Issued by mistake" and row.revoked_at is not None
    revoked = local.get("/admin/credentials", query_string={"status": "revoked"}).get_data(as_text=True)
    assert "Issued by mistake" in revoked and "Safety badge B" not in revoked
    twice = local.post(url, data={"csrf": local.csrf, "reason": "again"})
    assert twice.status_code == 400 and "already revoked" in twice.get_data(as_text=True)


def test_content_lists_courses_and_imports_a_package(local: Any, runtime: Any) -> None:
    upload = {"csrf": local.csrf, "package": (io.BytesIO(write_zip(package().files)), "tiny.zip")}
    done = local.post("/admin/content", data=upload, content_type="multipart/form-data")
    assert done.status_code == 303
    text = local.get(done.headers["Location"]).get_data(as_text=True)
    assert "Published “Tiny course” as version 1." in text
    changed = package({"a": "Other words to read."}).files
    upload = {"csrf": local.csrf, "package": (io.BytesIO(write_zip(changed)), "tiny.zip")}
    assert "as version 2." in local.post("/admin/content", data=upload, content_type="multipart/form-data",
                                         follow_redirects=True).text
    listing = local.get("/admin/content").get_data(as_text=True)
    assert "<code>tiny</code>" in listing and "<li>v2, " in listing and "<li>v1, " in listing


def test_a_broken_package_is_refused_with_its_problems_and_imports_nothing(local: Any, runtime: Any) -> None:
    broken = package(manifest="format: skillbite/1\nslug: broken\n").files
    upload = {"csrf": local.csrf, "package": (io.BytesIO(write_zip(broken)), "broken.zip")}
    refused = local.post("/admin/content", data=upload, content_type="multipart/form-data")
    assert refused.status_code == 422 and "The package was not imported" in refused.get_data(as_text=True)
    missing = local.post("/admin/content", data={"csrf": local.csrf}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose a .zip file" in missing.get_data(as_text=True)
    with runtime.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_every_console_post_refuses_a_request_without_its_csrf_token(app: Any, local: Any, tenants: Any,
                                                                      runtime: Any) -> None:
    a, _ = tenants
    values = {"platform_id": a.platform_id, "deployment_pk": 1, "kid": "k", "destination_id": a.lrs_id,
              "public_id": a.credential_id, "course_id": 1}
    posts = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("admin.") and "POST" in (rule.methods or ())
             and rule.endpoint != "admin.login"]
    assert len(posts) == 15
    for rule in posts:
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
        response = local.post(path, data={"csrf": "forged", "deployment_id": "x", "reason": "x", "enabled": "0",
                                          "owner": "shared"})
        assert response.status_code == 403, path
    with runtime.sessions() as session:
        assert session.scalar(sa.select(IssuedCredential.revoked_at)
                              .where(IssuedCredential.public_id == a.credential_id)) is None
