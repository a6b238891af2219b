"""The read side of the training records: filtered lists, transcripts, dashboards, exports.

Every figure a coordinator sees comes from here, and every score here is the
*effective* one: the coach's override where there is one (repository.rescore_session).
Queries are written for both SQLite and PostgreSQL and sized for the 100,000-turn
benchmark (tools/bench_records.py): lists page in the database, dashboards aggregate
in the database, exports stream.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional

from sqlalchemy import and_, case, exists, func, or_, select
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
    names_in,
)
from actions.scoring.scorer import PASS_SCORE

PER_PAGE = 50
REVIEW_CONFIDENCE = 0.6  # TurnScore.needs_review
REVIEW_BANDS = (2, 3)  # borderline: just below and just above the pass line
KINDS = ("favour", "gift")
MODES = ("practice", "assessment")
RESULTS = ("passed", "failed")


def local_zone() -> dt.tzinfo:
    """The coordinators' time zone (TRAINER_TIMEZONE, default Asia/Shanghai); the records are in UTC."""
    try:
        return zoneinfo.ZoneInfo(os.environ.get("TRAINER_TIMEZONE") or "Asia/Shanghai")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=8))


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant (naive, as stored) at which ``day`` begins in the coordinators' time zone."""
    return dt.datetime.combine(day, dt.time(), tzinfo=local_zone()).astimezone(dt.timezone.utc).replace(tzinfo=None)


def to_local(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(local_zone())


def _parse_date(value: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


@dataclass
class SessionFilter:
    """What the session list, dashboards and exports are narrowed to; built from a query string.

    Unknown or malformed values are dropped rather than rejected: a filter form must
    never make a page fail. ``only_officer`` is set by the code, never by a query string
    (the officer's own page uses it).
    """

    officer: str = ""
    unit: str = ""  # unit id
    scenario: str = ""
    kind: str = ""
    mode: str = ""
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    result: str = ""  # passed | failed
    red_line: str = ""  # "1": a red line was hit, "0": none
    only_officer: Optional[str] = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> "SessionFilter":
        def one(name: str) -> str:
            value = args.get(name, "")
            if isinstance(value, (list, tuple)):
                value = value[0] if value else ""
            return str(value or "").strip()[:64]

        unit = one("unit")
        return cls(
            officer=one("officer"),
            unit=unit if unit.isdigit() else "",
            scenario=one("scenario"),
            kind=one("kind") if one("kind") in KINDS else "",
            mode=one("mode") if one("mode") in MODES else "",
            date_from=_parse_date(one("from")),
            date_to=_parse_date(one("to")),
            result=one("result") if one("result") in RESULTS else "",
            red_line=one("red_line") if one("red_line") in ("0", "1") else "",
        )

    def to_args(self) -> Dict[str, str]:
        """The non-empty filters as query-string arguments (links keep the filters)."""
        out = {
            "officer": self.officer, "unit": self.unit, "scenario": self.scenario, "kind": self.kind,
            "mode": self.mode, "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "", "result": self.result, "red_line": self.red_line,
        }
        return {k: v for k, v in out.items() if v}

    def needs_officer_join(self) -> bool:
        return bool(self.unit)

    def conditions(self) -> List[Any]:
        c: List[Any] = []
        ts = TrainingSession
        if self.only_officer is not None:
            c.append(ts.officer_id == self.only_officer)
        if self.officer:
            c.append(ts.officer_id == self.officer)
        if self.unit:
            c.append(Officer.unit_id == int(self.unit))
        if self.scenario:
            c.append(ts.scenario_id == self.scenario)
        if self.kind:
            c.append(ts.scenario_kind == self.kind)
        if self.mode:
            c.append(ts.mode == self.mode)
        if self.date_from:
            c.append(ts.started_at >= local_midnight_utc(self.date_from))
        if self.date_to:
            c.append(ts.started_at < local_midnight_utc(self.date_to + dt.timedelta(days=1)))
        if self.result == "passed":
            c.append(ts.effective_passed.is_(True))
        elif self.result == "failed":
            c.append(ts.effective_passed.is_(False))
        if self.red_line == "1":
            c.append(ts.red_line_hit.is_(True))
        elif self.red_line == "0":
            c.append(ts.red_line_hit.is_(False))
        return c

    def apply(self, stmt, joined_officer: bool = False):
        if self.needs_officer_join() and not joined_officer:
            stmt = stmt.join(Officer, Officer.id == TrainingSession.officer_id)
        conds = self.conditions()
        return stmt.where(and_(*conds)) if conds else stmt


@dataclass
class Page:
    rows: List[Dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _page_number(page: Any) -> int:
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


# -- options for the filter form --------------------------------------------------------
def filter_options(s: Session) -> Dict[str, Any]:
    units = s.execute(select(Unit.id, Unit.name).order_by(Unit.name)).all()
    officers = s.execute(
        select(Officer.id, Officer.display_name).order_by(Officer.display_name, Officer.id)
    ).all()
    scenarios = [r[0] for r in s.execute(
        select(TrainingSession.scenario_id).group_by(TrainingSession.scenario_id).order_by(TrainingSession.scenario_id)
    )]
    return {
        "units": [{"id": str(u.id), "name": u.name} for u in units],
        "officers": [{"id": o.id, "name": o.display_name} for o in officers],
        "scenarios": scenarios,
    }


# -- the session list -------------------------------------------------------------------
def _session_row(ts: TrainingSession, officer_name: str, unit: Optional[str]) -> Dict[str, Any]:
    return {
        "id": ts.id, "officer_id": ts.officer_id, "officer_name": officer_name, "unit": unit,
        "scenario_id": ts.scenario_id, "scenario_version": ts.scenario_version, "kind": ts.scenario_kind,
        "rubric_version": ts.rubric_version, "mode": ts.mode, "channel": ts.channel,
        "started_at": ts.started_at, "ended_at": ts.ended_at, "outcome": ts.outcome,
        "total_score": ts.total_score, "passed": ts.passed, "override_score": ts.override_score,
        "effective_score": ts.effective_score, "effective_passed": ts.effective_passed,
        "red_line_hit": ts.red_line_hit, "anonymised": ts.anonymised_at is not None,
    }


def list_sessions(s: Session, f: SessionFilter, page: Any = 1, per_page: int = PER_PAGE) -> Page:
    page = _page_number(page)
    base = (
        select(TrainingSession, Officer.display_name, Unit.name)
        .join(Officer, Officer.id == TrainingSession.officer_id)
        .outerjoin(Unit, Unit.id == Officer.unit_id)
    )
    stmt = f.apply(base, joined_officer=True).order_by(
        TrainingSession.started_at.desc(), TrainingSession.id.desc()
    ).limit(per_page).offset((page - 1) * per_page)
    rows = [_session_row(ts, name, unit) for ts, name, unit in s.execute(stmt)]

    total = s.execute(f.apply(select(func.count(TrainingSession.id)))).scalar_one()
    ids = [r["id"] for r in rows]
    if ids:
        turns = dict(s.execute(
            select(Turn.session_id, func.count(Turn.id)).where(Turn.session_id.in_(ids)).group_by(Turn.session_id)
        ).all())
        notes = dict(s.execute(
            select(Annotation.session_id, func.count(Annotation.id))
            .where(Annotation.session_id.in_(ids), Annotation.comment.isnot(None)).group_by(Annotation.session_id)
        ).all())
        for r in rows:
            r["turns"] = turns.get(r["id"], 0)
            r["comments"] = notes.get(r["id"], 0)
    return Page(rows, total, page, per_page)


# -- one session, turn by turn ----------------------------------------------------------
def _note(a: Annotation) -> Dict[str, Any]:
    return {
        "id": a.id, "turn_id": a.turn_id, "author": a.author, "score_override": a.score_override,
        "previous_score": a.previous_score, "reason": a.reason, "comment": a.comment, "created_at": a.created_at,
    }


def session_detail(s: Session, session_id: str) -> Optional[Dict[str, Any]]:
    """The session with its officer, turns and annotations; None when there is no such session.

    Callers decide who may see it (the officer's page compares ``officer_id``).
    """
    row = s.execute(
        select(TrainingSession, Officer.display_name, Unit.name)
        .join(Officer, Officer.id == TrainingSession.officer_id)
        .outerjoin(Unit, Unit.id == Officer.unit_id)
        .where(TrainingSession.id == session_id)
    ).first()
    if row is None:
        return None
    ts, officer_name, unit = row
    detail = _session_row(ts, officer_name, unit)
    notes = [_note(a) for a in s.execute(
        select(Annotation).where(Annotation.session_id == session_id).order_by(Annotation.created_at, Annotation.id)
    ).scalars()]
    turns = []
    for t in s.execute(select(Turn).where(Turn.session_id == session_id).order_by(Turn.index)).scalars():
        turns.append({
            "id": t.id, "index": t.index, "stage": t.stage, "counterpart": t.counterpart, "reply": t.reply,
            "score": t.score, "override_score": t.override_score,
            "effective_score": t.score if t.override_score is None else t.override_score,
            "band": t.band, "passed": t.passed if t.override_score is None else t.override_score >= PASS_SCORE,
            "machine_passed": t.passed, "moves": t.moves, "evidence": t.evidence, "red_lines": t.red_lines,
            "missing": t.missing or [], "feedback": t.feedback, "model_answer": t.model_answer,
            "confidence": t.confidence, "needs_review": needs_review(t.confidence, t.band),
            "stance": t.stance, "latency_ms": t.latency_ms, "created_at": t.created_at,
            "notes": [n for n in notes if n["turn_id"] == t.id],
        })
    detail.update(turns=turns, notes=[n for n in notes if n["turn_id"] is None], debrief=ts.debrief,
                  all_notes=notes, seed=ts.seed, conversation_id=ts.conversation_id)
    return detail


def needs_review(confidence: float, band: int) -> bool:
    return confidence < REVIEW_CONFIDENCE or band in REVIEW_BANDS


# -- the review queue -------------------------------------------------------------------
def _review_condition():
    reviewed = exists().where(Annotation.turn_id == Turn.id)
    return and_(or_(Turn.confidence < REVIEW_CONFIDENCE, Turn.band.in_(REVIEW_BANDS)), ~reviewed)


def review_queue(s: Session, page: Any = 1, per_page: int = PER_PAGE) -> Page:
    """Turns the machine is unsure of (low confidence or a borderline band) that no coach has annotated."""
    page = _page_number(page)
    stmt = (
        select(Turn, TrainingSession.scenario_id, TrainingSession.officer_id, Officer.display_name)
        .join(TrainingSession, TrainingSession.id == Turn.session_id)
        .join(Officer, Officer.id == TrainingSession.officer_id)
        .where(_review_condition())
        .order_by(Turn.created_at.desc(), Turn.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    )
    rows = [{
        "turn_id": t.id, "session_id": t.session_id, "index": t.index, "stage": t.stage, "reply": t.reply,
        "score": t.score, "band": t.band, "confidence": t.confidence, "red_lines": t.red_lines,
        "created_at": t.created_at, "scenario_id": scenario_id, "officer_id": officer_id, "officer_name": name,
        "why": "低置信度" if t.confidence < REVIEW_CONFIDENCE else "临界分数",
    } for t, scenario_id, officer_id, name in s.execute(stmt)]
    total = s.execute(select(func.count(Turn.id)).where(_review_condition())).scalar_one()
    return Page(rows, total, page, per_page)


# -- dashboards -------------------------------------------------------------------------
def _rate(passed: int, total: int) -> Optional[float]:
    return round(passed / total, 3) if total else None


def pass_rate_by_scenario(s: Session, f: SessionFilter) -> List[Dict[str, Any]]:
    ts = TrainingSession
    stmt = f.apply(
        select(ts.scenario_id, func.count(ts.id), func.sum(case((ts.effective_passed.is_(True), 1), else_=0)),
               func.avg(ts.effective_score))
        .where(ts.effective_passed.isnot(None))
    ).group_by(ts.scenario_id).order_by(ts.scenario_id)
    return [{"scenario_id": sid, "sessions": n, "passed": int(p or 0), "rate": _rate(int(p or 0), n),
             "mean_score": round(float(avg), 1) if avg is not None else None}
            for sid, n, p, avg in s.execute(stmt)]


def pass_rate_by_unit(s: Session, f: SessionFilter) -> List[Dict[str, Any]]:
    ts = TrainingSession
    stmt = f.apply(
        select(Unit.name, func.count(ts.id), func.sum(case((ts.effective_passed.is_(True), 1), else_=0)),
               func.avg(ts.effective_score))
        .select_from(ts)
        .join(Officer, Officer.id == ts.officer_id)
        .outerjoin(Unit, Unit.id == Officer.unit_id)
        .where(ts.effective_passed.isnot(None)),
        joined_officer=True,
    ).group_by(Unit.name).order_by(Unit.name)
    return [{"unit": name or "（未分配单位）", "sessions": n, "passed": int(p or 0), "rate": _rate(int(p or 0), n),
             "mean_score": round(float(avg), 1) if avg is not None else None}
            for name, n, p, avg in s.execute(stmt)]


def _turns_of_filtered_sessions(f: SessionFilter, *columns):
    stmt = select(*columns).select_from(Turn).join(TrainingSession, TrainingSession.id == Turn.session_id)
    return f.apply(stmt)


def move_misses(s: Session, f: SessionFilter) -> Dict[str, Any]:
    """For each move: in how many turns the guideline expected it and the reply lacked it."""
    cols = [func.count(Turn.id)] + [
        func.sum(case((Turn.missing_mask.op("&")(bit) != 0, 1), else_=0)) for bit in MOVE_BITS.values()
    ]
    total, *counts = s.execute(_turns_of_filtered_sessions(f, *cols)).one()
    total = int(total or 0)
    return {"turns": total, "moves": [
        {"move": m, "missed": int(c or 0), "rate": _rate(int(c or 0), total)} for m, c in zip(MOVE_BITS, counts)
    ]}


def red_line_hits(s: Session, f: SessionFilter) -> Dict[str, Any]:
    cols = [func.count(Turn.id)] + [
        func.sum(case((Turn.red_mask.op("&")(bit) != 0, 1), else_=0)) for bit in RED_LINE_BITS.values()
    ]
    total, *counts = s.execute(_turns_of_filtered_sessions(f, *cols)).one()
    sessions = s.execute(f.apply(
        select(func.count(TrainingSession.id), func.sum(case((TrainingSession.red_line_hit.is_(True), 1), else_=0)))
        .where(TrainingSession.ended_at.isnot(None))
    )).one()
    return {
        "turns": int(total or 0),
        "red_lines": [{"red_line": r, "turns": int(c or 0)} for r, c in zip(RED_LINE_BITS, counts)],
        "sessions": int(sessions[0] or 0), "sessions_hit": int(sessions[1] or 0),
    }


def officer_progress(s: Session, officer_id: str) -> List[Dict[str, Any]]:
    """Per scenario: the officer's first, best and latest scored attempt, and every attempt in order."""
    ts = TrainingSession
    rows = s.execute(
        select(ts.id, ts.scenario_id, ts.started_at, ts.effective_score, ts.effective_passed)
        .where(ts.officer_id == officer_id, ts.effective_score.isnot(None))
        .order_by(ts.started_at, ts.id)
    ).all()
    by_scenario: Dict[str, List[Dict[str, Any]]] = {}
    for sid, scenario_id, started, score, passed in rows:
        by_scenario.setdefault(scenario_id, []).append(
            {"session_id": sid, "started_at": started, "score": score, "passed": bool(passed)})
    out = []
    for scenario_id, attempts in sorted(by_scenario.items()):
        best = max(attempts, key=lambda a: (a["score"], a["started_at"]))
        out.append({"scenario_id": scenario_id, "attempts": attempts, "first": attempts[0], "best": best,
                    "latest": attempts[-1], "change": attempts[-1]["score"] - attempts[0]["score"]})
    return out


def dashboard(s: Session, f: SessionFilter) -> Dict[str, Any]:
    return {
        "by_scenario": pass_rate_by_scenario(s, f),
        "by_unit": pass_rate_by_unit(s, f),
        "moves": move_misses(s, f),
        "red_lines": red_line_hits(s, f),
        "progress": officer_progress(s, f.officer or f.only_officer) if (f.officer or f.only_officer) else None,
    }


# -- exports ----------------------------------------------------------------------------
SESSION_COLUMNS = (
    "session_id", "officer_id", "officer_name", "unit", "scenario_id", "scenario_version", "scenario_kind",
    "rubric_version", "mode", "channel", "started_at", "ended_at", "outcome", "turns", "machine_score",
    "machine_passed", "override_score", "score", "passed", "red_line_hit", "comments",
) + tuple(f"move_{m}" for m in MOVE_BITS)

TURN_COLUMNS = (
    "session_id", "turn_id", "index", "officer_id", "unit", "scenario_id", "scenario_version", "rubric_version",
    "mode", "stage", "counterpart", "reply", "machine_score", "override_score", "score", "band", "passed",
    "confidence", "red_lines", "missing", "latency_ms", "created_at",
) + tuple(f"move_{m}" for m in MOVE_BITS)

_BATCH = 1000


def _iso(value: Optional[dt.datetime]) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def session_export_rows(s: Session, f: SessionFilter) -> Iterator[Dict[str, Any]]:
    """One row per session; ``move_X`` is the share of the session's turns that showed move X."""
    ts = TrainingSession
    shares_stmt = _turns_of_filtered_sessions(
        f, Turn.session_id, func.count(Turn.id),
        *[func.sum(case((Turn.moves_mask.op("&")(bit) != 0, 1), else_=0)) for bit in MOVE_BITS.values()],
    ).group_by(Turn.session_id)
    shares = {sid: (n, counts) for sid, n, *counts in s.execute(shares_stmt)}
    comments = dict(s.execute(f.apply(
        select(Annotation.session_id, func.count(Annotation.id)).select_from(Annotation)
        .join(ts, ts.id == Annotation.session_id).where(Annotation.comment.isnot(None))
    ).group_by(Annotation.session_id)).all())
    stmt = f.apply(
        select(ts, Officer.display_name, Unit.name)
        .join(Officer, Officer.id == ts.officer_id).outerjoin(Unit, Unit.id == Officer.unit_id),
        joined_officer=True,
    ).order_by(ts.started_at, ts.id).execution_options(yield_per=_BATCH)
    for t, name, unit in s.execute(stmt):
        n, counts = shares.get(t.id, (0, [0] * len(MOVE_BITS)))
        row = {
            "session_id": t.id, "officer_id": t.officer_id, "officer_name": name, "unit": unit or "",
            "scenario_id": t.scenario_id, "scenario_version": t.scenario_version, "scenario_kind": t.scenario_kind,
            "rubric_version": t.rubric_version, "mode": t.mode, "channel": t.channel,
            "started_at": _iso(t.started_at), "ended_at": _iso(t.ended_at), "outcome": t.outcome or "",
            "turns": n, "machine_score": t.total_score, "machine_passed": t.passed,
            "override_score": t.override_score, "score": t.effective_score, "passed": t.effective_passed,
            "red_line_hit": t.red_line_hit, "comments": comments.get(t.id, 0),
        }
        for m, c in zip(MOVE_BITS, counts):
            row[f"move_{m}"] = round(int(c or 0) / n, 3) if n else ""
        yield row


def turn_export_rows(s: Session, f: SessionFilter) -> Iterator[Dict[str, Any]]:
    ts = TrainingSession
    stmt = f.apply(
        select(Turn, ts.officer_id, ts.scenario_id, ts.scenario_version, ts.rubric_version, ts.mode, Unit.name)
        .select_from(Turn).join(ts, ts.id == Turn.session_id)
        .join(Officer, Officer.id == ts.officer_id).outerjoin(Unit, Unit.id == Officer.unit_id),
        joined_officer=True,
    ).order_by(ts.started_at, ts.id, Turn.index).execution_options(yield_per=_BATCH)
    for t, officer_id, scenario_id, version, rubric, mode, unit in s.execute(stmt):
        effective = t.score if t.override_score is None else t.override_score
        row = {
            "session_id": t.session_id, "turn_id": t.id, "index": t.index, "officer_id": officer_id,
            "unit": unit or "", "scenario_id": scenario_id, "scenario_version": version, "rubric_version": rubric,
            "mode": mode, "stage": t.stage, "counterpart": t.counterpart, "reply": t.reply,
            "machine_score": t.score, "override_score": t.override_score, "score": effective, "band": t.band,
            "passed": t.passed if t.override_score is None else effective >= PASS_SCORE,
            "confidence": t.confidence, "red_lines": ";".join(t.red_lines or []),
            "missing": ";".join(t.missing or []), "latency_ms": round(t.latency_ms, 1) if t.latency_ms else "",
            "created_at": _iso(t.created_at),
        }
        for m in MOVE_BITS:
            row[f"move_{m}"] = 1 if t.moves_mask & MOVE_BITS[m] else 0
        yield row


def export_sources(s: Session, f: SessionFilter) -> Iterator[Any]:
    """Sessions (ended) with their officer and turns, in batches: what xapi.py turns into statements."""
    ts = TrainingSession
    ids_stmt = f.apply(select(ts.id).where(ts.ended_at.isnot(None))).order_by(ts.started_at, ts.id)
    ids = [r[0] for r in s.execute(ids_stmt)]
    for start in range(0, len(ids), _BATCH // 10):
        chunk = ids[start:start + _BATCH // 10]
        sessions = {t.id: (t, o) for t, o in s.execute(
            select(ts, Officer).join(Officer, Officer.id == ts.officer_id).where(ts.id.in_(chunk)))}
        turns: Dict[str, List[Turn]] = {}
        for t in s.execute(select(Turn).where(Turn.session_id.in_(chunk)).order_by(Turn.index)).scalars():
            turns.setdefault(t.session_id, []).append(t)
        for sid in chunk:
            t, o = sessions[sid]
            yield t, o, turns.get(sid, [])


# -- the audit log ----------------------------------------------------------------------
def audit_page(s: Session, page: Any = 1, per_page: int = PER_PAGE, actor: str = "") -> Page:
    page = _page_number(page)
    cond = [AuditEntry.actor == actor] if actor else []
    stmt = select(AuditEntry).where(*cond).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    rows = [{"at": a.at, "actor": a.actor, "action": a.action, "target": a.target, "detail": a.detail}
            for a in s.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars()]
    total = s.execute(select(func.count(AuditEntry.id)).where(*cond)).scalar_one()
    return Page(rows, total, page, per_page)


def moves_of_mask(mask: int) -> List[str]:
    return names_in(mask, MOVE_BITS)


__all__ = [
    "SessionFilter", "Page", "filter_options", "list_sessions", "session_detail", "review_queue", "dashboard",
    "pass_rate_by_scenario", "pass_rate_by_unit", "move_misses", "red_line_hits", "officer_progress",
    "session_export_rows", "turn_export_rows", "export_sources", "audit_page", "SESSION_COLUMNS", "TURN_COLUMNS",
]
