"""Training records: officers, sessions, scored turns, coach annotations, audit log.

SQLAlchemy 1.4 in 2.0 style. Rasa's own events stay in its SQL tracker store; these
tables are the project's record of who practised what and how they scored.
Schema changes go through Alembic (migrations/); never edit a table here without
adding a migration.
"""
from __future__ import annotations

import datetime as dt
import uuid

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

Base = declarative_base()


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

    unit = relationship("Unit")


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
    total_score = Column(Integer, nullable=True)
    passed = Column(Boolean, nullable=True)
    red_line_hit = Column(Boolean, nullable=False, default=False)
    debrief = Column(JSON, nullable=True)

    officer = relationship("Officer")
    turns = relationship("Turn", back_populates="session", order_by="Turn.index", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_sessions_officer_started", "officer_id", "started_at"),
        Index("ix_sessions_scenario", "scenario_id"),
        Index("ix_sessions_conversation", "conversation_id"),
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
    score = Column(Integer, nullable=False)
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

    session = relationship("TrainingSession", back_populates="turns")

    __table_args__ = (
        UniqueConstraint("session_id", "index", name="uq_turn_session_index"),
        UniqueConstraint("session_id", "message_id", name="uq_turn_session_message"),
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

    __table_args__ = (Index("ix_annotations_session", "session_id"),)


class Coordinator(Base):
    __tablename__ = "coordinators"
    username = Column(String(64), primary_key=True)
    password_hash = Column(String(255), nullable=False)
    display_name = Column(String(100), nullable=False)
    created_at = Column(DateTime, nullable=False, default=_now)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True, autoincrement=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)  # view | override | comment | export | delete | anonymise
    target = Column(String(255), nullable=False)
    detail = Column(JSON, nullable=True)
    at = Column(DateTime, nullable=False, default=_now)
