"""Numbers from platforms in digits other than ASCII ("²" passes str.isdigit(); float() refuses it) count as
absent, like any other unreadable value: the caller's own default applies, never an exception."""

from __future__ import annotations

import pytest

from lti import claims
from lti.http import retry_after_seconds
from tests.lti.ags_server import Services

NOW = 1_750_000_000.0


@pytest.mark.parametrize("value", ["²", "١٢٠", "12²"])
def test_a_retry_after_in_other_digits_is_unreadable(value: str) -> None:
    assert retry_after_seconds(value, NOW) is None


def test_a_token_whose_expires_in_is_in_other_digits_is_kept_only_briefly(services: Services) -> None:
    services.platform.expires_in = "²"
    first = services.tokens.token(services.registration, [claims.SCOPE_AGS_SCORE])
    services.clock.now += 269
    assert services.tokens.token(services.registration, [claims.SCOPE_AGS_SCORE]) == first
    services.clock.now += 2
    assert services.tokens.token(services.registration, [claims.SCOPE_AGS_SCORE]) != first
