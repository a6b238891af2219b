"""Scenario library: YAML files under ``scenarios/`` validated into typed objects.

A scenario is data a training coordinator can write. This module knows nothing of
Rasa: it loads, validates and looks scenarios up. Validation errors name the file
and the field so that ``python -m actions.trainer.validate`` can tell a coordinator
exactly what to fix.
"""
from __future__ import annotations

import functools
import os
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml
from pydantic import BaseModel, Field, ValidationError, validator

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO_DIR = REPO_ROOT / "scenarios"

KINDS = ("favour", "gift")
KIND_LABELS = {"favour": "熟人说情", "gift": "利益诱惑"}
# The pressure ladder: request → relationship/emotion → sweetener/offer → persistence/threat.
STAGE_KINDS = ("request", "relationship", "offer", "pressure")
MIN_VARIANTS = 3
MIN_STAGES = 4
CASE_IDS = ("case1", "case2")


class _Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True
        allow_mutation = False


def _variants(value: List[str]) -> List[str]:
    cleaned = [v.strip() for v in value if isinstance(v, str) and v.strip()]
    if len(cleaned) < MIN_VARIANTS:
        raise ValueError(f"needs at least {MIN_VARIANTS} non-empty phrasing variants, got {len(cleaned)}")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError("phrasing variants must differ from each other")
    return cleaned


class Persona(_Strict):
    name: str = Field(..., min_length=1)
    relation: str = Field(..., min_length=1, description="who they are to the officer")
    background: str = Field(..., min_length=10, description="shown to the officer as the briefing")


class Stage(_Strict):
    """One rung of the pressure ladder."""

    id: str = Field(..., regex=r"^[a-z][a-z0-9_]*$")
    kind: str
    lines: List[str] = Field(..., description="what the counterpart says when the stage opens")
    press: List[str] = Field(..., description="said when the officer wavers: press harder")

    _lines = validator("lines", allow_reuse=True)(_variants)
    _press = validator("press", allow_reuse=True)(_variants)

    @validator("kind")
    def _known_kind(cls, value: str) -> str:
        if value not in STAGE_KINDS:
            raise ValueError(f"must be one of {', '.join(STAGE_KINDS)}")
        return value


class Consequence(_Strict):
    """What happened next when the officer gave in."""

    lines: List[str] = Field(..., description="the counterpart's reaction when the officer gives in")
    outcome: str = Field(..., min_length=10, description="what happened next")
    rule_broken: str = Field(..., min_length=4)
    case: str

    _lines = validator("lines", allow_reuse=True)(_variants)

    @validator("case")
    def _known_case(cls, value: str) -> str:
        if value not in CASE_IDS:
            raise ValueError(f"must name a case from rubric/guideline.yml: {', '.join(CASE_IDS)}")
        return value


class Scenario(_Strict):
    id: str = Field(..., regex=r"^[a-z][a-z0-9_]*$")
    version: int = Field(..., ge=1)
    kind: str
    order: int = Field(100, ge=0, description="position in the list within its kind (lower first)")
    title: str = Field(..., min_length=2)
    aliases: List[str] = Field(default_factory=list, description="short names an officer may type to pick it")
    persona: Persona
    situation: str = Field(..., min_length=10, description="the case at hand, part of the briefing")
    conflict_of_interest: bool = False
    insight: str = Field("small_things", description="key of the 案例启示 in rubric/guideline.yml")
    stages: List[Stage]
    withdraw: List[str] = Field(..., description="said when the officer held firm through the ladder")
    consequence: Consequence

    _withdraw = validator("withdraw", allow_reuse=True)(_variants)

    @validator("kind")
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return value

    @validator("insight")
    def _known_insight(cls, value: str) -> str:
        if value not in ("power", "small_things", "family"):
            raise ValueError("must be one of power, small_things, family")
        return value

    @validator("stages")
    def _ladder(cls, stages: List[Stage]) -> List[Stage]:
        if len(stages) < MIN_STAGES:
            raise ValueError(f"needs at least {MIN_STAGES} pressure stages, got {len(stages)}")
        ids = [s.id for s in stages]
        if len(set(ids)) != len(ids):
            raise ValueError("stage ids must be unique")
        kinds = {s.kind for s in stages}
        missing = [k for k in STAGE_KINDS if k not in kinds]
        if missing:
            raise ValueError(f"the ladder must include every stage kind; missing: {', '.join(missing)}")
        if stages[0].kind != "request":
            raise ValueError("the first stage must be the request")
        return stages

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def briefing(self) -> str:
        p = self.persona
        return (
            f"【{self.kind_label}】{self.title}\n"
            f"对方：{p.name}（{p.relation}）\n{p.background}\n案情：{self.situation}"
        )


class ScenarioError(ValueError):
    """A scenario file failed validation; the message names the file and field."""


def _format_errors(path: Path, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        parts.append(f"{path.name}: {field}: {err['msg']}")
    return "\n".join(parts)


def load_scenario(path: Path) -> Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path.name}: the file must hold one mapping (id, kind, title, ...)")
    try:
        scenario = Scenario(**raw)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(path, exc)) from exc
    if scenario.id != path.stem:
        raise ScenarioError(f"{path.name}: id: must equal the file name without .yml ({path.stem!r})")
    return scenario


def validate_dir(directory: Path) -> Tuple[List[Scenario], List[str]]:
    """Load every scenario in ``directory``; return the good ones and all error messages."""
    scenarios: List[Scenario] = []
    errors: List[str] = []
    for path in sorted(directory.glob("*.yml")):
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            errors.append(str(exc))
    titles: Dict[str, str] = {}
    for s in scenarios:
        if s.title in titles:
            errors.append(f"{s.id}.yml: title: duplicates the title of {titles[s.title]}.yml")
        titles[s.title] = s.id
    if not scenarios and not errors:
        errors.append(f"{directory}: no scenario files (*.yml)")
    return scenarios, errors


class ScenarioLibrary:
    """All scenarios, in a stable order: favour pleas first, then gifts; by `order`, then id."""

    def __init__(self, scenarios: List[Scenario]):
        self._ordered = sorted(scenarios, key=lambda s: (KINDS.index(s.kind), s.order, s.id))
        self._by_id = {s.id: s for s in self._ordered}

    def __len__(self) -> int:
        return len(self._ordered)

    def __iter__(self):
        return iter(self._ordered)

    def get(self, scenario_id: str) -> Optional[Scenario]:
        return self._by_id.get(scenario_id)

    def number_of(self, scenario_id: str) -> int:
        return [s.id for s in self._ordered].index(scenario_id) + 1

    def by_number(self, number: int) -> Optional[Scenario]:
        if 1 <= number <= len(self._ordered):
            return self._ordered[number - 1]
        return None

    def find(self, text: str) -> Optional[Scenario]:
        """Pick a scenario from what the officer typed: a number, an id or (part of) a title."""
        from actions.trainer.textnorm import normalize

        query = normalize(text).strip()
        number = _number_in(query)
        if number is not None:
            found = self.by_number(number)
            if found:
                return found
        for s in self._ordered:
            if s.id == query or s.title == query:
                return s
        for s in self._ordered:
            if any(a and a in query for a in s.aliases):
                return s
        best, best_len = None, 0
        for s in self._ordered:
            title = normalize(s.title)
            common = _longest_common_substring(query, title)
            if common > best_len:
                best, best_len = s, common
        return best if best_len >= 3 else None


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _number_in(query: str) -> Optional[int]:
    """"12", "第3个", "选第十四个" → the number; None when there is none."""
    digits = "".join(ch for ch in query if ch.isdigit())
    if digits:
        return int(digits) if len(digits) <= 3 else None
    chars = [ch for ch in query if ch in _CN_DIGITS or ch == "十"]
    if not chars or len(chars) > 3:
        return None
    if "十" not in chars:
        return _CN_DIGITS[chars[0]] if len(chars) == 1 else None
    i = chars.index("十")
    tens = _CN_DIGITS[chars[i - 1]] if i > 0 else 1
    ones = _CN_DIGITS[chars[i + 1]] if i + 1 < len(chars) else 0
    return tens * 10 + ones


def _longest_common_substring(a: str, b: str) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


@functools.lru_cache(maxsize=4)
def _load_library(directory: str, _mtime: float) -> ScenarioLibrary:
    scenarios, errors = validate_dir(Path(directory))
    if errors:
        raise ScenarioError("\n".join(errors))
    return ScenarioLibrary(scenarios)


def scenario_dir() -> Path:
    return Path(os.environ.get("TRAINER_SCENARIO_DIR", DEFAULT_SCENARIO_DIR))


def library(directory: Optional[Path] = None) -> ScenarioLibrary:
    """The scenario library, loaded once and reloaded when a file is added or changed.

    New scenarios are playable without retraining: the NLU model never sees them,
    the scenario actions read this library.
    """
    directory = Path(directory or scenario_dir())
    return _load_library(str(directory), _library_stamp(directory))


RECHECK_SECONDS = 1.0
_stamps: Dict[str, Tuple[float, float, float]] = {}  # directory → (checked at, directory mtime, stamp)


def _library_stamp(directory: Path) -> float:
    """A number that changes when a scenario file is added, removed or edited.

    Adding or removing a file changes the directory's own mtime (one stat, checked on every
    call); an edit in place is seen by the full scan, done at most once a second — it was
    a sixth of the action server's time when done on every turn.
    """
    key, now = str(directory), time.monotonic()
    dir_mtime = directory.stat().st_mtime if directory.is_dir() else 0.0
    checked = _stamps.get(key)
    if checked and checked[1] == dir_mtime and now - checked[0] < RECHECK_SECONDS:
        return checked[2]
    stamps = [p.stat().st_mtime for p in directory.glob("*.yml")] or [0.0]
    stamp = max(stamps) + len(stamps)
    _stamps[key] = (now, dir_mtime, stamp)
    return stamp
