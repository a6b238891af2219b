"""Repository: the only place that writes training records (reads for the console: queries.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.records.models import (
    MOVE_BITS,
    RED_LINE_BITS,
    Annotation,
    AuditEntry,
    Officer,
    TrainingSession,
    Turn,
    Unit,
    mask_of,
)
from actions.scoring.lexicon import GAVE_IN_RED_LINES
from actions.scoring.scorer import PASS_SCORE

MAX_REASON = 1000
CONFIRMED = "确认机器评分"
MAX_COMMENT = 2000


class AnnotationError(ValueError):
    """A coach's override or comment that cannot be stored; the message is for the coach."""


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
    officer_name: Optional[str] = None, officer_unit: Optional[str] = None,
) -> TrainingSession:
    ensure_officer(s, officer_id, officer_name, officer_unit)
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
    moves = result["moves"]
    if "missing" in result:
        missing = list(result["missing"])
    else:  # a caller without the scorer's list: the three moves every reply needs
        missing = [m for m in ("refusal", "legal_basis", "courtesy") if not moves.get(m)]
    turn = Turn(
        session_id=session_id, index=index, message_id=message_id, stage=stage, counterpart=counterpart,
        reply=reply, score=result["score"], band=result["band"], passed=result["passed"],
        moves=result["moves"], evidence=result["evidence"], red_lines=result["red_lines"],
        feedback=result["feedback"], model_answer=result["model_answer"], confidence=result["confidence"],
        stance=stance, latency_ms=latency_ms, missing=missing,
        moves_mask=mask_of([m for m, on in moves.items() if on], MOVE_BITS),
        missing_mask=mask_of(missing, MOVE_BITS), red_mask=mask_of(result["red_lines"], RED_LINE_BITS),
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
    rescore_session(s, row)
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


# -- coach annotations ---------------------------------------------------------------
def rescore_session(s: Session, row: TrainingSession) -> None:
    """Recompute what analytics read for a session, from the machine's scores and the coaches'.

    - a session override replaces the session's score and verdict (passed = score ≥ 60);
    - otherwise turn overrides re-derive the score by the debrief's rule: the mean of the
      turns' scores, capped at 19 while a turn with a red line of giving in stands (a turn
      overridden to a pass no longer counts as giving in) or the scenario ended in
      consequences; passed needs no giving in, the counterpart withdrawn and a score ≥ 60;
    - otherwise the machine's score and verdict.
    """
    if row.override_score is not None:
        row.effective_score, row.effective_passed = row.override_score, row.override_score >= PASS_SCORE
        return
    if row.ended_at is None:
        row.effective_score, row.effective_passed = None, None
        return
    turns = turns_of(s, row.id)
    if not any(t.override_score is not None for t in turns):
        row.effective_score, row.effective_passed = row.total_score, row.passed
        return
    scores = [t.score if t.override_score is None else t.override_score for t in turns]
    score = round(sum(scores) / len(scores))
    gave_in = row.outcome == "consequence" or any(
        any(r in GAVE_IN_RED_LINES for r in (t.red_lines or []))
        and not (t.override_score is not None and t.override_score >= PASS_SCORE)
        for t in turns
    )
    if gave_in:
        score = min(score, 19)
    row.effective_score = score
    row.effective_passed = not gave_in and row.outcome == "withdrawn" and score >= PASS_SCORE


def _session_and_turn(s: Session, session_id: str, turn_id: Optional[int]):
    row = s.get(TrainingSession, session_id)
    if row is None:
        raise AnnotationError("找不到该训练记录。")
    turn = None
    if turn_id is not None:
        try:
            turn = s.get(Turn, int(turn_id))
        except (TypeError, ValueError):
            raise AnnotationError("无效的轮次。") from None
        if turn is None or turn.session_id != session_id:
            raise AnnotationError("该轮对话不属于这条训练记录。")
    return row, turn


def override_score(
    s: Session, *, session_id: str, score: int, reason: str, author: str, turn_id: Optional[int] = None,
) -> Annotation:
    """A coach's score for a turn (``turn_id``) or the whole session; the machine's score is kept."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise AnnotationError("分数必须是 0–100 的整数。") from None
    if not 0 <= score <= 100:
        raise AnnotationError("分数必须是 0–100 的整数。")
    reason = (reason or "").strip()
    if not reason:
        raise AnnotationError("改分必须填写理由。")
    if len(reason) > MAX_REASON:
        raise AnnotationError(f"理由不能超过 {MAX_REASON} 字。")
    row, turn = _session_and_turn(s, session_id, turn_id)
    if turn is not None:
        previous = turn.score if turn.override_score is None else turn.override_score
        turn.override_score = score
    else:
        previous = row.effective_score
        row.override_score = score
    note = Annotation(session_id=session_id, turn_id=turn.id if turn else None, author=author,
                      score_override=score, reason=reason, previous_score=previous)
    s.add(note)
    s.flush()
    rescore_session(s, row)
    return note


def add_comment(s: Session, *, session_id: str, comment: str, author: str, turn_id: Optional[int] = None) -> Annotation:
    """A coaching comment on a session or one of its turns; the officer sees it on their page."""
    comment = (comment or "").strip()
    if not comment:
        raise AnnotationError("评语不能为空。")
    if len(comment) > MAX_COMMENT:
        raise AnnotationError(f"评语不能超过 {MAX_COMMENT} 字。")
    _, turn = _session_and_turn(s, session_id, turn_id)
    note = Annotation(session_id=session_id, turn_id=turn.id if turn else None, author=author, comment=comment)
    s.add(note)
    s.flush()
    return note


def confirm_score(s: Session, *, session_id: str, turn_id: Optional[int], author: str) -> Annotation:
    """A coach agrees with the machine's score of a turn: it leaves the review queue unchanged in score."""
    if turn_id is None:
        raise AnnotationError("只能确认某一轮的评分。")
    _session_and_turn(s, session_id, turn_id)
    note = Annotation(session_id=session_id, turn_id=int(turn_id), author=author, reason=CONFIRMED)
    s.add(note)
    s.flush()
    return note


def annotations_of(s: Session, session_id: str) -> List[Annotation]:
    return list(s.execute(
        select(Annotation).where(Annotation.session_id == session_id).order_by(Annotation.created_at, Annotation.id)
    ).scalars())


# -- audit -----------------------------------------------------------------------------
def audit(s: Session, actor: str, action: str, target: str, detail: Optional[Dict[str, Any]] = None) -> AuditEntry:
    """Record who viewed, changed or exported what; written in the same transaction as the act."""
    entry = AuditEntry(actor=actor[:64], action=action[:32], target=target[:255], detail=detail)
    s.add(entry)
    return entry
