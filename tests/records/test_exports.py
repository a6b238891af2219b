"""CSV and xAPI exports, parsed back and checked value by value; scores are the overridden ones."""
from __future__ import annotations

import csv
import io
import json

from actions.records import queries, xapi
from actions.records import repository as repo
from actions.records.models import MOVE_BITS
from actions.records.queries import SessionFilter
from actions.records.uow import UnitOfWork
from webapp.console import csv_chunks, xapi_chunks


def _csv(columns, rows):
    text = "".join(csv_chunks(columns, rows, batch=2))
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_session_csv_has_a_column_per_move_with_the_share_of_turns(played):
    with UnitOfWork() as s:
        repo.override_score(s, session_id=played["a_fail"], score=65, reason="复核", author="wang")
    with UnitOfWork() as s:
        rows = {r["session_id"]: r for r in _csv(queries.SESSION_COLUMNS, queries.session_export_rows(s, SessionFilter()))}
        assert set(rows) == set(played.values())
        for sid in played.values():
            turns = repo.turns_of(s, sid)
            for move in MOVE_BITS:
                share = sum(1 for t in turns if t.moves.get(move)) / len(turns)
                assert float(rows[sid][f"move_{move}"]) == round(share, 3)
        fail = rows[played["a_fail"]]
        assert (fail["machine_score"], fail["override_score"], fail["score"], fail["passed"]) == (
            str(repo.get_session(s, played["a_fail"]).total_score), "65", "65", "1")
        assert fail["officer_name"] == "张警官" and fail["unit"] == "交警一中队" and fail["turns"] == "1"
        assert rows[played["b_pass"]]["mode"] == "assessment" and rows[played["b_pass"]]["passed"] == "1"


def test_turn_csv_has_a_row_per_turn_and_defuses_formulas(played):
    from tests.records.conftest import play

    sid = play("o-a", "gift_banquet", ["=HYPERLINK(\"http://evil\")不行，我不能收。"], conversation="x")
    with UnitOfWork() as s:
        rows = _csv(queries.TURN_COLUMNS, queries.turn_export_rows(s, SessionFilter(officer="o-a")))
        total = sum(len(repo.turns_of(s, x)) for x in (played["a_pass"], played["a_fail"], sid))
    assert len(rows) == total
    evil = next(r for r in rows if r["session_id"] == sid)
    assert evil["reply"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert all(r["officer_id"] == "o-a" for r in rows)
    first = next(r for r in rows if r["session_id"] == played["a_pass"] and r["index"] == "0")
    assert first["move_refusal"] == "1" and first["passed"] == "1" and first["stage"] == "request"


def test_xapi_has_a_statement_per_turn_and_per_session(played):
    with UnitOfWork() as s:
        turn = repo.turns_of(s, played["a_pass"])[0]
        repo.override_score(s, session_id=played["a_pass"], turn_id=turn.id, score=42, reason="复核", author="wang")
        repo.override_score(s, session_id=played["c_waver"], score=61, reason="复核", author="wang")
    with UnitOfWork() as s:
        statements = json.loads("".join(xapi_chunks(s, SessionFilter())))
        n_turns = sum(len(repo.turns_of(s, sid)) for sid in played.values())
    assert len(statements) == n_turns + len(played)
    assert len({st["id"] for st in statements}) == len(statements)
    verbs = [st["verb"]["id"] for st in statements]
    assert verbs.count(xapi.VERBS["answered"]) == n_turns
    by_registration = {}
    for st in statements:
        by_registration.setdefault(st["context"]["registration"].replace("-", ""), []).append(st)

    a_pass = by_registration[played["a_pass"]]
    overridden = next(st for st in a_pass if st["verb"]["id"] == xapi.VERBS["answered"]
                      and st["object"]["id"].endswith("/stages/request"))
    assert overridden["result"]["score"] == {"scaled": 0.42, "raw": 42, "min": 0, "max": 100}
    assert overridden["result"]["success"] is False and overridden["result"]["response"]
    assert overridden["actor"]["account"]["name"] == "o-a" and overridden["actor"]["name"] == "张警官"
    ext = overridden["context"]["extensions"]
    assert ext[xapi.extension("scenario-id")] == "favour_red_light"
    assert ext[xapi.extension("scenario-version")] >= 1 and ext[xapi.extension("rubric-version")]

    c_session = [st for st in by_registration[played["c_waver"]] if st["verb"]["id"] != xapi.VERBS["answered"]]
    assert len(c_session) == 1
    assert c_session[0]["verb"]["id"] == xapi.VERBS["passed"]  # the coach's 61 turned the verdict
    assert c_session[0]["result"]["score"]["scaled"] == 0.61
    a_fail = [st for st in by_registration[played["a_fail"]] if st["verb"]["id"] != xapi.VERBS["answered"]]
    assert a_fail[0]["verb"]["id"] == xapi.VERBS["failed"] and a_fail[0]["result"]["success"] is False

    with UnitOfWork() as s:  # exporting again yields the same statement ids (an LRS stores them once)
        again = json.loads("".join(xapi_chunks(s, SessionFilter())))
    assert [st["id"] for st in again] == [st["id"] for st in statements]


def test_pseudonymous_officers_are_exported_without_a_name(records_url):
    from tests.records.conftest import GIVE_IN, make_officer, play

    from actions.records.models import Officer

    make_officer("p-1", "学员甲", None)
    with UnitOfWork() as s:
        s.get(Officer, "p-1").pseudonymous = True
    play("p-1", "gift_shopping_card", [GIVE_IN])
    with UnitOfWork() as s:
        statements = list(xapi.statements(queries.export_sources(s, SessionFilter())))
    assert statements and all("name" not in st["actor"] for st in statements)
