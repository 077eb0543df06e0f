"""context.language comes from the course or the LMS locale, and a tag that is not BCP 47 never fails a learner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa

from plugin.db import transaction
from plugin.events import LearningEvent, publish
from plugin.launch.models import User
from plugin.outbox.models import OutboxMessage
from plugin.xapi import activities
from plugin.xapi.activities import IdOnlyCatalog
from plugin.xapi.statements import LaunchContext, Learner, build_statement
from tests.plugin.xapi.source import TestCatalog

BASE = "https://tool.example"
AT = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)


def _statement(language: str | None, locale: str | None = None) -> dict[str, Any]:
    event = LearningEvent(kind="initialized", occurred_at=AT, platform_id=1, user_id=1, course_version_id=5)
    described = IdOnlyCatalog().describe(None, event)  # type: ignore[arg-type]  (it reads no table)
    described = dataclasses.replace(described, language=language,
                                    object=dataclasses.replace(described.object, name={language or "en": "Course"}))
    return build_statement(event, base_url=BASE, learner=Learner("https://lms.example", "sub-1"),
                           launch=LaunchContext(), activities=described, locale=locale).statement


@pytest.mark.parametrize(("language", "locale", "expected"), [
    ("en_US", None, "en-US"),  # a course imported before its language was checked
    (None, "en_US", "en-US"),  # Moodle's launch locale
    (None, "pt_br", "pt-br"),
    ("de-CH", "en_US", "de-CH"),
    (None, "en-US\n", "en-US"),
])
def test_an_underscore_in_the_language_is_written_as_a_hyphen(language, locale, expected) -> None:
    assert _statement(language, locale)["context"]["language"] == expected


@pytest.mark.parametrize("tag", ["C", "de_DE.UTF-8", "en-", "english!"])
def test_a_language_that_is_no_bcp_47_tag_is_left_out(tag) -> None:
    assert "language" not in _statement(None, tag)["context"]
    assert "language" not in _statement(tag)["context"]


def test_a_course_name_tagged_with_an_underscore_is_written_with_a_hyphen() -> None:
    assert _statement("en_US")["object"]["definition"]["name"] == {"en-US": "Course"}


class _NoLanguage(TestCatalog):
    def describe(self, session, event):  # type: ignore[no-untyped-def]
        return dataclasses.replace(super().describe(session, event), language=None)


def test_a_learner_whose_lms_locale_is_en_US_has_the_statement_delivered(runtime, learner, lrs, add_lrs, deliver):
    activities.use_catalog(_NoLanguage())
    with transaction(runtime.sessions) as session:
        session.get(User, learner.user_id).locale = "en_US"
    add_lrs(lrs.url, lrs.auth)
    with transaction(runtime.sessions) as session:
        publish(session, learner.event("initialized"))
    deliver()
    with runtime.sessions() as session:
        [message] = session.scalars(sa.select(OutboxMessage)).all()
        assert message.last_error is None
        assert json.loads(message.body)["context"]["language"] == "en-US"
    [stored] = lrs.statements()
    assert stored["context"]["language"] == "en-US"
