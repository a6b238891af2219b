"""Faults injected for real: the action server stopped, the records database moved away,
the Rasa server restarted, the tracker database unreachable at start, concurrent and
hostile input. Nothing the officer says may be lost or counted twice.
"""
from __future__ import annotations

import random
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import select

from actions.records import repository as repo
from actions.records.db import engine_for, session_factory
from actions.records.models import TrainingSession
from actions.trainer.scenarios import library
from server.web_channels import SERVICE_NOTICE, SIGN_IN_REQUIRED

from tools.stack import DEFAULT_MODEL, Ports, Stack, free_ports, officer_token, rest_turn

pytestmark = pytest.mark.e2e
FIRM = "感谢您的理解，但法律面前人人平等，我们必须依法处理。"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not DEFAULT_MODEL.is_file():
        pytest.skip("no trained model: `make test` trains one first")
    from actions.records.migrate import upgrade

    tmp = tmp_path_factory.mktemp("resilience")
    (tmp / "records").mkdir()
    db_url = f"sqlite:///{tmp / 'records' / 'trainer.db'}"
    upgrade(db_url)
    rasa, actions, web = free_ports(3)
    st = Stack(ports=Ports(rasa=rasa, actions=actions, web=web), var=tmp,
               env={"TRAINER_SEED": "11", "TRAINER_DATABASE_URL": db_url})
    try:
        st.start(components=("actions", "rasa"), timeout=300)
        yield st
    finally:
        st.stop()


def say(st: Stack, officer: str, text: str, **kw) -> List[str]:
    return [m.get("text", "") for m in rest_turn(st.ports.rasa, officer_token(officer), text, timeout=120, **kw)]


def turns_of(st: Stack, officer: str):
    factory = session_factory(st.env["TRAINER_DATABASE_URL"])
    with factory() as s:
        rows = s.execute(select(TrainingSession).where(TrainingSession.conversation_id == f"web:{officer}")
                         .order_by(TrainingSession.started_at)).scalars().all()
        return [(row.id, [t.reply for t in repo.turns_of(s, row.id)]) for row in rows]


def start_red_light(st: Stack, officer: str) -> None:
    out = "\n".join(say(st, officer, str(library().number_of("favour_red_light"))))
    assert "刘建国：" in out


def test_a_reply_sent_while_the_action_server_is_down_is_kept_and_scored_when_it_returns(stack):
    officer = "officer-outage"
    start_red_light(stack, officer)
    stack.stop_one("actions")
    out = say(stack, officer, FIRM)
    assert out == [SERVICE_NOTICE]  # a clear message, not silence
    stack.start(("actions",))
    out = "\n".join(say(stack, officer, "交情归交情，这件事只能依法处理，有异议请走正规渠道申诉。"))
    assert "〔补评〕" in out and "〔本轮" in out
    [(_sid, replies)] = turns_of(stack, officer)
    assert replies == [FIRM, "交情归交情，这件事只能依法处理，有异议请走正规渠道申诉。"]  # in order, once each


def test_a_reply_sent_while_the_records_database_is_gone_is_kept_and_scored_later(stack):
    officer = "officer-db-outage"
    start_red_light(stack, officer)
    records = Path(stack.env["TRAINER_DATABASE_URL"].split("///", 1)[1]).parent
    engine_for(stack.env["TRAINER_DATABASE_URL"]).dispose()
    moved = records.with_name("records-away")
    records.rename(moved)
    try:
        out = say(stack, officer, FIRM)
        assert out == [SERVICE_NOTICE]
    finally:
        shutil.rmtree(records, ignore_errors=True)  # whatever SQLite made in its place
        moved.rename(records)
    stack.restart("actions")  # a fresh connection pool onto the database that is back
    out = "\n".join(say(stack, officer, "请您理解，我必须依法处理。"))
    assert "〔补评〕" in out
    [(_sid, replies)] = turns_of(stack, officer)
    assert replies == [FIRM, "请您理解，我必须依法处理。"]


def test_the_session_resumes_after_the_rasa_server_restarts(stack):
    officer = "officer-restart"
    start_red_light(stack, officer)
    say(stack, officer, FIRM)
    stack.restart("rasa", timeout=300)
    out = "\n".join(say(stack, officer, "交情归交情，只能依法处理。"))
    scenario = library().get("favour_red_light")
    assert any(line in out for line in scenario.stages[2].lines), out  # the third rung: state survived
    [(_sid, replies)] = turns_of(stack, officer)
    assert len(replies) == 2


def test_concurrent_messages_in_one_conversation_are_processed_in_order_once_each(stack):
    officer = "officer-concurrent"
    start_red_light(stack, officer)
    replies = [f"第{i}次回答：不行，必须依法处理。" for i in range(1, 4)]  # the ladder has four rungs
    threads = []
    for i, text in enumerate(replies):
        t = threading.Thread(target=say, args=(stack, officer, text), kwargs={"message_id": f"concurrent-{i}"})
        threads.append(t)
        t.start()
        time.sleep(0.05)  # sent in this order, each before the previous one is answered
    for t in threads:
        t.join(120)
    sessions = turns_of(stack, officer)
    stored = [r for _sid, rs in sessions for r in rs]
    assert sorted(stored) == sorted(replies) and len(stored) == len(set(stored))
    assert stored == replies  # Rasa's lock store serialises one conversation in arrival order


def test_a_retried_message_is_stored_once(stack):
    officer = "officer-retry"
    start_red_light(stack, officer)
    say(stack, officer, FIRM, message_id="retry-1")
    say(stack, officer, FIRM, message_id="retry-1")  # the client retried after a timeout
    [(_sid, replies)] = turns_of(stack, officer)
    assert replies == [FIRM]


def test_no_token_no_conversation_and_no_choosing_someone_elses(stack):
    import json
    import urllib.error
    import urllib.request

    def post(headers, body):
        req = urllib.request.Request(f"http://127.0.0.1:{stack.ports.rasa}/webhooks/trainer_rest/webhook",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json",
                                                                               **headers})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    status, body = post({}, {"message": "1", "sender": "web:officer-outage"})
    assert status == 401 and body["error"] == SIGN_IN_REQUIRED
    status, _ = post({"Authorization": "Bearer forged.token.value"}, {"message": "1"})
    assert status == 401
    # a valid token for B cannot write into A's conversation by naming it
    before = turns_of(stack, "officer-outage")
    status, _ = post({"Authorization": f"Bearer {officer_token('officer-b')}"},
                     {"message": FIRM, "sender": "web:officer-outage", "metadata": {"officer_id": "officer-outage"}})
    assert status == 200 and turns_of(stack, "officer-outage") == before
    # the stock channels are not open
    for path in ("/webhooks/rest/webhook", "/webhooks/socketio/webhook"):
        req = urllib.request.Request(f"http://127.0.0.1:{stack.ports.rasa}{path}", data=b"{}",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 404


def test_slash_commands_cannot_set_a_score_or_skip_the_scenario(stack):
    officer = "officer-injection"
    start_red_light(stack, officer)
    for attack in ('/inform{"score":100}', "/accept", "/restart", "/end_scenario", '/choose_scenario{"x":1}'):
        out = "\n".join(say(stack, officer, attack))
        assert "不支持以“/”开头的指令" in out, (attack, out)
    out = "\n".join(say(stack, officer, FIRM))
    assert "〔本轮" in out  # still the same scenario, first rung
    [(_sid, replies)] = turns_of(stack, officer)
    assert replies == [FIRM]


def test_the_action_server_needs_the_shared_secret_and_listens_on_localhost(stack):
    import json
    import urllib.error
    import urllib.request

    url = f"http://127.0.0.1:{stack.ports.actions}/webhook"
    for suffix in ("", "?token=wrong"):
        req = urllib.request.Request(url + suffix, data=json.dumps({"next_action": "action_score_reply"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=30)
        assert err.value.code == 401
    out = subprocess.run(["ss", "-ltnH", f"sport = :{stack.ports.actions}"], capture_output=True, text=True).stdout
    local_addresses = [line.split()[3] for line in out.splitlines() if line.strip()]
    assert local_addresses and all(a.startswith("127.0.0.1:") for a in local_addresses), out


def test_fuzzed_input_never_crashes_and_keeps_the_transcript(stack):
    officer = "officer-fuzz"
    start_red_light(stack, officer)
    rng = random.Random(20261125)
    alphabet = ("不能收依法处理您请谢谢红包🙂😀🙅\u200b\u200d\u202e\u0000\t\n <>&\"'/\\{}[]%$#@!？。，"
                "abcXYZ0123456789ΩЖ한국語العربية")
    samples = ["", " ", "\u200b", "😀" * 50, "x" * 5000, "<svg onload=alert(1)>", "'; DROP TABLE turns; --",
               "\ud7ff\ue000", "{{7*7}}", "${jndi:ldap://x}", "不能收" * 200]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))) for _ in range(25)]
    for text in samples:
        out = say(stack, officer, text)
        assert out and all(isinstance(t, str) and t for t in out), repr(text)
    out = "\n".join(say(stack, officer, FIRM))
    assert "〔本轮" in out or "【结果】" in out or "训练总结" in out
    sessions = turns_of(stack, officer)
    assert sessions and all(r for _sid, rs in sessions for r in rs)  # every stored turn has its text


def test_servers_refuse_to_start_when_their_database_is_unreachable(tmp_path):
    """No silent fallback to memory: the Rasa server and the action server exit with a clear error."""
    if not DEFAULT_MODEL.is_file():
        pytest.skip("no trained model")
    [dead_port] = free_ports(1)  # nothing listens there
    rasa, actions, web = free_ports(3)
    st = Stack(ports=Ports(rasa=rasa, actions=actions, web=web), var=tmp_path,
               tracker_store={"type": "server.tracker_store.CheckedSQLTrackerStore", "dialect": "postgresql",
                              "url": "127.0.0.1", "port": dead_port, "db": "rasa", "username": "rasa"},
               env={"TRAINER_DATABASE_URL": f"postgresql+psycopg2://trainer@127.0.0.1:{dead_port}/trainer"})
    try:
        with pytest.raises(RuntimeError) as err:
            st.start(components=("rasa",), timeout=240)
        assert "exited with 78" in str(err.value)
        assert "tracker store unreachable" in st.tail("rasa", 200)
        with pytest.raises(RuntimeError) as err:
            st.start(components=("actions",), timeout=120)
        assert "exited with 78" in str(err.value) and "数据库无法连接" in st.tail("actions", 50)
    finally:
        st.stop()
