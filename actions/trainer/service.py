"""The training loop as one service: start a scenario, take a turn, end with a debrief.

Framework-free: the Rasa actions (actions/dialogue.py) and the tests call this.
Every scored turn is written through the repository before the counterpart's next
line is returned, so nothing the officer said is off the record.
"""
from __future__ import annotations

import os
import secrets
import time
import zlib
from dataclasses import dataclass
from typing import Any, Dict, Optional

from actions.records import repository as repo
from actions.records.uow import UnitOfWork
from actions.scoring.debrief import Debrief, build_debrief
from actions.scoring.lexicon import GAVE_IN_RED_LINES, load_guideline
from actions.scoring.scorer import Scorer, TurnScore, default_scorer
from actions.trainer import engine
from actions.trainer.engine import FIRM, GAVE_IN, WAVER, PlayState, Reaction
from actions.trainer.scenarios import Scenario, ScenarioLibrary, library


def stance_of(result: TurnScore) -> str:
    """How the counterpart reads the reply: gave in, wavered or stood firm."""
    if any(r in GAVE_IN_RED_LINES and r != "defer" for r in result.red_lines):
        return GAVE_IN
    if result.moves["refusal"] and "defer" not in result.red_lines and "keyword_list" not in result.flags:
        return FIRM
    return WAVER


def new_seed(conversation_id: str, scenario_id: str) -> int:
    """A fresh seed per play; TRAINER_SEED makes plays reproducible (tests, demos)."""
    fixed = os.environ.get("TRAINER_SEED")
    if fixed is not None:
        return zlib.crc32(f"{fixed}|{conversation_id}|{scenario_id}".encode()) & 0x7FFFFFFF
    return secrets.randbits(31)


@dataclass
class Started:
    state: PlayState
    scenario: Scenario
    opening: str


@dataclass
class TurnOutcome:
    state: PlayState
    result: TurnScore
    stance: str
    reaction: Optional[Reaction]
    debrief: Optional[Debrief]
    duplicate: bool = False


class TrainerService:
    def __init__(
        self,
        scenarios: Optional[ScenarioLibrary] = None,
        scorer: Optional[Scorer] = None,
        uow_factory=UnitOfWork,
    ):
        self._scenarios = scenarios
        self.scorer = scorer or default_scorer()
        self.uow = uow_factory

    @property
    def scenarios(self) -> ScenarioLibrary:
        return self._scenarios or library()

    def scenario_of(self, state: PlayState) -> Scenario:
        scenario = self.scenarios.get(state.scenario_id)
        if scenario is None:
            raise LookupError(f"scenario {state.scenario_id!r} is no longer in the library")
        return scenario

    # -- the loop -----------------------------------------------------------------
    def start(
        self, scenario: Scenario, *, officer_id: str, conversation_id: str, channel: str, mode: str,
        officer_name: Optional[str] = None, officer_unit: Optional[str] = None, pseudonymous: bool = False,
    ) -> Started:
        seed = new_seed(conversation_id, scenario.id)
        opening = engine.open_scenario(scenario, seed, mode)
        with self.uow() as s:
            repo.ensure_officer(s, officer_id, display_name=officer_name, unit=officer_unit, pseudonymous=pseudonymous)
            for stale in repo.open_sessions_of(s, conversation_id):
                repo.finish_session(s, stale.id, outcome=engine.ABANDONED, total_score=None, passed=False,
                                    red_line_hit=False, debrief=None)
            row = repo.start_session(
                s, officer_id=officer_id, conversation_id=conversation_id, scenario_id=scenario.id,
                scenario_version=scenario.version, scenario_kind=scenario.kind,
                rubric_version=self.scorer.version, mode=mode, channel=channel, seed=seed,
            )
            opening.state.session_id = row.id
        return Started(opening.state, scenario, opening.line)

    def take_turn(self, state: PlayState, reply: str, message_id: Optional[str] = None) -> TurnOutcome:
        began = time.perf_counter()
        scenario = self.scenario_of(state)
        stage = engine.current_stage_kind(scenario, state)
        result = self.scorer.score(scenario.kind, reply, state.last_line, stage, scenario.conflict_of_interest)
        stance = stance_of(result)
        reaction = engine.react(scenario, state, stance)
        debrief = None
        with self.uow() as s:
            if message_id and self._already_stored(s, state.session_id, message_id):
                return TurnOutcome(state, result, stance, None, None, duplicate=True)
            repo.add_turn(
                s, session_id=state.session_id, message_id=message_id, stage=stage, counterpart=state.last_line,
                reply=reply, result=result.to_dict(), stance=stance,
                latency_ms=(time.perf_counter() - began) * 1000,
            )
            if reaction.ended:
                debrief = self._finish(s, scenario, state.session_id, reaction.outcome)
        return TurnOutcome(reaction.state, result, stance, reaction, debrief)

    def end(self, state: PlayState, outcome: str = engine.ABANDONED) -> Debrief:
        scenario = self.scenario_of(state)
        with self.uow() as s:
            return self._finish(s, scenario, state.session_id, outcome)

    def hint(self, state: PlayState) -> Dict[str, Any]:
        scenario = self.scenario_of(state)
        stage = engine.current_stage_kind(scenario, state)
        guide = load_guideline()
        expected = ["refusal", "legal_basis", "courtesy"] + guide.expected_moves(
            scenario.kind, stage, scenario.conflict_of_interest)
        return {
            "moves": [guide.move_label(m) for m in expected],
            "answer": guide.model_answer(scenario.kind, stage, scenario.conflict_of_interest),
        }

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def _already_stored(s, session_id: Optional[str], message_id: str) -> bool:
        from sqlalchemy import select

        from actions.records.models import Turn

        return s.execute(
            select(Turn.id).where(Turn.session_id == session_id, Turn.message_id == message_id)
        ).first() is not None

    def _finish(self, s, scenario: Scenario, session_id: Optional[str], outcome: str) -> Debrief:
        turns = [self._turn_dict(t) for t in repo.turns_of(s, session_id)] if session_id else []
        debrief = build_debrief(scenario, turns, outcome)
        if session_id:
            repo.finish_session(
                s, session_id, outcome=outcome, total_score=debrief.score, passed=debrief.passed,
                red_line_hit=any(r in GAVE_IN_RED_LINES for r in debrief.red_lines), debrief=debrief.to_dict(),
            )
        return debrief

    @staticmethod
    def _turn_dict(t) -> Dict[str, Any]:
        return {
            "reply": t.reply, "score": t.score, "passed": t.passed, "moves": t.moves,
            "red_lines": t.red_lines, "model_answer": t.model_answer, "stage": t.stage,
        }
