"""The read side: filters, pagination, review queue and dashboards, which use the coaches' overrides."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from actions.records import queries
from actions.records import repository as repo
from actions.records.models import MOVE_BITS, Turn, TrainingSession, Unit
from actions.records.queries import SessionFilter
from actions.records.uow import UnitOfWork


def _ids(page):
    return {r["id"] for r in page.rows}


def test_filters_narrow_the_session_list(played):
    with UnitOfWork() as s:
        unit_one = str(s.execute(select(Unit.id).where(Unit.name == "交警一中队")).scalar_one())
        q = lambda **kw: _ids(queries.list_sessions(s, SessionFilter(**kw)))  # noqa: E731
        assert q() == set(played.values())
        assert q(officer="o-a") == {played["a_pass"], played["a_fail"]}
        assert q(unit=unit_one) == {played["a_pass"], played["a_fail"], played["b_pass"]}
        assert q(scenario="favour_red_light") == {played["a_pass"], played["b_pass"]}
        assert q(kind="gift") == {played["a_fail"], played["c_waver"]}
        assert q(mode="assessment") == {played["b_pass"]}
        assert q(result="passed") == {played["a_pass"], played["b_pass"]}
        assert q(result="failed") == {played["a_fail"], played["c_waver"]}
        assert q(red_line="1") == {played["a_fail"], played["c_waver"]}
        today = dt.date.today()
        assert q(date_from=today - dt.timedelta(days=1), date_to=today + dt.timedelta(days=1)) == set(played.values())
        assert q(date_to=today - dt.timedelta(days=2)) == set()


def test_filters_from_a_query_string_drop_what_they_do_not_know():
    f = SessionFilter.from_args({"unit": "1; DROP TABLE", "kind": "bribe", "result": "passed", "from": "2025-13-40",
                                 "to": "2025-02-01", "red_line": "1"})
    assert (f.unit, f.kind, f.result, f.date_from, f.date_to, f.red_line) == ("", "", "passed", None,
                                                                              dt.date(2025, 2, 1), "1")
    assert f.to_args() == {"result": "passed", "to": "2025-02-01", "red_line": "1"}


def test_the_list_pages_newest_first_with_turn_counts(played):
    with UnitOfWork() as s:
        first = queries.list_sessions(s, SessionFilter(), page=1, per_page=3)
        second = queries.list_sessions(s, SessionFilter(), page=2, per_page=3)
        assert (first.total, first.pages, len(first.rows), len(second.rows)) == (4, 2, 3, 1)
        starts = [r["started_at"] for r in first.rows + second.rows]
        assert starts == sorted(starts, reverse=True)
        counts = {r["id"]: r["turns"] for r in first.rows + second.rows}
        assert counts[played["a_fail"]] == 1 and counts[played["c_waver"]] == 3


def test_the_dashboard_uses_overrides(played):
    with UnitOfWork() as s:
        before = {r["scenario_id"]: r for r in queries.pass_rate_by_scenario(s, SessionFilter())}
        assert before["gift_shopping_card"]["rate"] == 0.0 and before["favour_red_light"]["rate"] == 1.0
        units = {r["unit"]: r for r in queries.pass_rate_by_unit(s, SessionFilter())}
        assert (units["交警一中队"]["passed"], units["交警一中队"]["sessions"]) == (2, 3)
        repo.override_score(s, session_id=played["a_fail"], score=80, reason="复核：对方误读", author="wang")
        repo.override_score(s, session_id=played["b_pass"], score=30, reason="照读参考答案", author="wang")
    with UnitOfWork() as s:
        after = {r["scenario_id"]: r for r in queries.pass_rate_by_scenario(s, SessionFilter())}
        assert after["gift_shopping_card"]["rate"] == 1.0 and after["gift_shopping_card"]["mean_score"] == 80
        assert after["favour_red_light"]["rate"] == 0.5
        units = {r["unit"]: r for r in queries.pass_rate_by_unit(s, SessionFilter())}
        assert (units["交警一中队"]["passed"], units["交警一中队"]["sessions"]) == (2, 3)  # one up, one down
        assert queries.list_sessions(s, SessionFilter(result="passed")).total == 2
        assert played["a_fail"] in _ids(queries.list_sessions(s, SessionFilter(result="passed")))


def test_move_misses_and_red_lines_count_turns(played):
    with UnitOfWork() as s:
        turns = list(s.execute(select(Turn)).scalars())
        misses = queries.move_misses(s, SessionFilter())
        assert misses["turns"] == len(turns)
        by_move = {m["move"]: m["missed"] for m in misses["moves"]}
        for move, bit in MOVE_BITS.items():
            assert by_move[move] == sum(1 for t in turns if move in (t.missing or []))
        red = queries.red_line_hits(s, SessionFilter())
        counts = {r["red_line"]: r["turns"] for r in red["red_lines"]}
        assert counts["accept"] == sum(1 for t in turns if "accept" in t.red_lines) >= 1
        assert (red["sessions"], red["sessions_hit"]) == (4, 2)
        gift = queries.move_misses(s, SessionFilter(kind="gift"))
        assert gift["turns"] == 4  # the shopping card (1 turn) and the red envelope (3)


def test_the_review_queue_holds_unsure_turns_until_a_coach_annotates_them(played):
    with UnitOfWork() as s:
        sid = played["a_pass"]
        turn = repo.turns_of(s, sid)[0]
        s.execute(update(Turn).where(Turn.id == turn.id).values(confidence=0.4))
    with UnitOfWork() as s:
        queue = queries.review_queue(s)
        ids = {r["turn_id"] for r in queue.rows}
        assert turn.id in ids and queue.total == len(ids)
        assert all(r["confidence"] < 0.6 or r["band"] in (2, 3) for r in queue.rows)
        repo.confirm_score(s, session_id=sid, turn_id=turn.id, author="wang")
    with UnitOfWork() as s:
        assert turn.id not in {r["turn_id"] for r in queries.review_queue(s).rows}


def test_officer_progress_gives_first_best_and_latest(records_url):
    from tests.records.conftest import GIVE_IN, firm_replies, play

    first = play("o-p", "gift_shopping_card", [GIVE_IN], conversation="p1")
    best = play("o-p", "gift_shopping_card", firm_replies("gift_shopping_card"), conversation="p2")
    latest = play("o-p", "gift_shopping_card", [GIVE_IN], conversation="p3")
    with UnitOfWork() as s:
        for i, sid in enumerate((first, best, latest)):  # make the order unambiguous
            s.execute(update(TrainingSession).where(TrainingSession.id == sid)
                      .values(started_at=dt.datetime(2025, 3, 1 + i)))
    with UnitOfWork() as s:
        (p,) = queries.officer_progress(s, "o-p")
        assert [a["session_id"] for a in p["attempts"]] == [first, best, latest]
        assert (p["first"]["session_id"], p["best"]["session_id"], p["latest"]["session_id"]) == (first, best, latest)
        assert p["best"]["score"] >= 60 and p["change"] == p["latest"]["score"] - p["first"]["score"]
        repo.override_score(s, session_id=latest, score=99, reason="复核", author="wang")
    with UnitOfWork() as s:
        (p,) = queries.officer_progress(s, "o-p")
        assert p["best"]["session_id"] == latest and p["latest"]["score"] == 99


def test_session_detail_splits_notes_by_turn(played):
    with UnitOfWork() as s:
        sid = played["c_waver"]
        turn = repo.turns_of(s, sid)[1]
        repo.add_comment(s, session_id=sid, comment="整体评价", author="wang")
        repo.add_comment(s, session_id=sid, turn_id=turn.id, comment="这里要明确拒绝", author="wang")
    with UnitOfWork() as s:
        d = queries.session_detail(s, sid)
        assert [n["comment"] for n in d["notes"]] == ["整体评价"]
        assert [n["comment"] for n in d["turns"][1]["notes"]] == ["这里要明确拒绝"]
        assert d["officer_name"] == "赵警官" and d["unit"] == "刑侦二中队" and len(d["turns"]) == 3
        assert queries.session_detail(s, "nope") is None
