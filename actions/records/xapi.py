"""xAPI 1.0.3 statements for a learning record store: one per turn, one per session.

- actor: the officer's account (``homePage`` = TRAINER_XAPI_HOMEPAGE, ``name`` = officer id);
  no display name for pseudonymous officers;
- verbs: ADL's ``answered`` (a turn), ``passed``/``failed`` (a scored session), ``completed``
  (a session that ended without a score);
- result.score.scaled: the effective score / 100 (the coach's override where there is one);
- context.registration: the training session; context.extensions: scenario, scenario
  version, rubric version, mode and channel.

Statement ids are UUID5s of the record ids, so exporting twice sends the same
statements, which an LRS accepts once.
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Dict, Iterator, List, Optional

from actions.records.models import MOVE_BITS, Officer, TrainingSession, Turn
from actions.scoring.scorer import PASS_SCORE

XAPI_VERSION = "1.0.3"
VERBS = {
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
}
VERB_LABELS = {"answered": "answered", "completed": "completed", "passed": "passed", "failed": "failed"}
ACTIVITY_TYPES = {
    "simulation": "http://adlnet.gov/expapi/activities/simulation",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
}
_NAMESPACE = uuid.UUID("6f1d5b1e-4a5b-4c55-9b0e-2f1c7a9d3e10")


def homepage() -> str:
    return os.environ.get("TRAINER_XAPI_HOMEPAGE", "https://trainer.invalid").rstrip("/")


def extension(name: str) -> str:
    return f"{homepage()}/xapi/extensions/{name}"


def _iso(value) -> Optional[str]:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def actor(officer: Officer) -> Dict[str, Any]:
    agent: Dict[str, Any] = {"objectType": "Agent", "account": {"homePage": homepage(), "name": officer.id}}
    if not officer.pseudonymous:
        agent["name"] = officer.display_name
    return agent


def _scenario_activity(session: TrainingSession, title: Optional[str]) -> Dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{homepage()}/scenarios/{session.scenario_id}",
        "definition": {"type": ACTIVITY_TYPES["simulation"],
                       "name": {"zh-CN": title or session.scenario_id}},
    }


def _context(session: TrainingSession, title: Optional[str], parent: bool) -> Dict[str, Any]:
    ctx: Dict[str, Any] = {
        "registration": str(uuid.UUID(hex=session.id)) if len(session.id) == 32 else str(uuid.uuid5(_NAMESPACE, session.id)),
        "platform": "廉政情景训练",
        "language": "zh-CN",
        "extensions": {
            extension("scenario-id"): session.scenario_id,
            extension("scenario-version"): session.scenario_version,
            extension("rubric-version"): session.rubric_version,
            extension("mode"): session.mode,
            extension("channel"): session.channel,
        },
    }
    if parent:
        ctx["contextActivities"] = {"parent": [_scenario_activity(session, title)]}
    return ctx


def _score(value: int) -> Dict[str, Any]:
    return {"scaled": round(value / 100, 4), "raw": value, "min": 0, "max": 100}


def turn_statement(session: TrainingSession, officer: Officer, turn: Turn, title: Optional[str] = None) -> Dict[str, Any]:
    effective = turn.score if turn.override_score is None else turn.override_score
    result: Dict[str, Any] = {
        "score": _score(effective),
        "success": turn.passed if turn.override_score is None else effective >= PASS_SCORE,
        "response": turn.reply,
        "extensions": {
            extension("moves"): [m for m, b in MOVE_BITS.items() if turn.moves_mask & b],
            extension("red-lines"): list(turn.red_lines or []),
            extension("machine-score"): turn.score,
            extension("confidence"): turn.confidence,
        },
    }
    if turn.latency_ms is not None:
        result["duration"] = f"PT{turn.latency_ms / 1000:.3f}S"
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"turn:{turn.id}")),
        "version": XAPI_VERSION,
        "actor": actor(officer),
        "verb": {"id": VERBS["answered"], "display": {"en-US": "answered", "zh-CN": "作答"}},
        "object": {
            "objectType": "Activity",
            "id": f"{homepage()}/scenarios/{session.scenario_id}/stages/{turn.stage}",
            "definition": {"type": ACTIVITY_TYPES["interaction"], "interactionType": "long-fill-in",
                           "name": {"zh-CN": f"{title or session.scenario_id} · 第 {turn.index + 1} 轮"},
                           "description": {"zh-CN": turn.counterpart}},
        },
        "result": result,
        "context": _context(session, title, parent=True),
        "timestamp": _iso(turn.created_at),
    }


def session_verb(session: TrainingSession) -> str:
    if session.effective_score is None:
        return "completed"
    return "passed" if session.effective_passed else "failed"


def session_statement(session: TrainingSession, officer: Officer, turns: List[Turn],
                      title: Optional[str] = None) -> Dict[str, Any]:
    verb = session_verb(session)
    result: Dict[str, Any] = {"completion": session.outcome == "withdrawn" or session.outcome == "consequence",
                              "extensions": {extension("outcome"): session.outcome, extension("turns"): len(turns),
                                             extension("red-line-hit"): bool(session.red_line_hit)}}
    if session.effective_score is not None:
        result["score"] = _score(session.effective_score)
        result["success"] = bool(session.effective_passed)
        result["extensions"][extension("machine-score")] = session.total_score
    if session.started_at and session.ended_at:
        result["duration"] = f"PT{max(0.0, (session.ended_at - session.started_at).total_seconds()):.0f}S"
    return {
        "id": str(uuid.uuid5(_NAMESPACE, f"session:{session.id}")),
        "version": XAPI_VERSION,
        "actor": actor(officer),
        "verb": {"id": VERBS[verb], "display": {"en-US": VERB_LABELS[verb]}},
        "object": _scenario_activity(session, title),
        "result": result,
        "context": _context(session, title, parent=False),
        "timestamp": _iso(session.ended_at or session.started_at),
    }


def statements(sources, titles: Optional[Dict[str, str]] = None) -> Iterator[Dict[str, Any]]:
    """Statements for ``(session, officer, turns)`` triples (queries.export_sources): turns first, then the session."""
    titles = titles or {}
    for session, officer, turns in sources:
        title = titles.get(session.scenario_id)
        for turn in turns:
            yield turn_statement(session, officer, turn, title)
        yield session_statement(session, officer, turns, title)
