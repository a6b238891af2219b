"""The Rasa actions as thin adapters: small trackers in, messages and slot events out."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dialogue
from actions.trainer.scenarios import library


@pytest.fixture(autouse=True)
def fresh_service(db_url, monkeypatch):
    monkeypatch.setenv("TRAINER_SEED", "5")
    dialogue.service.cache_clear()
    yield
    dialogue.service.cache_clear()


def make_tracker(text="", intent="refuse", slots=None, sender="officer-x", message_id="m1", metadata=None,
                 events=None):
    return Tracker(
        sender_id=sender,
        slots={"scenario_active": False, "play_state": None, "mode": "practice", **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99}, "message_id": message_id,
                        "metadata": metadata or {}},
        events=events or [], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def user_event(text, message_id, intent="refuse"):
    return {"event": "user", "text": text, "message_id": message_id, "parse_data": {"intent": {"name": intent}}}


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def slot(events, name):
    return next(e["value"] for e in events if e["event"] == "slot" and e["name"] == name)


async def test_choosing_a_scenario_briefs_and_opens():
    scenario = library().get("favour_red_light")
    msgs, events = await run(dialogue.ActionScoreReply(),
                             make_tracker(str(library().number_of(scenario.id)), "choose_scenario",
                                          metadata={"officer_id": "o-77", "officer_unit": "一中队"}))
    assert [m["response"] for m in msgs] == ["utter_briefing", "utter_counterpart"]
    assert msgs[1]["name"] == scenario.persona.name and msgs[1]["line"] in scenario.stages[0].lines
    assert slot(events, "scenario_active") is True
    assert slot(events, "play_state")["scenario_id"] == scenario.id


async def test_a_reply_is_scored_and_answered_by_the_counterpart():
    _, events = await run(dialogue.ActionScoreReply(), make_tracker("1", "choose_scenario"))
    state = slot(events, "play_state")
    msgs, events = await run(dialogue.ActionScoreReply(), make_tracker(
        "感谢您的理解，但法律面前人人平等，我们必须依法处理。", "refuse",
        slots={"play_state": state, "scenario_active": True}, message_id="m2"))
    assert [m["response"] for m in msgs] == ["utter_turn_feedback", "utter_counterpart"]
    assert msgs[0]["score"] >= 60
    assert slot(events, "play_state")["stage_index"] == 1


async def test_bad_input_is_explained_and_state_is_untouched():
    _, events = await run(dialogue.ActionScoreReply(), make_tracker("1", "choose_scenario"))
    state = slot(events, "play_state")
    msgs, events = await run(dialogue.ActionScoreReply(), make_tracker(
        "🙂🙂", "nlu_fallback", slots={"play_state": state, "scenario_active": True}, message_id="m2"))
    assert msgs[0]["response"] == "utter_input_problem" and "表情" in msgs[0]["message"]
    after = slot(events, "play_state")
    assert after == dict(state, last_message_id="m2")  # dealt with, nothing else changed


@pytest.mark.parametrize("intent, response", [
    ("out_of_scope", "utter_out_of_scope"), ("nlu_fallback", "utter_default"), ("refuse", "utter_no_scenario"),
    ("goodbye", "utter_goodbye"),
])
async def test_outside_a_scenario_messages_are_answered_by_intent(intent, response):
    msgs, events = await run(dialogue.ActionScoreReply(), make_tracker("随便说点什么", intent))
    assert [m["response"] for m in msgs] == [response] and events == []


async def test_unknown_scenario_pick_says_how_to_pick():
    msgs, _ = await run(dialogue.ActionScoreReply(), make_tracker("第99个", "choose_scenario"))
    assert msgs[0]["response"] == "utter_scenario_not_found" and msgs[0]["count"] == len(library())


async def test_hint_only_in_practice_mode_and_end_gives_debrief():
    _, events = await run(dialogue.ActionScoreReply(), make_tracker("1", "choose_scenario"))
    state = slot(events, "play_state")
    msgs, _ = await run(dialogue.ActionGiveHint(), make_tracker("提示", "hint", slots={"play_state": state}))
    assert msgs[0]["response"] == "utter_hint" and "明确拒绝" in msgs[0]["moves"]
    exam_state = dict(state, mode="assessment")
    msgs, _ = await run(dialogue.ActionGiveHint(), make_tracker("提示", "hint", slots={"play_state": exam_state}))
    assert msgs[0]["response"] == "utter_hint_unavailable"
    msgs, events = await run(dialogue.ActionEndScenario(), make_tracker("结束", "end_scenario", slots={"play_state": state}))
    assert [m["response"] for m in msgs] == ["utter_ended", "utter_debrief"] and "训练总结" in msgs[1]["debrief"]
    assert slot(events, "scenario_active") is False and slot(events, "play_state")["status"] == "abandoned"


async def test_mode_switch_and_listing():
    msgs, events = await run(dialogue.ActionSetMode(), make_tracker("考核模式", "mode_assessment"))
    assert events == [SlotSet("mode", "assessment")] and "考核模式" in msgs[0]["mode_label"]
    msgs, _ = await run(dialogue.ActionListScenarios(), make_tracker("场景列表", "list_scenarios"))
    assert all(s.title in msgs[0]["listing"] for s in library())


async def test_restart_replays_the_same_scenario():
    _, events = await run(dialogue.ActionScoreReply(), make_tracker("1", "choose_scenario"))
    state = slot(events, "play_state")
    msgs, events = await run(dialogue.ActionRestartScenario(),
                             make_tracker("重来", "restart_scenario", slots={"play_state": state}))
    assert msgs[0]["response"] == "utter_restarted"
    new_state = slot(events, "play_state")
    assert new_state["scenario_id"] == state["scenario_id"] and new_state["session_id"] != state["session_id"]


async def test_replies_kept_while_the_action_server_was_down_are_scored_first():
    """The tracker holds m2 (no action ran for it) and now m4; m3 was a command."""
    _, events = await run(dialogue.ActionScoreReply(), make_tracker("1", "choose_scenario", message_id="m1"))
    state = slot(events, "play_state")
    history = [user_event("1", "m1", "choose_scenario"), user_event("不行，必须依法处理。", "m2"),
               user_event("提示", "m3", "hint"), user_event("交情归交情，只能依法处理。", "m4")]
    msgs, events = await run(dialogue.ActionScoreReply(), make_tracker(
        "交情归交情，只能依法处理。", "refuse", slots={"play_state": state, "scenario_active": True},
        message_id="m4", events=history))
    responses = [m["response"] for m in msgs]
    assert responses[0] == "utter_caught_up" and "必须依法处理" in msgs[0]["reply"]
    assert responses[1:] == ["utter_turn_feedback", "utter_counterpart"]
    after = slot(events, "play_state")
    assert after["history"] == ["firm", "firm"] and after["last_message_id"] == "m4" and after["stage_index"] == 2
