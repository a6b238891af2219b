"""The shared channel machinery without a server: identities, de-duplication, retries, tokens, rendering."""
from __future__ import annotations

import os
import time

import pytest

from server.channels.common import (
    AuthError,
    Identities,
    IdentityMap,
    Permanent,
    RecentKeys,
    Reply,
    RetryPolicy,
    Retryable,
    TokenCache,
    check_fresh,
    markdown_line,
    paginate,
    rasa_message_id,
    retrying,
    split_lines,
    text_pages,
    utf8_len,
)

MAP = """
unknown_users: {policy}
officers:
  - officer_id: "110105-0042"
    name: 张伟
    unit: 朝阳分局
    accounts: {{wecom: zhangwei, feishu: [ou_a, ou_b]}}
"""


def write_map(tmp_path, text):
    path = tmp_path / "identities.yml"
    path.write_text(text, encoding="utf-8")
    return path


# -- identities ------------------------------------------------------------------------------------


def test_a_bound_account_resolves_to_its_officer_and_metadata(tmp_path):
    ids = Identities(write_map(tmp_path, MAP.format(policy="refuse")))
    officer = ids.resolve("feishu", [None, "ou_b", "on_x"])
    assert officer.officer_id == "110105-0042" and officer.sender_id("feishu") == "feishu:110105-0042"
    assert officer.metadata("feishu") == {"officer_id": "110105-0042", "officer_name": "张伟",
                                          "officer_unit": "朝阳分局", "pseudonymous": False, "channel": "feishu"}
    assert ids.resolve("dingtalk", ["zhangwei"]) is None  # accounts are per platform
    assert "尚未绑定" in ids.refusal("wecom", "lisi") and "企业微信" in ids.refusal("wecom", "lisi")
    assert ids.account_of("wecom", "110105-0042") == "zhangwei"


def test_pseudonyms_are_stable_keyed_and_need_a_key(tmp_path):
    path = write_map(tmp_path, MAP.format(policy="pseudonymous"))
    with pytest.raises(ValueError, match="TRAINER_PSEUDONYM_KEY"):
        Identities(path, pseudonym_key="")
    one, other = Identities(path, pseudonym_key="k1"), Identities(path, pseudonym_key="k2")
    a = one.resolve("wecom", ["lisi"])
    assert a.pseudonymous and a.officer_id.startswith("anon-wecom-") and a.name == "匿名学员"
    assert one.resolve("wecom", ["lisi"]) == a
    assert other.resolve("wecom", ["lisi"]).officer_id != a.officer_id  # not a plain hash of the account
    assert a.metadata("wecom")["pseudonymous"] is True


@pytest.mark.parametrize("text, error", [
    ("unknown_users: maybe", "unknown_users"),
    ("officers: [{officer_id: 'a b'}]", "officer_id"),
    ("officers: [{officer_id: a, accounts: {wechat: x}}]", "unknown platform"),
    ("officers: [{officer_id: a, accounts: {wecom: x}}, {officer_id: b, accounts: {wecom: x}}]", "already bound"),
    ("officers: [{officer_id: a}, {officer_id: a}]", "appears twice"),
])
def test_a_broken_identity_map_is_refused_with_the_reason(text, error):
    import yaml

    with pytest.raises(ValueError, match=error):
        IdentityMap.parse(yaml.safe_load(text))


def test_the_identity_map_is_reloaded_when_the_file_changes_and_kept_when_broken(tmp_path):
    path = write_map(tmp_path, MAP.format(policy="refuse"))
    ids = Identities(path)
    assert ids.resolve("wecom", ["lisi"]) is None
    path.write_text(MAP.format(policy="refuse") + "  - {officer_id: L1, accounts: {wecom: lisi}}\n", encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert ids.resolve("wecom", ["lisi"]).officer_id == "L1"
    path.write_text("officers: [{officer_id: 'bad id'}]", encoding="utf-8")
    os.utime(path, (time.time() + 10, time.time() + 10))
    assert ids.resolve("wecom", ["lisi"]).officer_id == "L1"


def test_without_a_map_everyone_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINER_IDENTITY_MAP", str(tmp_path / "absent.yml"))
    with pytest.raises(FileNotFoundError):
        Identities()  # a configured map that is missing stops the server
    monkeypatch.delenv("TRAINER_IDENTITY_MAP")
    monkeypatch.setattr("server.channels.common.DEFAULT_IDENTITY_MAP", tmp_path / "none.yml")
    assert Identities().resolve("wecom", ["anyone"]) is None


# -- de-duplication, timestamps --------------------------------------------------------------------


def test_recent_keys_forget_after_the_ttl_and_stay_bounded():
    now = [0.0]
    keys = RecentKeys(ttl=10, max_size=3, clock=lambda: now[0])
    assert keys.add("a") and not keys.add("a")
    now[0] = 11
    assert keys.add("a")
    for k in "bcde":
        keys.add(k)
    assert len(keys) == 3 and keys.add("a")  # the oldest were dropped


def test_timestamps_far_from_our_clock_are_refused():
    check_fresh(str(int(time.time()) - 100), 300)
    check_fresh(int(time.time() * 1000) + 100_000, 300, millis=True)
    for bad in (int(time.time()) - 301, int(time.time()) + 301, "", None, "abc"):
        with pytest.raises(AuthError):
            check_fresh(bad, 300)


def test_long_platform_ids_are_hashed_to_fit_the_records():
    assert rasa_message_id("wecom", "123") == "wecom:123"
    long_id = rasa_message_id("dingtalk", "m" * 100)
    assert len(long_id) <= 64 and long_id == rasa_message_id("dingtalk", "m" * 100)


# -- retries and tokens ------------------------------------------------------------------------------


async def test_retries_back_off_exponentially_and_give_up():
    pauses, calls = [], []

    async def sleep(seconds):
        pauses.append(seconds)

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise Retryable("busy")
        return "ok"

    assert await retrying(flaky, RetryPolicy(3, 0.5), "test", sleep=sleep) == "ok"
    assert pauses == [0.5, 1.0]

    async def down():
        raise Retryable("down")

    with pytest.raises(Retryable):
        await retrying(down, RetryPolicy(3, 0.5), "test", sleep=sleep)

    async def refused():
        calls.append(1)
        raise Permanent("bad request")

    calls.clear()
    with pytest.raises(Permanent):
        await retrying(refused, RetryPolicy(3, 0.5), "test", sleep=sleep)
    assert len(calls) == 1


async def test_a_token_is_fetched_once_renewed_early_and_dropped_when_rejected():
    now, fetched = [0.0], []

    async def fetch():
        fetched.append(now[0])
        return f"t{len(fetched)}", 7200

    tokens = TokenCache(fetch, "test", clock=lambda: now[0])
    assert [await tokens.get() for _ in range(3)] == ["t1"] * 3
    now[0] = 7200 - 301
    assert await tokens.get() == "t1"
    now[0] = 7200 - 299
    assert await tokens.get() == "t2"  # renewed five minutes early
    tokens.invalidate("t1")  # a stale rejection does not drop the new token
    assert await tokens.get() == "t2"
    tokens.invalidate("t2")
    assert await tokens.get() == "t3"


# -- rendering ---------------------------------------------------------------------------------------


def test_documents_get_a_heading_and_dialogue_stays_plain():
    debrief = Reply.of({"text": "【训练总结】老同学的儿子闯红灯\n结果：对方放弃\n总分：80/100", "utter_action": "utter_debrief"})
    assert (debrief.label, debrief.subject, debrief.lines) == ("训练总结", "老同学的儿子闯红灯", ("结果：对方放弃", "总分：80/100"))
    hint = Reply.of({"text": "提示：这一轮要做到明确拒绝。", "utter_action": "utter_hint"})
    assert (hint.label, hint.lines) == ("提示", ("这一轮要做到明确拒绝。",))
    line = Reply.of({"text": "刘建国：帮个忙吧", "utter_action": "utter_counterpart"})
    assert (line.label, line.text) == (None, "刘建国：帮个忙吧")
    assert Reply.of({"text": "  "}) is None
    assert text_pages(debrief, 2048) == ["【训练总结】老同学的儿子闯红灯\n结果：对方放弃\n总分：80/100"]


def test_markdown_in_scenario_text_is_shown_as_text():
    assert markdown_line("对方：<font color=\"warning\">[点我](http://x)</font> **急**") == \
        "**对方：**＜font color=\"warning\"＞［点我］(http://x)＜/font＞ ＊＊急＊＊"
    assert markdown_line("【熟人说情】老同学") == "**【熟人说情】**老同学"
    assert markdown_line("# 不是标题") == "＃ 不是标题"


def test_long_documents_are_split_between_lines_into_even_pages_within_the_limit():
    lines = [f"第{i}条：" + "廉" * 60 for i in range(30)]  # ~5,600 bytes
    reply = Reply(tuple(lines), "训练总结", "测试")
    pages = paginate(reply, 2048, heading=lambda p: f"### {p.label} · {p.subject}")
    assert [p.label for p in pages] == ["训练总结（1/3）", "训练总结（2/3）", "训练总结（3/3）"]
    assert all(utf8_len(f"### {p.label} · {p.subject}\n{p.body}") <= 2048 for p in pages)
    assert "\n".join(p.body for p in pages) == "\n".join(lines)
    sizes = [utf8_len(p.body) for p in pages]
    assert max(sizes) - min(sizes) < 400


def test_a_line_longer_than_the_limit_is_cut_at_a_sentence_end_never_inside_a_character():
    line = "这是一句话。" * 200
    chunks = split_lines([line], 500)
    assert "".join(chunks) == line
    assert all(utf8_len(c) <= 500 for c in chunks) and all(c.endswith("。") for c in chunks)


# -- messages Rasa sends on its own ----------------------------------------------------------------


async def test_rasa_can_reach_a_bound_officer_outside_a_callback(tmp_path):
    import base64

    from server.channels.dingtalk import DingTalkInput
    from server.channels.wecom import WeComInput

    ids = Identities(write_map(tmp_path, MAP.format(policy="refuse")))
    channel = WeComInput(corp_id="ww1", agent_id=7, secret="s", token="t", identities=ids,
                         encoding_aes_key=base64.b64encode(b"k" * 32).decode().rstrip("="))
    sent = []

    async def send(payload):
        sent.append(payload)

    channel.api.send = send
    output = channel.get_output_channel()
    await output.send_response("wecom:110105-0042", {"text": "该练习了。"})
    await output.send_response("wecom:nobody", {"text": "丢弃"})
    assert sent == [{"touser": "zhangwei", "msgtype": "text", "text": {"content": "该练习了。"}}]
    assert DingTalkInput(app_secret="x", identities=ids).push_sender("110105-0042") is None
