"""A URL Skillbite would refuse to call is refused when it is saved, in words that say what to do.

The policies here are built as plugin.config builds them, with a scripted resolver: no test resolves a name
or opens a connection.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Sequence

import pytest

from lti.outbound import OutboundPolicy, Resolver
from plugin.config import Config
from plugin.saved_urls import saving_problem

DOCS = "see docs/operations.md, 'Which addresses Skillbite calls'"


def _policy(base_url: str = "https://skillbite.example.com", *, private: bool = False,
            peer: str = "LMS") -> OutboundPolicy:
    config = Config.from_env({"SKILLBITE_BASE_URL": base_url,
                              "SKILLBITE_ALLOW_PRIVATE_NETWORKS": "1" if private else "0"})
    return config.outbound_policy(peer)


def _resolving(answers: dict[str, list[str]]) -> Resolver:
    def resolve(host: str, port: int) -> Sequence[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not scripted")
        return answers[host]
    return resolve


def test_a_private_address_is_refused_with_the_setting_that_allows_it() -> None:
    problem = saving_problem(_policy(), "https://10.0.0.5/mod/lti/token.php")
    assert problem == ("This address is on a private network (10.0.0.5). Skillbite only calls private networks "
                       f"when SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 is set; {DOCS}.")


def test_a_private_address_is_saved_once_private_networks_are_allowed() -> None:
    assert saving_problem(_policy(private=True), "https://10.0.0.5/mod/lti/token.php") is None


def test_the_metadata_service_is_refused_whatever_the_settings() -> None:
    problem = saving_problem(_policy("http://127.0.0.1:5000", private=True), "http://169.254.169.254/latest/")
    assert problem is not None
    assert problem.startswith("This address is link-local (169.254.169.254), where cloud metadata services "
                              "answer; Skillbite never calls it. Give the LMS's own address;")
    assert DOCS in problem


def test_loopback_is_refused_unless_skillbite_itself_runs_on_loopback() -> None:
    problem = saving_problem(_policy(), "http://127.0.0.1:8080/jwks")
    assert problem is not None and problem.startswith("This address is this machine itself (127.0.0.1). Skillbite "
                                                      "calls loopback addresses only when SKILLBITE_BASE_URL is")
    assert saving_problem(_policy("http://127.0.0.1:5000"), "http://127.0.0.1:8080/jwks") is None


def test_a_name_is_refused_by_the_address_it_resolves_to_and_both_are_said() -> None:
    policy = dataclasses.replace(_policy(peer="LRS"), resolver=_resolving({"lrs.intranet.example": ["10.1.2.3"]}))
    problem = saving_problem(policy, "https://lrs.intranet.example/xapi/")
    assert problem is not None and "(lrs.intranet.example is 10.1.2.3)" in problem


def test_a_name_that_does_not_resolve_here_is_saved_for_production_to_reach() -> None:
    policy = dataclasses.replace(_policy(), resolver=_resolving({}))
    assert saving_problem(policy, "https://moodle.intranet.example/mod/lti/certs.php") is None


@pytest.mark.parametrize("url", ["https://93.184.216.34/mod/lti/token.php", "https://[2606:2800:220:1::]/jwks"])
def test_a_public_address_is_saved(url: str) -> None:
    assert saving_problem(_policy(), url) is None


@pytest.mark.parametrize("url", ["ftp://10.0.0.5/x", "not a url", ""])
def test_a_url_that_is_not_http_is_left_to_the_forms_own_words(url: str) -> None:
    assert saving_problem(_policy(), url) is None


@pytest.mark.parametrize(("url", "words"), [
    ("http://0.0.0.0:8080/", "This address is unspecified (0.0.0.0), which reaches this machine;"),
    ("http://224.0.0.1/", "This address is multicast (224.0.0.1);"),
    ("http://192.0.2.10/", "This address is reserved for special purposes (192.0.2.10);"),
])
def test_other_special_addresses_are_refused_whatever_the_settings(url: str, words: str) -> None:
    problem = saving_problem(_policy("http://127.0.0.1:5000", private=True), url)
    assert problem is not None and problem.startswith(words) and "Skillbite never calls it" in problem
