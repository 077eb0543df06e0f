"""Names and Role Provisioning Services 2.0 against a strict LMS on 127.0.0.1."""

from __future__ import annotations

import pytest

from lti import claims
from lti.errors import ServiceError
from lti.nrps import Member
from tests.lti.ags_server import LIS, Reply, Services


def roster(services: Services, learners: int = 4, instructors: int = 1) -> None:
    for n in range(learners):
        services.platform.add_member(f"learner-{n}", "Learner", name=f"Learner {n}", email=f"l{n}@example.edu")
    for n in range(instructors):
        services.platform.add_member(f"teacher-{n}", "Instructor", status="Active")


def test_every_member_is_read_through_relative_next_links(services: Services) -> None:
    roster(services)
    members = list(services.nrps.memberships(services.registration, services.nrps_claim, limit=2))
    assert [m.user_id for m in members] == ["learner-0", "learner-1", "learner-2", "learner-3", "teacher-0"]
    paths = [path for _, _, path in services.platform.requests_of("members")]
    assert len(paths) == 3 and all("limit=2" in path for path in paths)
    assert services.platform.token_requests == [[claims.SCOPE_NRPS]]
    assert services.platform.violations == []


@pytest.mark.parametrize("role", ["Learner", LIS + "Learner"])
def test_role_filter_is_sent_to_the_platform(services: Services, role: str) -> None:
    roster(services)
    members = list(services.nrps.memberships(services.registration, services.nrps_claim, role=role))
    assert [m.user_id for m in members] == ["learner-0", "learner-1", "learner-2", "learner-3"]
    assert all("role=" in path for _, _, path in services.platform.requests_of("members"))


def test_pages_are_fetched_only_as_members_are_consumed(services: Services) -> None:
    roster(services)
    members = services.nrps.memberships(services.registration, services.nrps_claim, limit=2)
    assert next(members).user_id == "learner-0"
    assert len(services.platform.requests_of("members")) == 1


def test_member_fields_are_read_and_status_defaults_to_active(services: Services) -> None:
    services.platform.add_member("u1", "Learner", name="Ada Lovelace", given_name="Ada", family_name="Lovelace",
                                 email="ada@example.edu", picture="https://lms/ada.png")
    services.platform.add_member("u2", "Learner", status="Inactive")
    services.platform.members.append({"roles": [LIS + "Learner"], "name": "no user id"})
    ada, gone = services.nrps.memberships(services.registration, services.nrps_claim, limit=10)
    assert ada == Member("u1", (LIS + "Learner",), "Active", "Ada Lovelace", "ada@example.edu", "Ada", "Lovelace",
                         "https://lms/ada.png")
    assert ada.active and not gone.active and gone.status == "Inactive"


def test_revoked_token_is_renewed_once_mid_roster(services: Services) -> None:
    roster(services)
    members = services.nrps.memberships(services.registration, services.nrps_claim, limit=2)
    first = [next(members), next(members)]
    services.platform.revoke_tokens()
    rest = list(members)
    assert len(first + rest) == 5
    assert len(services.platform.token_requests) == 2


def test_claim_without_memberships_url_fails_at_the_call(services: Services) -> None:
    with pytest.raises(ServiceError) as caught:
        services.nrps.memberships(services.registration, {"service_versions": ["2.0"]})
    assert caught.value.retryable is False
    assert services.platform.requests == []


def test_platform_outage_is_retryable(services: Services) -> None:
    services.platform.script("members", Reply(503, {"error": "down"}, {"Retry-After": "60"}))
    with pytest.raises(ServiceError) as caught:
        list(services.nrps.memberships(services.registration, services.nrps_claim))
    assert (caught.value.retryable, caught.value.retry_after) == (True, 60.0)
