"""The scorer's lexicon (rubric/lexicon.yml) and guideline (rubric/guideline.yml), loaded once."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Pattern, Tuple

import yaml

RUBRIC_DIR = Path(__file__).resolve().parents[2] / "rubric"

MOVES = ("refusal", "legal_basis", "courtesy", "formal_channel", "warning", "record_report", "recusal")
RED_LINES = ("accept", "half_accept", "promise", "defer", "leak", "abusive")
GAVE_IN_RED_LINES = ("accept", "half_accept", "promise", "defer", "leak")


@dataclass(frozen=True)
class Category:
    name: str
    is_red_line: bool
    negation_sensitive: bool
    flip_to: Optional[str]  # category a negated match counts as; None drops it
    patterns: Tuple[Pattern[str], ...]


@dataclass(frozen=True)
class Lexicon:
    version: int
    negation_window: int
    negators: FrozenSet[str]
    scope_breaks: FrozenSet[str]
    concessive: FrozenSet[str]
    hedges: Tuple[str, ...]
    conditionals: FrozenSet[str]
    one_word_accept: FrozenSet[str]
    one_word_refusal: FrozenSet[str]
    categories: Tuple[Category, ...]
    learned_examples: Tuple[str, ...] = ()
    learned_threshold: float = 1.1  # above 1: the learned opinion is off
    give_in_threshold: float = 1.1  # above 1: the learned give-in check is off
    give_in_sentence_threshold: float = 1.1  # the same check on each sentence of a longer reply
    waver_threshold: float = 1.1  # the learned check for a reply that takes no stand


@dataclass(frozen=True)
class Guideline:
    version: int
    moves: Dict[str, Dict[str, str]]
    expectations: Dict[str, object]
    model_answers: Dict[str, Dict[str, str]]
    cases: Dict[str, Dict[str, str]]
    insights: Dict[str, str]
    recommendations: Dict[str, List[str]]
    red_lines: Dict[str, str]

    def move_label(self, move: str) -> str:
        return self.moves[move]["label"]

    def expected_moves(self, kind: str, stage: Optional[str], conflict_of_interest: bool) -> List[str]:
        """Moves a band-4 reply adds to refusal, legal basis and courtesy (any one of them suffices)."""
        by_stage = self.expectations.get(kind, {})
        if stage in by_stage:
            extra = list(by_stage[stage])
        else:  # no stage given: what the kind calls for at its opening
            extra = list(by_stage.get("request", []))
        if conflict_of_interest:
            extra += [m for m in self.expectations.get("conflict_of_interest", []) if m not in extra]
        return extra

    def model_answer(self, kind: str, stage: Optional[str], conflict_of_interest: bool) -> str:
        answers = self.model_answers[kind]
        if conflict_of_interest and stage in (None, "request", "relationship"):
            return answers["recusal"]
        return answers.get(stage or "request", answers["request"])


def _compile(patterns: List[str], where: str) -> Tuple[Pattern[str], ...]:
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise ValueError(f"rubric/lexicon.yml: {where}: bad pattern {p!r}: {exc}") from exc
    return tuple(compiled)


@functools.lru_cache(maxsize=2)
def load_lexicon(path: Optional[str] = None) -> Lexicon:
    raw = yaml.safe_load(Path(path or RUBRIC_DIR / "lexicon.yml").read_text(encoding="utf-8"))
    categories = []
    for name, spec in raw["categories"].items():
        if name not in MOVES and name not in RED_LINES:
            raise ValueError(f"rubric/lexicon.yml: categories.{name}: not a move or red line")
        flip = spec.get("flip_to", "none")
        categories.append(
            Category(
                name=name,
                is_red_line=spec["kind"] == "red_line",
                negation_sensitive=spec.get("negation") != "ignore",
                flip_to=None if flip in (None, "none") else flip,
                patterns=_compile(spec["patterns"], f"categories.{name}"),
            )
        )
    ow = raw["one_word"]
    return Lexicon(
        version=int(raw["version"]),
        negation_window=int(raw["negation_window"]),
        negators=frozenset(raw["negators"]),
        scope_breaks=frozenset(raw["scope_breaks"]),
        concessive=frozenset(raw["concessive"]),
        hedges=tuple(raw["hedges"]),
        conditionals=frozenset(raw["conditionals"]),
        one_word_accept=frozenset(w.lower() for w in ow["accept"]),
        one_word_refusal=frozenset(w.lower() for w in ow["refusal"]),
        categories=tuple(categories),
        learned_examples=tuple((raw.get("learned") or {}).get("examples", [])),
        learned_threshold=float((raw.get("learned") or {}).get("threshold", 1.1)),
        give_in_threshold=float((raw.get("learned") or {}).get("give_in_threshold", 1.1)),
        give_in_sentence_threshold=float((raw.get("learned") or {}).get("give_in_sentence_threshold", 1.1)),
        waver_threshold=float((raw.get("learned") or {}).get("waver_threshold", 1.1)),
    )


@functools.lru_cache(maxsize=2)
def load_guideline(path: Optional[str] = None) -> Guideline:
    raw = yaml.safe_load(Path(path or RUBRIC_DIR / "guideline.yml").read_text(encoding="utf-8"))
    return Guideline(
        version=int(raw["version"]),
        moves=raw["moves"],
        expectations=raw["expectations"],
        model_answers=raw["model_answers"],
        cases=raw["cases"],
        insights=raw["insights"],
        recommendations=raw["recommendations"],
        red_lines=raw["red_lines"],
    )


def rubric_version() -> str:
    """One string naming both rubric files' versions, recorded with every session."""
    return f"g{load_guideline().version}.l{load_lexicon().version}"
