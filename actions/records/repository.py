"""Repository: the only place that reads and writes training records."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.records.models import Officer, TrainingSession, Turn, Unit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def ensure_officer(
    s: Session, officer_id: str, display_name: Optional[str] = None, unit: Optional[str] = None,
    pseudonymous: bool = False,
) -> Officer:
    officer = s.get(Officer, officer_id)
    unit_row = None
    if unit:
        unit_row = s.execute(select(Unit).where(Unit.name == unit)).scalar_one_or_none()
        if unit_row is None:
            unit_row = Unit(name=unit)
            s.add(unit_row)
            s.flush()
    if officer is None:
        officer = Officer(
            id=officer_id, display_name=display_name or officer_id,
            unit_id=unit_row.id if unit_row else None, pseudonymous=pseudonymous,
        )
        s.add(officer)
        s.flush()
    else:
        if display_name:
            officer.display_name = display_name
        if unit_row is not None:
            officer.unit_id = unit_row.id
    return officer


def start_session(
    s: Session, *, officer_id: str, conversation_id: str, scenario_id: str, scenario_version: int,
    scenario_kind: str, rubric_version: str, mode: str, channel: str, seed: int,
) -> TrainingSession:
    ensure_officer(s, officer_id)
    row = TrainingSession(
        officer_id=officer_id, conversation_id=conversation_id, scenario_id=scenario_id,
        scenario_version=scenario_version, scenario_kind=scenario_kind, rubric_version=rubric_version,
        mode=mode, channel=channel, seed=seed,
    )
    s.add(row)
    s.flush()
    return row


def add_turn(
    s: Session, *, session_id: str, message_id: Optional[str], stage: str, counterpart: str, reply: str,
    result: Dict[str, Any], stance: str, latency_ms: Optional[float] = None,
) -> Turn:
    """Store one scored turn; a message already stored (a retry) returns the stored turn."""
    if message_id:
        existing = s.execute(
            select(Turn).where(Turn.session_id == session_id, Turn.message_id == message_id)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    index = s.execute(select(func.count(Turn.id)).where(Turn.session_id == session_id)).scalar_one()
    turn = Turn(
        session_id=session_id, index=index, message_id=message_id, stage=stage, counterpart=counterpart,
        reply=reply, score=result["score"], band=result["band"], passed=result["passed"],
        moves=result["moves"], evidence=result["evidence"], red_lines=result["red_lines"],
        feedback=result["feedback"], model_answer=result["model_answer"], confidence=result["confidence"],
        stance=stance, latency_ms=latency_ms,
    )
    s.add(turn)
    s.flush()
    return turn


def finish_session(
    s: Session, session_id: str, *, outcome: str, total_score: Optional[int], passed: bool,
    red_line_hit: bool, debrief: Optional[Dict[str, Any]],
) -> Optional[TrainingSession]:
    row = s.get(TrainingSession, session_id)
    if row is None or row.ended_at is not None:
        return row
    row.ended_at = _now()
    row.outcome = outcome
    row.total_score = total_score
    row.passed = passed
    row.red_line_hit = red_line_hit
    row.debrief = debrief
    return row


def get_session(s: Session, session_id: str) -> Optional[TrainingSession]:
    return s.get(TrainingSession, session_id)


def turns_of(s: Session, session_id: str) -> List[Turn]:
    return list(s.execute(select(Turn).where(Turn.session_id == session_id).order_by(Turn.index)).scalars())


def open_sessions_of(s: Session, conversation_id: str) -> List[TrainingSession]:
    return list(
        s.execute(
            select(TrainingSession).where(
                TrainingSession.conversation_id == conversation_id, TrainingSession.ended_at.is_(None)
            )
        ).scalars()
    )
