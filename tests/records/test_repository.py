"""The repository and the unit of work on SQLite and PostgreSQL: commit, rollback, overrides."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.records import repository as repo
from actions.records.models import MOVE_BITS, RED_LINE_BITS, Annotation, AuditEntry, Officer, TrainingSession, Turn
from actions.records.uow import UnitOfWork

from tests.records.conftest import FIRM, GIVE_IN, firm_replies, play


def _start(s, officer="o-1", conv="c-1"):
    return repo.start_session(s, officer_id=officer, conversation_id=conv, scenario_id="favour_red_light",
                              scenario_version=1, scenario_kind="favour", rubric_version="g1.l1", mode="practice",
                              channel="test", seed=1)


def test_a_unit_of_work_commits_on_success(records_url):
    with UnitOfWork() as s:
        sid = _start(s).id
    with UnitOfWork() as s:
        assert s.get(TrainingSession, sid) is not None and s.get(Officer, "o-1") is not None


def test_a_unit_of_work_rolls_back_on_error_and_closes(records_url):
    uow = UnitOfWork()
    with pytest.raises(RuntimeError):
        with uow as s:
            _start(s, officer="o-rollback")
            s.flush()  # written to the database inside the transaction …
            raise RuntimeError("the action server crashed mid-turn")
    with UnitOfWork() as s:  # … and gone after the rollback
        assert s.execute(select(func.count(TrainingSession.id))).scalar_one() == 0
        assert s.get(Officer, "o-rollback") is None
    assert uow.session is not None and not uow.session.in_transaction()


def test_a_database_error_rolls_back_the_whole_turn(records_url):
    with UnitOfWork() as s:
        sid = _start(s).id
    result = {"score": 70, "band": 3, "passed": True, "moves": {"refusal": True}, "evidence": {}, "red_lines": [],
              "feedback": "f", "model_answer": "m", "confidence": 0.9}
    with pytest.raises(Exception):
        with UnitOfWork() as s:
            repo.add_turn(s, session_id=sid, message_id="m1", stage="request", counterpart="c", reply="r",
                          result=result, stance="firm")
            s.add(Turn(session_id=sid, index=0, stage="request", counterpart="c", reply="dup", score=1, band=0,
                       passed=False, moves={}, evidence={}, red_lines=[], feedback="", model_answer="",
                       confidence=1.0, stance="firm"))
            s.flush()  # violates uq_turn_session_index
    with UnitOfWork() as s:
        assert repo.turns_of(s, sid) == []


def test_played_turns_carry_masks_and_missing_moves(records_url):
    sid = play("o-1", "gift_shopping_card", [GIVE_IN])
    with UnitOfWork() as s:
        (turn,) = repo.turns_of(s, sid)
        assert turn.red_mask & RED_LINE_BITS["accept"]
        assert not turn.moves_mask & MOVE_BITS["refusal"] and turn.missing_mask & MOVE_BITS["refusal"]
        assert "refusal" in turn.missing
        row = s.get(TrainingSession, sid)
        assert row.effective_score == row.total_score and row.effective_passed is False


def test_a_turn_override_keeps_the_machine_score_and_rescores_the_session(records_url):
    sid = play("o-1", "favour_red_light", firm_replies("favour_red_light"))
    with UnitOfWork() as s:
        row = s.get(TrainingSession, sid)
        machine_total, turns = row.total_score, repo.turns_of(s, sid)
        assert row.passed and row.effective_passed
        first = turns[0]
        note = repo.override_score(s, session_id=sid, turn_id=first.id, score=10, reason="回答照抄参考答案", author="wang")
        assert note.previous_score == first.score
    with UnitOfWork() as s:
        row = s.get(TrainingSession, sid)
        turns = repo.turns_of(s, sid)
        assert turns[0].score != 10 and turns[0].override_score == 10  # the original is kept
        expected = round(sum(t.override_score if t.override_score is not None else t.score for t in turns) / len(turns))
        assert row.total_score == machine_total and row.effective_score == expected
        assert row.effective_passed == (expected >= 60)


def test_a_session_override_wins_and_decides_the_verdict(records_url):
    sid = play("o-1", "gift_shopping_card", [GIVE_IN])
    with UnitOfWork() as s:
        turn = repo.turns_of(s, sid)[0]
        repo.override_score(s, session_id=sid, turn_id=turn.id, score=70, reason="其实是客气话", author="wang")
        row = s.get(TrainingSession, sid)
        assert row.effective_score <= 19 and not row.effective_passed  # still ended in consequences
        repo.override_score(s, session_id=sid, score=75, reason="复核：未实际收受", author="wang")
    with UnitOfWork() as s:
        row = s.get(TrainingSession, sid)
        assert (row.total_score, row.passed) != (75, True)
        assert (row.override_score, row.effective_score, row.effective_passed) == (75, 75, True)
        notes = repo.annotations_of(s, sid)
        assert [n.score_override for n in notes] == [70, 75] and notes[1].reason == "复核：未实际收受"


@pytest.mark.parametrize("score, reason, message", [
    (101, "太高", "0–100"), ("x", "理由", "0–100"), (50, "  ", "理由"),
])
def test_an_override_needs_a_score_in_range_and_a_reason(records_url, score, reason, message):
    with UnitOfWork() as s:
        sid = _start(s).id
    with pytest.raises(repo.AnnotationError, match=message):
        with UnitOfWork() as s:
            repo.override_score(s, session_id=sid, score=score, reason=reason, author="wang")


def test_a_turn_of_another_session_cannot_be_annotated(records_url):
    one = play("o-1", "gift_shopping_card", [GIVE_IN], conversation="c1")
    other = play("o-2", "gift_shopping_card", [GIVE_IN], conversation="c2")
    with UnitOfWork() as s:
        foreign = repo.turns_of(s, other)[0].id
    with pytest.raises(repo.AnnotationError):
        with UnitOfWork() as s:
            repo.add_comment(s, session_id=one, turn_id=foreign, comment="x", author="wang")
    with UnitOfWork() as s:
        assert s.execute(select(func.count(Annotation.id))).scalar_one() == 0


def test_comments_and_audit_entries_are_stored(records_url):
    with UnitOfWork() as s:
        sid = _start(s).id
        repo.add_comment(s, session_id=sid, comment="先拒绝，再讲依据。", author="wang")
        repo.audit(s, "coordinator:wang", "comment", f"session:{sid}", {"n": 1})
    with UnitOfWork() as s:
        (note,) = repo.annotations_of(s, sid)
        assert note.comment == "先拒绝，再讲依据。" and note.score_override is None
        entry = s.execute(select(AuditEntry)).scalar_one()
        assert (entry.actor, entry.action, entry.detail) == ("coordinator:wang", "comment", {"n": 1})


def test_the_service_still_writes_through_the_repository(records_url):
    """actions.trainer.service uses these functions as they were: a played turn is on record."""
    sid = play("o-1", "favour_red_light", [FIRM], end=False)
    with UnitOfWork() as s:
        (turn,) = repo.turns_of(s, sid)
        assert turn.reply == FIRM and turn.evidence and s.get(TrainingSession, sid).ended_at is None


def test_concurrent_writers_all_land_once(records_url):
    """Eight threads writing at once, as the action server's worker pool does: no error, nothing lost."""
    import threading

    result = {"score": 70, "band": 3, "passed": True, "moves": {"refusal": True}, "evidence": {}, "red_lines": [],
              "feedback": "f", "model_answer": "m", "confidence": 0.9}
    with UnitOfWork() as s:  # one session per thread: Rasa's lock store serialises turns within a conversation
        sids = [_start(s, officer=f"o-{n}", conv=f"c-{n}").id for n in range(8)]
    errors = []

    def write(sid: str) -> None:
        try:
            for i in range(10):
                with UnitOfWork() as s:
                    repo.add_turn(s, session_id=sid, message_id=f"m-{i}", stage="request", counterpart="…",
                                  reply=f"回复 {i}", result=result, stance="firm")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(sid,)) for sid in sids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    with UnitOfWork() as s:
        counts = [s.execute(select(func.count(Turn.id)).where(Turn.session_id == sid)).scalar_one() for sid in sids]
    assert counts == [10] * 8


def test_a_unit_of_work_may_end_on_another_thread(records_url):
    """The console's streamed exports enter on one worker thread and leave on another."""
    import threading

    uow = UnitOfWork()
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("s", uow.__enter__()))
    t.start(), t.join()
    _start(box["s"], officer="o-t", conv="c-t")
    t = threading.Thread(target=uow.__exit__, args=(None, None, None))
    t.start(), t.join()
    with UnitOfWork() as s:  # the lock was released: this does not wait
        assert s.get(Officer, "o-t") is not None


def test_only_sqlite_gets_the_in_process_writer_lock(records_url):
    from actions.records.db import engine_for, writer_lock

    lock = writer_lock(engine_for(records_url))
    if records_url.startswith("sqlite"):
        assert lock is not None and lock is writer_lock(engine_for(records_url))
    else:
        assert lock is None


def test_a_database_file_replaced_under_the_pool_is_not_written_blind(tmp_path):
    """A pooled SQLite connection must not keep writing into a file that was moved away."""
    import pytest as _pytest
    from sqlalchemy.exc import OperationalError

    from actions.records import db
    from actions.records.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'live' / 'records.db'}"
    upgrade(url)
    factory = db.session_factory(url)
    try:
        with UnitOfWork(factory) as s:
            _start(s, officer="o-before", conv="c-before")
        (tmp_path / "live").rename(tmp_path / "away")  # the pool still holds a connection to it
        (tmp_path / "live").mkdir()
        with _pytest.raises(OperationalError):  # a fresh, empty file at the path: no tables, a loud failure
            with UnitOfWork(factory) as s:
                _start(s, officer="o-after", conv="c-after")
    finally:
        db.engine_for(url).dispose()


def test_an_in_memory_database_is_one_database():
    from actions.records import db

    engine = db.make_engine("sqlite:///:memory:")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.begin() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
