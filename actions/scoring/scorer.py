"""Score one officer reply against the guideline responses.

The verdict is built by explainable rules over the evidence that
:mod:`actions.scoring.analysis` finds, in this order:

1. **Red lines of giving in** (accept, half-accept, promise, defer, leak) fail the
   turn whatever else is said: band 0, score 0–19. An acceptance or promise under a
   condition (如果/要是/等……) is reported as a half-acceptance.
2. **A hedged refusal** ("原则上不行，但是……") that a concessive clause takes back is
   not a refusal.
3. **A keyword list** (three or more rubric phrases with no sentence around them) is a
   non-answer: band 1, no moves.
4. **No refusal**: band 1 (20–39) — the officer wavered or did not answer.
5. **Refusal without a ground**, or in rude/abusive language: band 2 (40–59).
6. **Refusal + a ground** (law, warning, formal channel, record/report, recusal), civil:
   band 3 (60–79); with legal basis, courtesy and one of the stage's expected moves:
   band 4 (80–100).
7. **A pass the learned give-in model doubts** (learned.py) — the whole reply, or one sentence
   of a longer one against a stricter threshold — is band 1 instead, with the clause or sentence
   that reads most like giving in as evidence, and goes to human review. So is a pass the learned
   waver model reads as taking no stand (flag ``learned_waver``).

Passed means band ≥ 3. Within a band the score grows with the moves shown.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from actions.scoring.analysis import Clause, Evidence, Reading, clause_at, clause_has_any, clause_index, read
from actions.scoring.learned import give_in_model, refusal_model, waver_model
from actions.trainer.textnorm import normalize
from actions.scoring.lexicon import (
    GAVE_IN_RED_LINES,
    MOVES,
    RED_LINES,
    Guideline,
    Lexicon,
    load_guideline,
    load_lexicon,
    rubric_version,
)

GROUNDS = ("legal_basis", "warning", "formal_channel", "record_report", "recusal")
STAGES = ("request", "relationship", "offer", "pressure")
PASS_SCORE = 60
_PRONOUN = re.compile(r"[我你您他她咱]")
_PARTICLES = re.compile(r"[也都就吧了呢啊的要哈吗嘛很]")
_UNTIL = ("等", "等到")
# What accepting would cost the officer, said in the clause right after the act.
_RUIN = re.compile(r"(就|便|才|都|也|一起|一块|一样)(?![^，。]{0,6}(不算|不是|不会|不犯|没))[^，。]{0,6}(违纪|违法|违规|违反(了)?(纪律|规定|法律)|犯法|犯罪|受贿|行贿|处分|进去|坐牢|保不住|穿不长|穿不了|脱(了)?警服|饭碗|说不清|害(了|你|您|他|她))")
_WRONG = re.compile(r"是(我|您|你)?(在)?(违法|违纪|违反(了)?(纪律|规定|法律)|犯法|犯罪|害)")  # "真那么写了是我违法"
# The offer repeated and refused in the same breath: "就这一次也不行", "私下给钱就是行贿".
_REFUSED_HERE = re.compile(r"^[^，。]{0,3}(也|都|还是|照样)(不行|不可以|不能|不成|没门|免谈|不可能|办不到)"
                           r"|^(这话|这句话|这种话|这四个字|这几个字)"  # "下不为例这话我不能接"
                           r"|^(?![^，。]*不是)[^，。]{0,8}(不合|不符合)(程序|规定|规矩|法律|法规)$")  # "拖着不出文书不合程序"
# The counterpart's deal named: "你拿旅游换超员从轻处理，涉嫌行贿" — what they want, not what the officer gives.
_LINKS = ("但", "可是", "不过", "然而")
# What the favour would lead to, said in the next clause: "分我抹了，下回他还敢闯".
_EMBOLDENED = re.compile(r"(下回|下次|以后|将来)[^，。]{0,4}(还敢|还会|更敢|照样)")
_THEIR_DEAL = re.compile(r"(拿|用|以)[^，。]{1,10}(换|换取|谋取)")
_I_DO = re.compile(r"(?<![跟和给对向找约让叫帮替])我")  # 我 as the one acting, not "跟我打招呼"
_RECORDER = re.compile(r"记录仪|录音|录像|录着|在录|录下|全程录")
_AUTHORITY = re.compile(r"(纪检|纪委|监察|督察)(那儿|那里|那边|眼里|看来)")  # "在纪委那儿就叫受贿" reports nothing
_PROCEDURE = ("律师", "诉状", "状子", "申请书", "救助", "援助", "补助", "低保", "流程", "手续", "渠道", "怎么走", "复议", "申诉", "社区", "民政", "居委会", "分期")
# Putting in a word with a person is intercession, whatever channel it is for ("复核组的同事我帮您递个话").
_INTERCESSION = ("递个话", "递话", "打招呼", "打个招呼", "说情", "通个气", "说说", "美言", "好话", "提一句", "认识")
_THIRD_PARTY = ("有人", "别人", "谁", "人家", "前任", "前几任", "任何人", "任何")
_CONSEQUENT = ("就", "那就", "便", "那我就", "我就")
# Words that announce a confidence ("说实话，所长那边已经松了口"): what follows them is told off the record.
_DISCLOSURE = re.compile(
    r"说实话|说实在的|说句实话|说句实在话|实话(跟|和|告诉)(你|您)(说)?|(跟|和)(你|您)说(句|个)?(实话|实在话|事)"
    r"|不瞒(你|您)(说)?|我也不瞒(你|您)|顺便(说|提)(一句|一下)|顺带(提醒|说|提)(一句|一下)|另外(告诉|跟)(你|您)(说)?"
    r"|说句(私话|私下话|题外话)|有件事(您|你)?(得|要)?留个心|说句不该说的|(你|您)(可)?别跟(别人|外人|人)说|(ps|PS)[:：]?|我(偷偷)?瞄了一眼"
    r"|我(能|可以)告诉(你|您)的(就)?是|我只能(跟|和|告诉)(你|您)(说)?|听(同事|他们|队里|所里|里面|办案的)[^，。]{0,4}说"
    r"|我多句嘴|多嘴(说|提)?一句|我教(你|您)(个(办法|法子|招))?(?=[:：])")
_TELLING = re.compile(r"告诉|透|说|提醒|交(个)?底|心里有数")  # the act of telling, not a fact of the file
_THEIR_BELIEF = re.compile(r"(你|您)[^，。]{0,3}(觉得|认为|怀疑)")  # "你要真觉得对方也有责任，就把证据交给…"
_THEIR_PLAN = ("准备", "打算", "已经", "正在", "要")
_MINE = re.compile(r"我(?!们)")
# "我能告诉您的是，孩子可以参加学法减分，这是公开政策": what anyone may learn is no confidence
_PUBLIC = re.compile(r"公开(的)?(政策|信息|规定|流程|渠道)|(都|谁都|人人)(能|可以)(问到|查到|看到)|官网(上)?(有|能查|可以查)")
# A fact of the file stated plainly (dev75): when, how many, what the unit did or decided.
_WHEN = re.compile(r"昨天|前天|上周|上个月|前两天|前几天|这周|下周|下个月|月底|本月|明天|上午|下午|刚刚|前天刚|已经|一共|还不到|定在|定了")
_HOW_MANY = re.compile(r"[0-9一二三四五六七八九十两百千万]+(个|条|次|箱|趟|毫克|天|万|辆|户|组|笔)")
_FILE_ACT = re.compile(r"调了|派了|接到|交代|决定|签批|核实|定在|查到|冻结|移交|报到|进卷")
_ADDRESSED = re.compile(r"[您你咱]")
_MAXIM = ("这种", "这样的", "这类", "这号", "人情", "做人", "换谁", "换了谁", "谁听了")  # "说句实在话，这种事开了头就收不住": a maxim, no file
_SENTENCE = re.compile(r".+?(?:[。!?;]+|\.{3,}|$)")  # normalised text: "！？；" are ASCII, "…" is "..."
_CLAUSE_END = re.compile(r"[。！？!?\n，,；;：:]")
_RHETORIC = re.compile(r"怎么|怎能|哪能|如何|难道|凭什么|成什么|像什么")


@dataclass
class TurnScore:
    score: int
    band: int
    passed: bool
    moves: Dict[str, bool]
    evidence: Dict[str, List[str]]  # move or red line → the spans that show it
    red_lines: List[str]
    feedback: str
    model_answer: str
    expected: List[str]
    missing: List[str]
    confidence: float  # below 0.6 the turn goes to the coordinators' review queue
    flags: List[str] = field(default_factory=list)
    rubric_version: str = ""

    @property
    def needs_review(self) -> bool:
        return self.confidence < 0.6

    def contract(self) -> Dict[str, object]:
        """The batch command's output object (issue #3's contract)."""
        return {
            "score": self.score,
            "passed": self.passed,
            "moves": dict(self.moves),
            "red_lines": list(self.red_lines),
            "feedback": self.feedback,
        }

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)


def _sentence_end(text: str, start: int) -> int:
    ends = [k for k in (text.find(p, start) for p in "。！？!?") if k >= 0]
    return min(ends, default=len(text))


def _likeliest_clause(model, reading: Reading, category: str) -> Evidence:
    """The clause a learned model finds most like its class (one pass over all clauses), as evidence."""
    if not reading.clauses:
        return Evidence(category, reading.text, 0, len(reading.text))
    _, clause = max(zip(model.p_many([c.text for c in reading.clauses]), reading.clauses), key=lambda x: x[0])
    return Evidence(category, clause.text, clause.start, clause.end)


def _said_back(told: str, heard: str) -> bool:
    return all(bit in heard for bit in re.split(r"[、，,;；\s]+", told) if bit)


def judged_sentences(text: str, concessive) -> List[re.Match]:
    """The sentences of a normalised reply the give-in check reads one by one, or [] for a reply
    of one sentence. "那年的事我心里有数。可记分这事谁说了也不算": a sentence the next one turns
    against (可/但是/不过……) is read with it, not alone."""
    sentences = [m for m in _SENTENCE.finditer(text) if m.group(0).strip(" 。!?;.")]
    if len(sentences) < 2:
        return []
    return [m for m, nxt in zip(sentences, sentences[1:] + [None])
            if nxt is None or not nxt.group(0).lstrip().startswith(tuple(concessive))]


def _asks_which(text: str, e: Evidence) -> bool:
    """"拘不拘", "收不收": a verb, 不 and the same verb ask which, they do not refuse."""
    return (e.span[:1] in "不没" and 0 < e.start and e.start + 1 < len(text)
            and text[e.start - 1] == text[e.start + 1])


class Scorer:
    """Stateless and deterministic; one instance serves every conversation."""

    def __init__(self, lexicon: Optional[Lexicon] = None, guideline: Optional[Guideline] = None):
        self.lex = lexicon or load_lexicon()
        self.guide = guideline or load_guideline()
        self.version = rubric_version()

    # -- public -----------------------------------------------------------------
    def score(
        self,
        kind: str,
        reply: str,
        counterpart: str = "",
        stage: Optional[str] = None,
        conflict_of_interest: bool = False,
    ) -> TurnScore:
        if kind not in ("favour", "gift"):
            raise ValueError("kind must be 'favour' or 'gift'")
        if stage is not None and stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}")
        reading = read(reply, self.lex)
        flags: List[str] = []
        evidence = self._resolve(reading, flags, counterpart or "")

        red = [r for r in RED_LINES if evidence.get(r)]
        moves = {m: bool(evidence.get(m)) for m in MOVES}
        if "abusive" in red:
            moves["courtesy"] = False

        if self._keyword_list(reading, evidence):
            flags.append("keyword_list")
            moves = {m: False for m in MOVES}

        expected = self.guide.expected_moves(kind, stage, conflict_of_interest)
        band, score = self._band_and_score(moves, red, flags, expected)
        if band >= 3:
            # The rules would pass it, but it reads like giving in, or like taking no stand:
            # ambiguous (band 1), reviewed.
            suspect = self._reads_as_giving_in(reading) or self._reads_as_wavering(reading)
            if suspect is not None:
                flags.append(suspect.category)
                evidence.setdefault(suspect.category, []).append(suspect)
                band, score = 1, min(39, 20 + 3 * sum(moves.values()))
        missing = [m for m in ("refusal", "legal_basis", "courtesy") if not moves[m]]
        if not any(moves[m] for m in expected):
            missing += expected
        return TurnScore(
            score=score,
            band=band,
            passed=band >= 3,
            moves=moves,
            evidence={k: [e.span for e in v] for k, v in evidence.items() if v},
            red_lines=red,
            feedback=self._feedback(band, moves, red, flags, missing,
                                    evidence.get("learned_give_in") or evidence.get("learned_waver")),
            model_answer=self.guide.model_answer(kind, stage, conflict_of_interest),
            expected=expected,
            missing=missing,
            confidence=self._confidence(reading, evidence, red, moves, flags),
            flags=flags,
            rubric_version=self.version,
        )

    # -- rules ------------------------------------------------------------------
    def _resolve(self, reading: Reading, flags: List[str], heard: str = "") -> Dict[str, List[Evidence]]:
        """The evidence that stands, by category; ``heard`` is what the counterpart just said."""
        evidence: Dict[str, List[Evidence]] = {}
        for e in reading.evidence:
            if e.category == "refusal" and _asks_which(reading.text, e):
                continue  # "拘不拘要看伤情鉴定": the question whether, not a no
            evidence.setdefault(e.category, []).append(e)
        if reading.one_word == "accept" and not evidence.get("refusal"):
            evidence.setdefault("accept", []).append(Evidence("accept", reading.text, 0, len(reading.text)))
            flags.append("one_word")
        elif reading.one_word == "refusal":
            evidence.setdefault("refusal", []).append(Evidence("refusal", reading.text, 0, len(reading.text)))
            flags.append("one_word")

        # Acceptance or a promise under a condition is a half-acceptance.
        for cat in ("accept", "promise"):
            kept = []
            for e in evidence.get(cat, []):
                if self._not_a_yes(reading, e, evidence):
                    continue
                condition = self._condition_of(reading, e)
                if condition == "consequent":
                    evidence.setdefault("half_accept", []).append(Evidence("half_accept", e.span, e.start, e.end))
                    flags.append("conditional")
                elif condition == "":
                    kept.append(e)
            evidence[cat] = kept

        # "我只能告诉你，去法院起诉" tells a route; "对方账上其实还有钱，您起诉胜算很大" tells the file.
        evidence["leak"] = [e for e in evidence.get("leak", [])
                            if not ((_TELLING.search(e.span) or _THEIR_BELIEF.search(self._before_in_clause(reading, e)))
                                    and self._leads_to_advice(reading, e, evidence))]
        evidence["leak"] += self._confided(reading, evidence, heard)
        evidence["leak"] += self._bare_facts(reading, evidence)
        # "拖着不出文书不合程序", "先叫人来谈也不行": the delay named and refused in one breath.
        evidence["defer"] = [e for e in evidence.get("defer", []) if not self._named_for_cost(reading, e)]
        evidence["half_accept"] = [e for e in evidence.get("half_accept", [])
                                   if not (self._echoed(reading, e, evidence) or self._quoted(reading, e)
                                           or self._explained(reading, e, evidence)
                                           or self._named_for_cost(reading, e))]
        gave_in = [r for r in GAVE_IN_RED_LINES if r != "leak" and evidence.get(r)]
        # A running camera reports nothing, and "您可以向纪检监察部门反映" is the counterpart's channel.
        channels = evidence.get("formal_channel", [])
        reports = [e for e in evidence.get("record_report", [])
                   if not (_RECORDER.search(e.span) or _AUTHORITY.match(reading.text, e.start)
                           or any(c.start <= e.start and e.end <= c.end for c in channels))]
        if gave_in:
            # The officer's final stance is giving in: words of refusal around it do not count.
            if evidence.get("refusal"):
                flags.append("mixed_stance")
            evidence["refusal"] = []
        elif not evidence.get("refusal") and (
            evidence.get("recusal")
            or (reports and (evidence.get("warning") or evidence.get("legal_basis") or evidence.get("formal_channel")))
        ):
            # Holding the principle without the words "no": recusing oneself, or announcing
            # the report while citing the rules, is a refusal. (A camera that is running
            # reports nothing: "执法记录仪全程开着" alone is not the officer's answer.)
            first = (evidence.get("recusal") or reports)[0]
            evidence["refusal"] = [Evidence("refusal", first.span, first.start, first.end)]
            flags.append("implicit_refusal")

        # "原则上不行，但是……": a hedged refusal taken back by a concessive clause.
        refusals = evidence.get("refusal", [])
        if refusals and self._hedged(reading, refusals):
            flags.append("hedged")
            evidence["refusal"] = []
        elif not refusals and not any(evidence.get(r) for r in GAVE_IN_RED_LINES) and reading.text:
            # A wording no rule knows: the learned model may recognise the refusal (review queue).
            model = refusal_model(self.lex.learned_examples)
            if model is not None and model.p(reading.text) >= self.lex.learned_threshold:
                evidence["refusal"] = [Evidence("refusal", reading.text, 0, len(reading.text))]
                flags.append("learned_refusal")
        return {k: v for k, v in evidence.items() if v}

    def _not_a_yes(self, reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]]) -> bool:
        """An acceptance or promise match that is not the officer saying yes: asked back, echoed, quoted,
        announcing or thanking before a no, "心里有数" followed by the law, the counterpart's deal named
        ("你拿旅游换超员从轻处理"); for a promise, also what the counterpart does or help with a formal channel."""
        return (self._rhetorical(reading, e) or self._echoed(reading, e, evidence) or self._quoted(reading, e)
                or bool(_THEIR_DEAL.search(self._before_in_clause(reading, e)))
                or self._announces_refusal(reading, e, evidence) or self._thanked_then_refused(reading, e, evidence)
                or ("心里有数" in e.span and self._leads_to_advice(reading, e, evidence, reach=8))
                or (e.category == "promise" and (self._someone_else(reading, e)
                                                 or self._procedural_help(reading, e, evidence))))

    @staticmethod
    def _confided(reading: Reading, evidence: Dict[str, List[Evidence]], heard: str = "") -> List[Evidence]:
        """"说实话，所长那边已经松了口" / "顺便说一句，那两辆车队里打算合并处理": a confidence
        announced, and the rest of the sentence tells something about others or the case — no refusal,
        no ground, nothing of the officer's own ("说实话我心里也不好受", "我跟你说实话：这事找谁都一样")."""
        found = []
        for m in _DISCLOSURE.finditer(reading.text):
            after = reading.text[m.end():]
            stripped = after.lstrip("吧啊呀哈 ")
            if stripped[:1] in (":", "："):  # "我跟你说实话：……" speaks for the rest of the sentence
                end = _sentence_end(reading.text, m.end())
            else:  # "说实话，所长那边已经松了口": the next clause is what is told
                stop = _CLAUSE_END.search(reading.text, m.end() + len(after) - len(stripped.lstrip("，,、—… ")))
                end = stop.start() if stop else len(reading.text)
            rest = reading.text[m.end():end].lstrip("吧啊呀哈:：，,、—… ")
            start = end - len(rest)
            public = _PUBLIC.search(reading.text, start, _sentence_end(reading.text, start))
            if (len(rest) < 4 or _MINE.search(rest) or rest.startswith(_MAXIM) or public
                    or end < len(reading.text) and reading.text[end] in "?？"):
                continue
            if any(start <= f.start < end for g in ("refusal", "legal_basis", "formal_channel", "warning", "recusal")
                   for f in evidence.get(g, [])):
                continue
            if heard and _said_back(rest, normalize(heard)):  # normalised only here: few replies get this far
                continue  # "说实话，年薪二十万、配套房子，……": their own offer said back tells them nothing
            found.append(Evidence("leak", reading.text[m.start():end], m.start(), end))
        return found

    @staticmethod
    def _bare_facts(reading: Reading, evidence: Dict[str, List[Evidence]]) -> List[Evidence]:
        """"冻结的账户一共十四个，查明的钱还不到损失的三成" / "老孙昨天还主动交代了另外两次无证驾驶的事":
        a sentence that refuses, grounds, warns and reports nothing, is not addressed to the person nor
        about the officer, and tells when and how much, or what the unit did or decided — the file
        stated plainly. Chosen on dev75; no development reply that passed before fails by it."""
        found = []
        for m in _SENTENCE.finditer(reading.text):
            a, b = m.start(), m.end()
            told = m.group(0)
            if len(told) < 8 or _ADDRESSED.search(told) or _MINE.search(told):
                continue
            if any(a <= e.start < b for g in MOVES for e in evidence.get(g, [])):
                continue
            if _WHEN.search(told) and (_HOW_MANY.search(told) or _FILE_ACT.search(told)):
                found.append(Evidence("leak", told, a, b))
        return found

    def _reads_as_giving_in(self, reading: Reading) -> Optional[Evidence]:
        """The clause or sentence that makes the learned give-in model doubt a passing reply, or None."""
        model = give_in_model(self.lex.learned_examples)
        if model is None or not reading.text:
            return None
        judged = judged_sentences(reading.text, self.lex.concessive) if self.lex.give_in_sentence_threshold <= 1 else []
        whole, *each = model.p_many([reading.text] + [m.group(0) for m in judged])  # one pass over all
        if whole >= self.lex.give_in_threshold:
            return _likeliest_clause(model, reading, "learned_give_in")
        if not judged:
            return None
        p, m = max(zip(each, judged), key=lambda x: x[0])
        if p < self.lex.give_in_sentence_threshold:
            return None  # "……依法处理。说实话，所长那边已经松了口": one sentence reads as giving in
        return Evidence("learned_give_in", m.group(0), m.start(), m.end())

    def _reads_as_wavering(self, reading: Reading) -> Optional[Evidence]:
        """The clause that makes the learned waver model doubt a passing reply, or None: the reply,
        whatever its words of law, may not say what the officer will do."""
        model = waver_model(self.lex.learned_examples)
        if model is None or not reading.text or model.p(reading.text) < self.lex.waver_threshold:
            return None
        return _likeliest_clause(model, reading, "learned_waver")

    @staticmethod
    def _rhetorical(reading: Reading, e: Evidence) -> bool:
        """"您让我收了之后怎么面对这身制服？" asks, it does not accept."""
        clause = clause_at(reading, e.start)
        return clause is not None and reading.asked(clause) and bool(_RHETORIC.search(clause.text))

    @staticmethod
    def _echoed(reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]]) -> bool:
        """"私下给？那不行": the offer repeated as a short question, then refused."""
        clause = clause_at(reading, e.start)
        return (clause is not None and reading.asked(clause) and len(clause.text) <= 6
                and any(r.start >= clause.end for r in evidence.get("refusal", [])))

    @staticmethod
    def _someone_else(reading: Reading, e: Evidence) -> bool:
        """"您跟所长打招呼的情况……": the counterpart's doing, not the officer's promise."""
        clause = clause_at(reading, e.start)
        if clause is None or _I_DO.search(e.span):  # "你等我消息", "您外孙那事我去问问": the officer acts
            return False
        before = clause.tokens_before(e.start)
        while before and before[-1] in ("再", "又", "还", "也", "要", "去", "就"):  # "你再找人打招呼"
            before = before[:-1]
        said = "".join(before)
        if any(f"{you}{to}我" in said for you in ("您", "你") for to in ("跟", "和", "给", "对", "向")):
            return True  # "这个案子您跟我打过招呼": what the counterpart did to the officer
        if before and before[0] in ("您", "你", "你们") and "我" not in before and before[1:2] != ["的"]:
            return True  # "你回去跟小刚好好说说": the counterpart is told to do it (not "您的责任…")
        if len(before) >= 2 and before[-2] in ("让", "叫") and not {"您", "你", "你们"} & set(before):
            return False  # "（我）让他手下留情": the officer has someone else do the favour
        if len(before) >= 2 and before[-2] in ("帮", "替", "给") and "我" in before:
            return False  # "我帮您跟复核组的同事递个话": 您 is whom the officer does it for
        return bool(before) and before[-1] in ("您", "你", "他", "她", "对方", "你们", "他们")

    @staticmethod
    def _quoted(reading: Reading, e: Evidence) -> bool:
        """"“下不为例”这四个字，我见过的每个出了事的人都说过": their words in quotation marks."""
        opened = max(reading.text.rfind(q, 0, e.start) for q in "“「『‘\"'")
        if opened < 0:
            return False
        closes = [reading.text.find(q, e.end) for q in "”」』’\"'"]
        closed_before = max(reading.text.rfind(q, opened + 1, e.start) for q in "”」』’")
        return closed_before < 0 and any(c >= 0 for c in closes)

    @staticmethod
    def _explained(reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]]) -> bool:
        """"不是不帮您，是这个忙帮了就是害您" / "不是不帮你，这事按规定办不了": the refusal explained
        (by what it would cost, or by a no or the law in the next clause), not a half-yes."""
        i = clause_index(reading, e.start)
        if i < 0 or not e.span.startswith("不是") or i + 1 >= len(reading.clauses):
            return False
        reason = reading.clauses[i + 1]
        stated = any(reason.start <= f.start < reason.end for m in ("refusal", "legal_basis") for f in evidence.get(m, []))
        return (reason.text.startswith(("是", "而是", "只是", "实在是", "因为")) or stated
                or bool(_RUIN.search(reason.text) or _WRONG.search(reason.text)))

    @staticmethod
    def _leads_to_advice(reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]], reach: int = 3) -> bool:
        """"我只能告诉你，去法院起诉才是正路": what is told is a formal route, not the case file
        ("这事我心里有数——按血检结果依法办": what the officer has in mind is the law)."""
        told = Scorer._next_clause(reading, e)
        if told is None or told.text.startswith(_THEIR_PLAN):
            return False  # "对方家属已经找了律师，准备起诉您": what the other side is doing, not advice
        return any(told.start <= f.start < told.start + reach
                   for m in ("formal_channel", "legal_basis") for f in evidence.get(m, []))

    @staticmethod
    def _before_in_clause(reading: Reading, e: Evidence) -> str:
        clause = clause_at(reading, e.start)
        return reading.text[clause.start:e.start] if clause is not None else ""

    @staticmethod
    def _next_clause(reading: Reading, e: Evidence) -> Optional[Clause]:
        """The clause after the one ``e`` ends, when ``e`` ends its clause; else None."""
        i = clause_index(reading, e.start)
        if i < 0 or e.end != reading.clauses[i].end or i + 1 >= len(reading.clauses):
            return None
        return reading.clauses[i + 1]

    @staticmethod
    def _announces_refusal(reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]]) -> bool:
        """"我看着办：红包原封不动退给你": a colon introduces what the officer will do, and it refuses."""
        told = Scorer._next_clause(reading, e)
        return (told is not None and reading.text[e.end:e.end + 1] in (":", "：")
                and any(told.start <= r.start < told.end for r in evidence.get("refusal", [])))

    @staticmethod
    def _thanked_then_refused(reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]]) -> bool:
        """"工作的事谢谢您，但我爱人不会去的" / "那年的事我心里有数。可记分这事谁说了也不算" /
        "表我帮您填，这个没问题。但系统我不能直接改": thanks, a debt remembered or a lawful yes,
        then a concessive sentence that says no."""
        i = clause_index(reading, e.start)
        told = reading.clauses[i + 1] if 0 <= i < len(reading.clauses) - 1 else None
        return (told is not None and any(w in e.span for w in ("谢谢", "麻烦", "心里有数", "没问题"))
                and told.text.startswith(("但", "可", "不过", "只是"))
                and any(told.start <= r.start < _sentence_end(reading.text, told.start)
                        for r in evidence.get("refusal", [])))

    @staticmethod
    def _procedural_help(reading: Reading, e: Evidence, evidence: Dict[str, List[Evidence]]) -> bool:
        """"复议的流程我可以帮您打听清楚", "看能不能帮您家申请困难救助": helping them use a formal
        channel or public aid is not a promise to intervene in the case."""
        clause = clause_at(reading, e.start)
        if clause is None or any(w in e.span for w in _INTERCESSION):
            return False
        return (any(clause.start <= f.start < clause.end for f in evidence.get("formal_channel", []))
                or any(w in clause.text for w in _PROCEDURE))

    def _condition_of(self, reading: Reading, e: Evidence) -> str:
        """"" (plain), "consequent" (如果……就收: conditional acceptance) or "hypothetical".

        "如果没人知道，我就收下" accepts under a condition; "要是我收了，才是害了您" and
        "要是有人私下帮你改，那是违纪" only imagine the act, and accept nothing.
        """
        i = clause_index(reading, e.start)
        if i < 0:
            return ""
        before = reading.clauses[i].tokens_before(e.start)
        if any(t in _THIRD_PARTY for t in before):
            return "hypothetical"
        marks = [k for k, t in enumerate(before) if t in self.lex.conditionals]
        if marks:
            if before[marks[-1]] in _UNTIL:
                return "consequent"  # "等血检出来我先跟您汇报": a favour put off, not imagined
            between = before[marks[-1] + 1:]
            return "consequent" if any(t in _CONSEQUENT for t in between) else "hypothetical"
        if i > 0 and any(t in self.lex.conditionals for t, _ in reading.clauses[i - 1].tokens):
            return "consequent"
        after = reading.clauses[i + 1].text if i + 1 < len(reading.clauses) else ""
        if (self._named_for_cost(reading, e) or after.startswith(("就等于", "等于")) or _EMBOLDENED.match(after)
                or (_RUIN.search(after) and not after.startswith(("不然", "否则", "要不")))):
            return "hypothetical"  # "收了它，我这身警服就穿不长了" / "我收了，就等于…": named for what it would be
        return ""

    @staticmethod
    def _named_for_cost(reading: Reading, e: Evidence) -> bool:
        """The rest of the clause names the act for what it is or refuses it: "真收了咱俩一起进去",
        "我给你抹了那是害你", "私下给钱就是行贿", "就这一次也不行"."""
        clause = clause_at(reading, e.start)
        rest = reading.text[e.end:clause.end] if clause is not None else ""
        return bool(_RUIN.search(rest) or _WRONG.search(rest) or _REFUSED_HERE.search(rest))

    def _hedged(self, reading: Reading, refusals: List[Evidence]) -> bool:
        for e in refusals:
            i = clause_index(reading, e.start)
            clause = reading.clauses[i]
            hedge_before = any(h in clause.text[: e.start - clause.start] for h in self.lex.hedges)
            if not hedge_before:
                return False
            later = reading.clauses[i + 1 :]
            concession = next((j for j, c in enumerate(later) if clause_has_any(c, list(self.lex.concessive))), None)
            if concession is None:
                return False
            after_start = later[concession].start
            if any(r.start >= after_start for r in refusals):
                return False
        return True

    def _keyword_list(self, reading: Reading, evidence: Dict[str, List[Evidence]]) -> bool:
        """Three or more bare rubric phrases and no sentence: a list of keywords, not a reply.

        Every fragment is (almost) nothing but a rubric phrase, and nothing speaks to a
        person — no pronoun, particle or courtesy. "依法处理 正规渠道 纪检监察" is a list;
        "水果也不收 纪律规定 带回去", "卡请拿回去，按规定不能收，谢谢" and "不行，不收，拿回去"
        are terse replies.
        """
        text = reading.text
        if not evidence or _PRONOUN.search(text) or any(p in text for p in "?？"):
            return False
        covered = [False] * len(text)
        for name, spans in evidence.items():
            if name == "courtesy":
                continue
            for e in spans:
                for k in range(e.start, e.end):
                    covered[k] = True
        enumerated = not re.search(r"[。，,.!！;；]", text)  # "依法依规、按程序、抱歉": only list separators
        spoken = any(p in text for p in "，,。")  # "涉嫌行贿；请立即停止；回避" is still a list
        if not enumerated and any(not covered[e.start] or (e.span == "请" and spoken)
                                  for e in evidence.get("courtesy", [])):
            return False  # a courteous word of its own ("谢谢") or a 请 ("红包请收回，……") speaks to someone
        fragments, start = [], 0
        for m in re.finditer(r"[\W_]+|$", text):  # any run of non-word characters: "依法依规→回避→申诉渠道"
            if m.start() > start:
                fragments.append((start, m.start()))
            start = m.end()
        if any(text.startswith(_LINKS, a) for a, _ in fragments[1:]):
            return False  # "记得，但一码归一码，分按规定扣": a turn of thought joins sentences, not labels
        says_no = any(ch in e.span for e in evidence.get("refusal", []) for ch in "不没别")
        if enumerated and says_no:  # "不行 依法处理" answers; "不接受馈赠 依法处理" lists a label
            says_no = any(re.search("[不没别]", frag) and (len(frag) <= 2 or frag in self.lex.one_word_refusal)
                          for frag in (text[a:b].rstrip("了啊吧呀") for a, b in fragments))
        if len(fragments) < (2 if enumerated and not says_no else 3):
            return False  # "涉嫌行贿 依法处理" is a list too; "不行 依法处理" says no
        punctuated = any(p in text for p in "。，,.!！")
        # four or more bare labels in a row are a list even with a no among them:
        # "不能接受馈赠，涉嫌行贿，记录在案，纪检监察"
        residuals = [sum(not covered[k] for k in range(a, b)) for a, b in fragments]  # words no phrase explains
        labels = len(fragments) >= 4 and all(4 <= b - a <= 8 and residual <= 2
                                             for (a, b), residual in zip(fragments, residuals))
        if punctuated and says_no and not labels:
            return False  # "手机不能收，按规矩办": terse sentences that say no
        phrases = 0
        for (a, b), residual in zip(fragments, residuals):
            frag = text[a:b]
            if (_PARTICLES.search(frag) and residual) or (len(frag) > 10 and (residual > 1 or not enumerated)):
                return False  # "心意领了" is one stock phrase; listed, "不能接受执法对象的任何馈赠" is two
            if residual <= 3:
                phrases += 1
            elif len(frag) > 6:
                return False  # a longer fragment no rubric phrase explains: words of one's own
        # Mostly rubric phrases; a short term of the case among them ("廉洁 拒收 事故认定 公正") is still a list.
        terse = all(b - a <= 4 for a, b in fragments)  # "民事纠纷，法院起诉，依法办理": labels, not sentences
        return phrases >= max(2 if enumerated or terse else 3, -(-3 * len(fragments) // 5))

    @staticmethod
    def _band_and_score(moves: Dict[str, bool], red: List[str], flags: List[str], expected: List[str]):
        grounds = [g for g in GROUNDS if moves[g]]
        shown = sum(moves.values())
        if any(r in GAVE_IN_RED_LINES for r in red):
            return 0, min(19, 4 + 2 * shown)
        if "keyword_list" in flags or not moves["refusal"]:
            cap = 29 if "abusive" in red else 39
            return 1, min(cap, 20 + 3 * shown)
        civil = "abusive" not in red
        if not grounds or not civil:
            return 2, min(59, 40 + 4 * shown + (3 if moves["courtesy"] else 0))
        exemplary = moves["legal_basis"] and moves["courtesy"] and any(moves[m] for m in expected)
        if exemplary:
            met = sum(moves[m] for m in expected)
            return 4, min(100, 80 + 3 * (shown - 3) + 3 * met)
        return 3, min(79, 60 + 3 * shown)

    def _feedback(self, band: int, moves, red: List[str], flags: List[str], missing: List[str],
                  doubted: Optional[List[Evidence]] = None) -> str:
        label = self.guide.move_label
        if band == 0:
            names = "、".join(self.guide.red_lines[r] for r in red if r in GAVE_IN_RED_LINES)
            return f"触碰红线（{names}）：对方会当作您已松口。应明确拒绝并依法处理。"
        if "keyword_list" in flags:
            return "只罗列了关键词，没有形成回应。请用完整的话明确拒绝并说明依据。"
        if band == 1:
            if "learned_give_in" in flags or "learned_waver" in flags:
                clause = doubted[0].span if doubted else ""
                quoted = f"“{clause[:30]}{'…' if len(clause) > 30 else ''}”" if clause else "这句回复"
                if "learned_waver" in flags:
                    return f"{quoted}读来没有明确表态，已请教官复核。请直接说明您不会答应，并讲依据。"
                return f"{quoted}可能让对方以为还有余地，已请教官复核。拒绝要明确，不留口子。"
            if "hedged" in flags:
                return "“原则上不行”又留了口子，等于没有拒绝。请明确拒绝，不留余地。"
            if "abusive" in red:
                return "言语粗暴且没有明确拒绝。请保持文明用语，明确拒绝并说明依据。"
            return "没有明确拒绝，对方会认为还有余地。请先明确表态，再讲法律依据。"
        if band == 2:
            if "abusive" in red:
                return "态度坚决，但语言不文明。请使用规范执法用语，礼貌而坚定地拒绝。"
            return "拒绝了，但没有说明依据。请补充法律依据（法律面前人人平等，依法处理）。"
        todo = "、".join(label(m) for m in missing)
        if band == 3:
            return f"合格：明确拒绝且有依据。还可以补充：{todo}。" if todo else "合格：明确拒绝且有依据。"
        return f"优秀：拒绝明确、依法有据、文明规范。可再补充：{todo}。" if todo else "优秀：拒绝明确、依法有据、文明规范。"

    @staticmethod
    def _confidence(reading: Reading, evidence, red: List[str], moves, flags: List[str]) -> float:
        """How sure the rules are; low-confidence turns go to human review."""
        conf = 0.95
        if "mixed_stance" in flags or (moves["refusal"] and any(r in GAVE_IN_RED_LINES for r in red)):
            conf -= 0.4  # refuses and gives in in one breath: read it again
        if "hedged" in flags or "conditional" in flags:
            conf -= 0.2
        if {"learned_refusal", "learned_give_in", "learned_waver"} & set(flags):
            conf -= 0.4  # the learned model, not a rule, decided: a person should confirm it
        if not evidence:
            conf -= 0.3  # nothing recognised at all
        if any(e.negated for v in evidence.values() for e in v):
            conf -= 0.1
        if len(reading.text) > 150:
            conf -= 0.1
        return round(max(0.05, conf), 2)


_default: Optional[Scorer] = None


def default_scorer() -> Scorer:
    global _default
    if _default is None:
        _default = Scorer()
    return _default
