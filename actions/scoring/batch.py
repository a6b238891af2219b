"""The batch contract: JSON Lines in, one JSON line out per input line, in order."""
from __future__ import annotations

import json
from typing import IO, Any, Dict, Optional

from actions.scoring.scorer import STAGES, Scorer
from actions.trainer.scenarios import library


def _stage_and_conflict(obj: Dict[str, Any]):
    stage = obj.get("stage")
    conflict = bool(obj.get("conflict_of_interest", False))
    scenario_id = obj.get("scenario")
    if scenario_id is not None:
        scenario = library().get(str(scenario_id))
        if scenario is None:
            raise ValueError(f"unknown scenario {scenario_id!r}")
        conflict = scenario.conflict_of_interest
        if isinstance(stage, int) and not isinstance(stage, bool):
            if not 1 <= stage <= len(scenario.stages):
                raise ValueError(f"stage must be 1..{len(scenario.stages)} for {scenario_id}")
            return scenario.stages[stage - 1].kind, conflict
    if stage is None:
        return None, conflict
    if isinstance(stage, int) and not isinstance(stage, bool):
        if not 1 <= stage <= len(STAGES):
            raise ValueError(f"stage must be 1..{len(STAGES)}")
        return STAGES[stage - 1], conflict
    if isinstance(stage, str) and stage in STAGES:
        return stage, conflict
    raise ValueError(f"stage must be a number 1..{len(STAGES)} or one of {', '.join(STAGES)}")


def score_line(line: str, scorer: Scorer) -> Dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not valid JSON: {exc.msg} (column {exc.colno})"}
    if not isinstance(obj, dict):
        return {"error": "each line must be a JSON object"}
    kind, reply = obj.get("kind"), obj.get("reply")
    if kind not in ("favour", "gift"):
        return {"error": "\"kind\" must be \"favour\" or \"gift\""}
    if not isinstance(reply, str):
        return {"error": "\"reply\" must be a string"}
    counterpart = obj.get("counterpart", "")
    if not isinstance(counterpart, str):
        return {"error": "\"counterpart\" must be a string"}
    try:
        stage, conflict = _stage_and_conflict(obj)
    except ValueError as exc:
        return {"error": str(exc)}
    return scorer.score(kind, reply, counterpart, stage, conflict).contract()


def run(stdin: IO[str], stdout: IO[str], scorer: Optional[Scorer] = None) -> int:
    scorer = scorer or Scorer()
    count = 0
    for line in stdin:
        if not line.strip():
            continue
        stdout.write(json.dumps(score_line(line, scorer), ensure_ascii=False) + "\n")
        stdout.flush()
        count += 1
    return count
