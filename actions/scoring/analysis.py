"""Reading a reply: clauses, jieba tokens, pattern matches and their polarity.

The reply is normalised, split into clauses at punctuation, and segmented with
spaCy's blank Chinese pipeline using jieba. Every lexicon pattern is matched per
clause; a match preceded (within the clause, inside the negation window, not past
a scope break such as 但是) by an odd number of negator tokens is negated and,
by the lexicon's rule, dropped or counted as another category ("不收下" → refusal).
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from actions.scoring.lexicon import Lexicon
from actions.trainer.textnorm import normalize

_CLAUSE_SPLIT = re.compile(r"[，。！？；：,.!?;:\n…、~～—\-\s]+")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_NEGATOR_CHARS = "不没别未勿莫甭"
_MODAL_CHARS = set(_NEGATOR_CHARS + "能会可有得要用必敢想准再是该应")
_NOT_NEGATIONS = frozenset(
    "不过 不错 不仅 不但 不管 不论 不断 不少 不久 不同 不然 不如 不是 没事 别人 别的 不妨 不止 不只 不愧 不免 不禁 "
    "不服 不满 不公 不利 不安 不幸 不良 不法 不当 不足 不够 不清 不明 不一 不对 不好 不易 不再 不予".split())
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _nlp():
    """spaCy blank zh with jieba segmentation; loaded on first use, never at import."""
    import jieba
    import spacy

    jieba.setLogLevel(60)
    with _lock:
        return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


@dataclass(frozen=True)
class Evidence:
    category: str
    span: str
    start: int  # offsets in the normalised reply
    end: int
    negated: bool = False  # true when the category comes from a negated match


@dataclass
class Clause:
    text: str
    start: int
    tokens: List[Tuple[str, int]]  # (token text, offset within the reply)

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def tokens_before(self, offset: int) -> List[str]:
        """The clause's tokens that start before ``offset`` (an offset within the reply)."""
        return [t for t, idx in self.tokens if idx < offset]


@dataclass
class Reading:
    text: str  # normalised reply
    clauses: List[Clause]
    evidence: List[Evidence] = field(default_factory=list)
    one_word: str = ""  # "accept" / "refusal" when the whole reply is a one-word answer

    def of(self, category: str) -> List[Evidence]:
        return [e for e in self.evidence if e.category == category]

    def has(self, category: str) -> bool:
        return any(e.category == category for e in self.evidence)

    def asked(self, clause: "Clause") -> bool:
        """The clause ends in a question mark (the clause split removed it)."""
        return clause.end < len(self.text) and self.text[clause.end] in "?？"


def split_clauses(text: str) -> List[Clause]:
    doc = _nlp().make_doc(text)
    tokens = [(t.text, t.idx) for t in doc if not t.is_space]
    clauses: List[Clause] = []
    pos = 0
    for piece in _CLAUSE_SPLIT.split(text):
        if not piece:
            continue
        start = text.index(piece, pos)
        end = start + len(piece)
        pos = end
        toks = [(t, i) for t, i in tokens if start <= i < end]
        clauses.append(Clause(piece, start, toks))
    return clauses


_POSSESSORS = frozenset({"你", "您", "我", "他", "她", "咱", "我们", "你们", "他们", "咱们"})
_COMPLEMENTS = frozenset("回去 回来 走 动 起 掉 出去 进去 出来 下去".split())  # directional complements only
_EVERY_ONE = frozenset({"一字", "一个", "一分", "一样", "一点", "一丝", "一项", "一条"})


def _negators_in(piece: str, lex: Lexicon) -> int:
    """How many negations a token carries: "不能" one, "不能不" two, "不过" none."""
    if piece in lex.negators:
        return 1
    if piece and set(piece) <= _MODAL_CHARS and any(ch in _NEGATOR_CHARS for ch in piece):
        return sum(piece.count(ch) for ch in _NEGATOR_CHARS)
    if len(piece) == 2 and piece[0] in "不没别" and piece not in _NOT_NEGATIONS:
        return 1  # jieba glues the negator to the next character: "不往", "没给", "别转"
    return 0


def _asks_either_way(pieces: List[str], k: int) -> bool:
    """"是不是", "能不能" — one token, or jieba's 能 + 不能 (办卡能 + 不能): a question, not a negation."""
    piece = pieces[k]
    if len(piece) == 3 and piece[0] == piece[2] and piece[1] in "不没":
        return True
    return k > 0 and len(piece) >= 2 and piece[0] in "不没" and pieces[k - 1].endswith(piece[1:])


def _negation_count(clause: Clause, match_start: int, lex: Lexicon) -> int:
    """Negators before ``match_start`` (an offset within the reply) in the clause's scope."""
    pieces: List[str] = []
    for tok, idx in clause.tokens:
        if idx >= match_start:
            break
        pieces.append(tok[: match_start - idx] if idx + len(tok) > match_start else tok)
    count = 0
    seen = 0
    for k in range(len(pieces) - 1, -1, -1):
        piece = pieces[k]
        if _PUNCT_ONLY.match(piece):
            continue
        # "不予立案的通知我先不发": after 的 the negation qualifies a noun, not the act after it —
        # unless 的 only says whose ("不可能收你的钱去替你说情").
        if piece in lex.scope_breaks or (piece == "的" and not (k > 0 and pieces[k - 1] in _POSSESSORS)):
            break
        seen += piece != "的"  # a particle: "不可能收你的钱去替你说情" is still in scope
        if seen > lex.negation_window:
            break
        if _asks_either_way(pieces, k):
            continue
        if piece[:1] == "不" and len(piece) <= 2 and k > 0 and pieces[k - 1] in _EVERY_ONE:
            continue  # "一字不落地如实记录", "一字 不落 写进报告": "not one left out" intensifies, it does not negate
        if piece == "不" and 0 < k < len(pieces) - 1 and len(pieces[k - 1]) == 1 and pieces[k + 1] in _COMPLEMENTS:
            continue  # "退不回去就交纪检", "搬不走我们就登记": "cannot V" negates its verb, not what follows
        count += _negators_in(piece, lex)
    return count


def read(reply: str, lex: Lexicon) -> Reading:
    text = normalize(reply)
    reading = Reading(text=text, clauses=split_clauses(text) if text else [])
    bare = re.sub(r"[\W_]+", "", text).lower()
    if bare in lex.one_word_refusal:
        reading.one_word = "refusal"
    elif bare in lex.one_word_accept:
        reading.one_word = "accept"

    for clause in reading.clauses:
        taken: Dict[Tuple[str, int, int], bool] = {}
        # A question mark belongs to its clause: patterns such as "几点？" (asking when the
        # banquet is) need it, and the clause split removed it.
        probe = clause.text + (text[clause.end] if reading.asked(clause) else "")
        for cat in lex.categories:
            for pattern in cat.patterns:
                for m in pattern.finditer(probe):
                    if m.end() == m.start():
                        continue
                    start, end = clause.start + m.start(), clause.start + m.end()
                    negated = cat.negation_sensitive and _negation_count(clause, start, lex) % 2 == 1
                    if negated and cat.flip_to is None:
                        continue
                    name = cat.flip_to if negated else cat.name
                    key = (name, start, end)
                    if key not in taken:
                        taken[key] = True
                        reading.evidence.append(Evidence(name, m.group(0), start, end, negated))
    reading.evidence.sort(key=lambda e: (e.start, e.end))
    return reading


def clause_index(reading: Reading, offset: int) -> int:
    for i, c in enumerate(reading.clauses):
        if c.start <= offset < c.end:
            return i
    return -1


def clause_at(reading: Reading, offset: int) -> Optional[Clause]:
    i = clause_index(reading, offset)
    return reading.clauses[i] if i >= 0 else None


def clause_has_any(clause: Clause, words: Sequence[str]) -> bool:
    return any(tok in words for tok, _ in clause.tokens) or any(w in clause.text for w in words if len(w) > 1)
