"""Rasa custom actions: thin adapters between the tracker and the trainer service.

Each action reads what it needs from the tracker, calls the service in a worker
thread (database writes must not block the action server's event loop), speaks
through the responses in domain.yml and returns slot events. State lives in slots
with custom mappings, never on ``self``: one action instance serves every officer.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.scoring.debrief import render_text
from actions.trainer import engine
from actions.trainer.engine import PlayState
from actions.trainer.scenarios import library
from actions.trainer.service import TrainerService
from actions.trainer.textnorm import check_reply

logger = logging.getLogger(__name__)

MODE_LABELS = {"practice": "练习模式（每轮显示评分，可输入“提示”）", "assessment": "考核模式（不提示，结束后统一评分）"}


@functools.lru_cache(maxsize=1)
def service() -> TrainerService:
    return TrainerService()


async def _in_thread(fn, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


def _state(tracker: Tracker) -> Optional[PlayState]:
    state = PlayState.from_dict(tracker.get_slot("play_state"))
    return state if state and state.active else None


def _mode(tracker: Tracker) -> str:
    mode = tracker.get_slot("mode")
    return mode if mode in engine.MODES else "practice"


def _identity(tracker: Tracker) -> Dict[str, Any]:
    """Who is practising, as the (authenticating) input channel put it in the metadata.

    Channels that authenticate the officer (the web page's signed token, WeCom,
    DingTalk, Feishu) overwrite ``officer_id`` with the verified identity; the
    client never chooses it.
    """
    metadata = tracker.latest_message.get("metadata") or {}
    channel = metadata.get("channel") or tracker.get_latest_input_channel() or "web"
    return {
        "officer_id": str(metadata.get("officer_id") or tracker.sender_id),
        "conversation_id": tracker.sender_id,
        "channel": str(channel),
        "officer_name": metadata.get("officer_name"),
        "officer_unit": metadata.get("officer_unit"),
        "pseudonymous": bool(metadata.get("pseudonymous")),
    }


def _listing() -> str:
    lines = ["可选场景："]
    current = None
    for i, s in enumerate(library(), 1):
        if s.kind_label != current:
            current = s.kind_label
            lines.append(f"【{current}】")
        lines.append(f"{i}. {s.title}")
    return "\n".join(lines)


def _speak_counterpart(dispatcher: CollectingDispatcher, scenario, line: str) -> None:
    dispatcher.utter_message(response="utter_counterpart", name=scenario.persona.name, line=line)


class ActionListScenarios(Action):
    def name(self) -> Text:
        return "action_list_scenarios"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[str, Any]]:
        state = _state(tracker)
        if state is not None:
            scenario = library().get(state.scenario_id)
            dispatcher.utter_message(response="utter_scenario_busy", title=scenario.title if scenario else state.scenario_id)
            return []
        dispatcher.utter_message(response="utter_scenario_list", listing=_listing(), mode_label=MODE_LABELS[_mode(tracker)])
        return []


async def _start(dispatcher, tracker, scenario) -> List[Dict[str, Any]]:
    mode = _mode(tracker)
    started = await _in_thread(service().start, scenario, mode=mode, **_identity(tracker))
    started.state.last_message_id = tracker.latest_message.get("message_id")
    dispatcher.utter_message(response="utter_briefing", briefing=scenario.briefing(), mode_label=MODE_LABELS[mode])
    _speak_counterpart(dispatcher, scenario, started.opening)
    return [SlotSet("play_state", started.state.to_dict()), SlotSet("scenario_active", True)]


# Outside a scenario, what the officer says is answered by intent.
_IDLE_RESPONSES = {
    "goodbye": "utter_goodbye",
    "out_of_scope": "utter_out_of_scope",
    "nlu_fallback": "utter_default",
    "refuse": "utter_no_scenario",
    "report": "utter_no_scenario",
    "waver": "utter_no_scenario",
    "accept": "utter_no_scenario",
}


async def _idle(dispatcher, tracker) -> List[Dict[str, Any]]:
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "choose_scenario":
        scenario = library().find(tracker.latest_message.get("text") or "")
        if scenario is not None:
            return await _start(dispatcher, tracker, scenario)
        dispatcher.utter_message(response="utter_scenario_not_found", count=len(library()))
        return []
    if intent in ("greet", "start_training"):
        if intent == "greet":
            dispatcher.utter_message(response="utter_greet")
        dispatcher.utter_message(response="utter_scenario_list", listing=_listing(), mode_label=MODE_LABELS[_mode(tracker)])
        return []
    dispatcher.utter_message(response=_IDLE_RESPONSES.get(intent, "utter_default"))
    return []


class ActionScoreReply(Action):
    """The officer said something that is not a command.

    In a scenario it is a reply: score it, record it, and play the counterpart's next
    move. Outside one, answer by intent (start the chosen scenario, greet, guide back).
    Routing here rather than in rules keeps one place that knows whether a scenario
    is running, whatever the NLU made of the words.
    """

    def name(self) -> Text:
        return "action_score_reply"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[str, Any]]:
        state = _state(tracker)
        if state is None:
            return await _idle(dispatcher, tracker)
        svc = service()
        state, ended = await _catch_up(dispatcher, tracker, state)
        if ended:
            return [SlotSet("play_state", state.to_dict()), SlotSet("scenario_active", False)]
        text = tracker.latest_message.get("text") or ""
        message_id = tracker.latest_message.get("message_id")
        problem = check_reply(text)
        if problem is not None:
            dispatcher.utter_message(response="utter_input_problem", message=problem.message)
            return [SlotSet("play_state", dict(state.to_dict(), last_message_id=message_id))]
        outcome = await _in_thread(svc.take_turn, state, text, message_id)
        if outcome.duplicate:  # a platform or client retry of a message already scored
            dispatcher.utter_message(response="utter_already_scored")
            return []
        outcome.state.last_message_id = message_id
        scenario = svc.scenario_of(state)
        if state.mode == "practice":
            dispatcher.utter_message(response="utter_turn_feedback", score=outcome.result.score,
                                     feedback=outcome.result.feedback)
        _speak_counterpart(dispatcher, scenario, outcome.reaction.line)
        events: List[Dict[str, Any]] = [SlotSet("play_state", outcome.state.to_dict())]
        if outcome.reaction.ended:
            _speak_ending(dispatcher, scenario, outcome)
            events.append(SlotSet("scenario_active", False))
        return events


def _speak_ending(dispatcher, scenario, outcome) -> None:
    if outcome.reaction.outcome == engine.CONSEQUENCE:
        dispatcher.utter_message(response="utter_consequence", outcome=scenario.consequence.outcome,
                                 rule=scenario.consequence.rule_broken)
    else:
        dispatcher.utter_message(response="utter_withdrawn")
    dispatcher.utter_message(response="utter_debrief", debrief=render_text(outcome.debrief))


# Intents whose messages are commands, not replies to the counterpart.
_COMMAND_INTENTS = {"list_scenarios", "hint", "restart_scenario", "end_scenario", "help", "mode_practice",
                    "mode_assessment", "bot_challenge"}


def _missed_replies(tracker: Tracker, state: PlayState) -> List[Dict[str, Any]]:
    """Officer replies of this play that no action dealt with (the action server was down).

    The tracker is the durable log: every message the officer sent is in it, whether or
    not the action that should have scored it ran.
    """
    if not state.last_message_id:
        return []
    current = tracker.latest_message.get("message_id")
    missed, after = [], False
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        mid = event.get("message_id")
        if mid == state.last_message_id:
            after, missed = True, []
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if after and mid != current and intent not in _COMMAND_INTENTS:
            missed.append(event)
    return missed


async def _catch_up(dispatcher, tracker: Tracker, state: PlayState):
    """Score, in order, the replies that were kept while scoring was unavailable."""
    svc = service()
    for event in _missed_replies(tracker, state):
        text, mid = event.get("text") or "", event.get("message_id")
        if check_reply(text) is not None:
            state = PlayState(**{**state.to_dict(), "last_message_id": mid})
            continue
        outcome = await _in_thread(svc.take_turn, state, text, mid)
        if outcome.duplicate:
            state = PlayState(**{**state.to_dict(), "last_message_id": mid})
            continue
        state = outcome.state
        state.last_message_id = mid
        dispatcher.utter_message(response="utter_caught_up", reply=text[:40], score=outcome.result.score,
                                 feedback=outcome.result.feedback)
        if outcome.reaction.ended:
            scenario = svc.scenario_of(state)
            _speak_counterpart(dispatcher, scenario, outcome.reaction.line)
            _speak_ending(dispatcher, scenario, outcome)
            return state, True
    return state, False


class ActionGiveHint(Action):
    def name(self) -> Text:
        return "action_give_hint"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[str, Any]]:
        state = _state(tracker)
        if state is None:
            dispatcher.utter_message(response="utter_no_scenario")
            return []
        if state.mode == "assessment":
            dispatcher.utter_message(response="utter_hint_unavailable")
            return []
        hint = service().hint(state)
        dispatcher.utter_message(response="utter_hint", moves="、".join(hint["moves"]), answer=hint["answer"])
        return []


class ActionRestartScenario(Action):
    def name(self) -> Text:
        return "action_restart_scenario"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[str, Any]]:
        state = _state(tracker)
        if state is None:
            previous = PlayState.from_dict(tracker.get_slot("play_state"))
            if previous is None:
                dispatcher.utter_message(response="utter_no_scenario")
                return []
            state = previous
        else:
            await _in_thread(service().end, state, engine.ABANDONED)
        scenario = library().get(state.scenario_id)
        if scenario is None:
            dispatcher.utter_message(response="utter_no_scenario")
            return [SlotSet("scenario_active", False)]
        dispatcher.utter_message(response="utter_restarted", title=scenario.title)
        return await _start(dispatcher, tracker, scenario)


class ActionEndScenario(Action):
    def name(self) -> Text:
        return "action_end_scenario"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[str, Any]]:
        state = _state(tracker)
        if state is None:
            dispatcher.utter_message(response="utter_no_scenario")
            return [SlotSet("scenario_active", False)]
        debrief = await _in_thread(service().end, state, engine.ABANDONED)
        dispatcher.utter_message(response="utter_ended", title=debrief.title)
        dispatcher.utter_message(response="utter_debrief", debrief=render_text(debrief))
        return [SlotSet("play_state", engine.abandon(state).to_dict()), SlotSet("scenario_active", False)]


class ActionSetMode(Action):
    def name(self) -> Text:
        return "action_set_mode"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        mode = "assessment" if intent == "mode_assessment" else "practice"
        detail = "从下一个场景开始生效。" if _state(tracker) else "输入“场景列表”选择场景。"
        dispatcher.utter_message(response="utter_mode_set", mode_label=MODE_LABELS[mode], detail=detail)
        return [SlotSet("mode", mode)]
