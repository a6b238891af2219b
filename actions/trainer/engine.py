"""The pressure ladder: how the counterpart reacts to the officer's stance.

Plain Python, no Rasa. The state is a small JSON-able value that the Rasa action
keeps in a slot; line choice is a seeded random, so a session replays the same
way for the same seed and two sessions with different seeds differ.

- firm   → the counterpart changes tactic (next stage); after the last stage it withdraws.
- waver  → the counterpart presses harder on the same stage; after MAX_WAVERS
           hesitations it takes the silence for a yes (the officer gave in).
- gave_in → the counterpart is delighted and the scenario ends in consequences.
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from actions.trainer.scenarios import Scenario

FIRM, WAVER, GAVE_IN = "firm", "waver", "gave_in"
ACTIVE, WITHDRAWN, CONSEQUENCE, ABANDONED = "active", "withdrawn", "consequence", "abandoned"
MAX_WAVERS = 3
MODES = ("practice", "assessment")


@dataclass
class PlayState:
    scenario_id: str
    scenario_version: int
    seed: int
    mode: str = "practice"
    stage_index: int = 0
    turn: int = 0
    wavers: int = 0
    status: str = ACTIVE
    session_id: Optional[str] = None
    last_line: str = ""  # what the counterpart said last: the line the officer is answering
    last_message_id: Optional[str] = None  # the officer's last message this play has dealt with
    history: List[str] = field(default_factory=list)  # stance per officer turn

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]) -> Optional["PlayState"]:
        if not isinstance(data, dict) or "scenario_id" not in data:
            return None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True)
class Reaction:
    state: PlayState
    line: str
    stage_kind: str
    ended: bool = False
    outcome: Optional[str] = None  # withdrawn | consequence


def _pick(lines: List[str], seed: int, *salt: Any) -> str:
    rng = random.Random("|".join(str(s) for s in (seed, *salt)))
    return rng.choice(lines)


def open_scenario(scenario: Scenario, seed: int, mode: str = "practice") -> Reaction:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    state = PlayState(scenario.id, scenario.version, seed, mode=mode)
    stage = scenario.stages[0]
    state.last_line = _pick(stage.lines, seed, stage.id, "open")
    return Reaction(state, state.last_line, stage.kind)


def current_stage_kind(scenario: Scenario, state: PlayState) -> str:
    return scenario.stages[min(state.stage_index, len(scenario.stages) - 1)].kind


def react(scenario: Scenario, state: PlayState, stance: str) -> Reaction:
    """Advance the ladder after one scored officer reply."""
    reaction = _react(scenario, state, stance)
    reaction.state.last_line = reaction.line
    return reaction


def _react(scenario: Scenario, state: PlayState, stance: str) -> Reaction:
    if not state.active:
        raise ValueError("the scenario has already ended")
    if stance not in (FIRM, WAVER, GAVE_IN):
        raise ValueError(f"unknown stance {stance!r}")
    nxt = PlayState(**{**state.to_dict(), "history": [*state.history, stance]})
    nxt.turn += 1
    stage = scenario.stages[state.stage_index]

    if stance == WAVER:
        nxt.wavers += 1
        if nxt.wavers < MAX_WAVERS:
            line = _pick(stage.press, state.seed, stage.id, "press", nxt.turn)
            return Reaction(nxt, line, stage.kind)
        stance = GAVE_IN  # three hesitations read as a yes

    if stance == GAVE_IN:
        nxt.status = CONSEQUENCE
        line = _pick(scenario.consequence.lines, state.seed, "consequence", nxt.turn)
        return Reaction(nxt, line, stage.kind, ended=True, outcome=CONSEQUENCE)

    nxt.stage_index += 1
    if nxt.stage_index >= len(scenario.stages):
        nxt.status = WITHDRAWN
        line = _pick(scenario.withdraw, state.seed, "withdraw", nxt.turn)
        return Reaction(nxt, line, stage.kind, ended=True, outcome=WITHDRAWN)
    following = scenario.stages[nxt.stage_index]
    return Reaction(nxt, _pick(following.lines, state.seed, following.id, "open"), following.kind)


def abandon(state: PlayState) -> PlayState:
    return PlayState(**{**state.to_dict(), "status": ABANDONED})
