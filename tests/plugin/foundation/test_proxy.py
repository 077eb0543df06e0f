"""X-Forwarded-Proto counts only from the reverse proxy's addresses (SKILLBITE_FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from plugin.config import Config, ConfigError
from plugin.proxy import TrustedProxy


def scheme_echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["wsgi.url_scheme"].encode()]


def scheme_seen(allowed: str, peer: str, proto: str | None) -> str:
    """The scheme the app sees for a plain-HTTP request from ``peer`` carrying ``X-Forwarded-Proto: proto``."""
    headers = {} if proto is None else {"X-Forwarded-Proto": proto}
    response = Client(TrustedProxy(scheme_echo, allowed)).get(
        "/", headers=headers, environ_base={"REMOTE_ADDR": peer})
    return response.get_data(as_text=True)


def test_the_proxy_on_loopback_is_believed_by_default():
    assert scheme_seen("127.0.0.1,::1", "127.0.0.1", "https") == "https"
    assert scheme_seen("127.0.0.1,::1", "::1", "https") == "https"


def test_a_peer_that_is_not_the_proxy_is_ignored():
    assert scheme_seen("127.0.0.1,::1", "203.0.113.7", "https") == "http"


def test_a_proxy_inside_a_trusted_network_is_believed():
    assert scheme_seen("10.0.0.0/8", "10.42.3.9", "https") == "https"
    assert scheme_seen("10.0.0.0/8", "192.168.1.9", "https") == "http"


def test_star_believes_any_peer():
    assert scheme_seen("*", "203.0.113.7", "https") == "https"


def test_a_trusted_proxy_can_also_say_http():
    assert Client(TrustedProxy(scheme_echo, "127.0.0.1")).get(
        "/", base_url="https://localhost", headers={"X-Forwarded-Proto": "http"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True) == "http"


@pytest.mark.parametrize("junk", ["javascript", "https, http", "ftp", ""])
def test_a_value_other_than_http_or_https_changes_nothing(junk):
    assert scheme_seen("127.0.0.1", "127.0.0.1", junk) == "http"


def test_letter_case_and_spaces_of_the_value_do_not_matter():
    assert scheme_seen("127.0.0.1", "127.0.0.1", " HTTPS ") == "https"


def test_loopback_seen_through_a_dual_stack_socket_is_still_loopback():
    assert scheme_seen("127.0.0.1", "::ffff:127.0.0.1", "https") == "https"


def test_a_peer_without_an_ip_address_is_not_trusted():
    assert scheme_seen("127.0.0.1,::1", "", "https") == "http"


def test_a_bad_entry_in_the_variable_is_refused_at_start(tmp_path: Path):
    with pytest.raises(ConfigError, match="SKILLBITE_FORWARDED_ALLOW_IPS.*proxy.example.com"):
        Config.from_env({"SKILLBITE_INSTANCE_PATH": str(tmp_path),
                         "SKILLBITE_FORWARDED_ALLOW_IPS": "127.0.0.1,proxy.example.com"})


def test_trusted_proxies_come_from_the_environment_and_default_to_loopback(tmp_path: Path):
    env = {"SKILLBITE_INSTANCE_PATH": str(tmp_path)}
    assert Config.from_env(env).forwarded_allow_ips == "127.0.0.1,::1"
    assert Config.from_env({**env, "SKILLBITE_FORWARDED_ALLOW_IPS": "172.16.0.0/12"}).forwarded_allow_ips == (
        "172.16.0.0/12")


def client_seen(allowed: str, peer: str, forwarded_for: str | None) -> str:
    """The client address the app sees for a request from ``peer`` carrying ``X-Forwarded-For``."""
    def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["REMOTE_ADDR"].encode()]

    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return Client(TrustedProxy(echo, allowed)).get("/", headers=headers,
                                                   environ_base={"REMOTE_ADDR": peer}).get_data(as_text=True)


def test_the_client_address_comes_from_the_trusted_proxy():
    # behind nginx every request comes from 127.0.0.1: the sign-in limits need the browser's address
    assert client_seen("127.0.0.1", "127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert client_seen("127.0.0.1", "127.0.0.1", None) == "127.0.0.1"


def test_addresses_the_client_wrote_itself_are_not_believed():
    # the client sent "X-Forwarded-For: 198.51.100.1"; nginx appended the address it saw
    assert client_seen("127.0.0.1", "127.0.0.1", "198.51.100.1, 203.0.113.7") == "203.0.113.7"
    # a chain of trusted proxies is walked through to the first address that is not one of them
    assert client_seen("127.0.0.1,10.0.0.0/8", "127.0.0.1", "198.51.100.1, 203.0.113.7, 10.1.2.3") == "203.0.113.7"
    assert client_seen("*", "10.0.0.5", "198.51.100.1, 203.0.113.7") == "203.0.113.7"


def test_forwarded_for_from_a_peer_that_is_not_the_proxy_or_junk_changes_nothing():
    assert client_seen("127.0.0.1", "203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert client_seen("127.0.0.1", "127.0.0.1", "not-an-address") == "127.0.0.1"
    assert client_seen("127.0.0.1", "127.0.0.1", "198.51.100.1, junk, 127.0.0.1") == "127.0.0.1"
