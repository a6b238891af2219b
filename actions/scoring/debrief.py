"""Session debrief: built only from the per-turn scores, so the two always agree.

- overall score: the mean of the turn scores; a session in which the officer gave
  in (any turn crossing a red line of giving in) is capped at 19 and fails;
- passed: no red line of giving in, the ladder completed (the counterpart withdrew)
  and the mean score ≥ 60;
- move coverage: the share of turns that showed each move; the weakest move is the
  least-covered of the moves the scenario expects.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence

from actions.scoring.lexicon import GAVE_IN_RED_LINES, MOVES, Guideline, load_guideline
from actions.scoring.scorer import PASS_SCORE

OUTCOME_LABELS = {
    "withdrawn": "对方放弃，您守住了底线",
    "consequence": "您松口了，情景以后果告终",
    "abandoned": "训练中途结束",
}


@dataclass
class Debrief:
    scenario_id: str
    title: str
    outcome: str
    turns: int
    score: Optional[int]
    passed: bool
    red_lines: List[str]
    coverage: Dict[str, float]
    weakest_move: Optional[str]
    best_reply: Optional[Dict[str, Any]]
    worst_reply: Optional[Dict[str, Any]]
    model_answers: List[str]
    case: Dict[str, str]
    insight: str
    consequence: Optional[Dict[str, str]]
    recommendations: Dict[str, List[str]]

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def build_debrief(scenario, turns: Sequence[Dict[str, Any]], outcome: str, guide: Optional[Guideline] = None) -> Debrief:
    """``turns``: dicts with reply, score, passed, moves, red_lines, model_answer, stage."""
    guide = guide or load_guideline()
    n = len(turns)
    red = sorted({r for t in turns for r in t["red_lines"]})
    gave_in = any(r in GAVE_IN_RED_LINES for r in red) or outcome == "consequence"
    score: Optional[int] = None
    if n:
        score = round(sum(t["score"] for t in turns) / n)
        if gave_in:
            score = min(score, 19)
    passed = bool(n) and not gave_in and outcome == "withdrawn" and (score or 0) >= PASS_SCORE
    coverage = {m: round(sum(1 for t in turns if t["moves"].get(m)) / n, 2) if n else 0.0 for m in MOVES}
    expected = ["refusal", "legal_basis", "courtesy"]
    for stage in {t["stage"] for t in turns}:
        expected += [m for m in guide.expected_moves(scenario.kind, stage, scenario.conflict_of_interest) if m not in expected]
    weakest = min(expected, key=lambda m: (coverage[m], expected.index(m))) if n else None

    def quote(t):
        return {"reply": t["reply"], "score": t["score"], "stage": t["stage"]}

    best = quote(max(turns, key=lambda t: t["score"])) if n else None
    worst = quote(min(turns, key=lambda t: t["score"])) if n else None
    answers: List[str] = []
    for t in turns:
        if t["model_answer"] not in answers:
            answers.append(t["model_answer"])
    case = dict(guide.cases[scenario.consequence.case])
    consequence = None
    if gave_in:
        consequence = {"outcome": scenario.consequence.outcome, "rule_broken": scenario.consequence.rule_broken}
    return Debrief(
        scenario_id=scenario.id, title=scenario.title, outcome=outcome, turns=n, score=score, passed=passed,
        red_lines=red, coverage=coverage, weakest_move=weakest, best_reply=best, worst_reply=worst,
        model_answers=answers, case=case, insight=guide.insights[scenario.insight],
        consequence=consequence, recommendations=guide.recommendations,
    )


def render_text(d: Debrief, guide: Optional[Guideline] = None) -> str:
    """The debrief as plain Chinese text, for any channel."""
    guide = guide or load_guideline()
    lines = [f"【训练总结】{d.title}", f"结果：{OUTCOME_LABELS.get(d.outcome, d.outcome)}"]
    if d.score is None:
        lines.append("本次没有作答，无法评分。")
    else:
        verdict = "通过" if d.passed else "未通过"
        lines.append(f"总分：{d.score}/100（{verdict}，共 {d.turns} 轮）")
    if d.consequence:
        lines.append(f"后果：{d.consequence['outcome']}")
        lines.append(f"违反：{d.consequence['rule_broken']}")
    if d.red_lines:
        lines.append("触碰红线：" + "、".join(guide.red_lines[r] for r in d.red_lines))
    if d.turns:
        cov = "，".join(f"{guide.move_label(m)} {round(v * 100)}%" for m, v in d.coverage.items())
        lines.append(f"要点覆盖：{cov}")
        if d.weakest_move:
            lines.append(f"最需加强：{guide.move_label(d.weakest_move)}——{guide.moves[d.weakest_move]['guideline']}")
        lines.append(f"最好的一句（{d.best_reply['score']}分）：“{d.best_reply['reply']}”")
        lines.append(f"最弱的一句（{d.worst_reply['score']}分）：“{d.worst_reply['reply']}”")
    if d.model_answers:
        lines.append("参考回答：")
        lines += [f"· {a}" for a in d.model_answers]
    lines.append(f"案例警示：{d.case['title']}。{d.case['summary']}{d.case['lesson']}")
    lines.append(f"案例启示：{d.insight}")
    rec = d.recommendations
    lines.append("推荐阅读：" + "、".join(rec["books"]))
    lines.append("推荐观看：" + "、".join(rec["films"]) + "；学习平台：" + "、".join(rec["platforms"]))
    return "\n".join(lines)
