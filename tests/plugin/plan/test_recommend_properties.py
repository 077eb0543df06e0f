"""Property tests: no unmet prerequisites, never over the time budget, gaps in range."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.plan.recommend import Catalog, LearnerState, Target, plan_session, rank
from plugin.skills import scale
from tests.plugin.plan.catalogs import nugget

SKILLS = list(range(1, 6))


@st.composite
def catalogs(draw):
    """Up to 4 courses of up to 6 nuggets; each nugget may require earlier nuggets of its course."""
    nuggets = []
    for course in range(1, draw(st.integers(1, 4)) + 1):
        count = draw(st.integers(1, 6))
        for position in range(count):
            earlier = [f"c{course}-n{i}" for i in range(position)]
            requires = tuple(draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))) if earlier else ()
            nuggets.append(nugget(course, f"c{course}-n{position}", position, minutes=draw(st.integers(1, 15)),
                                  skills=tuple(draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=2))),
                                  requires=requires))
    return Catalog.build(nuggets)


@st.composite
def states(draw, catalog):
    refs = [n.ref for n in catalog.nuggets]
    done = frozenset(draw(st.lists(st.sampled_from(refs), unique=True, max_size=len(refs)))) if refs else frozenset()
    targets = {s: Target(f"skill {s}", draw(st.integers(1, 4)))
               for s in draw(st.lists(st.sampled_from(SKILLS), unique=True))}
    p_known = {s: draw(st.floats(0, 1)) for s in draw(st.lists(st.sampled_from(SKILLS), unique=True))}
    return LearnerState(done=done, targets=targets, p_known=p_known)


@st.composite
def scenarios(draw):
    catalog = draw(catalogs())
    return catalog, draw(states(catalog)), draw(st.integers(0, 60))


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_recommendations_never_have_unmet_prerequisites(scenario):
    catalog, state, minutes = scenario
    for rec in rank(catalog, state, limit=None):
        assert rec.nugget.ref not in state.done
        assert all((rec.nugget.course_id, k) in state.done for k in rec.nugget.requires)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_a_session_meets_prerequisites_in_order_and_fits_its_minutes(scenario):
    catalog, state, minutes = scenario
    picks, _ = plan_session(catalog, state, minutes)
    done = set(state.done)
    for rec in picks:
        assert all((rec.nugget.course_id, k) in done for k in rec.nugget.requires)
        done.add(rec.nugget.ref)
    assert sum(r.nugget.minutes for r in picks) <= minutes
    assert len({r.nugget.ref for r in picks}) == len(picks)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_fitted_lists_fit_and_gap_numbers_stay_in_range(scenario):
    catalog, state, minutes = scenario
    recs = rank(catalog, state, limit=None, minutes=minutes)
    assert sum(r.nugget.minutes for r in recs) <= minutes
    for rec in recs:
        for closed in rec.closes:
            assert 0.0 <= closed.before < closed.after <= closed.target <= scale.MAX_LEVEL
        assert rec.value >= 0
