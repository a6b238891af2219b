"""Training records: officers, sessions, scored turns, coach annotations, audit log.

SQLAlchemy 1.4 in 2.0 style. Rasa's own events stay in its SQL tracker store; these
tables are the project's record of who practised what and how they scored.
Schema changes go through Alembic (migrations/); never edit a table here without
adding a migration.

Scores are never overwritten. A coach's override is an ``Annotation`` (with its
reason) and is mirrored into ``override_score`` on the turn or session; the
session's ``effective_score``/``effective_passed`` are what analytics read:
the machine's verdict until a coach corrects it (see repository.rescore_session).
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Dict, Iterable, List, Mapping

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from actions.scoring.lexicon import MOVES, RED_LINES

Base = declarative_base()

# Moves and red lines are also kept as bit masks on each turn so that "how often is
# each move missed" over 100,000 turns is one integer scan on SQLite and
# PostgreSQL alike (JSON functions differ between the two). Bit positions are part of
# the schema: append new names, never reorder.
MOVE_BITS: Dict[str, int] = {m: 1 << i for i, m in enumerate(
    ("refusal", "legal_basis", "courtesy", "formal_channel", "warning", "record_report", "recusal"))}
RED_LINE_BITS: Dict[str, int] = {r: 1 << i for i, r in enumerate(
    ("accept", "half_accept", "promise", "defer", "leak", "abusive"))}
assert set(MOVE_BITS) == set(MOVES) and set(RED_LINE_BITS) == set(RED_LINES), "update the bit maps"


def mask_of(names: Iterable[str], bits: Mapping[str, int]) -> int:
    return sum(bits[n] for n in set(names) if n in bits)


def names_in(mask: int, bits: Mapping[str, int]) -> List[str]:
    return [n for n, b in bits.items() if mask & b]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _uuid() -> str:
    return uuid.uuid4().hex


class Unit(Base):
    __tablename__ = "units"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)


class Officer(Base):
    __tablename__ = "officers"
    id = Column(String(64), primary_key=True)  # stable identity: account id or pseudonym
    display_name = Column(String(100), nullable=False)
    unit_id = Column(Integer, ForeignKey("units.id"), nullable=True)
    pseudonymous = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=_now)
    # Set only for officers who may sign in to their own page (/me); see accounts.py.
    password_hash = Column(String(255), nullable=True)

    unit = relationship("Unit")

    __table_args__ = (Index("ix_officers_unit", "unit_id"),)


class TrainingSession(Base):
    __tablename__ = "training_sessions"
    id = Column(String(32), primary_key=True, default=_uuid)
    officer_id = Column(String(64), ForeignKey("officers.id"), nullable=False)
    conversation_id = Column(String(255), nullable=False)  # Rasa sender id
    scenario_id = Column(String(64), nullable=False)
    scenario_version = Column(Integer, nullable=False)
    scenario_kind = Column(String(16), nullable=False)
    rubric_version = Column(String(32), nullable=False)
    mode = Column(String(16), nullable=False)
    channel = Column(String(32), nullable=False, default="web")
    seed = Column(Integer, nullable=False)
    started_at = Column(DateTime, nullable=False, default=_now)
    ended_at = Column(DateTime, nullable=True)
    outcome = Column(String(16), nullable=True)  # withdrawn | consequence | abandoned
    total_score = Column(Integer, nullable=True)  # the machine's score, never changed
    passed = Column(Boolean, nullable=True)  # the machine's verdict, never changed
    red_line_hit = Column(Boolean, nullable=False, default=False)
    debrief = Column(JSON, nullable=True)
    override_score = Column(Integer, nullable=True)  # the latest coach override of the session
    effective_score = Column(Integer, nullable=True)  # what analytics use
    effective_passed = Column(Boolean, nullable=True)
    anonymised_at = Column(DateTime, nullable=True)

    officer = relationship("Officer")
    turns = relationship("Turn", back_populates="session", order_by="Turn.index", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_sessions_officer_started", "officer_id", "started_at"),
        Index("ix_sessions_scenario_started", "scenario_id", "started_at"),
        Index("ix_sessions_conversation", "conversation_id"),
        Index("ix_sessions_started", "started_at"),
    )


class Turn(Base):
    __tablename__ = "turns"
    id = Column(Integer, primary_key=True, autoincrement=True)
    session_id = Column(String(32), ForeignKey("training_sessions.id", ondelete="CASCADE"), nullable=False)
    index = Column(Integer, nullable=False)
    message_id = Column(String(64), nullable=True)  # Rasa's message id: one stored turn per message
    stage = Column(String(16), nullable=False)
    counterpart = Column(Text, nullable=False)
    reply = Column(Text, nullable=False)
    score = Column(Integer, nullable=False)  # the machine's score, never changed
    band = Column(Integer, nullable=False)
    passed = Column(Boolean, nullable=False)
    moves = Column(JSON, nullable=False)
    evidence = Column(JSON, nullable=False)
    red_lines = Column(JSON, nullable=False)
    feedback = Column(Text, nullable=False)
    model_answer = Column(Text, nullable=False)
    confidence = Column(Float, nullable=False)
    stance = Column(String(16), nullable=False)
    latency_ms = Column(Float, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    missing = Column(JSON, nullable=True)  # moves the guideline expected here and the reply lacked
    moves_mask = Column(Integer, nullable=False, default=0, server_default="0")
    missing_mask = Column(Integer, nullable=False, default=0, server_default="0")
    red_mask = Column(Integer, nullable=False, default=0, server_default="0")
    override_score = Column(Integer, nullable=True)  # the latest coach override of this turn

    session = relationship("TrainingSession", back_populates="turns")

    __table_args__ = (
        UniqueConstraint("session_id", "index", name="uq_turn_session_index"),
        UniqueConstraint("session_id", "message_id", name="uq_turn_session_message"),
        Index("ix_turns_created", "created_at"),
    )


class Annotation(Base):
    """A coach's score override and/or comment on a session or one of its turns."""

    __tablename__ = "annotations"
    id = Column(Integer, primary_key=True, autoincrement=True)
    session_id = Column(String(32), ForeignKey("training_sessions.id", ondelete="CASCADE"), nullable=False)
    turn_id = Column(Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=True)
    author = Column(String(64), nullable=False)
    score_override = Column(Integer, nullable=True)
    reason = Column(Text, nullable=True)
    comment = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    previous_score = Column(Integer, nullable=True)  # the score shown before this override

    __table_args__ = (
        Index("ix_annotations_session", "session_id"),
        Index("ix_annotations_turn", "turn_id"),
    )


class Coordinator(Base):
    __tablename__ = "coordinators"
    username = Column(String(64), primary_key=True)
    password_hash = Column(String(255), nullable=False)
    display_name = Column(String(100), nullable=False)
    created_at = Column(DateTime, nullable=False, default=_now)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    actor = Column(String(64), nullable=False)  # "coordinator:NAME", "officer:ID" or "system"
    action = Column(String(32), nullable=False)  # view | override | comment | export | delete | anonymise | sign_in …
    target = Column(String(255), nullable=False)
    detail = Column(JSON, nullable=True)
    at = Column(DateTime, nullable=False, default=_now)

    __table_args__ = (Index("ix_audit_at", "at"), Index("ix_audit_actor_at", "actor", "at"))
