"""LTI Assignment and Grade Services 2.0, the tool's side: line items and scores.

- Line item service: the container at the claim's ``lineitems`` URL, filtered by ``resource_link_id``,
  ``resource_id`` and ``tag``, paged with ``Link: rel="next"``; a line item is created by POSTing one.
- Score publish service: a score is POSTed to the line item URL with ``/scores`` appended to its *path*;
  the query string stays (Moodle's line item URLs are ``…/lineitems/7/lineitem?type_id=3``).
- Media types and scopes exactly as the specification names them; the platform checks them.

Outcomes a caller must tell apart: a :class:`ScoreResult` is a delivered score; a :class:`ServiceError`
with ``retryable`` False is a refusal that will never succeed (Moodle: 409 for a timestamp in the same
second as the stored one, 400 for a score for a teacher), one with ``retryable`` True (429, 5xx, timeouts)
carries the platform's ``retry_after``.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lti import claims
from lti.clock import Clock, system_clock
from lti.errors import ServiceError
from lti.http import HttpClient
from lti.service_http import ServiceClient, required_scope, with_query
from lti.service_token import ServiceTokens
from lti.storage import PlatformRegistration

LINEITEM_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"


class ActivityProgress(enum.StrEnum):
    """AGS 2.0 score publish service: the learner's progress on the activity."""

    INITIALIZED = "Initialized"
    STARTED = "Started"
    IN_PROGRESS = "InProgress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class GradingProgress(enum.StrEnum):
    """AGS 2.0 score publish service: the grading state. Moodle stores a grade only for FullyGraded."""

    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"
    PENDING_MANUAL = "PendingManual"
    FAILED = "Failed"
    NOT_READY = "NotReady"


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class LineItem:
    """AGS 2.0 line item (``application/vnd.ims.lis.v2.lineitem+json``); ``id`` is its URL, None until created."""

    label: str
    score_maximum: float
    id: str | None = None
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None

    def __post_init__(self) -> None:
        if not self.label:
            raise ValueError("a line item needs a label")
        if not _positive_number(self.score_maximum):
            raise ValueError("a line item's scoreMaximum must be a number greater than 0")

    @classmethod
    def from_json(cls, value: object) -> LineItem | None:
        """The line item in a platform's JSON, or None when it is not one (no id, label or scoreMaximum)."""
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            return None
        label, maximum = value.get("label"), value.get("scoreMaximum")
        if not isinstance(label, str) or not label or not _positive_number(maximum):
            return None
        return cls(
            id=value["id"],
            label=label,
            score_maximum=float(value["scoreMaximum"]),
            resource_link_id=_str_or_none(value.get("resourceLinkId")),
            resource_id=_str_or_none(value.get("resourceId")),
            tag=_str_or_none(value.get("tag")),
            start_date_time=_str_or_none(value.get("startDateTime")),
            end_date_time=_str_or_none(value.get("endDateTime")),
        )

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"label": self.label, "scoreMaximum": self.score_maximum}
        optional = {
            "id": self.id,
            "resourceLinkId": self.resource_link_id,
            "resourceId": self.resource_id,
            "tag": self.tag,
            "startDateTime": self.start_date_time,
            "endDateTime": self.end_date_time,
        }
        body.update({name: value for name, value in optional.items() if value is not None})
        return body

    def matches(self, *, resource_link_id: str | None, resource_id: str | None, tag: str | None) -> bool:
        """The container filters, applied again here: some platforms ignore them."""
        return all(
            wanted is None or wanted == have
            for wanted, have in (
                (resource_link_id, self.resource_link_id),
                (resource_id, self.resource_id),
                (tag, self.tag),
            )
        )


def _positive_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def format_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2024-03-01T10:15:30.123+00:00``."""
    if moment.tzinfo is None:
        raise ValueError("score timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _to_millisecond(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("score timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def next_score_timestamp(now: dt.datetime, last_sent: dt.datetime | None) -> dt.datetime:
    """The timestamp for a new score of one (line item, user), given the last one sent for them.

    AGS 2.0: a platform keeps a score only if its timestamp is after the stored one. Moodle stores whole
    seconds and answers 409 to a score in the same second as the stored one, so the result is ``now``
    when it falls in a later second than ``last_sent``, otherwise the start of the second after it.
    Always strictly increasing, even when the clock steps back.
    """
    now = _to_millisecond(now)
    if last_sent is None:
        return now
    last_second = _to_millisecond(last_sent).replace(microsecond=0)
    if now.replace(microsecond=0) > last_second:
        return now
    return last_second + dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Score:
    """A score (``application/vnd.ims.lis.v1.score+json``), computed on the server, never from the browser."""

    user_id: str
    timestamp: dt.datetime
    activity_progress: ActivityProgress
    grading_progress: GradingProgress
    score_given: float | None = None
    score_maximum: float | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if not self.user_id:
            raise ValueError("a score needs the platform's userId")
        if self.timestamp.tzinfo is None:
            raise ValueError("score timestamps must be timezone-aware")
        if self.score_given is not None:
            # AGS 2.0: scoreMaximum is required with scoreGiven; scoreGiven is >= 0 (may exceed the maximum).
            if not _positive_number(self.score_maximum):
                raise ValueError("scoreGiven needs a scoreMaximum greater than 0")
            if not isinstance(self.score_given, int | float) or isinstance(self.score_given, bool) or not (
                math.isfinite(self.score_given) and self.score_given >= 0
            ):
                raise ValueError("scoreGiven must be a number of at least 0")
        elif self.score_maximum is not None and not _positive_number(self.score_maximum):
            raise ValueError("scoreMaximum must be greater than 0")

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "userId": self.user_id,
            "timestamp": format_timestamp(self.timestamp),
            "activityProgress": str(self.activity_progress),
            "gradingProgress": str(self.grading_progress),
        }
        if self.score_given is not None:
            body["scoreGiven"] = self.score_given
        if self.score_maximum is not None:
            body["scoreMaximum"] = self.score_maximum
        if self.comment is not None:
            body["comment"] = self.comment
        return body


@dataclass(frozen=True)
class ScoreResult:
    """A score the platform accepted (2xx)."""

    status: int
    scores_url: str


def scores_url(line_item_url: str) -> str:
    """AGS 2.0: the score publish endpoint is the line item URL with ``/scores`` appended to the path."""
    parts = urlsplit(line_item_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/scores", parts.query, ""))


def _lineitems_url(endpoint_claim: dict[str, Any]) -> str:
    url = endpoint_claim.get("lineitems")
    if not isinstance(url, str) or not url:
        raise ServiceError("the platform's AGS claim has no lineitems URL for this context", retryable=False)
    return url


class AssignmentsAndGrades:
    """The AGS 2.0 calls the tool makes, each with a cached token of the one scope it needs."""

    def __init__(self, http: HttpClient, tokens: ServiceTokens, *, clock: Clock = system_clock) -> None:
        self.service = ServiceClient(http, tokens, clock=clock)

    def line_items(
        self,
        registration: PlatformRegistration,
        endpoint_claim: dict[str, Any],
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
        limit: int | None = None,
    ) -> list[LineItem]:
        """Every line item of the context matching the filters, through all pages of the container."""
        scope = required_scope(
            endpoint_claim, (claims.SCOPE_AGS_LINEITEM_READONLY, claims.SCOPE_AGS_LINEITEM), "line item"
        )
        filters = [
            (name, value)
            for name, value in (
                ("resource_link_id", resource_link_id),
                ("resource_id", resource_id),
                ("tag", tag),
                ("limit", str(limit) if limit is not None else None),
            )
            if value is not None
        ]
        url = with_query(_lineitems_url(endpoint_claim), filters)
        found: list[LineItem] = []
        for page in self.service.pages(registration, [scope], url, accept=LINEITEM_CONTAINER_MEDIA_TYPE):
            if not isinstance(page, list):
                # Not an empty result: taking it as one would create a second line item.
                raise ServiceError("the line item container is not a JSON array", retryable=False)
            for value in page:
                item = LineItem.from_json(value)
                if item is not None and item.matches(
                    resource_link_id=resource_link_id, resource_id=resource_id, tag=tag
                ):
                    found.append(item)
        return found

    def find_or_create_line_item(
        self, registration: PlatformRegistration, endpoint_claim: dict[str, Any], wanted: LineItem
    ) -> LineItem:
        """The line item for ``wanted``'s resource link (and resource id and tag), created when missing.

        AGS 2.0: when the launch claim has a ``lineitem`` (the platform made one for this link, e.g.
        from the deep linking ``lineItem``) and ``wanted`` names no ``tag``, that one is used without a
        call. Otherwise the container is searched by ``resourceLinkId``/``resourceId``/``tag`` and the line
        item POSTed when none matches. Callers serialise this per resource link, or two line items appear.
        """
        launch_item = endpoint_claim.get("lineitem")
        if isinstance(launch_item, str) and launch_item and wanted.tag is None:
            return replace(wanted, id=launch_item)
        existing = self.line_items(
            registration,
            endpoint_claim,
            resource_link_id=wanted.resource_link_id,
            resource_id=wanted.resource_id,
            tag=wanted.tag,
        )
        if existing:
            return existing[0]
        scope = required_scope(endpoint_claim, (claims.SCOPE_AGS_LINEITEM,), "line item")
        url = _lineitems_url(endpoint_claim)
        body = {key: value for key, value in wanted.to_json().items() if key != "id"}
        response = self.service.send(
            registration, [scope], "POST", url,
            accept=LINEITEM_MEDIA_TYPE, body=body, content_type=LINEITEM_MEDIA_TYPE,
        )
        try:
            created = LineItem.from_json(response.json())
        except ValueError:
            created = None
        if created is None:
            raise ServiceError("the platform created the line item but did not answer with its id",
                               status=response.status_code, retryable=False)
        return created

    def post_score(self, registration: PlatformRegistration, line_item_url: str, score: Score) -> ScoreResult:
        """POST ``score`` (score publish service); a 2xx is delivered, anything else a ServiceError."""
        url = scores_url(line_item_url)
        response = self.service.send(
            registration, [claims.SCOPE_AGS_SCORE], "POST", url,
            accept="application/json", body=score.to_json(), content_type=SCORE_MEDIA_TYPE,
        )
        return ScoreResult(status=response.status_code, scores_url=url)
