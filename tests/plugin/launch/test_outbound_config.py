"""SKILLBITE_ALLOW_PRIVATE_NETWORKS and the loopback rule: the outbound policy the configuration makes."""

from __future__ import annotations

import pytest

from lti.outbound import OutboundRefused
from plugin.config import Config


def policy(**env: str):
    return Config.from_env({"SKILLBITE_BASE_URL": "https://skillbite.example.com", **env}).outbound_policy()


def test_private_addresses_are_refused_by_default():
    with pytest.raises(OutboundRefused, match="set SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 if your LMS is on your"):
        policy().check("http://10.0.0.8/mod/lti/token.php")


def test_the_setting_lets_an_intranet_lms_be_called_but_never_the_metadata_service():
    allowed = policy(SKILLBITE_ALLOW_PRIVATE_NETWORKS="1")
    allowed.check("http://10.0.0.8/mod/lti/token.php")
    allowed.check("http://192.168.1.5/xapi/")
    with pytest.raises(OutboundRefused, match="link-local"):
        allowed.check("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(OutboundRefused, match="loopback"):
        allowed.check("http://127.0.0.1:8080/")


@pytest.mark.parametrize(("base_url", "loopback"), [
    ("http://localhost", True), ("http://127.0.0.1:5000", True), ("http://[::1]:5000", True),
    ("https://skillbite.example.com", False), ("http://127.example.com", False), ("http://10.0.0.2", False),
])
def test_loopback_is_called_only_when_the_base_url_is_loopback(base_url, loopback):
    made = Config.from_env({"SKILLBITE_BASE_URL": base_url}).outbound_policy()
    assert made.allow_loopback is loopback and made.allow_private is False


def test_the_running_tool_calls_through_the_configured_policy(runtime):
    assert runtime.config.base_url == "http://localhost"  # every test configuration: loopback allowed by the rule
    assert runtime.http.policy == runtime.config.outbound_policy()
    with pytest.raises(OutboundRefused):
        runtime.http.check("GET", "http://10.0.0.8/")
