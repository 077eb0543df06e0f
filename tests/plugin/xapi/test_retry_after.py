"""The LRS's Retry-After (RFC 9110 §10.2.3): a value in digits other than ASCII is unreadable, not an error."""

from __future__ import annotations

import pytest

from plugin.xapi.delivery import RETRY_AFTER_CAP, retry_after_seconds


@pytest.mark.parametrize(("value", "expected"), [("120", 120.0), ("99999999", RETRY_AFTER_CAP), ("²", None),
                                                 ("١٢٠", None), ("soon", None)])
def test_retry_after_is_ascii_seconds_or_nothing(value, expected):
    assert retry_after_seconds(value) == expected
