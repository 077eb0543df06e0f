"""Deterministic recommendations on small catalogs: gaps first, prerequisites, depth rule, time, reasons."""

from __future__ import annotations

from plugin.plan.recommend import Catalog, plan_session, rank
from tests.plugin.plan.catalogs import COACH, FEEDBACK, LISTEN, nugget, state, two_courses


def keys(recs) -> list[str]:
    return [r.nugget.key for r in recs]


def test_largest_gap_first_and_locked_nuggets_never_offered():
    # Listening target 3 vs feedback target 2, both at the prior: listening closes more.
    assert keys(rank(two_courses(), state())) == ["listen-a"]  # one new pathway at a time (depth rule)


def test_a_done_prerequisite_unlocks_the_next_nugget_and_is_named():
    recs = rank(two_courses(), state(done={(1, "listen-a")}))
    assert keys(recs)[0] == "listen-b"
    assert recs[0].why == ("closes gap in Active listening from 0.4 to 1.5 (target 3); continues Course 1; "
                           "prerequisite Listen A done; 8 min")


def test_started_pathway_beats_a_slightly_larger_gap_elsewhere():
    # Feedback has the larger gap now (listening nearly met), but listening's pathway is started.
    s = state(done={(1, "listen-a")}, p={LISTEN: 0.5, FEEDBACK: 0.1})
    ranked = rank(two_courses(), s)
    assert keys(ranked)[:2] == ["listen-b", "feedback-x"]
    assert ranked[0].value < ranked[1].value and ranked[0].score > ranked[1].score


def test_a_much_larger_gap_elsewhere_still_wins():
    s = state(done={(1, "listen-a")}, p={LISTEN: 0.74, FEEDBACK: 0.1})
    assert keys(rank(two_courses(), s))[0] == "feedback-x"


def test_met_targets_are_not_recommended_unless_they_finish_a_pathway():
    s = state(done={(2, "feedback-x")}, p={LISTEN: 0.9, FEEDBACK: 0.9})
    recs = rank(two_courses(), s)
    assert keys(recs) == ["feedback-y"]
    assert recs[0].why.startswith("finishes a pathway you started")


def test_without_a_role_only_started_pathways_are_continued():
    assert rank(two_courses(), state(targets={})) == []
    assert keys(rank(two_courses(), state(done={(1, "listen-a")}, targets={}))) == ["listen-b"]


def test_only_what_fits_the_minutes_is_offered():
    recs = rank(two_courses(), state(done={(1, "listen-a"), (2, "feedback-x")}), minutes=7)
    assert keys(recs) == ["feedback-y"]  # listen-b takes 8


def test_a_session_chains_a_pathway_within_its_minutes():
    picks, after = plan_session(two_courses(), state(), minutes=25)
    assert keys(picks) == ["listen-a", "listen-b", "listen-c"]
    assert sum(r.nugget.minutes for r in picks) == 23
    assert (1, "listen-c") in after.done


def test_a_session_opens_at_most_one_new_pathway():
    catalog = Catalog.build([nugget(1, "a", 0, skills=(LISTEN,)), nugget(2, "b", 0, skills=(FEEDBACK,)),
                             nugget(3, "c", 0, skills=(COACH,))])
    picks, _ = plan_session(catalog, state(), minutes=60)
    assert keys(picks) == ["a"]


def test_nugget_closing_two_gaps_outranks_one_closing_one():
    catalog = Catalog.build([nugget(1, "one", 0, skills=(FEEDBACK,)), nugget(2, "two", 0, skills=(FEEDBACK, COACH))])
    recs = rank(catalog, state(), limit=None)
    assert keys(recs) == ["two"]
    assert "Feedback" in recs[0].why and "Coaching" in recs[0].why


def test_gain_is_capped_at_the_target():
    catalog = Catalog.build([nugget(1, "fb", 0, skills=(FEEDBACK,))])
    recs = rank(catalog, state(p={FEEDBACK: 0.45}))
    assert recs[0].closes[0].after == 2.0
