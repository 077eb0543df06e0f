"""A role choice no page of ours sends is "choose one of the roles listed", never a 500."""

from __future__ import annotations

import pytest

from tests.plugin.skills.support import csrf_of


@pytest.mark.parametrize("role", ["99999999999999999999", "²", "-1", "abc"])
def test_a_role_that_is_no_database_id_is_asked_for_again(client, launch_as, demo_skills, role):
    learner = launch_as()
    page = client.get("/skills", query_string=learner.q())
    refused = client.post("/skills/role", data={"lt": learner.token, "csrf": csrf_of(page.text), "role": role})
    assert refused.status_code == 400 and "Choose one of the roles listed on the page." in refused.text
