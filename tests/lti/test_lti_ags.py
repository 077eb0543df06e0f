"""Assignment and Grade Services 2.0 against a strict LMS on 127.0.0.1 that plays Moodle's URLs and refusals."""

from __future__ import annotations

import datetime as dt
import email.utils
import json

import pytest

from lti import claims
from lti.ags import (
    ActivityProgress,
    GradingProgress,
    LineItem,
    Score,
    format_timestamp,
    next_score_timestamp,
    scores_url,
)
from lti.errors import ServiceError
from lti.http import StatusError
from lti.link_header import next_page_url, parse_link_header
from lti.storage import SigningKey
from tests.lti.ags_server import Reply, Services, StrictPlatform, make_services
from tests.lti.memory import FakeClock, MemoryToolKeys

T0 = dt.datetime(2025, 3, 1, 10, 15, 30, 250_000, tzinfo=dt.UTC)


def completed(user_id: str, at: dt.datetime = T0, given: float = 8, maximum: float = 10) -> Score:
    return Score(user_id=user_id, timestamp=at, activity_progress=ActivityProgress.COMPLETED,
                 grading_progress=GradingProgress.FULLY_GRADED, score_given=given, score_maximum=maximum)


# -- scores URL, timestamps, score body --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line_item", "expected"),
    [
        ("https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3",
         "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"),
        ("https://canvas.example/api/lti/courses/1/line_items/5", "https://canvas.example/api/lti/courses/1/line_items/5/scores"),
        ("https://lms.example/li/5/?a=1&b=2", "https://lms.example/li/5/scores?a=1&b=2"),
    ],
)
def test_scores_url_appends_to_the_path_and_keeps_the_query(line_item: str, expected: str) -> None:
    assert scores_url(line_item) == expected


def test_timestamps_are_utc_with_milliseconds() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    moment = dt.datetime(2025, 3, 1, 11, 15, 30, 250_999, tzinfo=paris)
    assert format_timestamp(moment) == "2025-03-01T10:15:30.250+00:00"


def test_next_timestamp_is_now_when_now_is_in_a_later_second() -> None:
    assert next_score_timestamp(T0 + dt.timedelta(seconds=1), T0) == T0 + dt.timedelta(seconds=1)
    assert next_score_timestamp(T0, None) == T0


def test_next_timestamp_moves_to_the_next_second_when_now_shares_the_last_one() -> None:
    assert next_score_timestamp(T0 + dt.timedelta(milliseconds=300), T0) == dt.datetime(
        2025, 3, 1, 10, 15, 31, tzinfo=dt.UTC
    )


def test_next_timestamp_keeps_increasing_when_the_clock_steps_back() -> None:
    last = T0
    for _ in range(5):
        stamp = next_score_timestamp(T0 - dt.timedelta(minutes=5), last)
        assert stamp > last and stamp.replace(microsecond=0) > last.replace(microsecond=0)
        last = stamp


def test_score_json_names_fields_as_the_spec_does() -> None:
    score = Score("u1", T0, ActivityProgress.SUBMITTED, GradingProgress.PENDING_MANUAL, comment="Well done")
    assert score.to_json() == {
        "userId": "u1",
        "timestamp": "2025-03-01T10:15:30.250+00:00",
        "activityProgress": "Submitted",
        "gradingProgress": "PendingManual",
        "comment": "Well done",
    }


@pytest.mark.parametrize(
    "build",
    [
        lambda: completed("u1", maximum=None),  # type: ignore[arg-type]
        lambda: completed("u1", given=-1),
        lambda: completed("u1", maximum=0),
        lambda: completed("", T0),
        lambda: completed("u1", dt.datetime(2025, 3, 1, 10, 0, 0)),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_invalid_scores_are_refused_before_sending(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


# -- Link headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://lms/x?page=2>; rel="next"', "https://lms/x?page=2"),
        ("<https://lms/x?page=2>;rel=next", "https://lms/x?page=2"),
        ('<https://lms/x?p=1>; rel="first", <https://lms/x?p=3>; rel="last", <https://lms/x?p=2>; rel="next"',
         "https://lms/x?p=2"),
        ('<https://lms/x?p=2> ;  title="a, b; rel=next" ;  REL="prev-archive Next"', "https://lms/x?p=2"),
        ('<https://lms/x?ids=1,2,3&p=2>; rel="next"', "https://lms/x?ids=1,2,3&p=2"),
        ('<page2?limit=5>; rel="next"', "https://lms/api/page2?limit=5"),
        ('</other/page2>; rel="next"', "https://lms/other/page2"),
        ('garbage, <https://lms/x?p=2>; rel="next"', "https://lms/x?p=2"),
        ('<https://lms/x?p=1>; rel="prev"; rel="next"', None),  # RFC 8288 §3.3: only the first rel counts
        ('<https://lms/x?p=9>; rel="nextpage"', None),
        ("", None),
    ],
)
def test_next_link_is_found_however_the_header_is_written(header: str, expected: str | None) -> None:
    assert next_page_url(header, "https://lms/api/members") == expected


def test_link_parameters_are_read_with_quotes_and_escapes() -> None:
    assert parse_link_header(r'<a>; title="say \"hi\", then go"; rel=next, <b>; rel="last"') == [
        ("a", {"title": 'say "hi", then go', "rel": "next"}),
        ("b", {"rel": "last"}),
    ]


# -- line items ----------------------------------------------------------------------------------------


def test_line_items_are_read_through_every_page(services: Services) -> None:
    for n in range(5):
        services.platform.add_line_item(f"Nugget {n}", resourceLinkId="link-1", tag="nugget")
    items = services.ags.line_items(services.registration, services.ags_claim)
    assert [item.label for item in items] == [f"Nugget {n}" for n in range(5)]
    assert all(item.id and item.id.endswith("/lineitem?type_id=3") for item in items)
    assert len(services.platform.requests_of("lineitems")) == 3
    assert services.platform.violations == []


def test_line_items_are_filtered_by_resource_link_and_tag(services: Services) -> None:
    services.platform.add_line_item("A", resourceLinkId="link-1", tag="nugget")
    services.platform.add_line_item("B", resourceLinkId="link-2", tag="nugget")
    services.platform.add_line_item("C", resourceLinkId="link-1", tag="pathway")
    items = services.ags.line_items(services.registration, services.ags_claim, resource_link_id="link-1", tag="nugget")
    assert [item.label for item in items] == ["A"]
    [(_, _, path)] = services.platform.requests_of("lineitems")
    assert "type_id=3" in path and "resource_link_id=link-1" in path and "tag=nugget" in path


def test_line_item_is_created_once_then_found(services: Services) -> None:
    wanted = LineItem(label="Safety basics", score_maximum=10, resource_link_id="link-1", resource_id="nugget-9")
    created = services.ags.find_or_create_line_item(services.registration, services.ags_claim, wanted)
    found = services.ags.find_or_create_line_item(services.registration, services.ags_claim, wanted)
    assert created == found
    assert created.id is not None and created.id.endswith("/lineitems/1/lineitem?type_id=3")
    assert (created.label, created.score_maximum, created.resource_id) == ("Safety basics", 10, "nugget-9")
    assert [m for _, m, _ in services.platform.requests_of("lineitems")].count("POST") == 1
    assert services.platform.violations == []


def test_the_launch_line_item_is_used_without_a_call(services: Services) -> None:
    claim = {**services.ags_claim, "lineitem": services.platform.lineitems_url.replace("?", "/4/lineitem?")}
    item = services.ags.find_or_create_line_item(
        services.registration, claim, LineItem(label="Safety", score_maximum=10, resource_link_id="link-1")
    )
    assert item.id == claim["lineitem"]
    assert services.platform.requests == []


def test_creating_without_the_lineitem_scope_is_a_permanent_error(services: Services) -> None:
    claim = {"scope": [claims.SCOPE_AGS_LINEITEM_READONLY, claims.SCOPE_AGS_SCORE],
             "lineitems": services.platform.lineitems_url}
    wanted = LineItem("Safety", 10, resource_link_id="x")
    with pytest.raises(ServiceError) as caught:
        services.ags.find_or_create_line_item(services.registration, claim, wanted)
    assert caught.value.retryable is False and claims.SCOPE_AGS_LINEITEM in str(caught.value)


def test_a_next_page_on_another_host_is_not_given_the_token(services: Services) -> None:
    services.platform.script("lineitems", Reply(200, [], {"Link": '<http://attacker.example/li?page=2>; rel="next"'}))
    with pytest.raises(ServiceError) as caught:
        services.ags.line_items(services.registration, services.ags_claim)
    assert caught.value.retryable is False and "another host" in str(caught.value)


# -- scores --------------------------------------------------------------------------------------------


def test_one_token_serves_many_scores(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    for n in range(10):
        result = services.ags.post_score(services.registration, url, completed(f"user-{n}"))
        assert result.status == 200 and result.scores_url.endswith("/lineitem/scores?type_id=3")
    assert services.platform.token_requests == [[claims.SCOPE_AGS_SCORE]]
    assert len(services.platform.scores) == 10
    assert services.platform.violations == []


def test_score_is_sent_with_the_score_media_type_and_fractional_timestamp(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.ags.post_score(services.registration, url, completed("user-1", given=7.5))
    [(content_type, raw)] = services.platform.score_bodies
    assert content_type == "application/vnd.ims.lis.v1.score+json"
    assert json.loads(raw) == {"userId": "user-1", "timestamp": "2025-03-01T10:15:30.250+00:00",
                               "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                               "scoreGiven": 7.5, "scoreMaximum": 10}


def test_expired_token_is_renewed_before_a_score(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.ags.post_score(services.registration, url, completed("user-1"))
    services.clock.now += 3600
    services.ags.post_score(services.registration, url, completed("user-2"))
    assert len(services.platform.token_requests) == 2 and len(services.platform.scores) == 2


def test_revoked_token_is_renewed_once_after_401_and_the_score_delivered(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.ags.post_score(services.registration, url, completed("user-1"))
    services.platform.revoke_tokens()
    services.ags.post_score(services.registration, url, completed("user-2"))
    assert len(services.platform.token_requests) == 2
    assert sorted(user for _, user in services.platform.scores) == ["user-1", "user-2"]


def test_a_fresh_token_refused_too_is_a_permanent_error(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.platform.script("scores", Reply(401, {"error": "invalid_token"}), Reply(401, {"error": "invalid_token"}))
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1"))
    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert len(services.platform.token_requests) == 2


def test_same_second_score_is_refused_by_moodle_with_409_as_permanent(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.ags.post_score(services.registration, url, completed("user-1", T0))
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1", T0 + dt.timedelta(milliseconds=500)))
    assert (caught.value.status, caught.value.retryable) == (409, False)
    assert isinstance(caught.value, StatusError) and "earlier timestamp" in caught.value.said


def test_next_score_timestamp_gets_two_scores_in_one_second_into_moodle(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    first = next_score_timestamp(T0, None)
    services.ags.post_score(services.registration, url, completed("user-1", first, given=5))
    second = next_score_timestamp(T0 + dt.timedelta(milliseconds=500), first)
    services.ags.post_score(services.registration, url, completed("user-1", second, given=9))
    [(_, stored)] = services.platform.scores.items()
    assert [s["scoreGiven"] for s in stored] == [5, 9]


def test_score_for_a_teacher_is_refused_with_400_as_permanent(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.platform.teachers.add("teacher-1")
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("teacher-1"))
    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert isinstance(caught.value, StatusError) and "user is not a learner" in caught.value.said


@pytest.mark.parametrize("status", [403, 404, 422])
def test_refusals_that_will_never_succeed_are_permanent(services: Services, status: int) -> None:
    url = services.platform.add_line_item("Safety basics")
    services.platform.script("scores", Reply(status, {"reason": f"refused with {status}"}))
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1"))
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after) == (status, False, None)
    assert isinstance(caught.value, StatusError) and f"refused with {status}" in caught.value.said
    assert "refused with" not in str(caught.value)  # the reply's words never reach a message


def test_unknown_line_item_is_a_permanent_404(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics").replace("/1/", "/99/")
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1"))
    assert (caught.value.status, caught.value.retryable) == (404, False)


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"), [(429, "17", 17.0), (503, None, None), (502, "x", None)]
)
def test_overload_and_outages_are_retryable_with_retry_after(
    services: Services, status: int, retry_after: str | None, expected: float | None
) -> None:
    url = services.platform.add_line_item("Safety basics")
    headers = {"Retry-After": retry_after} if retry_after else {}
    services.platform.script("scores", Reply(status, {"error": "busy"}, headers))
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1"))
    assert (caught.value.status, caught.value.retryable, caught.value.retry_after) == (status, True, expected)
    services.ags.post_score(services.registration, url, completed("user-1"))
    assert len(services.platform.scores) == 1


def test_retry_after_as_an_http_date_becomes_seconds(services: Services) -> None:
    url = services.platform.add_line_item("Safety basics")
    when = email.utils.formatdate(services.clock.now + 120, usegmt=True)
    services.platform.script("scores", Reply(429, None, {"Retry-After": when}))
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1"))
    assert caught.value.retry_after is not None and 119 <= caught.value.retry_after <= 120


def test_a_platform_too_slow_to_answer_is_retryable(
    platform: StrictPlatform, clock: FakeClock, tool_key: SigningKey
) -> None:
    services = make_services(platform, clock, MemoryToolKeys(tool_key), timeout=0.3)
    url = platform.add_line_item("Safety basics")
    platform.script("scores", Reply(200, None, delay=1.0))
    with pytest.raises(ServiceError) as caught:
        services.ags.post_score(services.registration, url, completed("user-1"))
    assert caught.value.retryable is True and caught.value.status is None


def test_a_container_that_is_not_an_array_is_an_error_not_an_empty_list(services: Services) -> None:
    services.platform.script("lineitems", Reply(200, {"message": "ok"}))
    with pytest.raises(ServiceError) as caught:
        services.ags.find_or_create_line_item(services.registration, services.ags_claim, LineItem("A", 10, tag="t"))
    assert caught.value.retryable is False
    assert [m for _, m, _ in services.platform.requests_of("lineitems")] == ["GET"]
