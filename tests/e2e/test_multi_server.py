"""Beyond one machine, over loopback: two Rasa servers (each with its own action server)
sharing PostgreSQL for the tracker and the records and Redis for the conversation locks.
One officer's messages go alternately to both servers; order and records must be right.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from actions.records import repository as repo
from actions.records.db import session_factory
from actions.records.models import TrainingSession
from actions.trainer.scenarios import library
from tools.services import ThrowawayPostgres, ThrowawayRedis
from tools.stack import DEFAULT_MODEL, Ports, Stack, free_ports, officer_token, rest_turn

pytestmark = pytest.mark.e2e
REPLIES = [
    "感谢您的理解，但法律面前人人平等，我们必须依法处理。",
    "唉，这事我也挺为难的……",
    "交情归交情，这件事只能依法处理，有异议请通过正规渠道申诉。",
    "请您不要这样做，您的行为可能涉嫌违法，请立即停止。",
    "请您理解，我必须依法处理。您再施压，我会记录在案并向纪检监察部门报告。",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not DEFAULT_MODEL.is_file():
        pytest.skip("no trained model: `make test` trains one first")
    if not (ThrowawayPostgres.available() and ThrowawayRedis.available()):
        pytest.skip("PostgreSQL or redis-server missing: `tools/bootstrap.sh --test` installs them")
    from actions.records.migrate import upgrade

    pg, redis = ThrowawayPostgres(database="trainer"), ThrowawayRedis()
    stacks = []
    try:
        records_url = pg.start()
        pg.create_database("rasa")
        upgrade(records_url)
        redis.start()
        shared = dict(
            tracker_store={"type": "server.tracker_store.CheckedSQLTrackerStore", "dialect": "postgresql",
                           "url": "127.0.0.1", "port": pg.port, "db": "rasa", "username": "postgres"},
            lock_store={"type": "server.lock_store.AtomicRedisLockStore", "url": "127.0.0.1", "port": redis.port,
                        "db": 0},
            env={"TRAINER_DATABASE_URL": records_url, "TRAINER_SEED": "5"},
        )
        tmp = tmp_path_factory.mktemp("cluster")
        for name in ("a", "b"):
            rasa, actions, web = free_ports(3)
            st = Stack(ports=Ports(rasa=rasa, actions=actions, web=web), var=tmp / name, **shared)
            stacks.append(st)
        for st in stacks:  # one after the other: two model loads at once starve 2 cores
            st.start(components=("actions", "rasa"), timeout=300)
        yield stacks, records_url
    finally:
        for st in stacks:
            st.stop()
        redis.stop()
        pg.stop()


def turns(records_url: str, officer: str):
    with session_factory(records_url)() as s:
        rows = s.execute(select(TrainingSession).where(TrainingSession.conversation_id == f"web:{officer}")).scalars().all()
        return [(row.outcome, [(t.index, t.reply, t.stance) for t in repo.turns_of(s, row.id)]) for row in rows]


def test_one_conversation_alternating_between_two_servers_keeps_its_order_and_records(cluster):
    (a, b), records_url = cluster
    officer = "officer-cluster"
    token = officer_token(officer)
    scenario = library().get("favour_red_light")
    servers = [a, b]
    out = rest_turn(servers[0].ports.rasa, token, str(library().number_of(scenario.id)), timeout=120)
    assert any(line in m.get("text", "") for m in out for line in scenario.stages[0].lines)
    for i, reply in enumerate(REPLIES):
        server = servers[(i + 1) % 2]  # b, a, b, a, b
        texts = "\n".join(m.get("text", "") for m in rest_turn(server.ports.rasa, token, reply, timeout=120))
        assert "〔本轮" in texts, (i, texts)
    assert "训练总结" in texts and "通过" in texts  # the fifth reply ended the ladder: state crossed servers
    [(outcome, stored)] = turns(records_url, officer)
    assert outcome == "withdrawn"
    assert stored == [(i, r, "waver" if i == 1 else "firm") for i, r in enumerate(REPLIES)]


def test_simultaneous_messages_to_both_servers_are_serialised_by_the_redis_lock(cluster):
    (a, b), records_url = cluster
    officer = "officer-cluster-race"
    token = officer_token(officer)
    rest_turn(a.ports.rasa, token, str(library().number_of("gift_red_envelope")), timeout=120)
    replies = ["第一句：红包我不能收，请您带回去。", "第二句：按规定不能收，请您理解。", "第三句：请您不要再送了，这涉嫌违纪。"]
    threads = []
    for i, reply in enumerate(replies):
        server = (a, b)[i % 2]
        t = threading.Thread(target=rest_turn, args=(server.ports.rasa, token, reply), kwargs={"timeout": 120})
        threads.append(t)
        t.start()
        time.sleep(0.02)  # near-simultaneous: ticket bookkeeping on both servers overlaps
    for t in threads:
        t.join(150)
    [(_outcome, stored)] = turns(records_url, officer)
    assert [r for _i, r, _s in stored] == replies  # once each, in the order sent, across two servers
