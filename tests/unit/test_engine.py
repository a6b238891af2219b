"""The pressure ladder: firm → next tactic → withdraw; waver → press; give in → consequence."""
from __future__ import annotations

import pytest

from actions.trainer import engine
from actions.trainer.engine import FIRM, GAVE_IN, WAVER, PlayState
from actions.trainer.scenarios import library


@pytest.fixture
def scenario():
    return library().get("gift_red_envelope")


def test_firm_through_the_ladder_ends_in_withdrawal(scenario):
    r = engine.open_scenario(scenario, seed=3)
    assert r.line in scenario.stages[0].lines
    seen = [r.line]
    for i in range(len(scenario.stages)):
        r = engine.react(scenario, r.state, FIRM)
        seen.append(r.line)
        if i < len(scenario.stages) - 1:
            assert not r.ended and r.line in scenario.stages[i + 1].lines  # changed tactic
    assert r.ended and r.outcome == engine.WITHDRAWN and r.line in scenario.withdraw
    assert r.state.status == engine.WITHDRAWN and r.state.history == [FIRM] * len(scenario.stages)


def test_waver_presses_harder_on_the_same_stage_then_counts_as_giving_in(scenario):
    r = engine.open_scenario(scenario, seed=3)
    r = engine.react(scenario, r.state, WAVER)
    assert not r.ended and r.line in scenario.stages[0].press and r.state.stage_index == 0
    r = engine.react(scenario, r.state, WAVER)
    assert not r.ended and r.line in scenario.stages[0].press
    r = engine.react(scenario, r.state, WAVER)
    assert r.ended and r.outcome == engine.CONSEQUENCE and r.line in scenario.consequence.lines


def test_giving_in_ends_in_consequence_at_once(scenario):
    r = engine.open_scenario(scenario, seed=3)
    r = engine.react(scenario, engine.react(scenario, r.state, FIRM).state, GAVE_IN)
    assert r.ended and r.outcome == engine.CONSEQUENCE and r.state.status == engine.CONSEQUENCE
    with pytest.raises(ValueError):
        engine.react(scenario, r.state, FIRM)


def test_seeded_lines_are_reproducible_and_seeds_differ(scenario):
    def play(seed):
        r = engine.open_scenario(scenario, seed)
        lines = [r.line]
        for stance in (WAVER, FIRM, FIRM, FIRM, FIRM):
            r = engine.react(scenario, r.state, stance)
            lines.append(r.line)
        return lines

    assert play(11) == play(11)
    assert len({tuple(play(s)) for s in range(12)}) > 1


def test_state_round_trips_through_a_slot_value(scenario):
    r = engine.react(scenario, engine.open_scenario(scenario, seed=5, mode="assessment").state, WAVER)
    restored = PlayState.from_dict(r.state.to_dict())
    assert restored == r.state and restored.mode == "assessment" and restored.last_line == r.line
    assert PlayState.from_dict(None) is None and PlayState.from_dict({"junk": 1}) is None


def test_unknown_mode_and_stance_are_refused(scenario):
    with pytest.raises(ValueError):
        engine.open_scenario(scenario, seed=1, mode="exam")
    with pytest.raises(ValueError):
        engine.react(scenario, engine.open_scenario(scenario, seed=1).state, "maybe")
