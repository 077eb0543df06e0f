"""Whatever arrives at /lti/login and /lti/launch, the answer is never a 500 (issue: "never a 500,
whatever the input: malformed JWTs, missing form fields, junk")."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti import claims

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIELD_NAMES = st.sampled_from(["iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id",
                               "lti_deployment_id", "lti_storage_target", "id_token", "state", "error",
                               "lti_storage_state", "lt"]) | st.text(max_size=20)
VALUES = st.text(max_size=200) | st.sampled_from(["", "null", "http://localhost/lti/launch", "a.b.c"])


def segment(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
CLAIM_NAMES = st.sampled_from(["iss", "aud", "azp", "sub", "exp", "iat", "nonce", "kid", "alg",
                               claims.MESSAGE_TYPE, claims.VERSION, claims.DEPLOYMENT_ID, claims.ROLES,
                               claims.RESOURCE_LINK, claims.CONTEXT, claims.CUSTOM]) | st.text(max_size=10)
JWT_LIKE = st.builds(lambda h, p, s: f"{segment(h)}.{segment(p)}.{s}",
                     st.dictionaries(CLAIM_NAMES, JSON, max_size=4), st.dictionaries(CLAIM_NAMES, JSON, max_size=8),
                     st.text(alphabet="ABCDEFabcdef0123456789-_", max_size=40))


@SETTINGS
@given(form=st.dictionaries(FIELD_NAMES, VALUES, max_size=8), method=st.sampled_from(["GET", "POST"]))
def test_login_never_answers_500(client, platform, form, method):
    if method == "GET":
        response = client.get("/lti/login", query_string=form)
    else:
        response = client.post("/lti/login", data=form)
    assert response.status_code < 500, (form, response.get_data(as_text=True)[:500])


@SETTINGS
@given(form=st.dictionaries(FIELD_NAMES, VALUES, max_size=6))
def test_login_with_the_registered_issuer_and_junk_elsewhere_never_answers_500(client, platform, form):
    data = {"iss": platform.issuer, "login_hint": "x", "target_link_uri": "http://localhost/lti/launch", **form}
    response = client.post("/lti/login", data=data)
    assert response.status_code < 500, (data, response.get_data(as_text=True)[:500])


@SETTINGS
@given(form=st.dictionaries(FIELD_NAMES, VALUES, max_size=8))
def test_launch_never_answers_500(client, platform, form):
    response = client.post("/lti/launch", data=form)
    assert response.status_code < 500, (form, response.get_data(as_text=True)[:500])


@SETTINGS
@given(id_token=JWT_LIKE | VALUES)
def test_launch_with_a_live_state_and_any_jwt_like_token_never_answers_500(client, platform, browser, id_token):
    form = platform.authorize(platform.start_login(browser), allow_replay=True)
    response = platform.finish(browser, {"id_token": id_token, "state": form["state"]})
    assert 400 <= response.status_code < 500, (id_token, response.text[:500])
    assert "<code>" in response.text


@SETTINGS
@given(query=st.dictionaries(FIELD_NAMES, VALUES, max_size=6))
def test_first_page_and_registration_never_answer_500(client, query):
    for path in ("/learn", "/lti/register"):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query, response.get_data(as_text=True)[:500])
