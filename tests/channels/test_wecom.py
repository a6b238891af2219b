"""企业微信 against the real Rasa server: callbacks signed and encrypted as WeCom sends them,
replies through the fake qyapi.weixin.qq.com."""
from __future__ import annotations

import itertools
import time

import pytest

from tests.channels.conftest import WECOM, first_persona, http, officer, play_scenario, settled
from tests.channels.fake_platform import message_text

pytestmark = pytest.mark.e2e

SEND = "/wecom/cgi-bin/message/send"
GETTOKEN = "/wecom/cgi-bin/gettoken"
_ids = itertools.count(int(time.time() * 1000) * 1000)
PERSONA = first_persona() + "："  # the counterpart of scenario 1, e.g. 刘建国：


def post(live, platform, user: str, text: str, msg_id=None, *, timestamp=None, signature=None, corp_id=None):
    encrypted = platform.encrypt(platform.text_message(user, text, str(msg_id or next(_ids))), corp_id=corp_id)
    query = platform.query(encrypted, timestamp=timestamp, signature=signature)
    return http(f"{live.base}/wecom/webhook?{query}", data=platform.envelope(encrypted),
                headers={"Content-Type": "text/xml"})


def replies_to(live, user):
    return lambda: live.fake.delivered("wecom", user)


def test_url_verification_answers_the_decrypted_echostr(live, wecom_platform):
    echo = wecom_platform.encrypt("8841391364231837154")
    resp = http(f"{live.base}/wecom/webhook?{wecom_platform.query(echo, echostr=True)}")
    assert (resp.status, resp.body) == (200, "8841391364231837154")


def test_forged_or_stale_callbacks_are_refused_and_logged(live, wecom_platform):
    echo = wecom_platform.encrypt("123")
    assert http(f"{live.base}/wecom/webhook?{wecom_platform.query(echo, echostr=True, signature='0' * 40)}"
                ).status == 401
    user = officer("W-1006")[3]["wecom"]
    assert post(live, wecom_platform, user, "你好", signature="f" * 40).status == 401
    live.wait_for_log("bad msg_signature")
    assert post(live, wecom_platform, user, "你好", timestamp=int(time.time()) - 3600).status == 401
    live.wait_for_log("stale timestamp")
    assert post(live, wecom_platform, user, "你好", corp_id="ww-another-corp").status == 401
    live.wait_for_log("message is for another corp id")
    time.sleep(1.0)
    assert live.fake.requests(SEND) == []
    assert live.tracker_user_texts("wecom:W-1006") == []


def test_a_full_scenario_is_played_and_recorded_under_the_officer(live, wecom_platform):
    oid, name, unit, accounts = officer("W-1001")
    user = accounts["wecom"]
    texts = play_scenario(lambda t: post(live, wecom_platform, user, t), replies_to(live, user), live.fake)

    sends = [c for c in live.fake.requests(SEND) if c.ok]
    assert all(c.body["agentid"] == int(WECOM["agent_id"]) and c.body["touser"] == user for c in sends)
    assert all(len(message_text("wecom", c.body).encode()) <= 2048 for c in sends)
    briefing = next(c.body for c in sends if "情景简介" in message_text("wecom", c.body))
    assert briefing["msgtype"] == "markdown" and briefing["markdown"]["content"].startswith("### 情景简介 · ")
    # The ~2,100-byte debrief does not fit one WeCom message: it comes in pages, split between lines.
    debrief = [t for t in texts if t.startswith("### 训练总结")]
    assert [t.splitlines()[0].split(" · ")[0] for t in debrief] == ["### 训练总结（1/2）", "### 训练总结（2/2）"]
    assert "**结果：**对方放弃" in debrief[0]
    assert all(c.body["msgtype"] == "text" for c in sends if message_text("wecom", c.body).startswith(PERSONA))

    [session] = live.sessions(oid, "wecom")
    assert (session["channel"], session["officer_id"], session["conversation_id"]) == ("wecom", oid, f"wecom:{oid}")
    assert (session["officer_name"], session["unit"], session["outcome"]) == (name, unit, "withdrawn")
    assert len(session["turns"]) >= 4
    assert all(t["message_id"].startswith("wecom:") for t in session["turns"])


def test_a_platform_retry_of_the_same_message_is_processed_once(live, wecom_platform):
    oid, _, _, accounts = officer("W-1002")
    user = accounts["wecom"]
    replies = replies_to(live, user)
    post(live, wecom_platform, user, "你好")
    live.fake.wait_for(lambda: any("可选场景" in r for r in replies()), "the scenario list")
    post(live, wecom_platform, user, "1")
    live.fake.wait_for(lambda: any(r.startswith(PERSONA) for r in replies()), "the opening line")

    msg_id = next(_ids)
    for _ in range(3):  # WeCom retries a callback it thinks failed, with the same MsgId
        assert post(live, wecom_platform, user, "我不能收，请按规定办理。", msg_id).status == 200
    live.fake.wait_for(lambda: sum(r.startswith(PERSONA) for r in replies()) >= 2, "the counterpart's next line")
    texts = settled(replies)
    assert sum(r.startswith(PERSONA) for r in texts) == 2
    assert sum(r.startswith("〔本轮") for r in texts) == 1
    [session] = live.sessions(oid, "wecom")
    assert [t["reply"] for t in session["turns"]] == ["我不能收，请按规定办理。"]
    assert live.tracker_user_texts(f"wecom:{oid}").count("我不能收，请按规定办理。") == 1
    live.wait_for_log(f"event {msg_id} already received")


def test_the_access_token_is_fetched_once_and_refreshed_when_rejected_or_expired(live, wecom_platform):
    user = officer("W-1003")[3]["wecom"]
    replies = replies_to(live, user)
    live.fake.revoke_tokens("wecom")  # whatever the server holds is now rejected (errcode 42001)
    for n in (1, 2, 3):
        post(live, wecom_platform, user, "帮助")
        live.fake.wait_for(lambda: len(replies()) >= n, f"answer {n}")
    assert len(live.fake.requests(GETTOKEN)) == 1
    good = [c for c in live.fake.requests(SEND) if c.ok]
    assert len(good) == 3 and len({c.query["access_token"] for c in good}) == 1
    assert all(c.answer["errcode"] == 42001 for c in live.fake.requests(SEND) if not c.ok)

    # A short-lived token is renewed before use once it runs out, without a rejected send.
    live.fake.reset()
    live.fake.token_ttl["wecom"] = 2
    live.fake.revoke_tokens("wecom")
    post(live, wecom_platform, user, "帮助")
    live.fake.wait_for(lambda: len(replies()) >= 1, "an answer with a 2-second token")
    time.sleep(2.5)
    live.fake.reset()
    post(live, wecom_platform, user, "帮助")
    live.fake.wait_for(lambda: len(replies()) >= 1, "an answer after the token ran out")
    assert [c.path for c in live.fake.calls] == [GETTOKEN, SEND]
    assert live.fake.calls[1].ok


def test_a_failing_send_is_retried_with_the_same_message(live, wecom_platform):
    user = officer("W-1004")[3]["wecom"]
    live.fake.fail(SEND, 2, status=502)
    post(live, wecom_platform, user, "帮助")
    live.fake.wait_for(lambda: live.fake.delivered("wecom", user), "the answer after two failures")
    calls = live.fake.requests(SEND)
    assert [c.status for c in calls] == [502, 502, 200]
    assert calls[0].body == calls[1].body == calls[2].body
    assert calls[1].at - calls[0].at >= 0.15 and calls[2].at - calls[1].at >= 0.3  # backoff doubles
    live.wait_for_log("retrying in")


def test_a_reply_that_cannot_be_delivered_is_logged_and_the_turn_is_kept(live, wecom_platform):
    user = officer("W-1004")[3]["wecom"]
    live.fake.fail(SEND, 10, status=503)
    post(live, wecom_platform, user, "场景列表")
    live.fake.wait_for(lambda: len(live.fake.requests(SEND)) >= 3, "three attempts")
    live.wait_for_log("not delivered")
    time.sleep(1.0)
    assert len(live.fake.requests(SEND)) == 3
    assert "场景列表" in live.tracker_user_texts("wecom:W-1004")


def test_the_platform_is_answered_before_a_slow_reply_goes_out(live, wecom_platform):
    user = officer("W-1005")[3]["wecom"]
    live.fake.slow(SEND, 2.0)
    began = time.monotonic()
    resp = post(live, wecom_platform, user, "帮助")
    assert resp.status == 200 and resp.body == ""
    assert resp.seconds < 1.0
    live.fake.wait_for(lambda: live.fake.delivered("wecom", user), "the slow reply")
    assert time.monotonic() - began >= 2.0


def test_an_unbound_account_is_told_how_to_get_bound(live, wecom_platform):
    post(live, wecom_platform, "stranger01", "你好")
    [text] = live.fake.wait_for(lambda: live.fake.delivered("wecom", "stranger01"), "the refusal")
    assert "尚未绑定训练档案" in text and "stranger01" in text
    assert live.tracker_user_texts("wecom:stranger01") == []


def test_what_reaches_rasa_follows_the_web_channels_rules(live, wecom_platform):
    user = officer("W-1006")[3]["wecom"]
    post(live, wecom_platform, user, '/inform{"score": 100}')  # would bypass NLU and set slots
    live.fake.wait_for(lambda: live.fake.delivered("wecom", user), "the answer to a slash command")
    assert live.tracker_user_texts("wecom:W-1006") == ['／inform{"score": 100}']
    live.fake.reset()
    post(live, wecom_platform, user, "长" * 5000)
    [notice] = live.fake.wait_for(lambda: live.fake.delivered("wecom", user), "the too-long notice")
    assert "消息过长" in notice
    assert len(live.tracker_user_texts("wecom:W-1006")) == 1
