"""A NUL character (%00) in a console filter is a filter the admin can correct, never a server error.

PostgreSQL text cannot hold NUL: a query comparing against it fails, so the console refuses it first.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from plugin.credentials.models import IssuedCredential

NUL = "\x00"


@pytest.mark.parametrize(("query", "label"), [({"learner": NUL}, "Learner (LTI sub)"),
                                              ({"course": f"{NUL}x"}, "Course IRI")])
def test_a_nul_in_a_statement_filter_is_a_bad_filter_on_the_log(local: Any, tenants: Any, query: dict[str, str],
                                                               label: str) -> None:
    refused = local.get("/admin/statements", query_string=query)
    assert refused.status_code == 400
    assert f"{label} must not contain a NUL character" in refused.get_data(as_text=True)


@pytest.mark.parametrize("query", [{"learner": NUL}, {"course": f"{NUL}x"}])
def test_a_nul_in_a_statement_filter_is_refused_before_the_export_streams(local: Any, tenants: Any,
                                                                         query: dict[str, str]) -> None:
    refused = local.get("/admin/statements.jsonl", query_string=query, headers={"Accept": "application/json"})
    body = refused.get_data(as_text=True)
    refused.close()
    assert refused.status_code == 400
    assert "must not contain a NUL character" in body


def test_a_nul_in_the_credential_search_is_a_bad_filter(local: Any, tenants: Any) -> None:
    refused = local.get("/admin/credentials", query_string={"q": f"learner{NUL}"})
    assert refused.status_code == 400
    assert "Search must not contain a NUL character" in refused.get_data(as_text=True)


def test_a_nul_in_a_revocation_reason_revokes_nothing(local: Any, tenants: Any, runtime: Any) -> None:
    a, _ = tenants
    refused = local.post(f"/admin/credentials/{a.credential_id}/revoke",
                         data={"csrf": local.csrf, "reason": f"mistake{NUL}"})
    assert refused.status_code == 400
    assert "The reason must not contain a NUL character" in refused.get_data(as_text=True)
    with runtime.sessions() as session:
        row = session.scalars(sa.select(IssuedCredential).where(IssuedCredential.public_id == a.credential_id)).one()
        assert row.revoked_at is None


def test_a_nul_in_a_credential_id_is_no_such_credential(local: Any, tenants: Any) -> None:
    missing = local.post("/admin/credentials/x%00y/revoke", data={"csrf": local.csrf, "reason": "mistake"})
    assert missing.status_code == 404
