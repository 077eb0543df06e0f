"""The outbound-URL policy (SSRF guard): which hosts the tool may call, checked on every request.

No network beyond 127.0.0.1: every other address is an IP literal that the policy refuses before any
connection is tried, or a name served by a scripted resolver.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lti.errors import LaunchError, RegistrationError, ServiceError
from lti.http import HttpClient
from lti.keys import PlatformKeys
from lti.outbound import OutboundPolicy, OutboundRefused
from lti.registration import register_tool
from lti.storage import PlatformRegistration
from tests.lti.recorder import SECRET, Answer, Recorder
from tests.lti.test_lti_registration import TOOL, platform_config

STRICT = OutboundPolicy()
DEVELOPMENT = OutboundPolicy(allow_loopback=True)
NAMED = OutboundPolicy(private_setting="SKILLBITE_ALLOW_PRIVATE_NETWORKS")
INTRANET = OutboundPolicy(allow_private=True, private_setting="SKILLBITE_ALLOW_PRIVATE_NETWORKS")


def refusal(policy: OutboundPolicy, url: str) -> str:
    with pytest.raises(OutboundRefused) as caught:
        policy.check(url)
    assert caught.value.retryable is False
    return str(caught.value)


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped IPv6
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
])
def test_link_local_metadata_addresses_are_refused_whatever_is_allowed(url: str) -> None:
    for policy in (STRICT, DEVELOPMENT, OutboundPolicy(allow_loopback=True, allow_private=True)):
        assert "link-local" in refusal(policy, url)


@pytest.mark.parametrize("url", [
    "http://0.0.0.0:8080/", "http://[::]/", "http://0.1.2.3/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://255.255.255.255/", "http://192.0.2.10/", "http://198.18.0.1/", "http://[2001:db8::1]/",
])
def test_unspecified_multicast_and_reserved_addresses_are_refused_whatever_is_allowed(url: str) -> None:
    permissive = OutboundPolicy(allow_loopback=True, allow_private=True)
    assert "never called" in refusal(permissive, url)


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/lineitems", "http://172.16.0.9/", "http://172.31.255.1/", "http://192.168.1.20/",
    "http://100.64.0.1/", "http://[fd12:3456::1]/", "http://[::ffff:10.0.0.1]/",
])
def test_private_addresses_are_refused_unless_allowed(url: str) -> None:
    said = refusal(NAMED, url)
    assert "resolves to a private address; set SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 if your LMS is on your " \
           "intranet" in said
    INTRANET.check(url)  # allowed with the setting: no error


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/internal/thing", "http://127.9.9.9/", "http://[::1]/", "http://localhost/",
    "http://2130706433/",  # 127.0.0.1 written as one number
    "http://0x7f.1/",
])
def test_loopback_is_refused_unless_allowed(url: str) -> None:
    said = refusal(STRICT, url)
    assert "loopback" in said
    DEVELOPMENT.check(url)


def test_the_refusal_names_the_host() -> None:
    assert "the host 10.9.8.7 resolves to a private address" in refusal(STRICT, "https://10.9.8.7/token?secret=1")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://lms.example/",
                                 "dict://x/", "http:///nohost"])
def test_only_http_and_https_urls_with_a_host_are_called(url: str) -> None:
    refusal(OutboundPolicy(allow_loopback=True, allow_private=True), url)


def scripted(addresses: dict[str, list[str]]) -> Any:
    return lambda host, port: addresses[host]


def test_a_name_is_refused_when_any_of_its_addresses_is() -> None:
    policy = OutboundPolicy(resolver=scripted({"lms.example.edu": ["93.184.215.14", "10.0.0.5"]}))
    assert "lms.example.edu resolves to a private address" in refusal(policy, "https://lms.example.edu/token")


def test_a_refusal_names_the_kind_and_the_address_refused_for_the_application_to_word() -> None:
    policy = OutboundPolicy(resolver=scripted({"lms.example.edu": ["93.184.215.14", "10.0.0.5"]}))
    with pytest.raises(OutboundRefused) as caught:
        policy.check("https://lms.example.edu/token")
    assert (caught.value.kind, caught.value.host, caught.value.address) == ("private", "lms.example.edu", "10.0.0.5")
    with pytest.raises(OutboundRefused) as scheme:
        policy.check("ftp://lms.example.edu/token")
    assert (scheme.value.kind, scheme.value.address) == ("", "")  # the URL itself, not an address, was refused


def test_a_public_name_is_allowed() -> None:
    OutboundPolicy(resolver=scripted({"lms.example.edu": ["93.184.215.14", "2606:2800:21f:cb07::1"]})).check(
        "https://lms.example.edu/mod/lti/token.php")


def test_the_strict_client_does_not_call_loopback() -> None:
    with Recorder() as internal:
        with pytest.raises(ServiceError) as caught:
            HttpClient(timeout=2.0).get_json(internal.url("/internal/thing?token=secret"))
        assert internal.requests == []
    said = str(caught.value)
    assert caught.value.retryable is False
    assert said.startswith(f"GET {internal.url('/internal/thing')} was not sent: the host 127.0.0.1")
    assert "loopback" in said and "secret" not in said


def test_the_check_is_made_at_connection_time_too_so_a_name_that_changes_its_address_gains_nothing() -> None:
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])  # public when checked, loopback when connecting
    policy = OutboundPolicy(resolver=lambda host, port: next(answers))
    with Recorder() as internal:
        with pytest.raises(ServiceError) as caught:
            HttpClient(timeout=2.0, policy=policy).get_json(f"http://rebind.example:{internal.server.port}/x")
        assert internal.requests == []
    assert "loopback" in str(caught.value)


def test_a_redirect_to_a_refused_address_is_not_followed() -> None:
    metadata = "http://169.254.169.254/latest/meta-data/iam/"
    with Recorder({"/jwks": Answer(302, b"", "text/plain", {"Location": metadata})}) as lms:
        with pytest.raises(ServiceError) as caught:
            HttpClient(timeout=2.0, policy=DEVELOPMENT).get_json(lms.url("/jwks"))
        assert lms.requests == [("GET", "/jwks")]
    assert "it redirected to 169.254.169.254" in str(caught.value) and "link-local" in str(caught.value)


def test_a_refused_jwks_url_fails_the_launch_clearly_without_a_call() -> None:
    class NoCache:
        def get_key_set(self, url: str) -> None:
            return None

        def put_key_set(self, url: str, key_set: dict[str, Any], fetched_at: float) -> None:
            raise AssertionError("nothing was fetched")

    with Recorder() as internal:
        registration = PlatformRegistration(id=1, issuer="https://lms.example.edu", client_id="c",
                                            auth_login_url="https://lms.example.edu/auth",
                                            auth_token_url="https://lms.example.edu/token",
                                            key_set_url=internal.url("/jwks"))
        with pytest.raises(LaunchError) as caught:
            PlatformKeys(NoCache(), HttpClient(timeout=2.0)).public_key(registration, "k1")
        assert internal.requests == []
    assert caught.value.code == "key_set_refused" and "loopback" in caught.value.message


def test_registration_does_not_read_an_internal_openid_configuration() -> None:
    with Recorder() as internal:
        with pytest.raises(RegistrationError) as caught:
            register_tool(internal.url("/x"), "t", TOOL, HttpClient(timeout=2.0))
        assert internal.requests == []
    assert (caught.value.code, caught.value.status) == ("configuration_refused", 400)
    assert "127.0.0.1" in caught.value.message and "loopback" in caught.value.message
    assert SECRET not in caught.value.message + caught.value.hint


def served_configuration(lms: Recorder, registration_endpoint: str) -> None:
    config = platform_config(issuer=lms.base_url, registration_endpoint=registration_endpoint)
    lms.answers["/openid-configuration"] = Answer(body=json.dumps(config).encode())


def test_registration_is_not_sent_to_an_internal_registration_endpoint() -> None:
    with Recorder() as lms:
        served_configuration(lms, "http://10.20.30.40/register")
        with pytest.raises(RegistrationError) as caught:
            register_tool(lms.url("/openid-configuration"), "t", TOOL, HttpClient(timeout=2.0, policy=DEVELOPMENT))
        assert lms.requests == [("GET", "/openid-configuration")]
    assert (caught.value.code, caught.value.status) == ("registration_endpoint_refused", 400)
    assert "10.20.30.40 resolves to a private address" in caught.value.message


@pytest.mark.parametrize(("answer", "shown"), [
    (Answer(400, f"<h1>{SECRET}</h1> upstream said no".encode(), "text/plain"), "(HTTP 400)."),
    (Answer(400, f'{{"message": "{SECRET}"}}'.encode()), "(HTTP 400)."),
    (Answer(400, f'{{"error": "{SECRET}", "error_description": "x"}}'.encode()), "(HTTP 400)."),
    (Answer(400, b'{"error": "invalid_client_metadata", "error_description": "bad\\n redirect_uris"}'),
     "(HTTP 400): invalid_client_metadata: bad redirect_uris"),
])
def test_a_refused_registration_shows_only_a_standard_oauth_error(answer: Answer, shown: str) -> None:
    with Recorder({"/register": answer}) as lms:
        served_configuration(lms, lms.url("/register"))
        with pytest.raises(RegistrationError) as caught:
            register_tool(lms.url("/openid-configuration"), "t", TOOL, HttpClient(timeout=2.0, policy=DEVELOPMENT))
    assert caught.value.code == "registration_rejected"
    assert caught.value.message.endswith(shown)
    assert SECRET not in caught.value.message
