"""钉钉 against the real Rasa server: robot callbacks signed as DingTalk signs them, replies
through the fake session webhook."""
from __future__ import annotations

import itertools
import json
import time

import pytest

from tests.channels.conftest import DINGTALK, first_persona, http, officer, play_scenario, settled
from tests.channels.fake_platform import dingtalk_headers, dingtalk_message

pytestmark = pytest.mark.e2e

WEBHOOK = "/dingtalk/robot/sendBySession"
PERSONA = first_persona() + "："
_ids = itertools.count(1)


def msg_id() -> str:
    return f"msgTEST{int(time.time())}{next(_ids):04d}=="


def post(live, message, headers=None):
    return http(f"{live.base}/dingtalk/webhook", data=json.dumps(message, ensure_ascii=False).encode(),
                headers=headers or dingtalk_headers(DINGTALK["app_secret"]))


def message(live, staff_id, text, mid=None, **kw):
    return dingtalk_message(f"{live.fake.url}/dingtalk", staff_id, text, mid or msg_id(), **kw)


def replies_to(live, staff_id):
    return lambda: live.fake.delivered("dingtalk", f"session-{staff_id}")


def test_forged_stale_and_replayed_callbacks_are_refused(live):
    staff = officer("W-1006")[3]["dingtalk"]
    assert post(live, message(live, staff, "你好"), dingtalk_headers("not-the-secret")).status == 401
    live.wait_for_log("bad sign")
    stale = dingtalk_headers(DINGTALK["app_secret"], int((time.time() - 2 * 3600) * 1000))
    assert post(live, message(live, staff, "你好"), stale).status == 401
    live.wait_for_log("stale timestamp")
    # The sign covers only the timestamp: a captured header pair must not carry another message.
    headers = dingtalk_headers(DINGTALK["app_secret"])
    assert post(live, message(live, staff, "你好"), headers).status == 200
    assert post(live, message(live, "staff-someone-else", "1"), headers).status == 401
    live.wait_for_log("a signature already used for another message")
    # A forged body cannot send the server's replies to an address of its choosing.
    evil = message(live, staff, "你好")
    evil["sessionWebhook"] = "http://127.0.0.1:9/steal?session=x"
    assert post(live, evil).status == 401
    live.wait_for_log("sessionWebhook outside")


def test_a_full_scenario_is_played_and_recorded_under_the_officer(live):
    oid, name, unit, accounts = officer("W-1001")
    staff = accounts["dingtalk"]
    texts = play_scenario(lambda t: post(live, message(live, staff, t)), replies_to(live, staff), live.fake)

    sends = [c for c in live.fake.requests(WEBHOOK) if c.ok]
    debrief = next(c.body for c in sends if c.body["msgtype"] == "markdown" and c.body["markdown"]["title"] == "训练总结")
    assert debrief["markdown"]["text"].startswith("### 训练总结 · ")
    assert "  \n**结果：**对方放弃" in debrief["markdown"]["text"]  # markdown line breaks, labels in bold
    assert any(t.startswith(PERSONA) for t in texts)
    [session] = live.sessions(oid, "dingtalk")
    assert (session["channel"], session["conversation_id"], session["outcome"]) == (
        "dingtalk", f"dingtalk:{oid}", "withdrawn")
    assert (session["officer_name"], session["unit"]) == (name, unit)


def test_a_redelivered_message_is_processed_once(live):
    oid, _, _, accounts = officer("W-1002")
    staff = accounts["dingtalk"]
    replies = replies_to(live, staff)
    post(live, message(live, staff, "你好"))
    live.fake.wait_for(lambda: any("可选场景" in r for r in replies()), "the scenario list")
    post(live, message(live, staff, "1"))
    live.fake.wait_for(lambda: any(r.startswith(PERSONA) for r in replies()), "the opening line")
    body, headers = message(live, staff, "这个忙我不能帮，请依法处理。"), dingtalk_headers(DINGTALK["app_secret"])
    assert [post(live, body, headers).status for _ in range(2)] == [200, 200]
    live.fake.wait_for(lambda: sum(r.startswith(PERSONA) for r in replies()) >= 2, "the next line")
    texts = settled(replies)
    assert sum(r.startswith(PERSONA) for r in texts) == 2
    [session] = live.sessions(oid, "dingtalk")
    assert [t["reply"] for t in session["turns"]] == ["这个忙我不能帮，请依法处理。"]


def test_a_failing_webhook_is_retried(live):
    staff = officer("W-1003")[3]["dingtalk"]
    live.fake.fail(WEBHOOK, 2, status=500)
    post(live, message(live, staff, "帮助"))
    live.fake.wait_for(lambda: replies_to(live, staff)(), "the answer after two failures")
    assert [c.status for c in live.fake.requests(WEBHOOK)] == [500, 500, 200]


def test_an_expired_session_webhook_is_not_called(live):
    staff = officer("W-1004")[3]["dingtalk"]
    post(live, message(live, staff, "帮助", webhook_expires_ms=int(time.time() * 1000) - 1000))
    live.wait_for_log("sessionWebhook has expired")
    assert live.fake.requests(WEBHOOK) == []
    assert "帮助" in live.tracker_user_texts("dingtalk:W-1004")


def test_group_chats_and_unbound_accounts_get_a_notice_not_a_turn(live):
    staff = officer("W-1005")[3]["dingtalk"]
    post(live, message(live, staff, "你好", conversation_type="2", session="group-1"))
    [group] = live.fake.wait_for(lambda: live.fake.delivered("dingtalk", "group-1"), "the group notice")
    assert "单聊" in group
    post(live, message(live, "staff-stranger", "你好"))
    [refusal] = live.fake.wait_for(lambda: replies_to(live, "staff-stranger")(), "the refusal")
    assert "尚未绑定" in refusal and "staff-stranger" in refusal
    assert live.tracker_user_texts("dingtalk:W-1005") == []
