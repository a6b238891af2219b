"""A naive keyword-count scorer, the baseline the real scorer is measured against.

It looks for each move's best-known phrases as plain substrings (no negation, no
clause structure, no red lines) and passes a reply that shows three moves or more.
This is what "keyword matching" means in the README's comparison table.
"""
from __future__ import annotations

from typing import Dict

from actions.scoring.lexicon import MOVES

KEYWORDS: Dict[str, tuple] = {
    "refusal": ("不能", "不行", "拒绝", "不收", "不可以"),
    "legal_basis": ("依法", "法律", "规定", "人人平等", "纪律"),
    "courtesy": ("您", "请", "谢谢", "感谢", "理解"),
    "formal_channel": ("正规渠道", "申诉", "复议", "诉讼"),
    "warning": ("违法", "涉嫌", "停止", "行贿"),
    "record_report": ("记录", "报告", "纪检", "监察", "上报"),
    "recusal": ("回避",),
}


def score(kind: str, reply: str, counterpart: str = "", stage=None, conflict_of_interest: bool = False) -> Dict:
    moves = {m: any(k in reply for k in KEYWORDS[m]) for m in MOVES}
    count = sum(moves.values())
    return {"score": min(100, round(100 * count / 4)), "passed": count >= 3, "moves": moves, "red_lines": []}
