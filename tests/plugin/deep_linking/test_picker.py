"""Deep Linking 2.0 round trip with the strict platform: launch → picker → signed response → the link
it created launches exactly the chosen content."""

from __future__ import annotations

import re
from html import unescape

import jwt
import pytest

from lti import claims
from tests.plugin.grades.support import load_course
from tests.plugin.launch.helpers import TOOL_BASE, register
from tests.support.browser import FlaskClientBrowser
from tests.support.first_page import first_page


@pytest.fixture
def browser(client):
    return FlaskClientBrowser(client, TOOL_BASE)


@pytest.fixture
def platform(strict_platform, runtime):
    made = strict_platform(tool_base=TOOL_BASE, deployment_ids=("dep-1",))
    register(runtime, made)
    load_course(runtime)
    return made


def open_picker(platform, browser, *, role="Instructor", settings=None):
    """Launch a deep linking request; (picker response, the settings the platform sent)."""
    extra = {}
    if settings is not None:
        extra[claims.DEEP_LINKING_SETTINGS] = settings
    auth = platform.start_login(browser, role=role, message_type=claims.DEEP_LINKING_REQUEST, claims=extra)
    form = platform.authorize(auth)
    sent = jwt.decode(form["id_token"], options={"verify_signature": False})[claims.DEEP_LINKING_SETTINGS]
    launched = platform.finish(browser, form)
    assert launched.status_code == 303, launched.text[:1500]
    assert "/deep-linking?" in launched.headers["Location"]
    return first_page(launched, browser=browser, base=TOOL_BASE), sent


def fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in re.findall(r'name="(lt|csrf|JWT)" value="([^"]*)"', html)}


def choose(browser, page, *choices: str, cancel: bool = False):
    data = {**fields(page.text), "choice": list(choices)}
    if cancel:
        data["cancel"] = "1"
    return browser.client.post("/deep-linking", data=data, base_url=TOOL_BASE)


def verified_response(client, page, platform) -> dict:
    """The JWT the page posts, verified with the tool's published JWKS as the platform does."""
    assert 'id="lti-form-post"' in page.text and "autosubmit.js" in page.text and "<script>" not in page.text
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    assert action == platform.base_url + "/deep_linking/return"
    token = fields(page.text)["JWT"]
    keys = jwt.PyJWKSet.from_dict(client.get("/lti/jwks").get_json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=platform.issuer)


def test_round_trip_returns_signed_items_and_the_link_opens_the_chosen_nugget(platform, browser, client):
    picker, settings = open_picker(platform, browser)
    assert picker.status_code == 200 and "Site safety" in picker.text
    assert "launch-nav" not in picker.text  # no way out to learner pages while the LMS waits for the answer
    answer = choose(browser, picker, "course:site-safety:", "nugget:site-safety:quiz")
    assert answer.status_code == 200
    body = verified_response(client, answer, platform)
    assert body["iss"] == platform.client_id and body[claims.DEPLOYMENT_ID] == "dep-1"
    assert body[claims.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert body[claims.DL_DATA] == settings["data"]
    course, nugget = body[claims.DL_CONTENT_ITEMS]
    assert course["type"] == "ltiResourceLink" and course["custom"] == {"skillbite_course": "site-safety"}
    assert course["lineItem"] == {"scoreMaximum": 100.0, "label": "Site safety", "resourceId": "course:site-safety",
                                  "tag": "skillbite"}
    assert nugget["custom"] == {"skillbite_course": "site-safety", "skillbite_nugget": "quiz"}
    # The platform makes a link with those custom parameters; a learner's launch of it opens that nugget.
    launched = platform.launch(browser, claims={claims.CUSTOM: nugget["custom"],
                                                claims.RESOURCE_LINK: {"id": "rl-made", "title": nugget["title"]}})
    page = first_page(launched)
    assert page.path == "/learn/c/site-safety/n/quiz" and 'name="csrf"' in page.text


def test_a_module_link_opens_the_module_first_nugget(platform, browser, client):
    picker, _ = open_picker(platform, browser)
    body = verified_response(client, choose(browser, picker, "module:site-safety:more"), platform)
    [item] = body[claims.DL_CONTENT_ITEMS]
    page = first_page(platform.launch(browser, claims={claims.CUSTOM: item["custom"]}))
    assert page.path == "/learn/c/site-safety/n/extra"


def test_a_nugget_without_a_quiz_gets_no_grade_column(platform, browser, client):
    picker, _ = open_picker(platform, browser)
    body = verified_response(client, choose(browser, picker, "nugget:site-safety:read"), platform)
    assert "lineItem" not in body[claims.DL_CONTENT_ITEMS][0]


def test_a_learner_opening_the_picker_gets_a_clear_403(platform, browser):
    page, _ = open_picker(platform, browser, role="Learner")
    assert page.status_code == 403
    assert "Only instructors and course designers can add Skillbite content" in page.text


def test_one_item_only_when_the_platform_does_not_accept_multiple(platform, browser):
    settings = {"deep_link_return_url": platform.base_url + "/deep_linking/return",
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe"],
                "accept_multiple": False, "data": "x"}
    picker, _ = open_picker(platform, browser, settings=settings)
    assert 'type="radio"' in picker.text and 'type="checkbox"' not in picker.text
    refused = choose(browser, picker, "course:site-safety:", "nugget:site-safety:quiz")
    assert refused.status_code == 400 and "takes one item" in refused.text


def test_a_placement_that_takes_no_links_is_told_so(platform, browser):
    settings = {"deep_link_return_url": platform.base_url + "/deep_linking/return", "accept_types": ["file"],
                "accept_presentation_document_targets": ["iframe"], "data": "x"}
    picker, _ = open_picker(platform, browser, settings=settings)
    assert "does not accept links to activities" in picker.text and 'name="choice"' not in picker.text


def test_cancel_returns_no_items_and_the_data_unchanged(platform, browser, client):
    picker, settings = open_picker(platform, browser)
    body = verified_response(client, choose(browser, picker, cancel=True), platform)
    assert body[claims.DL_CONTENT_ITEMS] == [] and body[claims.DL_DATA] == settings["data"]


def test_search_and_filters_narrow_the_catalog(platform, browser, client):
    picker, _ = open_picker(platform, browser)
    lt = fields(picker.text)["lt"]

    def search(**params):
        return client.get("/deep-linking", query_string={"lt": lt, **params}, base_url=TOOL_BASE).text

    assert "Site safety" in search(q="hard hat") or "Site safety" in search(q="quiz")
    assert "Nothing matches" in search(q="astrophysics")
    assert "Site safety" in search(skill="safety") and "Nothing matches" in search(skill="cooking")
    assert "Nothing matches" in search(language="fr") and "Site safety" in search(language="en")
    assert "Site safety" in search(max_minutes="15")


def test_a_course_preview_lists_its_modules_and_nuggets(platform, browser, client):
    picker, _ = open_picker(platform, browser)
    page = client.get("/deep-linking/preview/site-safety", query_string={"lt": fields(picker.text)["lt"]},
                      base_url=TOOL_BASE)
    assert page.status_code == 200 and "Basics" in page.text and "Quiz quiz" in page.text


def test_a_forged_choice_is_refused(platform, browser):
    picker, _ = open_picker(platform, browser)
    assert choose(browser, picker, "course:../../etc:").status_code == 400
