"""The role-play loop end to end, over the real Rasa server, action server and records database.

Each test plays as its own officer (its own sender id) so that the tests do not depend
on each other's conversations.
"""
from __future__ import annotations

import json
import subprocess
import sys
from typing import List

import pytest
from sqlalchemy import select

from actions.records import repository as repo
from actions.records.db import session_factory
from actions.records.models import TrainingSession
from actions.scoring.lexicon import load_guideline
from actions.trainer.scenarios import library
from tools.stack import ROOT, officer_token, rest_turn

pytestmark = pytest.mark.e2e


def say(live_stack, officer: str, text: str) -> List[str]:
    """One message as ``officer`` (each test plays as its own officer); the bot's texts."""
    return [m.get("text", "") for m in rest_turn(live_stack.stack.ports.rasa, officer_token(officer), text, timeout=120)]


def joined(texts: List[str]) -> str:
    return "\n".join(texts)


def number_of(scenario_id: str) -> str:
    return str(library().number_of(scenario_id))


def sessions_of(live_stack, sender: str):
    factory = session_factory(live_stack.stack.env["TRAINER_DATABASE_URL"])
    with factory() as s:
        rows = s.execute(
            select(TrainingSession).where(TrainingSession.conversation_id == f"web:{sender}")
            .order_by(TrainingSession.started_at)
        ).scalars().all()
        return [(row, repo.turns_of(s, row.id)) for row in rows]


def test_favour_scenario_held_firm_ends_with_withdrawal_and_debrief(live_stack):
    scenario = library().get("favour_red_light")
    guide = load_guideline()
    sender = "officer-firm"
    greeting = joined(say(live_stack, sender, "你好"))
    assert "可选场景" in greeting and scenario.title in greeting

    opening = joined(say(live_stack, sender, number_of(scenario.id)))
    assert "情景简介" in opening and scenario.persona.name in opening
    assert any(line in opening for line in scenario.stages[0].lines)

    replies = [guide.model_answers["favour"][s.kind] for s in scenario.stages]
    for i, reply in enumerate(replies):
        out = joined(say(live_stack, sender, reply))
        assert "〔本轮" in out  # practice mode: the score of the turn
        if i + 1 < len(scenario.stages):
            # a firm refusal makes the counterpart change tactic: the next rung's line
            assert any(line in out for line in scenario.stages[i + 1].lines), out
    assert any(line in out for line in scenario.withdraw)
    assert "【结果】" in out and "训练总结" in out and "通过" in out and "未通过" not in out
    assert "案例" in out and "推荐阅读" in out

    [(session, turns)] = sessions_of(live_stack, sender)
    assert session.outcome == "withdrawn" and session.passed is True and session.ended_at is not None
    assert [t.reply for t in turns] == replies and all(t.passed for t in turns)
    assert session.scenario_version == scenario.version and session.mode == "practice"


def test_gift_scenario_given_in_ends_in_consequence(live_stack):
    scenario = library().get("gift_red_envelope")
    sender = "officer-gives-in"
    opening = joined(say(live_stack, sender, number_of(scenario.id)))
    assert any(line in opening for line in scenario.stages[0].lines)

    out = joined(say(live_stack, sender, "那我就不客气了，收下了，谢谢你"))
    assert any(line in out for line in scenario.consequence.lines)
    assert "【后果】" in out and scenario.consequence.outcome in out and scenario.consequence.rule_broken in out
    assert "训练总结" in out and "未通过" in out and "接受请托或财物" in out

    [(session, turns)] = sessions_of(live_stack, sender)
    assert session.outcome == "consequence" and session.passed is False and session.red_line_hit is True
    assert len(turns) == 1 and turns[0].red_lines == ["accept"] and turns[0].stance == "gave_in"


def test_wavering_makes_the_counterpart_press_harder(live_stack):
    scenario = library().get("favour_red_light")
    sender = "officer-wavers"
    say(live_stack, sender, number_of(scenario.id))
    out = joined(say(live_stack, sender, "唉，这事挺难办的……"))
    assert any(line in out for line in scenario.stages[0].press), out
    out = joined(say(live_stack, sender, "提示"))
    assert "提示" in out and "明确拒绝" in out
    out = joined(say(live_stack, sender, "结束"))
    assert "已结束" in out and "训练总结" in out
    [(session, turns)] = sessions_of(live_stack, sender)
    assert session.outcome == "abandoned" and [t.stance for t in turns] == ["waver"]


def test_live_bot_and_batch_command_give_the_same_verdicts(live_stack):
    scenario = library().get("gift_banquet")
    sender = "officer-parity"
    say(live_stack, sender, number_of(scenario.id))
    replies = ["谢谢您的好意，饭我不能去吃，按规定不能参加执法对象的宴请。", "嗯……让我考虑考虑。",
               "请您不要再这样了，这可能涉嫌违纪，我会记录在案并报告。"]
    for r in replies:
        say(live_stack, sender, r)
    [(session, turns)] = sessions_of(live_stack, sender)
    assert len(turns) == 3
    lines = [json.dumps({"kind": scenario.kind, "counterpart": t.counterpart, "reply": t.reply,
                         "scenario": scenario.id, "stage": [s.kind for s in scenario.stages].index(t.stage) + 1},
                        ensure_ascii=False) for t in turns]
    proc = subprocess.run([sys.executable, "-m", "actions.scoring"], input="\n".join(lines) + "\n", text=True,
                          capture_output=True, cwd=ROOT, timeout=120)
    batch = [json.loads(x) for x in proc.stdout.splitlines()]
    live = [{"score": t.score, "passed": t.passed, "moves": t.moves, "red_lines": t.red_lines, "feedback": t.feedback}
            for t in turns]
    assert batch == live


@pytest.mark.parametrize("bad, expected", [
    ("😀😀😀", "只收到了表情"),
    ("x" * 600, "超过了 500 字"),
    ("<script>alert(1)</script>", "网页代码"),
    ("\u200b\u200b  \u200b", "没有收到内容"),
])
def test_bad_input_gets_a_clear_message_and_loses_nothing(live_stack, bad, expected):
    sender = f"officer-bad-{abs(hash(bad)) % 10_000}"
    say(live_stack, sender, number_of("favour_red_light"))
    out = joined(say(live_stack, sender, bad))
    assert expected in out
    # the scenario is still running and the next real reply is scored
    out = joined(say(live_stack, sender, "感谢您的理解，但法律面前人人平等，我们必须依法处理。"))
    assert "〔本轮" in out
    [(session, turns)] = sessions_of(live_stack, sender)
    assert len(turns) == 1 and session.ended_at is None


def test_assessment_mode_gives_no_hints_and_no_per_turn_scores(live_stack):
    sender = "officer-assessed"
    assert "考核模式" in joined(say(live_stack, sender, "考核模式"))
    say(live_stack, sender, number_of("gift_local_produce"))
    assert "不提供提示" in joined(say(live_stack, sender, "提示"))
    out = joined(say(live_stack, sender, "谢谢您，东西请带回去，按规定我们不能收。"))
    assert "〔本轮" not in out
    [(session, _turns)] = sessions_of(live_stack, sender)
    assert session.mode == "assessment"
