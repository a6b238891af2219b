"""Retention: delete or anonymise training sessions older than N days.

Anonymising keeps every score, move, red line and coach override (the analytics stay
true) and removes what could identify a person: the counterpart's and the officer's
words (and the evidence spans quoted from them), the conversation id, the quoted
replies in the debrief, the text of coach comments and reasons, and the link to the
officer, who is replaced by a pseudonym (one per officer and run, same unit) that no
table maps back. Deleting removes the sessions with their turns and annotations.
Either way the act is written to the audit log, and the officer's own views of those
sessions lose the session id there (they would tie the officer to it again).

Rasa keeps its own copy of the conversation in its tracker store; ``purge_tracker_events``
removes events older than the cut-off from it (``tools.manage retention --tracker-url``).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Dict, List, Optional

from sqlalchemy import create_engine, delete, inspect, select, text, update
from sqlalchemy.orm import Session

from actions.records import repository as repo
from actions.records.models import Annotation, AuditEntry, Officer, TrainingSession, Turn

REDACTED = "（已匿名）"
MODES = ("anonymise", "delete")
_BATCH = 500


@dataclass
class RetentionReport:
    mode: str
    cutoff: dt.datetime
    sessions: int
    turns: int
    officers: int  # pseudonyms created (anonymise)

    def summary(self) -> str:
        verb = "匿名化" if self.mode == "anonymise" else "删除"
        return (f"{verb}了 {self.sessions} 条训练记录（{self.turns} 轮对话），"
                f"截止 {self.cutoff.isoformat(timespec='seconds')}。")


def cutoff_for(days: int, now: Optional[dt.datetime] = None) -> dt.datetime:
    if days < 0:
        raise ValueError("days must be ≥ 0")
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return now - dt.timedelta(days=days)


def _due(s: Session, cutoff: dt.datetime, mode: str) -> List[str]:
    cond = [TrainingSession.started_at < cutoff]
    if mode == "anonymise":
        cond.append(TrainingSession.anonymised_at.is_(None))
    return [r[0] for r in s.execute(select(TrainingSession.id).where(*cond).order_by(TrainingSession.started_at))]


def apply_retention(
    s: Session, days: int, mode: str = "anonymise", actor: str = "system", now: Optional[dt.datetime] = None,
) -> RetentionReport:
    """Anonymise or delete the sessions started more than ``days`` days ago, in the caller's transaction."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    cutoff = cutoff_for(days, now)
    ids = _due(s, cutoff, mode)
    turns = 0
    pseudonyms: Dict[str, str] = {}
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start:start + _BATCH]
        turns += len(s.execute(select(Turn.id).where(Turn.session_id.in_(chunk))).all())
        # An officer's own views would tie them to the session again: those entries lose the id.
        s.execute(update(AuditEntry).where(AuditEntry.actor.like("officer:%"),
                                           AuditEntry.target.in_([f"session:{sid}" for sid in chunk]))
                  .values(target="session:(retention)").execution_options(synchronize_session=False))
        if mode == "delete":
            s.execute(delete(Annotation).where(Annotation.session_id.in_(chunk)))
            s.execute(delete(Turn).where(Turn.session_id.in_(chunk)))
            s.execute(delete(TrainingSession).where(TrainingSession.id.in_(chunk)))
        else:
            _anonymise(s, chunk, pseudonyms, now=cutoff_for(0, now))
    s.expire_all()
    report = RetentionReport(mode, cutoff, len(ids), turns, len(pseudonyms))
    repo.audit(s, actor, "delete" if mode == "delete" else "anonymise", "retention",
               {"days": days, "cutoff": cutoff.isoformat(timespec="seconds"), "sessions": len(ids), "turns": turns})
    return report


def _pseudonym_for(s: Session, officer_id: str, pseudonyms: Dict[str, str]) -> str:
    if officer_id not in pseudonyms:
        original = s.get(Officer, officer_id)
        tag = secrets.token_hex(5)
        pseudonym = Officer(id=f"anon-{tag}", display_name=f"匿名学员 {tag[:4]}",
                            unit_id=original.unit_id if original else None, pseudonymous=True)
        s.add(pseudonym)
        s.flush()
        pseudonyms[officer_id] = pseudonym.id
    return pseudonyms[officer_id]


def _anonymise(s: Session, chunk: List[str], pseudonyms: Dict[str, str], now: dt.datetime) -> None:
    rows = s.execute(select(TrainingSession).where(TrainingSession.id.in_(chunk))).scalars().all()
    for row in rows:
        if row.officer_id.startswith("anon-") and s.get(Officer, row.officer_id).pseudonymous:
            pseudonym = row.officer_id  # already a retention pseudonym
        else:
            pseudonym = _pseudonym_for(s, row.officer_id, pseudonyms)
        row.officer_id = pseudonym
        row.conversation_id = f"anon-{row.id}"
        if row.debrief:
            kept = {k: v for k, v in row.debrief.items() if k not in ("best_reply", "worst_reply")}
            for key in ("best_reply", "worst_reply"):
                if row.debrief.get(key):
                    kept[key] = {**row.debrief[key], "reply": REDACTED}
            row.debrief = kept
        row.anonymised_at = now
    # Evidence spans quote the reply: keep which moves had evidence, not the words.
    for turn in s.execute(select(Turn).where(Turn.session_id.in_(chunk))).scalars():
        turn.counterpart = REDACTED
        turn.reply = REDACTED
        turn.evidence = {k: [] for k in (turn.evidence or {})}
        turn.message_id = None
    s.execute(update(Annotation).where(Annotation.session_id.in_(chunk), Annotation.comment.isnot(None))
              .values(comment=REDACTED).execution_options(synchronize_session=False))
    s.execute(update(Annotation).where(Annotation.session_id.in_(chunk), Annotation.reason.isnot(None))
              .values(reason=REDACTED).execution_options(synchronize_session=False))
    s.flush()


def purge_tracker_events(tracker_url: str, days: int, now: Optional[dt.datetime] = None) -> int:
    """Delete Rasa tracker-store events older than ``days`` days; returns how many went."""
    cutoff = cutoff_for(days, now).replace(tzinfo=dt.timezone.utc).timestamp()
    engine = create_engine(tracker_url, future=True)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            return conn.execute(text("DELETE FROM events WHERE timestamp < :cutoff"), {"cutoff": cutoff}).rowcount
    finally:
        engine.dispose()
