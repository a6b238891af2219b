"""Retention: old sessions are anonymised (scores kept) or deleted; recent ones are untouched."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from actions.records import queries
from actions.records import repository as repo
from actions.records.models import Annotation, AuditEntry, Officer, TrainingSession, Turn
from actions.records.queries import SessionFilter
from actions.records.retention import REDACTED, apply_retention
from actions.records.uow import UnitOfWork


def _age(session_ids, days):
    with UnitOfWork() as s:
        s.execute(update(TrainingSession).where(TrainingSession.id.in_(session_ids)).values(
            started_at=dt.datetime.utcnow() - dt.timedelta(days=days)))


def test_anonymise_keeps_scores_and_removes_words_and_the_officer_link(played):
    old = [played["a_pass"], played["a_fail"]]
    _age(old, 400)
    with UnitOfWork() as s:
        repo.add_comment(s, session_id=played["a_fail"], comment="张警官要注意", author="wang")
        repo.override_score(s, session_id=played["a_pass"], score=90, reason="张警官表现好", author="wang")
        before = {r["scenario_id"]: r for r in queries.pass_rate_by_scenario(s, SessionFilter())}
        scores = {sid: [t.score for t in repo.turns_of(s, sid)] for sid in old}
    with UnitOfWork() as s:
        repo.audit(s, "officer:o-a", "view", f"session:{played['a_pass']}")
        repo.audit(s, "coordinator:wang", "view", f"session:{played['a_pass']}")
    with UnitOfWork() as s:
        report = apply_retention(s, days=365, mode="anonymise")
    assert (report.sessions, report.officers) == (2, 1) and report.turns == sum(len(v) for v in scores.values())
    with UnitOfWork() as s:
        for sid in old:
            row = s.get(TrainingSession, sid)
            assert row.officer_id.startswith("anon-") and row.anonymised_at is not None
            assert s.get(Officer, row.officer_id).pseudonymous
            assert "o-a" not in row.conversation_id
            turns = repo.turns_of(s, sid)
            assert [t.score for t in turns] == scores[sid]  # scores kept
            assert all(t.reply == REDACTED and t.counterpart == REDACTED for t in turns)
            assert all(span == [] for t in turns for span in t.evidence.values())
            for key in ("best_reply", "worst_reply"):
                assert (row.debrief or {}).get(key) in (None, {**row.debrief[key], "reply": REDACTED})
        # one pseudonym for both of o-a's sessions, still in o-a's unit
        assert len({s.get(TrainingSession, sid).officer_id for sid in old}) == 1
        pseudonym = s.get(Officer, s.get(TrainingSession, old[0]).officer_id)
        assert pseudonym.unit_id == s.get(Officer, "o-a").unit_id
        notes = s.execute(select(Annotation).where(Annotation.session_id.in_(old))).scalars().all()
        assert notes and all(n.comment in (None, REDACTED) and n.reason in (None, REDACTED) for n in notes)
        assert s.get(TrainingSession, played["a_pass"]).effective_score == 90  # the override's score stays
        after = {r["scenario_id"]: r for r in queries.pass_rate_by_scenario(s, SessionFilter())}
        assert after == before
        recent = repo.turns_of(s, played["b_pass"])
        assert all(t.reply != REDACTED for t in recent)
        assert queries.list_sessions(s, SessionFilter(officer="o-a")).total == 0
        views = {e.actor: e.target for e in s.execute(select(AuditEntry).where(AuditEntry.action == "view")).scalars()}
        assert views == {"officer:o-a": "session:(retention)", "coordinator:wang": f"session:{played['a_pass']}"}
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "anonymise")).scalar_one()
        assert audit.detail["sessions"] == 2
    with UnitOfWork() as s:  # running again finds nothing left to do
        assert apply_retention(s, days=365, mode="anonymise").sessions == 0


def test_delete_removes_old_sessions_with_their_turns_and_annotations(played):
    _age([played["c_waver"]], 40)
    with UnitOfWork() as s:
        repo.add_comment(s, session_id=played["c_waver"], comment="x", author="wang")
    with UnitOfWork() as s:
        report = apply_retention(s, days=30, mode="delete")
    assert report.sessions == 1 and report.turns == 3
    with UnitOfWork() as s:
        assert s.get(TrainingSession, played["c_waver"]) is None
        assert s.execute(select(func.count(Turn.id)).where(Turn.session_id == played["c_waver"])).scalar_one() == 0
        assert s.execute(select(func.count(Annotation.id))).scalar_one() == 0
        assert s.execute(select(func.count(TrainingSession.id))).scalar_one() == 3
        assert s.get(Officer, "o-c") is not None  # the account stays


def test_the_retention_command(played, capsys):
    from tools import manage

    _age([played["a_pass"]], 100)
    assert manage.main(["retention", "--days", "90", "--dry-run", "--keep-tracker"]) == 0
    assert "1 条" in capsys.readouterr().out
    assert manage.main(["retention", "--days", "90", "--delete", "--keep-tracker"]) == 0
    assert "删除了 1 条" in capsys.readouterr().out
    with UnitOfWork() as s:
        assert s.get(TrainingSession, played["a_pass"]) is None


def test_tracker_events_older_than_the_cutoff_are_purged(tmp_path):
    from sqlalchemy import create_engine, text

    from actions.records.retention import purge_tracker_events

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp FLOAT, data TEXT)"))
        conn.execute(text("INSERT INTO events (sender_id, timestamp, data) VALUES ('a', :old, 'x'), ('b', :new, 'y')"),
                     {"old": now - 40 * 86400, "new": now - 86400})
    assert purge_tracker_events(url, days=30) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sender_id FROM events")).scalars().all() == ["b"]
    engine.dispose()
