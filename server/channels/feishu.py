"""飞书 / Lark: event subscription (``im.message.receive_v1``, schema 2.0).

Request URL: ``https://<host>/webhooks/feishu/webhook``. With an Encrypt Key set,
events arrive as ``{"encrypt": ...}``: AES-256-CBC, key = sha256(encrypt_key),
iv = the first 16 bytes of the base64-decoded payload, PKCS#7 padding; events
are signed with ``X-Lark-Signature`` = sha256_hex(timestamp + nonce + encrypt_key +
body) (the URL challenge may come unsigned). Every event carries the Verification
Token, which must match. Replies go through ``/open-apis/im/v1/messages`` with a
tenant_access_token.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
from typing import Any, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sanic import Blueprint, response
from sanic.request import Request

from server.channels.common import (
    GROUP_NOTICE,
    TEXT_ONLY_NOTICE,
    AuthError,
    EnterpriseInput,
    Identities,
    Page,
    Permanent,
    Reply,
    Retryable,
    Sender,
    TokenCache,
    check_fresh,
    paginate,
    raise_for_result,
    rasa_message_id,
    refuse,
    same,
    setting,
    text_pages,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://open.feishu.cn"  # Lark (international): https://open.larksuite.com
# Feishu allows 150 KB for a text message and 30 KB for a card; stay well inside the card limit.
CONTENT_LIMIT = 20_000
TOKEN_REJECTED = {99991661, 99991663, 99991664}  # missing / invalid / expired tenant_access_token
RETRYABLE = {99991400, 230020}  # rate limited
MAX_BODY = 64 * 1024


def decrypt(encrypt_key: str, encrypted: str) -> str:
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except ValueError:
        raise AuthError("encrypted event is not base64") from None
    if len(raw) < 32 or len(raw) % 16:
        raise AuthError("encrypted event has a bad length")
    key = hashlib.sha256(encrypt_key.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    plain = decryptor.update(raw[16:]) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
        raise AuthError("cannot decrypt the event (wrong encrypt_key?)")
    try:
        return plain[:-pad].decode("utf-8")
    except UnicodeDecodeError:
        raise AuthError("cannot decrypt the event (wrong encrypt_key?)") from None


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def receive_id_type(account: str) -> str:
    return "open_id" if account.startswith("ou_") else "union_id" if account.startswith("on_") else "user_id"


class FeishuApi:
    def __init__(self, channel: "FeishuInput", app_id: str, app_secret: str, api_base: str):
        self.channel, self.app_id, self.app_secret = channel, app_id, app_secret
        self.api_base = api_base.rstrip("/")
        self.tokens = TokenCache(self._fetch_token, "feishu")

    async def _fetch_token(self) -> Tuple[str, float]:
        status, data = await self.channel.http.request(
            "POST", f"{self.api_base}/open-apis/auth/v3/tenant_access_token/internal",
            body={"app_id": self.app_id, "app_secret": self.app_secret})
        if data.get("code") == 0 and data.get("tenant_access_token"):
            return data["tenant_access_token"], float(data.get("expire", 7200))
        failure = f"tenant_access_token: HTTP {status}, code {data.get('code')} {data.get('msg', '')}"
        raise (Retryable if data.get("code") in RETRYABLE else Permanent)(failure)

    async def send(self, receive_id_type: str, payload: Dict[str, Any]) -> None:
        token = await self.tokens.get()
        status, data = await self.channel.http.request(
            "POST", f"{self.api_base}/open-apis/im/v1/messages", params={"receive_id_type": receive_id_type},
            body=payload, headers={"Authorization": f"Bearer {token}"})
        code = data.get("code")
        raise_for_result(code, f"im/v1/messages: HTTP {status}, code {code} {data.get('msg', '')}",
                         tokens=self.tokens, token=token, token_rejected=TOKEN_REJECTED, retryable=RETRYABLE)


class FeishuSender(Sender):
    def __init__(self, api: FeishuApi, receive_id: str, receive_id_type: str, message_format: str, request_id: str):
        self.api, self.receive_id, self.id_type = api, receive_id, receive_id_type
        self.message_format = message_format
        # Feishu sends a message at most once per uuid within an hour, so a retry after
        # a lost response cannot post the same reply twice.
        self._uuid_prefix = hashlib.sha1(request_id.encode()).hexdigest()[:24]
        self._count = 0

    def _payload(self, msg_type: str, content: Dict[str, Any]) -> Dict[str, Any]:
        self._count += 1
        return {"receive_id": self.receive_id, "msg_type": msg_type, "uuid": f"{self._uuid_prefix}-{self._count}",
                "content": json.dumps(content, ensure_ascii=False)}

    def payloads(self, reply: Reply) -> List[Dict[str, Any]]:
        if reply.label and self.message_format == "markdown":
            def heading(page: Page) -> str:
                return f"{page.label}" + (f" · {page.subject}" if page.subject else "")

            # A card: a header and plain_text body (plain_text is never parsed as markup).
            return [self._payload("interactive", {
                "config": {"wide_screen_mode": True},
                "header": {"template": "blue", "title": {"tag": "plain_text", "content": heading(p)}},
                "elements": [{"tag": "div", "text": {"tag": "plain_text", "content": p.body}}],
            }) for p in paginate(reply, CONTENT_LIMIT, heading=heading)]
        return [self._payload("text", {"text": text}) for text in text_pages(reply, CONTENT_LIMIT)]

    async def post(self, payload: Dict[str, Any]) -> None:
        await self.api.send(self.id_type, payload)


class FeishuInput(EnterpriseInput):
    platform = "feishu"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "FeishuInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            app_id=setting(credentials, "app_id", required=True),
            app_secret=setting(credentials, "app_secret", required=True),
            verification_token=setting(credentials, "verification_token", required=True),
            encrypt_key=setting(credentials, "encrypt_key"),
            api_base=setting(credentials, "api_base", DEFAULT_API_BASE),
            **cls.common_settings(credentials, default_skew=300.0),
        )

    def __init__(self, *, app_id: str, app_secret: str, verification_token: str, encrypt_key: Optional[str] = None,
                 api_base: str = DEFAULT_API_BASE, identities: Optional[Identities] = None, **common: Any):
        super().__init__(identities, **common)
        self.app_id, self.verification_token, self.encrypt_key = app_id, verification_token, encrypt_key
        self.api = FeishuApi(self, app_id, app_secret, api_base)
        if not encrypt_key:
            logger.warning("feishu: no encrypt_key: events arrive unencrypted and unsigned; set an Encrypt Key")

    def push_sender(self, officer_id: str) -> Optional[Sender]:
        account = self.identities.account_of(self.platform, officer_id)
        if not account:
            return None
        return FeishuSender(self.api, account, receive_id_type(account), self.message_format, f"push:{officer_id}")

    def _open(self, request: Request) -> Dict[str, Any]:
        raw = request.body or b""
        sent_signature = request.headers.get("x-lark-signature")
        if sent_signature is not None:
            if not self.encrypt_key:
                raise AuthError("signed request but no encrypt_key configured")
            timestamp = request.headers.get("x-lark-request-timestamp", "")
            nonce = request.headers.get("x-lark-request-nonce", "")
            if not same(sent_signature, signature(timestamp, nonce, self.encrypt_key, raw)):
                raise AuthError("bad X-Lark-Signature")
            check_fresh(timestamp, self.max_clock_skew)
        try:
            body = json.loads(raw)
        except ValueError:
            raise AuthError("body is not JSON") from None
        if not isinstance(body, dict):
            raise AuthError("body is not a JSON object")
        if "encrypt" in body:
            if not self.encrypt_key:
                raise AuthError("encrypted event but no encrypt_key configured")
            try:
                body = json.loads(decrypt(self.encrypt_key, str(body["encrypt"])))
            except ValueError:
                raise AuthError("decrypted event is not JSON") from None
        elif self.encrypt_key:
            raise AuthError("unencrypted event while an encrypt_key is configured")
        if not isinstance(body, dict):
            raise AuthError("event is not a JSON object")
        challenge = body.get("type") == "url_verification"
        token = body.get("token") if challenge else (body.get("header") or {}).get("token")
        if not same(token, self.verification_token):
            raise AuthError("bad verification token")
        # As Feishu's own SDK does: the URL challenge may come unsigned, events may not.
        if self.encrypt_key and sent_signature is None and not challenge:
            raise AuthError("unsigned event while an encrypt_key is configured")
        return body

    def blueprint(self, on_new_message) -> Blueprint:
        bp = Blueprint("feishu_webhook", __name__)
        self.add_common_routes(bp)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if len(request.body or b"") > MAX_BODY:
                return response.text("payload too large", status=413)
            try:
                event = self._open(request)
                if event.get("type") == "url_verification":
                    return response.json({"challenge": event.get("challenge", "")})
                header = event.get("header") or {}
                if header.get("app_id") not in (None, self.app_id):
                    raise AuthError(f"event for app {header.get('app_id')!r}")
            except AuthError as exc:
                return refuse(self.platform, request, exc)
            if event.get("schema") == "2.0" and header.get("event_type") == "im.message.receive_v1":
                self._handle(on_new_message, header, event.get("event") or {})
            return response.json({})

        return bp

    def _handle(self, on_new_message, header: Dict[str, Any], event: Dict[str, Any]) -> None:
        sender_info, message = event.get("sender") or {}, event.get("message") or {}
        if sender_info.get("sender_type") != "user" or not message.get("chat_id"):
            return
        if not self.first_time(str(header.get("event_id") or message.get("message_id"))):
            return
        ids = sender_info.get("sender_id") or {}
        message_id = str(message.get("message_id") or header.get("event_id"))
        sender = FeishuSender(self.api, message["chat_id"], "chat_id", self.message_format, message_id)
        if message.get("chat_type") != "p2p":
            self.notify(sender, GROUP_NOTICE, f"chat {message['chat_id']}")
            return
        text = ""
        if message.get("message_type") == "text":
            try:
                text = str(json.loads(message.get("content") or "{}").get("text") or "").strip()
            except (ValueError, AttributeError):
                text = ""
        if not text:
            self.notify(sender, TEXT_ONLY_NOTICE, ids.get("open_id") or "?")
            return
        self.accept(on_new_message, accounts=[ids.get("user_id"), ids.get("open_id"), ids.get("union_id")],
                    text=text, message_id=rasa_message_id(self.platform, message_id), sender=sender)
