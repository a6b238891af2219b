"""企业微信 (WeCom) / 政务微信: a self-built application's message callback.

Callback URL: ``https://<host>/webhooks/wecom/webhook`` (GET: URL verification,
POST: encrypted messages). Replies go through ``/cgi-bin/message/send`` with an
access token from ``/cgi-bin/gettoken``. Crypto per WeCom's callback spec:
signature = sha1 of the sorted [token, timestamp, nonce, encrypted]; AES-256-CBC
with key = base64(EncodingAESKey + "="), iv = key[:16], PKCS#7 padding to 32 bytes;
plaintext = 16 random bytes + 4-byte length + message + corp id.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import struct
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sanic import Blueprint, response
from sanic.request import Request

from server.channels.common import (
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
    markdown_line,
    markdown_text,
    paginate,
    raise_for_result,
    rasa_message_id,
    refuse,
    same,
    setting,
    text_pages,
)

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
CONTENT_LIMIT = 2048  # bytes of UTF-8, for both text and markdown messages
TOKEN_REJECTED = {40014, 42001, 41001}  # invalid, expired, missing access token
RETRYABLE = {-1, 45009, 45033}  # system busy, API rate limit, too many concurrent calls
MAX_BODY = 64 * 1024


class WeComCrypto:
    def __init__(self, token: str, encoding_aes_key: str, corp_id: str):
        try:
            self.key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except ValueError:
            self.key = b""
        if len(self.key) != 32:
            raise ValueError("wecom: encoding_aes_key must be the 43-character EncodingAESKey from the admin console")
        self.token, self.corp_id = token, corp_id

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def verify(self, signature: Optional[str], timestamp: str, nonce: str, encrypted: str) -> None:
        if not same(signature, self.signature(timestamp, nonce, encrypted)):
            raise AuthError("bad msg_signature")

    def decrypt(self, encrypted: str) -> str:
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except ValueError:
            raise AuthError("encrypted payload is not base64") from None
        if not raw or len(raw) % 16:
            raise AuthError("encrypted payload has a bad length")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 32 or len(plain) < 20 + pad:
            raise AuthError("bad padding")
        plain = plain[:-pad]
        (length,) = struct.unpack(">I", plain[16:20])
        message, receiver = plain[20:20 + length], plain[20 + length:]
        if receiver.decode("utf-8", "replace") != self.corp_id:
            raise AuthError("message is for another corp id")
        return message.decode("utf-8")


def parse_xml(data: bytes) -> Dict[str, str]:
    """Flat <xml> children as a dict. Documents with a DTD are refused (no entity tricks)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise AuthError("XML with a DTD")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise AuthError(f"malformed XML: {exc}") from None
    return {child.tag: (child.text or "") for child in root}


class WeComApi:
    def __init__(self, channel: "WeComInput", corp_id: str, secret: str, agent_id: int, api_base: str):
        self.channel, self.corp_id, self.secret, self.agent_id = channel, corp_id, secret, agent_id
        self.api_base = api_base.rstrip("/")
        self.tokens = TokenCache(self._fetch_token, "wecom")

    async def _fetch_token(self) -> Tuple[str, float]:
        status, data = await self.channel.http.request(
            "GET", f"{self.api_base}/cgi-bin/gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret})
        if data.get("errcode", 0) == 0 and data.get("access_token"):
            return data["access_token"], float(data.get("expires_in", 7200))
        failure = f"gettoken: HTTP {status}, errcode {data.get('errcode')} {data.get('errmsg', '')}"
        if data.get("errcode") in RETRYABLE:
            raise Retryable(failure)
        raise Permanent(failure)

    async def send(self, payload: Dict[str, Any]) -> None:
        token = await self.tokens.get()
        status, data = await self.channel.http.request(
            "POST", f"{self.api_base}/cgi-bin/message/send", params={"access_token": token},
            body={**payload, "agentid": self.agent_id})
        errcode = data.get("errcode")
        raise_for_result(errcode, f"message/send: HTTP {status}, errcode {errcode} {data.get('errmsg', '')}",
                         tokens=self.tokens, token=token, token_rejected=TOKEN_REJECTED, retryable=RETRYABLE)


class WeComSender(Sender):
    def __init__(self, api: WeComApi, user_id: str, message_format: str):
        self.api, self.user_id, self.message_format = api, user_id, message_format

    def payloads(self, reply: Reply) -> List[Dict[str, Any]]:
        if reply.label and self.message_format == "markdown":
            def heading(page: Page) -> str:
                return f"### {page.label}" + (f" · {markdown_text(page.subject)}" if page.subject else "")

            return [{"touser": self.user_id, "msgtype": "markdown",
                     "markdown": {"content": f"{heading(p)}\n{p.body}"}}
                    for p in paginate(reply, CONTENT_LIMIT, line=markdown_line, heading=heading)]
        return [{"touser": self.user_id, "msgtype": "text", "text": {"content": text}}
                for text in text_pages(reply, CONTENT_LIMIT)]

    async def post(self, payload: Dict[str, Any]) -> None:
        await self.api.send(payload)


class WeComInput(EnterpriseInput):
    platform = "wecom"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WeComInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            corp_id=setting(credentials, "corp_id", required=True),
            agent_id=int(setting(credentials, "agent_id", required=True)),
            secret=setting(credentials, "secret", required=True),
            token=setting(credentials, "token", required=True),
            encoding_aes_key=setting(credentials, "encoding_aes_key", required=True),
            api_base=setting(credentials, "api_base", DEFAULT_API_BASE),
            **cls.common_settings(credentials, default_skew=300.0),
        )

    def __init__(self, *, corp_id: str, agent_id: int, secret: str, token: str, encoding_aes_key: str,
                 api_base: str = DEFAULT_API_BASE, identities: Optional[Identities] = None, **common: Any):
        super().__init__(identities, **common)
        self.corp_id, self.agent_id = corp_id, agent_id
        self.crypto = WeComCrypto(token, encoding_aes_key, corp_id)
        self.api = WeComApi(self, corp_id, secret, agent_id, api_base)

    def push_sender(self, officer_id: str) -> Optional[Sender]:
        user_id = self.identities.account_of(self.platform, officer_id)
        return WeComSender(self.api, user_id, self.message_format) if user_id else None

    def _signed(self, request: Request, encrypted: str) -> None:
        timestamp, nonce = request.args.get("timestamp", ""), request.args.get("nonce", "")
        self.crypto.verify(request.args.get("msg_signature"), timestamp, nonce, encrypted)
        check_fresh(timestamp, self.max_clock_skew)

    def blueprint(self, on_new_message) -> Blueprint:
        bp = Blueprint("wecom_webhook", __name__)
        self.add_common_routes(bp)

        @bp.route("/webhook", methods=["GET"])
        async def verify_url(request: Request) -> response.HTTPResponse:
            echostr = request.args.get("echostr", "")
            try:
                self._signed(request, echostr)
                return response.text(self.crypto.decrypt(echostr))
            except AuthError as exc:
                return refuse(self.platform, request, exc)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if len(request.body or b"") > MAX_BODY:
                return response.text("payload too large", status=413)
            try:
                envelope = parse_xml(request.body or b"")
                encrypted = envelope.get("Encrypt", "")
                self._signed(request, encrypted)
                msg = parse_xml(self.crypto.decrypt(encrypted).encode("utf-8"))
                if msg.get("AgentID") and msg["AgentID"].strip() != str(self.agent_id):
                    raise AuthError(f"message for agent {msg['AgentID']!r}, not ours")
            except AuthError as exc:
                return refuse(self.platform, request, exc)
            self._handle(on_new_message, msg)
            return response.text("")  # WeCom: an empty 200 means "received, no passive reply"

        return bp

    def _handle(self, on_new_message, msg: Dict[str, str]) -> None:
        kind, user = msg.get("MsgType", ""), msg.get("FromUserName", "")
        if kind == "event" or not user:
            return  # entering the app, menu clicks and the like: nothing to answer
        msg_id = msg.get("MsgId") or f"{user}-{msg.get('CreateTime', '')}"
        if not self.first_time(msg_id):
            return
        sender = WeComSender(self.api, user, self.message_format)
        text = msg.get("Content", "").strip() if kind == "text" else ""
        if not text:
            self.notify(sender, TEXT_ONLY_NOTICE, user)
            return
        self.accept(on_new_message, accounts=[user], text=text,
                    message_id=rasa_message_id(self.platform, msg_id), sender=sender)
