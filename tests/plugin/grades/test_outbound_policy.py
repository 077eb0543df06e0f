"""Scores only go to hosts the outbound policy allows (SSRF guard); refusals are parked at once
with the host and what to change, and no reply's own words ever reach a parked reason.

The tool runs on a loopback base URL here, as in development, so the strict LMS on 127.0.0.1 is allowed;
link-local (metadata) and private addresses are not.
"""

from __future__ import annotations

from tests.lti.recorder import SECRET, Answer, Recorder

from .support import ags_claim, drain, launch, learn, messages, score_worker


def parked_reason(runtime, kind: str = "ags_score") -> str:
    [message] = messages(runtime, kind)
    assert (message.status, message.attempts) == ("parked", 1), message.last_error
    return message.last_error or ""


def test_a_line_item_at_the_cloud_metadata_address_is_parked_without_a_call(runtime, lms):
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem="http://169.254.169.254/latest/meta-data"))
    learn(runtime, who, "quiz")
    drain(score_worker(runtime))
    reason = parked_reason(runtime)
    assert reason.startswith("POST http://169.254.169.254/latest/meta-data/scores was not sent: the host "
                             "169.254.169.254 resolves to a link-local address")
    assert lms.token_requests == []  # not even a token is asked for a call that will not be made


def test_a_line_item_on_a_private_address_is_parked_with_the_setting_that_allows_it(runtime, lms):
    who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem="http://10.1.2.3/mod/lti/lineitem"))
    learn(runtime, who, "quiz")
    drain(score_worker(runtime))
    assert ("the host 10.1.2.3 resolves to a private address; set SKILLBITE_ALLOW_PRIVATE_NETWORKS=1 if your "
            "LMS is on your intranet") in parked_reason(runtime)


def test_a_refused_score_is_parked_with_the_status_not_the_reply(runtime, lms):
    with Recorder({"/item/scores": Answer(400, f"{SECRET} root:x:0:0".encode(), "text/plain")}) as other:
        who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=other.url("/item")))
        learn(runtime, who, "quiz")
        drain(score_worker(runtime))
        assert other.requests == [("POST", "/item/scores")]
    reason = parked_reason(runtime)
    assert reason == f"POST {other.url('/item/scores')} answered HTTP 400"
    assert SECRET not in reason


def test_a_refused_json_reply_is_not_repeated_either(runtime, lms):
    with Recorder({"/item/scores": Answer(403, f'{{"message": "{SECRET}", "error": "{SECRET}"}}'.encode())}) as other:
        who = launch(runtime, lms.platform_id, ags=ags_claim(lms, lineitem=other.url("/item")))
        learn(runtime, who, "quiz")
        drain(score_worker(runtime))
    assert SECRET not in parked_reason(runtime)
