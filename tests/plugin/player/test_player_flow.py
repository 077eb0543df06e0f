"""The learner's way through the demo course with the Flask test client (no JavaScript)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from plugin.progress.models import Enrolment, ItemResponse, NuggetProgress
from tests.plugin.player.launches import DEMO


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def test_launch_with_course_parameter_opens_that_course(client, launch_as, demo_course):
    launch = launch_as(custom={"skillbite_course": DEMO})
    response = client.get("/learn", query_string=launch.q())
    assert response.status_code == 303
    assert f"/learn/c/{DEMO}" in response.headers["Location"] and launch.token in response.headers["Location"]


def test_launch_without_course_parameter_shows_the_catalog(client, launch_as, demo_course):
    launch = launch_as()
    page = client.get("/learn", query_string=launch.q(), follow_redirects=True)
    assert page.status_code == 200
    assert "Giving useful feedback" in page.text


def test_catalog_shows_where_the_learner_stands(client, launch_as, demo_course, runtime):
    launch = launch_as()
    catalog = client.get("/learn/courses", query_string=launch.q()).text
    assert "In progress" not in catalog and "Started" not in catalog  # not opened yet
    client.get(f"/learn/c/{DEMO}", query_string=launch.q())
    assert "Started: nothing done yet" in client.get("/learn/courses", query_string=launch.q()).text
    _complete(client, launch, "why-feedback", {"i.praise-counts": "false"})
    with runtime.sessions() as session:
        percent = session.scalar(sa.select(Enrolment.percent))
    assert 0 < percent < 100
    catalog = client.get("/learn/courses", query_string=launch.q()).text
    assert f"In progress: {percent}% done" in catalog
    assert re.search(rf'<progress id="(progress-\d+)" max="100" value="{percent}">', catalog)
    # another learner of the same LMS has their own standing, not this one's
    other = client.get("/learn/courses", query_string=launch_as(subject="learner-2").q()).text
    assert "In progress" not in other and "Giving useful feedback" in other


def test_the_catalog_finds_courses_by_words_of_their_title_or_summary(client, launch_as, demo_course, runtime):
    from plugin.catalog.services import catalog_page, import_package
    from plugin.db import transaction
    from tests.plugin.catalog.packages import package

    with transaction(runtime.sessions) as session:
        import_package(session, package(slug="safety", title="Ladder safety"))
    launch = launch_as()
    page = client.get("/learn/courses", query_string=launch.q()).text
    assert "Ladder safety" in page and "Giving useful feedback" in page
    assert f'<input type="hidden" name="lt" value="{launch.token}">' in page  # the search keeps the session
    found = client.get("/learn/courses", query_string=launch.q(q="USEFUL  feedback")).text
    assert "Giving useful feedback" in found and "Ladder safety" not in found
    assert 'value="USEFUL  feedback"' in found
    by_summary = client.get("/learn/courses", query_string=launch.q(q="act on")).text  # words of the summary
    assert "Giving useful feedback" in by_summary and "Ladder safety" not in by_summary
    none = client.get("/learn/courses", query_string=launch.q(q="feedback ladder")).text  # every word must match
    assert "No course has “feedback ladder” in its title or summary" in none and "No courses yet" not in none
    assert f'href="/learn/courses?lt={launch.token}">Show all courses</a>' in none
    with runtime.sessions() as session:  # results come in pages like the whole catalog
        pages = [catalog_page(session, launch.platform_id, n, per_page=1, search="e") for n in (1, 2)]
    assert [[c.title for c in page] for page, _ in pages] == [["Giving useful feedback"], ["Ladder safety"]]
    assert {count for _, count in pages} == {2}


def test_pages_name_an_icon_the_app_serves(client, launch_as, demo_course):
    # Without one, browsers ask for /favicon.ico and log a 404 in the console of every page.
    page = client.get("/learn", query_string=launch_as().q(), follow_redirects=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page.text)
    assert icon, "the page names no icon"
    served = client.get(icon.group(1))
    served.close()  # a static file's response holds the file open
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"


def test_overview_shows_pathway_minutes_and_next(client, launch_as, demo_course):
    launch = launch_as()
    page = client.get(f"/learn/c/{DEMO}", query_string=launch.q())
    assert page.status_code == 200
    assert "0 of 7 done" in page.text
    assert "Start: Why feedback matters" in page.text
    assert "Locked: first finish" in page.text  # SBI needs "why feedback"
    # what is missing, in course order: the module's prerequisites come before the nugget's own
    assert ("Locked: first finish Why feedback matters, The SBI model: situation, behaviour, impact, Describe "
            "behaviour, not character") in page.text
    assert f"lt={launch.token}" in page.text  # every link carries the launch token


def test_numbers_and_words_agree(client, launch_as, demo_course):
    launch = launch_as()
    assert "7 nuggets · about 9 minutes in all" in client.get(f"/learn/c/{DEMO}", query_string=launch.q()).text
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    assert re.search(r"About 1 minute\b(?!s)", page.text), "one minute, not '1 minutes'"


def test_blank_or_unreadable_answers_use_no_attempt(client, launch_as, demo_course, runtime):
    # A double tap on "Check my answers", or "2 days" in a number field, is not an attempt: nothing is
    # graded (no feedback would give the answers away), nothing is recorded, and what was typed stays.
    launch = launch_as()
    _complete(client, launch, "why-feedback", {"i.praise-counts": "false"})
    page = client.get(f"/learn/c/{DEMO}/n/sbi-model", query_string=launch.q())
    assert "3 attempts" in page.text
    for data in ({}, {"i.sbi-example": "1"}):
        answer = client.post(f"/learn/c/{DEMO}/n/sbi-model/answers", query_string=launch.q(),
                             data={"csrf": csrf_of(page.text), **data})
        assert answer.status_code == 422 and "Nothing was counted: you still have 3 attempts." in answer.text
        assert "Give each step a different position from 1 to 4." in answer.text
        assert "Correct." not in answer.text and "Not quite." not in answer.text
    assert re.search(r'value="1"\s+checked', answer.text)  # the answer given is still selected
    with runtime.sessions() as session:
        row = session.scalar(sa.select(NuggetProgress).where(NuggetProgress.nugget_key == "sbi-model"))
        assert row.attempts == 0 and row.completed_at is None
        assert session.scalar(sa.select(sa.func.count()).select_from(ItemResponse)
                              .where(ItemResponse.progress_id == row.id)) == 0


def test_nugget_without_quiz_is_done_when_marked(client, launch_as, demo_course, runtime):
    launch = launch_as()
    # 'receiving' requires the foundations module: finish those first via the service-free path
    page = client.get(f"/learn/c/{DEMO}/n/receiving", query_string=launch.q())
    assert page.status_code == 403
    assert "opens once you finish" in page.text


def test_answering_a_quiz_gives_feedback_and_completes(client, launch_as, demo_course, runtime):
    launch = launch_as()
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    assert page.status_code == 200 and "Check my answers" in page.text
    wrong = client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=launch.q(),
                        data={"csrf": csrf_of(page.text), "i.praise-counts": "true"})
    assert wrong.status_code == 303
    page = client.get(wrong.headers["Location"])
    assert "Not quite." in page.text and "You scored 0%" in page.text and "Try again" in page.text
    right = client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=launch.q(),
                        data={"csrf": csrf_of(page.text), "i.praise-counts": "false"})
    page = client.get(right.headers["Location"])
    assert "Correct." in page.text and "Well done" in page.text
    assert 'role="status"' in page.text
    with runtime.sessions() as session:
        row = session.scalar(sa.select(NuggetProgress).where(NuggetProgress.nugget_key == "why-feedback"))
        assert row.completed_at is not None and row.passed and row.attempts == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(ItemResponse)) == 2


def test_resume_goes_to_the_next_nugget(client, launch_as, demo_course):
    launch = launch_as()
    page = client.get(f"/learn/c/{DEMO}/n/why-feedback", query_string=launch.q())
    client.post(f"/learn/c/{DEMO}/n/why-feedback/answers", query_string=launch.q(),
                data={"csrf": csrf_of(page.text), "i.praise-counts": "false"})
    response = client.get(f"/learn/c/{DEMO}/resume", query_string=launch.q())
    assert response.status_code == 303 and "/n/sbi-model" in response.headers["Location"]


def _open_the_last_nugget(client, launch) -> None:
    """Finish what "Putting it together" requires, rightly."""
    _complete(client, launch, "why-feedback", {"i.praise-counts": "false"})
    _complete(client, launch, "sbi-model", {"i.sbi-example": "1", **{f"i.sbi-order.{i}": str(i + 1) for i in range(4)}})
    for nugget, answers in (("behaviour-not-character", {"i.observable": ["0", "2"], "i.word-to-avoid": "Always"}),
                            ("timing", {"i.days": "2"}),
                            ("conversation", {f"i.phrases.{i}": str(i) for i in range(3)})):
        _complete(client, launch, nugget, answers)
    page = client.get(f"/learn/c/{DEMO}/n/receiving", query_string=launch.q())
    client.post(f"/learn/c/{DEMO}/n/receiving/done", query_string=launch.q(), data={"csrf": csrf_of(page.text)})


def test_attempts_policy_stops_after_the_last_attempt(client, launch_as, demo_course, runtime):
    launch = launch_as()
    _open_the_last_nugget(client, launch)
    for _ in range(3):
        page = client.get(f"/learn/c/{DEMO}/n/putting-it-together", query_string=launch.q())
        client.post(f"/learn/c/{DEMO}/n/putting-it-together/answers", query_string=launch.q(),
                    data={"csrf": csrf_of(page.text), "i.best-opening": "0", "i.follow-up": "argue",
                          "i.praise": "false", "i.count": "99"})  # every question answered, wrongly
    page = client.get(f"/learn/c/{DEMO}/n/putting-it-together", query_string=launch.q())
    assert "No attempts left" in page.text and "Try again" not in page.text
    # out of attempts, the learner is shown each right answer they missed
    assert "The answer: ask or listen" in page.text and "The answer: True" in page.text
    overview = client.get(f"/learn/c/{DEMO}", query_string=launch.q()).text
    badge = re.search(r'You earned the badge <a href="([^"]+)">Feedback practitioner</a>', overview)
    assert badge, overview
    assert client.get(badge.group(1)).status_code == 200
    with runtime.sessions() as session:
        enrolment = session.scalar(sa.select(Enrolment))
        assert enrolment.completed_at is not None and enrolment.percent == 100 and enrolment.passed is False
    catalog = client.get("/learn/courses", query_string=launch.q()).text
    assert f"Completed with {round(enrolment.score * 100)}%, not passed" in catalog and "In progress" not in catalog


def _complete(client, launch, key, answers):
    page = client.get(f"/learn/c/{DEMO}/n/{key}", query_string=launch.q())
    assert page.status_code == 200, page.text
    response = client.post(f"/learn/c/{DEMO}/n/{key}/answers", query_string=launch.q(),
                           data={"csrf": csrf_of(page.text), **answers})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Well done" in page.text, re.findall(r'class="feedback">(.*?)</div>', page.text, re.S)


def test_the_result_shows_this_attempts_score_and_the_best_one_that_counts(client, launch_as, demo_course):
    launch = launch_as()
    _open_the_last_nugget(client, launch)
    url = f"/learn/c/{DEMO}/n/putting-it-together"
    for answers, expected in (({"i.follow-up": "ask", "i.praise": "true"}, "You scored 50% (needed 75%)."),
                              ({"i.follow-up": "argue", "i.praise": "false"}, "You scored 0% (needed 75%).")):
        page = client.get(url, query_string=launch.q())
        client.post(f"{url}/answers", query_string=launch.q(),
                    data={"csrf": csrf_of(page.text), "i.best-opening": "0", "i.count": "99", **answers})
        page = client.get(url, query_string=launch.q())
        assert expected in page.text
    assert "Your best, which counts: 50%." in page.text and "(1 attempt left)" in page.text


def test_a_course_the_link_names_but_skillbite_lacks_is_said_in_plain_words(client, launch_as, demo_course):
    page = client.get("/learn/c/nope", query_string=launch_as().q())
    assert page.status_code == 404
    assert "This activity points to a course Skillbite does not have (“nope”)." in page.text
    assert "`" not in page.text and "skillbite_course" not in page.text


def test_an_answer_that_cannot_be_checked_comes_back_as_typed(client, launch_as, demo_course):
    """Two steps in one place, or "2 days" for a number: nothing is counted, and the page keeps what the
    learner gave (not an empty form) beside what to fix."""
    launch = launch_as()
    _complete(client, launch, "why-feedback", {"i.praise-counts": "false"})
    url = f"/learn/c/{DEMO}/n/sbi-model"
    page = client.get(url, query_string=launch.q())
    back = client.post(f"{url}/answers", query_string=launch.q(),
                       data={"csrf": csrf_of(page.text), "i.sbi-example": "1",
                             **{f"i.sbi-order.{i}": "1" for i in range(4)}})
    assert back.status_code == 422
    assert "1 question needs an answer Skillbite can check (see below)." in back.text
    assert len(re.findall(r'<option value="1" selected>', back.text)) == 4
    assert re.search(r'id="i\.sbi-example-1" name="i\.sbi-example" value="1"\s*checked', back.text)
    _complete(client, launch, "sbi-model", {"i.sbi-example": "1", **{f"i.sbi-order.{i}": str(i + 1) for i in range(4)}})
    _complete(client, launch, "behaviour-not-character", {"i.observable": ["0", "2"], "i.word-to-avoid": "Always"})
    url = f"/learn/c/{DEMO}/n/timing"
    page = client.get(url, query_string=launch.q())
    back = client.post(f"{url}/answers", query_string=launch.q(), data={"csrf": csrf_of(page.text), "i.days": "2 days"})
    assert back.status_code == 422 and 'value="2 days"' in back.text
