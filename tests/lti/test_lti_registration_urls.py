"""LTI Dynamic Registration 1.0 §3.4.1: the platform's endpoints must be URLs before anything is registered."""

from __future__ import annotations

import pytest

from lti.errors import RegistrationError
from tests.lti.test_lti_registration import fetch, platform_config


@pytest.mark.parametrize("field", ["authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"])
@pytest.mark.parametrize("value", ["not a url", "/mod/lti/auth.php", "ftp://lms.example.edu/auth", "https://"])
def test_an_endpoint_that_is_not_an_absolute_http_url_is_named(field: str, value: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        fetch(platform_config(**{field: value}))
    assert (caught.value.code, caught.value.status) == ("invalid_configuration_url", 400)
    assert field in caught.value.message and repr(value) in caught.value.message
    assert "absolute http(s) URL" in caught.value.message


def test_http_and_https_endpoints_are_accepted() -> None:
    config = fetch(platform_config(authorization_endpoint="http://lms.example.edu:8080/auth"))
    assert config["authorization_endpoint"] == "http://lms.example.edu:8080/auth"
