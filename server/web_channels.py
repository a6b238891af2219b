"""The web channels, bound to an authenticated officer.

Stock Rasa lets the client choose the conversation: the REST channel takes ``sender``
from the body and socket.io takes ``session_id`` from the client. Here both take the
officer from a signed chat token (server/identity.py) and derive the conversation id
from it, so nobody can write into another officer's record. Both also:

- neutralise a leading "/" (Rasa would otherwise read "/inform{...}" as an intent with
  slots, bypassing NLU): the text goes on as an ordinary reply, which the trainer
  answers with a clear message;
- refuse oversized messages before they reach NLU;
- tell the officer when the bot produced nothing (the action server is down or failed):
  the message is already in the tracker, and the trainer scores it when service returns.
"""
from __future__ import annotations

import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from server import admission, identity

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
SIGN_IN_REQUIRED = "请先登录练习页面（或使用教官发给您的练习链接），再开始对话。"
TOO_LONG = f"消息过长（超过 {MAX_MESSAGE_CHARS} 字），没有处理。请精简后重新发送。"
SERVICE_NOTICE = "评分服务暂时不可用，您的回复已保存，恢复后会自动补评。请稍后继续。"


def neutralise(text: Any) -> str:
    """Text as the trainer should see it: a string, with no leading "/" for Rasa to obey."""
    text = text if isinstance(text, str) else ""
    stripped = text.lstrip()
    if stripped.startswith("/"):
        return "／" + stripped[1:]
    return text


async def handle(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    officer: identity.Officer,
    text: Any,
    output,
    channel: str,
    message_id: Optional[str] = None,
) -> None:
    async with admission.gate().turn():
        await on_new_message(
            UserMessage(neutralise(text), output, officer.conversation_id, input_channel=channel,
                        metadata=officer.metadata(channel), message_id=message_id)
        )


class TrainerRestInput(InputChannel):
    """REST for programs (tests, load benchmarks, integrations): Bearer chat token required.

    POST /webhooks/trainer_rest/webhook  {"message": "...", "message_id": "optional, for retries"}
    """

    @classmethod
    def name(cls) -> Text:
        return "trainer_rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("trainer_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            auth = request.headers.get("Authorization", "")
            officer = identity.verify(auth[7:] if auth.startswith("Bearer ") else None)
            if officer is None:
                return response.json({"error": SIGN_IN_REQUIRED}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            text = body.get("message", "")
            if isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS:
                return response.json([{"recipient_id": officer.conversation_id, "text": TOO_LONG}])
            message_id = body.get("message_id") if isinstance(body.get("message_id"), str) else None
            collector = CollectingOutputChannel()
            try:
                await handle(on_new_message, officer, text, collector, self.name(), message_id)
            except Exception:  # noqa: BLE001 - the officer gets an answer whatever broke
                logger.exception("trainer_rest: message handling failed for %s", officer.conversation_id)
            messages = collector.messages or [{"recipient_id": officer.conversation_id, "text": SERVICE_NOTICE}]
            return response.json(messages)

        return bp


class TrainerSocketIOInput(SocketIOInput):
    """socket.io for the practice page's widget: the chat token travels in ``customData``.

    The widget's own session id only names a room for this browser tab; the conversation
    is the token's officer, whose replies go to a room only verified sockets can join.
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TrainerSocketIOInput":
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/socket.io"),
            metadata_key=credentials.get("metadata_key", "customData"),
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, _environ: Dict, _auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            # The client may not name a room that belongs to someone: officers' rooms are
            # "web:<id>" and entered only with a valid token (below).
            session_id = (data or {}).get("session_id")
            if not isinstance(session_id, str) or ":" in session_id or not 8 <= len(session_id) <= 64:
                session_id = uuid.uuid4().hex
            sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            data = data if isinstance(data, dict) else {}
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            officer = identity.verify(metadata.get("token") if isinstance(metadata, dict) else None)
            if officer is None:
                await sio.emit(self.bot_message_evt, {"text": SIGN_IN_REQUIRED}, room=sid, namespace=self.namespace)
                return
            text = data.get("message", "")
            if isinstance(text, str) and len(text) > MAX_MESSAGE_CHARS:
                await sio.emit(self.bot_message_evt, {"text": TOO_LONG}, room=sid, namespace=self.namespace)
                return
            sio.enter_room(sid, officer.conversation_id, namespace=self.namespace)
            output = _CountingSocketOutput(sio, self.bot_message_evt)
            try:
                await handle(on_new_message, officer, text, output, self.name())
            except Exception:  # noqa: BLE001
                logger.exception("socketio: message handling failed for %s", officer.conversation_id)
            if output.sent == 0:
                await sio.emit(self.bot_message_evt, {"text": SERVICE_NOTICE}, room=sid, namespace=self.namespace)

        return bp


class _CountingSocketOutput(SocketIOOutput):
    """SocketIOOutput that remembers whether anything was said."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: Text, message: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, message)
