"""Fixtures for the records tests: every repository test runs on SQLite and on a real PostgreSQL 15.

The PostgreSQL cluster is started once per test session in a temporary directory, as
the ``postgres`` OS user, on a free port (tools.bench_records.ThrowawayPostgres), and
stopped at the end. Each test gets an empty schema in it, migrated to head.
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest

from tools.services import ThrowawayPostgres


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayPostgres]:
    if not ThrowawayPostgres.available():
        pytest.skip("PostgreSQL (initdb, pg_ctl, postgres) is not on PATH")
    cluster = ThrowawayPostgres()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _reset_schema(cluster: ThrowawayPostgres) -> None:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname=cluster.database)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> Iterator[str]:
    """An empty records database (no tables), on SQLite or PostgreSQL."""
    from actions.records import db

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        _reset_schema(cluster)
        url = cluster.url()
    yield url
    db.engine_for(url).dispose()


@pytest.fixture
def records_url(empty_url, monkeypatch) -> str:
    """A records database migrated to head and made the default (TRAINER_DATABASE_URL)."""
    from actions.records.migrate import upgrade

    upgrade(empty_url)
    monkeypatch.setenv("TRAINER_DATABASE_URL", empty_url)
    return empty_url


# -- playing sessions for real ---------------------------------------------------------------
FIRM = "感谢您的理解，但法律面前人人平等，我们必须依法处理。如果您有异议，可以通过正规渠道申诉。"
GIVE_IN = "那就谢谢了，卡我收下了。"
WAVER = "这个嘛，我再考虑考虑，过两天再说吧。"


def play(officer_id: str, scenario_id: str, replies: Sequence[str], *, mode: str = "practice",
         conversation: Optional[str] = None, end: bool = True) -> str:
    """Play ``scenario_id`` through the real TrainerService (real scoring); returns the session id."""
    from actions.trainer.scenarios import library
    from actions.trainer.service import TrainerService

    svc = TrainerService()
    started = svc.start(library().get(scenario_id), officer_id=officer_id,
                        conversation_id=conversation or f"conv-{officer_id}-{scenario_id}", channel="test", mode=mode)
    state = started.state
    for i, reply in enumerate(replies):
        out = svc.take_turn(state, reply, message_id=f"m-{i}")
        state = out.state
        if out.reaction and out.reaction.ended:
            return started.state.session_id
    if end:
        svc.end(state)
    return started.state.session_id


def firm_replies(scenario_id: str) -> List[str]:
    """The guideline's model answer for each stage of the scenario: a clean pass."""
    from actions.scoring.lexicon import load_guideline
    from actions.trainer.scenarios import library

    scenario = library().get(scenario_id)
    answers = load_guideline().model_answers[scenario.kind]
    return [answers.get(stage.kind, answers["request"]) for stage in scenario.stages]


def make_officer(officer_id: str, name: str, unit: Optional[str], password: Optional[str] = None) -> None:
    from actions.records import accounts
    from actions.records.uow import UnitOfWork

    with UnitOfWork() as s:
        accounts.create_officer(s, officer_id, name, unit, password=password)


def make_coordinator(username: str, password: str, name: str = "王教官") -> None:
    from actions.records import accounts
    from actions.records.uow import UnitOfWork

    with UnitOfWork() as s:
        accounts.create_coordinator(s, username, password, name)


@pytest.fixture
def played(records_url) -> Dict[str, str]:
    """Three officers in two units and four finished sessions, played and scored for real."""
    make_officer("o-a", "张警官", "交警一中队")
    make_officer("o-b", "李警官", "交警一中队")
    make_officer("o-c", "赵警官", "刑侦二中队")
    return {
        "a_pass": play("o-a", "favour_red_light", firm_replies("favour_red_light")),
        "a_fail": play("o-a", "gift_shopping_card", [GIVE_IN]),
        "b_pass": play("o-b", "favour_red_light", firm_replies("favour_red_light"), mode="assessment"),
        "c_waver": play("o-c", "gift_red_envelope", [WAVER, WAVER, WAVER]),
    }


# -- the real web app, over HTTP ---------------------------------------------------------------
SECRET = "records-tests-secret-key"


@contextmanager
def web_app(db_url: str, var: Path) -> Iterator[str]:
    """The web app started as ``make run`` starts it (web component only), on a free port."""
    from tools.stack import free_ports
    from tools.stack import Ports, Stack

    rasa, actions, web = free_ports(3)
    stack = Stack(ports=Ports(rasa=rasa, actions=actions, web=web), var=var,
                  env={"TRAINER_DATABASE_URL": db_url, "TRAINER_SECRET_KEY": SECRET})
    try:
        stack.start(components=("web",), timeout=120)
        yield f"http://127.0.0.1:{stack.ports.web}"
    finally:
        stack.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Reply:
    status: int
    headers: Any
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """A browser-less client with its own cookies; redirects are returned, not followed."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: Optional[Dict[str, str]] = None, headers: Optional[Dict[str, str]] = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return Reply(resp.status, resp.headers, resp.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.headers, err.read().decode("utf-8", errors="replace"))

    def get(self, path: str, **kw) -> Reply:
        return self.request(path, **kw)

    def post(self, path: str, data: Dict[str, str], **kw) -> Reply:
        return self.request(path, data=data, **kw)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.body)
        assert match, f"no CSRF token on {path} ({page.status})"
        return match.group(1)

    def sign_in(self, role: str, user: str, password: str) -> Reply:
        login = "/console/login" if role == "coordinator" else "/me/login"
        token = self.csrf(login)
        return self.post(login, {"username": user, "password": password, "csrf_token": token})
