"""Fixtures for the messenger channels: one real stack for the whole package, and the fake platform.

The Rasa server is started the way ``make run`` starts it (``tools.stack.Stack``), with
a credentials file that registers the WeCom, DingTalk and Feishu channels and points
their outbound calls at ``FakePlatform``. Starting Rasa takes 25–40 s here, so the
stack is package-scoped: started before the first channel test, stopped after the last.
"""
from __future__ import annotations

import base64
import json
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import yaml

from tests.channels.fake_platform import FakePlatform, FeishuCallbacks, WeComCallbacks
from tools.stack import DEFAULT_MODEL, Ports, Stack, free_ports

WECOM = {"corp_id": "ww5823bf96d3bd56c7", "agent_id": "1000002", "secret": "wecom-app-secret",
         "token": "QDG6eK", "encoding_aes_key": base64.b64encode(b"k" * 32).decode().rstrip("=")}
DINGTALK = {"app_secret": "dingtalk-app-secret-0123456789"}
FEISHU = {"app_id": "cli_a1b2c3d4e5f60718", "app_secret": "feishu-app-secret", "verification_token": "vtoken-123",
          "encrypt_key": "feishu-encrypt-key"}

# (officer_id, name, unit, {platform: account}): one officer per test that plays, so tests never share a conversation.
OFFICERS = [
    ("W-1001", "王伟", "城关派出所", {"wecom": "wangwei", "dingtalk": "staff-wangwei", "feishu": "ou_wangwei"}),
    ("W-1002", "李强", "交警一大队", {"wecom": "liqiang", "dingtalk": "staff-liqiang", "feishu": "ou_liqiang"}),
    ("W-1003", "赵敏", "法制大队", {"wecom": "zhaomin", "dingtalk": "staff-zhaomin", "feishu": "ou_zhaomin"}),
    ("W-1004", "孙磊", "治安大队", {"wecom": "sunlei", "dingtalk": "staff-sunlei", "feishu": "ou_sunlei"}),
    ("W-1005", "周婷", "刑侦大队", {"wecom": "zhouting", "dingtalk": "staff-zhouting", "feishu": "ou_zhouting"}),
    ("W-1006", "吴刚", "指挥中心", {"wecom": "wugang", "dingtalk": "staff-wugang", "feishu": "ou_wugang"}),
]

REFUSALS = [
    "感谢您的理解，但法律面前人人平等，我们必须依法处理。如果您有异议，可以通过正规渠道申诉。",
    "同学情分我记着，但这事我不能办，违法就得依法处理，请理解。",
    "吃饭和烟我都不能收，红包更不行，这是违纪的。请按规定处理。",
    "你找谁都一样，我坚决不会违规办理，依法处理是我的职责。",
]


def officer(officer_id: str) -> Tuple[str, str, str, Dict[str, str]]:
    return next(o for o in OFFICERS if o[0] == officer_id)


# The three channels, secrets and the fake platform's address from the environment, as in
# production; trainer_rest is the web channel the stack's health check polls.
CREDENTIALS = """
server.web_channels.TrainerRestInput:
server.channels.wecom.WeComInput:
  corp_id: ${TEST_WECOM_CORP_ID}
  agent_id: ${TEST_WECOM_AGENT_ID}
  secret: ${TEST_WECOM_SECRET}
  token: ${TEST_WECOM_TOKEN}
  encoding_aes_key: ${TEST_WECOM_AES_KEY}
  api_base: ${TEST_FAKE_PLATFORM}/wecom
  retry_base_delay: 0.2
server.channels.dingtalk.DingTalkInput:
  app_secret: ${TEST_DINGTALK_APP_SECRET}
  session_webhook_prefixes: ${TEST_FAKE_PLATFORM}/dingtalk/
  retry_base_delay: 0.2
server.channels.feishu.FeishuInput:
  app_id: ${TEST_FEISHU_APP_ID}
  app_secret: ${TEST_FEISHU_APP_SECRET}
  verification_token: ${TEST_FEISHU_VERIFICATION_TOKEN}
  encrypt_key: ${TEST_FEISHU_ENCRYPT_KEY}
  api_base: ${TEST_FAKE_PLATFORM}/feishu
  retry_base_delay: 0.2
"""


@dataclass
class Response:
    status: int
    body: str
    seconds: float


def http(url: str, data: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
         method: Optional[str] = None) -> Response:
    began = time.monotonic()
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return Response(resp.status, resp.read().decode("utf-8"), time.monotonic() - began)
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read().decode("utf-8", "replace"), time.monotonic() - began)


@dataclass
class ChannelStack:
    stack: Stack
    tmp: Path
    db_url: str
    fake: FakePlatform

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.stack.ports.rasa}/webhooks"

    def rasa_log(self) -> str:
        return self.stack.log_path("rasa").read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.rasa_log():
                return
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not in the Rasa log:\n" + "\n".join(self.rasa_log().splitlines()[-20:]))

    def tracker_user_texts(self, sender_id: str) -> List[str]:
        """What the officer said, as Rasa's tracker store holds it."""
        db = self.tmp / f"rasa_tracker.{self.stack.ports.rasa}.db"
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                                (sender_id,)).fetchall()
        return [json.loads(r[0]).get("text") for r in rows]

    def sessions(self, officer_id: str, channel: str) -> List[dict]:
        """The officer's training sessions over one channel in the records database, oldest first."""
        from sqlalchemy import select

        from actions.records.db import session_factory
        from actions.records.models import TrainingSession

        with session_factory(self.db_url)() as s:
            rows = s.execute(select(TrainingSession).where(TrainingSession.officer_id == officer_id,
                                                             TrainingSession.channel == channel)
                             .order_by(TrainingSession.started_at)).scalars().all()
            return [{
                "channel": row.channel, "officer_id": row.officer_id, "conversation_id": row.conversation_id,
                "scenario_id": row.scenario_id, "outcome": row.outcome, "ended": row.ended_at is not None,
                "officer_name": row.officer.display_name, "unit": row.officer.unit.name if row.officer.unit else None,
                "turns": [{"reply": t.reply, "message_id": t.message_id} for t in row.turns],
            } for row in rows]


@pytest.fixture(scope="package")
def channel_stack(tmp_path_factory) -> Iterator[ChannelStack]:
    if not DEFAULT_MODEL.is_file():
        pytest.skip(f"no trained model at {DEFAULT_MODEL}: run `make model` (or `make test`, which trains one)")
    from actions.records.migrate import upgrade

    tmp = tmp_path_factory.mktemp("channels")
    db_url = f"sqlite:///{tmp / 'trainer.db'}"
    upgrade(db_url)
    identities = {
        "unknown_users": "refuse",
        "officers": [{"officer_id": oid, "name": name, "unit": unit, "accounts": accounts}
                     for oid, name, unit, accounts in OFFICERS],
    }
    (tmp / "identities.yml").write_text(yaml.safe_dump(identities, allow_unicode=True), encoding="utf-8")
    fake = FakePlatform(wecom=WECOM, feishu=FEISHU).start()
    (tmp / "credentials.yml").write_text(CREDENTIALS, encoding="utf-8")
    rasa, actions, web = free_ports(3)
    stack = Stack(
        ports=Ports(rasa=rasa, actions=actions, web=web),
        var=tmp,
        credentials=tmp / "credentials.yml",
        env={
            "TRAINER_SEED": "7",
            "TRAINER_DATABASE_URL": db_url,
            "TRAINER_IDENTITY_MAP": str(tmp / "identities.yml"),
            "TEST_FAKE_PLATFORM": fake.url,
            "TEST_WECOM_CORP_ID": WECOM["corp_id"], "TEST_WECOM_AGENT_ID": WECOM["agent_id"],
            "TEST_WECOM_SECRET": WECOM["secret"], "TEST_WECOM_TOKEN": WECOM["token"],
            "TEST_WECOM_AES_KEY": WECOM["encoding_aes_key"],
            "TEST_DINGTALK_APP_SECRET": DINGTALK["app_secret"],
            "TEST_FEISHU_APP_ID": FEISHU["app_id"], "TEST_FEISHU_APP_SECRET": FEISHU["app_secret"],
            "TEST_FEISHU_VERIFICATION_TOKEN": FEISHU["verification_token"],
            "TEST_FEISHU_ENCRYPT_KEY": FEISHU["encrypt_key"],
        },
    )
    try:
        stack.start(components=("actions", "rasa"), timeout=300)
        yield ChannelStack(stack=stack, tmp=tmp, db_url=db_url, fake=fake)
    finally:
        stack.stop()
        fake.stop()
        print(f"\nchannel stack logs: {tmp / 'log'}")


@pytest.fixture
def live(channel_stack) -> ChannelStack:
    """The package's stack with the fake platform's failures, delays and records cleared."""
    channel_stack.fake.reset()
    return channel_stack


@pytest.fixture(scope="session")
def wecom_platform() -> WeComCallbacks:
    return WeComCallbacks(WECOM["token"], WECOM["encoding_aes_key"], WECOM["corp_id"], int(WECOM["agent_id"]))


@pytest.fixture(scope="session")
def feishu_platform() -> FeishuCallbacks:
    return FeishuCallbacks(FEISHU["app_id"], FEISHU["verification_token"], FEISHU["encrypt_key"])


def first_persona() -> str:
    """The counterpart of scenario 1 (the list numbers the library in order), e.g. 刘建国."""
    from actions.trainer.scenarios import library

    return next(iter(library())).persona.name


def play_scenario(say: Callable[[str], object], replies: Callable[[], List[str]], fake: FakePlatform,
                  max_turns: int = 8) -> List[str]:
    """Greet, choose scenario 1 and refuse firmly until the debrief; the officer's view of it, in order."""
    persona = first_persona() + "："
    say("你好")
    fake.wait_for(lambda: any("可选场景" in r for r in replies()), "the scenario list")
    say("1")
    fake.wait_for(lambda: any(r.startswith(persona) for r in replies()), f"the opening line ({persona}…)")
    for turn in range(max_turns):
        before = sum(r.startswith(persona) for r in replies())
        say(REFUSALS[turn % len(REFUSALS)])
        fake.wait_for(lambda: any("训练总结" in r for r in replies())
                      or sum(r.startswith(persona) for r in replies()) > before, f"the answer to refusal {turn + 1}")
        if any("训练总结" in r for r in replies()):
            return settled(replies)
    raise AssertionError(f"no debrief after {max_turns} firm refusals:\n" + "\n---\n".join(replies()))


def settled(replies: Callable[[], List[str]], quiet: float = 1.5, timeout: float = 30.0) -> List[str]:
    """The replies once no new one has arrived for ``quiet`` seconds (a long debrief comes in pages)."""
    deadline, last, since = time.monotonic() + timeout, replies(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = replies()
        if len(now) != len(last):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    return last
