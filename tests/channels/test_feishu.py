"""飞书 against the real Rasa server: encrypted, signed event callbacks as Feishu sends them,
replies through the fake open.feishu.cn."""
from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.channels.conftest import first_persona, http, officer, play_scenario, settled
from tests.channels.fake_platform import message_text

pytestmark = pytest.mark.e2e

MESSAGES = "/feishu/open-apis/im/v1/messages"
TOKEN = "/feishu/open-apis/auth/v3/tenant_access_token/internal"
PERSONA = first_persona() + "："


def post(live, body: bytes, headers):
    return http(f"{live.base}/feishu/webhook", data=body, headers=headers)


def say(live, platform, open_id, text, **kw):
    return post(live, *platform.signed(platform.text_message(open_id, text, **kw)))


def replies_to(live, open_id):
    return lambda: live.fake.delivered("feishu", f"oc_chat_{open_id}")


def test_the_url_challenge_is_answered_only_with_the_right_token(live, feishu_platform):
    body, headers = feishu_platform.signed(feishu_platform.challenge(), sign=False)
    resp = post(live, body, headers)
    assert resp.status == 200 and json.loads(resp.body) == {"challenge": "ajls384kdjx98XX"}
    body, headers = feishu_platform.signed(feishu_platform.challenge(token="guess"), sign=False)
    assert post(live, body, headers).status == 401
    live.wait_for_log("bad verification token")


def test_forged_stale_and_unsigned_events_are_refused(live, feishu_platform):
    open_id = officer("W-1006")[3]["feishu"]
    event = feishu_platform.text_message(open_id, "你好")
    assert post(live, *feishu_platform.signed(event, signature="0" * 64)).status == 401
    live.wait_for_log("bad X-Lark-Signature")
    assert post(live, *feishu_platform.signed(event, timestamp=int(time.time()) - 3600)).status == 401
    live.wait_for_log("stale timestamp")
    assert post(live, *feishu_platform.signed(event, sign=False)).status == 401
    live.wait_for_log("unsigned event")
    forged = feishu_platform.text_message(open_id, "你好", token="guess")
    assert post(live, *feishu_platform.signed(forged)).status == 401
    plain = json.dumps(event).encode()
    assert post(live, plain, {"Content-Type": "application/json"}).status == 401
    time.sleep(1.0)
    assert live.fake.requests(MESSAGES) == []


def test_a_full_scenario_is_played_and_recorded_under_the_officer(live, feishu_platform):
    oid, name, unit, accounts = officer("W-1001")
    open_id = accounts["feishu"]
    texts = play_scenario(lambda t: say(live, feishu_platform, open_id, t), replies_to(live, open_id), live.fake)

    sends = [c for c in live.fake.requests(MESSAGES) if c.ok]
    assert all(c.query == {"receive_id_type": "chat_id"} and c.body["receive_id"] == f"oc_chat_{open_id}"
               for c in sends)
    cards = {json.loads(c.body["content"])["header"]["title"]["content"].split(" · ")[0]: c.body
             for c in sends if c.body["msg_type"] == "interactive"}
    assert {"训练场景", "情景简介", "训练总结"} <= set(cards)
    debrief = json.loads(cards["训练总结"]["content"])
    assert debrief["elements"][0]["text"]["tag"] == "plain_text"
    assert debrief["elements"][0]["text"]["content"].startswith("结果：对方放弃")
    assert any(t.startswith(PERSONA) for t in texts)
    assert len({c.body["uuid"] for c in sends}) == len(sends)
    [session] = live.sessions(oid, "feishu")
    assert (session["channel"], session["conversation_id"], session["outcome"]) == (
        "feishu", f"feishu:{oid}", "withdrawn")
    assert (session["officer_name"], session["unit"]) == (name, unit)


def test_a_redelivered_event_is_processed_once(live, feishu_platform):
    oid, _, _, accounts = officer("W-1002")
    open_id = accounts["feishu"]
    replies = replies_to(live, open_id)
    say(live, feishu_platform, open_id, "你好")
    live.fake.wait_for(lambda: any("可选场景" in r for r in replies()), "the scenario list")
    say(live, feishu_platform, open_id, "1")
    live.fake.wait_for(lambda: any(r.startswith(PERSONA) for r in replies()), "the opening line")
    event = feishu_platform.text_message(open_id, "请不要这样，我不能违规办理。", event_id=uuid.uuid4().hex)
    # Feishu re-pushes an unacknowledged event later: same event, fresh encryption and signature.
    assert [post(live, *feishu_platform.signed(event)).status for _ in range(2)] == [200, 200]
    live.fake.wait_for(lambda: sum(r.startswith(PERSONA) for r in replies()) >= 2, "the next line")
    texts = settled(replies)
    assert sum(r.startswith(PERSONA) for r in texts) == 2
    [session] = live.sessions(oid, "feishu")
    assert [t["reply"] for t in session["turns"]] == ["请不要这样，我不能违规办理。"]


def test_the_tenant_token_is_cached_and_refreshed_when_rejected(live, feishu_platform):
    open_id = officer("W-1003")[3]["feishu"]
    replies = replies_to(live, open_id)
    live.fake.revoke_tokens("feishu")
    for n in (1, 2, 3):
        say(live, feishu_platform, open_id, "帮助")
        live.fake.wait_for(lambda: len(replies()) >= n, f"answer {n}")
    assert len(live.fake.requests(TOKEN)) == 1
    assert live.fake.requests(TOKEN)[0].body == {"app_id": "cli_a1b2c3d4e5f60718", "app_secret": "feishu-app-secret"}
    good = [c for c in live.fake.requests(MESSAGES) if c.ok]
    assert len({c.headers["authorization"] for c in good}) == 1
    assert all(c.answer["code"] == 99991663 for c in live.fake.requests(MESSAGES) if not c.ok)


def test_a_failing_send_is_retried_under_the_same_uuid(live, feishu_platform):
    open_id = officer("W-1004")[3]["feishu"]
    live.fake.fail(MESSAGES, 2, status=503)
    say(live, feishu_platform, open_id, "帮助")
    [text] = live.fake.wait_for(lambda: replies_to(live, open_id)(), "the answer after two failures")
    assert "用法" in text
    calls = live.fake.requests(MESSAGES)
    assert [c.status for c in calls] == [503, 503, 200]
    assert len({c.body["uuid"] for c in calls}) == 1  # Feishu posts a uuid at most once: no duplicate reply


def test_group_chats_and_unbound_accounts_get_a_notice_not_a_turn(live, feishu_platform):
    open_id = officer("W-1005")[3]["feishu"]
    say(live, feishu_platform, open_id, "你好", chat_type="group")
    [group] = live.fake.wait_for(lambda: replies_to(live, open_id)(), "the group notice")
    assert "单聊" in group
    say(live, feishu_platform, "ou_stranger", "你好")
    [refusal] = live.fake.wait_for(lambda: replies_to(live, "ou_stranger")(), "the refusal")
    assert "尚未绑定" in refusal
    assert live.tracker_user_texts("feishu:W-1005") == []
    assert message_text("feishu", live.fake.requests(MESSAGES)[-1].body) == refusal
