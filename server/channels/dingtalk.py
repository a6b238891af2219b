"""钉钉 (DingTalk): an enterprise-internal robot in HTTP callback mode.

Callback URL: ``https://<host>/webhooks/dingtalk/webhook``. DingTalk signs each
callback with headers ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(key =
appSecret, timestamp + "\\n" + appSecret)); a timestamp more than an hour off is
refused. Replies go to the conversation's ``sessionWebhook`` until
``sessionWebhookExpiredTime``.

The signature covers the timestamp only, not the body. So a signature is accepted
for one message id only (a replayed header pair with another body is refused), and
the session webhook must start with a configured DingTalk prefix, so a forged body
cannot make the server post to an address of the sender's choosing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any, Dict, List, Optional, Sequence

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
    RecentKeys,
    Reply,
    Retryable,
    Sender,
    check_fresh,
    markdown_line,
    markdown_text,
    paginate,
    rasa_message_id,
    refuse,
    same,
    setting,
    text_pages,
)

logger = logging.getLogger(__name__)

DEFAULT_WEBHOOK_PREFIXES = ("https://oapi.dingtalk.com/", "https://api.dingtalk.com/")
# DingTalk does not publish a length limit for session-webhook messages; 4,000 bytes
# (about 1,300 Chinese characters) keeps the debrief in one message and stays safe.
CONTENT_LIMIT = 4000
RETRYABLE = {-1, 130101}  # system busy, sending too fast
MAX_BODY = 64 * 1024


def signature(timestamp: str, app_secret: str) -> str:
    digest = hmac.new(app_secret.encode(), f"{timestamp}\n{app_secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkSender(Sender):
    def __init__(self, channel: "DingTalkInput", webhook: str, expires_ms: Optional[float], message_format: str):
        self.channel, self.webhook, self.expires_ms, self.message_format = channel, webhook, expires_ms, message_format

    def payloads(self, reply: Reply) -> List[Dict[str, Any]]:
        if reply.label and self.message_format == "markdown":
            def heading(page: Page) -> str:
                return f"### {page.label}" + (f" · {markdown_text(page.subject)}" if page.subject else "")

            # DingTalk's markdown needs two trailing spaces for a line break.
            sep = "  \n"
            return [{"msgtype": "markdown", "markdown": {"title": p.label, "text": f"{heading(p)}{sep}{p.body}"}}
                    for p in paginate(reply, CONTENT_LIMIT, line=markdown_line, sep=sep, heading=heading)]
        return [{"msgtype": "text", "text": {"content": text}} for text in text_pages(reply, CONTENT_LIMIT)]

    async def post(self, payload: Dict[str, Any]) -> None:
        if self.expires_ms is not None and time.time() * 1000 >= self.expires_ms:
            raise Permanent("the conversation's sessionWebhook has expired")
        status, data = await self.channel.http.request("POST", self.webhook, body=payload)
        errcode = data.get("errcode")
        if errcode == 0:
            return
        failure = f"sessionWebhook: HTTP {status}, errcode {errcode} {data.get('errmsg', '')}"
        if errcode in RETRYABLE:
            raise Retryable(failure)
        raise Permanent(failure)


class DingTalkInput(EnterpriseInput):
    platform = "dingtalk"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "DingTalkInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        prefixes = setting(credentials, "session_webhook_prefixes", DEFAULT_WEBHOOK_PREFIXES)
        if isinstance(prefixes, str):
            prefixes = [p.strip() for p in prefixes.split(",") if p.strip()]
        return cls(
            app_secret=setting(credentials, "app_secret", required=True),
            corp_id=setting(credentials, "corp_id"),
            session_webhook_prefixes=prefixes,
            **cls.common_settings(credentials, default_skew=3600.0),
        )

    def __init__(self, *, app_secret: str, corp_id: Optional[str] = None,
                 session_webhook_prefixes: Sequence[str] = DEFAULT_WEBHOOK_PREFIXES,
                 identities: Optional[Identities] = None, **common: Any):
        common.setdefault("max_clock_skew", 3600.0)
        super().__init__(identities, **common)
        self.app_secret, self.corp_id = app_secret, corp_id
        self.webhook_prefixes = tuple(session_webhook_prefixes)
        # sign → msgId, for as long as a timestamp stays acceptable (plus margin)
        self.signatures = RecentKeys(ttl=2 * self.max_clock_skew + 60)

    def _verify(self, request: Request) -> Dict[str, Any]:
        timestamp, sign = request.headers.get("timestamp", ""), request.headers.get("sign")
        if not same(sign, signature(timestamp, self.app_secret)):
            raise AuthError("bad sign")
        check_fresh(timestamp, self.max_clock_skew, millis=True)
        try:
            payload = json.loads(request.body or b"")
        except ValueError:
            raise AuthError("body is not JSON") from None
        if not isinstance(payload, dict) or not payload.get("msgId"):
            raise AuthError("no msgId in the body")
        first = self.signatures.get(sign)
        if first is not None and first != payload["msgId"]:
            raise AuthError("a signature already used for another message")
        self.signatures.add(sign, payload["msgId"])
        if self.corp_id and payload.get("senderCorpId") not in (None, self.corp_id):
            raise AuthError(f"sender from corp {payload.get('senderCorpId')!r}")
        webhook = str(payload.get("sessionWebhook") or "")
        if not webhook.startswith(self.webhook_prefixes):
            raise AuthError(f"sessionWebhook outside {', '.join(self.webhook_prefixes)}")
        return payload

    def blueprint(self, on_new_message) -> Blueprint:
        bp = Blueprint("dingtalk_webhook", __name__)
        self.add_common_routes(bp)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if len(request.body or b"") > MAX_BODY:
                return response.text("payload too large", status=413)
            try:
                payload = self._verify(request)
            except AuthError as exc:
                return refuse(self.platform, request, exc)
            self._handle(on_new_message, payload)
            return response.json({})

        return bp

    def _handle(self, on_new_message, payload: Dict[str, Any]) -> None:
        if not self.first_time(payload["msgId"]):
            return
        expires = payload.get("sessionWebhookExpiredTime")
        sender = DingTalkSender(self, payload["sessionWebhook"], float(expires) if expires else None,
                                self.message_format)
        staff_id = payload.get("senderStaffId")
        if str(payload.get("conversationType")) != "1":
            self.notify(sender, GROUP_NOTICE, f"group {payload.get('conversationId')}")
            return
        text = str((payload.get("text") or {}).get("content") or "").strip() if payload.get("msgtype") == "text" else ""
        if not text:
            self.notify(sender, TEXT_ONLY_NOTICE, staff_id or "?")
            return
        self.accept(on_new_message, accounts=[staff_id], text=text,
                    message_id=rasa_message_id(self.platform, payload["msgId"]), sender=sender)
