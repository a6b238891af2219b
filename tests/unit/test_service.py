"""The training loop against a real (SQLite) records database: every turn on record."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.records import repository as repo
from actions.records.models import Officer, TrainingSession
from actions.records.uow import UnitOfWork
from actions.scoring.lexicon import load_guideline
from actions.trainer import engine
from actions.trainer.scenarios import library
from actions.trainer.service import TrainerService, stance_of


@pytest.fixture
def svc(db_url):
    return TrainerService()


def start(svc, sid="favour_red_light", mode="practice", officer="o-1", conv="c-1"):
    return svc.start(library().get(sid), officer_id=officer, conversation_id=conv, channel="test", mode=mode,
                     officer_name="张警官", officer_unit="交警一中队")


def test_firm_play_is_recorded_turn_by_turn_and_closed(svc):
    started = start(svc)
    guide = load_guideline()
    state = started.state
    for stage in started.scenario.stages:
        out = svc.take_turn(state, guide.model_answers["favour"][stage.kind], message_id=f"m-{stage.id}")
        state = out.state
    assert out.reaction.ended and out.reaction.outcome == engine.WITHDRAWN
    assert out.debrief.passed and out.debrief.turns == len(started.scenario.stages)
    with UnitOfWork() as s:
        row = s.get(TrainingSession, started.state.session_id)
        turns = repo.turns_of(s, row.id)
        officer = s.get(Officer, "o-1")
        assert row.outcome == "withdrawn" and row.passed and row.total_score == out.debrief.score
        assert row.rubric_version == svc.scorer.version and row.channel == "test"
        assert [t.index for t in turns] == [0, 1, 2, 3] and all(t.evidence for t in turns)
        assert turns[0].counterpart == started.opening
        assert officer.display_name == "张警官" and officer.unit.name == "交警一中队"


def test_same_message_twice_is_stored_once_and_does_not_advance(svc):
    state = start(svc).state
    first = svc.take_turn(state, "不行，必须依法处理。", message_id="m-1")
    again = svc.take_turn(state, "不行，必须依法处理。", message_id="m-1")
    assert not first.duplicate and again.duplicate
    with UnitOfWork() as s:
        assert len(repo.turns_of(s, state.session_id)) == 1


def test_giving_in_closes_the_session_as_consequence(svc):
    state = start(svc, sid="gift_shopping_card").state
    out = svc.take_turn(state, "那就谢谢了，卡我收下了。", message_id="m-1")
    assert out.stance == engine.GAVE_IN and out.reaction.outcome == engine.CONSEQUENCE
    assert out.debrief.consequence and not out.debrief.passed and out.debrief.score < 20
    with UnitOfWork() as s:
        row = s.get(TrainingSession, state.session_id)
        assert row.red_line_hit and row.outcome == "consequence"


def test_starting_again_abandons_the_open_session(svc):
    first = start(svc).state
    second = start(svc, sid="gift_banquet").state
    with UnitOfWork() as s:
        rows = {r.id: r for r in s.execute(select(TrainingSession)).scalars()}
        assert rows[first.session_id].outcome == "abandoned" and rows[second.session_id].ended_at is None


def test_end_gives_a_debrief_even_with_no_turns(svc):
    state = start(svc, mode="assessment").state
    debrief = svc.end(state)
    assert debrief.turns == 0 and debrief.score is None and not debrief.passed


def test_hint_names_the_expected_moves(svc):
    state = start(svc, sid="favour_spouse_brother").state
    hint = svc.hint(state)
    assert "明确拒绝" in hint["moves"] and "申请回避" in hint["moves"]  # conflict of interest
    assert hint["answer"] == load_guideline().model_answers["favour"]["recusal"]


def test_stance_reading(svc):
    s = svc.scorer
    assert stance_of(s.score("favour", "我帮你问问")) == engine.GAVE_IN
    assert stance_of(s.score("favour", "过两天再说吧")) == engine.WAVER   # deferral: press harder
    assert stance_of(s.score("favour", "唉，难办啊")) == engine.WAVER
    assert stance_of(s.score("favour", "不行。")) == engine.FIRM
    assert stance_of(s.score("favour", "依法处理 正规渠道 纪检监察")) == engine.WAVER
