"""The platforms' side, for tests: a fake API server and the signed, encrypted callbacks.

``FakePlatform`` stands in for qyapi.weixin.qq.com, DingTalk's session webhooks
and open.feishu.cn on one local port (paths prefixed /wecom, /dingtalk, /feishu).
It records every request and can be told to fail the next calls, answer slowly,
or revoke the tokens it issued.

The callback builders below implement each platform's published format and crypto
from the documentation, independently of ``server.channels`` (test_crypto.py checks
them against the platforms' own SDKs' output).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# -- the fake API server ------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: Any
    status: int = 0
    answer: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200 and isinstance(self.answer, dict) and \
            self.answer.get("errcode", self.answer.get("code", 0)) == 0


class FakePlatform:
    """Records requests; ``fail``, ``slow`` and ``revoke_tokens`` shape the next answers."""

    def __init__(self, wecom: Dict[str, str], feishu: Dict[str, str]):
        self.wecom, self.feishu = wecom, feishu
        self.calls: List[Call] = []
        self.token_ttl = {"wecom": 7200, "feishu": 7200}
        self._tokens: Dict[str, Tuple[str, float]] = {}  # token -> (platform, expires at)
        self._issued = 0
        self._failures: Dict[str, List[int]] = {}
        self._delays: Dict[str, float] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "FakePlatform":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- controls ----------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._delays.clear()
            self.token_ttl = {"wecom": 7200, "feishu": 7200}

    def fail(self, path: str, times: int, status: int = 502) -> None:
        """Answer the next ``times`` requests to ``path`` with HTTP ``status``."""
        with self._lock:
            self._failures[path] = [status] * times

    def slow(self, path: str, seconds: float) -> None:
        with self._lock:
            self._delays[path] = seconds

    def revoke_tokens(self, platform: str) -> None:
        with self._lock:
            for token, (p, _) in list(self._tokens.items()):
                if p == platform:
                    self._tokens[token] = (p, 0.0)

    # -- what happened -------------------------------------------------------------------------------
    def requests(self, path: str) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def delivered(self, platform: str, recipient: Optional[str] = None) -> List[str]:
        """Texts of the messages the platform accepted, in order, optionally for one recipient."""
        with self._lock:
            calls = list(self.calls)
        out = []
        for call in calls:
            if not call.ok:
                continue
            if platform == "wecom" and call.path == "/wecom/cgi-bin/message/send":
                who, text = call.body["touser"], message_text(platform, call.body)
            elif platform == "dingtalk" and call.path == "/dingtalk/robot/sendBySession":
                who, text = call.query.get("session"), message_text(platform, call.body)
            elif platform == "feishu" and call.path == "/feishu/open-apis/im/v1/messages":
                who, text = call.body["receive_id"], message_text(platform, call.body)
            else:
                continue
            if recipient is None or who == recipient:
                out.append(text)
        return out

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; calls:\n" +
                             "\n".join(f"{c.method} {c.path} {c.status} {json.dumps(c.body, ensure_ascii=False)[:200]}"
                                       for c in self.calls[-30:]))

    # -- the server ------------------------------------------------------------------------------------
    def _issue(self, platform: str) -> Tuple[str, int]:
        with self._lock:
            self._issued += 1
            token = f"{platform}-token-{self._issued}"
            ttl = self.token_ttl[platform]
            self._tokens[token] = (platform, time.time() + ttl)
            return token, ttl

    def _token_state(self, token: Optional[str], platform: str) -> str:
        with self._lock:
            entry = self._tokens.get(token or "")
        if entry is None or entry[0] != platform:
            return "unknown"
        return "valid" if time.time() < entry[1] else "expired"

    def _answer(self, call: Call) -> Tuple[int, Any]:
        p, q, b = call.path, call.query, call.body or {}
        if p == "/wecom/cgi-bin/gettoken":
            if q.get("corpid") != self.wecom["corp_id"] or q.get("corpsecret") != self.wecom["secret"]:
                return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
            token, ttl = self._issue("wecom")
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": ttl}
        if p == "/wecom/cgi-bin/message/send":
            state = self._token_state(q.get("access_token"), "wecom")
            if state != "valid":
                return 200, {"errcode": 42001 if state == "expired" else 40014, "errmsg": f"access_token {state}"}
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": uuid.uuid4().hex}
        if p == "/dingtalk/robot/sendBySession":
            return 200, {"errcode": 0, "errmsg": "ok"}
        if p == "/feishu/open-apis/auth/v3/tenant_access_token/internal":
            if b.get("app_id") != self.feishu["app_id"] or b.get("app_secret") != self.feishu["app_secret"]:
                return 200, {"code": 10003, "msg": "invalid param"}
            token, ttl = self._issue("feishu")
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": ttl}
        if p == "/feishu/open-apis/im/v1/messages":
            auth = call.headers.get("authorization", "")
            if self._token_state(auth[len("Bearer "):], "feishu") != "valid":
                return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}
            return 200, {"code": 0, "msg": "success", "data": {"message_id": "om_" + uuid.uuid4().hex}}
        return 404, {"error": "no such fake endpoint"}

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                call = Call(self.command, parts.path, dict(parse_qsl(parts.query)),
                            {k.lower(): v for k, v in self.headers.items()}, body)
                with platform._lock:
                    platform.calls.append(call)
                    failures = platform._failures.get(call.path) or []
                    failed_status = failures.pop(0) if failures else None
                    delay = platform._delays.get(call.path, 0.0)
                if delay:
                    time.sleep(delay)
                if failed_status is not None:
                    status, answer = failed_status, {"error": "injected failure"}
                else:
                    status, answer = platform._answer(call)
                call.status, call.answer = status, answer
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        return Handler


def message_text(platform: str, body: Dict[str, Any]) -> str:
    """The text an officer sees in one outbound message."""
    if platform in ("wecom", "dingtalk"):
        kind = body["msgtype"]
        if kind == "text":
            return body["text"]["content"]
        return body["markdown"]["content"] if platform == "wecom" else body["markdown"]["text"]
    content = json.loads(body["content"])
    if body["msg_type"] == "text":
        return content["text"]
    return content["header"]["title"]["content"] + "\n" + "\n".join(
        e["text"]["content"] for e in content["elements"])


# -- WeCom: the callback as the platform sends it ------------------------------------------------


class WeComCallbacks:
    """Builds WeCom callbacks: encrypted, signed with the app's Token and EncodingAESKey."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str, agent_id: int):
        self.token, self.corp_id, self.agent_id = token, corp_id, agent_id
        self.key = base64.b64decode(encoding_aes_key + "=")

    def encrypt(self, text: str, corp_id: Optional[str] = None, random16: Optional[bytes] = None) -> str:
        msg = text.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(msg)) + msg + (corp_id or self.corp_id).encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def query(self, encrypted: str, *, timestamp: Optional[int] = None, signature: Optional[str] = None,
              echostr: bool = False) -> str:
        ts, nonce = str(timestamp if timestamp is not None else int(time.time())), uuid.uuid4().hex[:10]
        params = {"msg_signature": signature or self.sign(ts, nonce, encrypted), "timestamp": ts, "nonce": nonce}
        if echostr:
            params["echostr"] = encrypted
        return urlencode(params)

    def text_message(self, user: str, content: str, msg_id: str, *, agent_id: Optional[int] = None) -> str:
        return ("<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
                "<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                "<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{agent}</AgentID></xml>"
                ).format(corp=self.corp_id, user=user, ts=int(time.time()), content=content, msg_id=msg_id,
                         agent=self.agent_id if agent_id is None else agent_id)

    def envelope(self, encrypted: str) -> bytes:
        return (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName><AgentID><![CDATA[{self.agent_id}]]>"
                f"</AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>").encode()


# -- DingTalk ----------------------------------------------------------------------------------------


def dingtalk_headers(app_secret: str, timestamp_ms: Optional[int] = None) -> Dict[str, str]:
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    sign = base64.b64encode(hmac.new(app_secret.encode(), f"{ts}\n{app_secret}".encode(), hashlib.sha256).digest())
    return {"timestamp": ts, "sign": sign.decode(), "Content-Type": "application/json; charset=utf-8"}


def dingtalk_message(webhook_base: str, staff_id: Optional[str], content: str, msg_id: str, *,
                     conversation_type: str = "1", session: Optional[str] = None,
                     webhook_expires_ms: Optional[int] = None) -> Dict[str, Any]:
    now = int(time.time() * 1000)
    session = session or f"session-{staff_id}"
    message = {
        "conversationId": f"cid{hashlib.md5(session.encode()).hexdigest()}",
        "chatbotCorpId": "dingcorp", "chatbotUserId": "$:LWCP_v1:$bot", "msgId": msg_id,
        "senderNick": "测试", "isAdmin": False, "sessionWebhookExpiredTime": webhook_expires_ms or now + 90 * 60_000,
        "createAt": now, "senderCorpId": "dingcorp", "conversationType": conversation_type,
        "senderId": f"$:LWCP_v1:${staff_id}", "sessionWebhook": f"{webhook_base}/robot/sendBySession?session={session}",
        "text": {"content": content}, "robotCode": "dingrobot", "msgtype": "text",
    }
    if staff_id is not None:
        message["senderStaffId"] = staff_id
    return message


# -- Feishu ------------------------------------------------------------------------------------------


class FeishuCallbacks:
    def __init__(self, app_id: str, verification_token: str, encrypt_key: str):
        self.app_id, self.verification_token, self.encrypt_key = app_id, verification_token, encrypt_key

    def encrypt(self, text: str) -> str:
        key, iv = hashlib.sha256(self.encrypt_key.encode()).digest(), os.urandom(16)
        plain = text.encode()
        pad = 16 - len(plain) % 16
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return base64.b64encode(iv + enc.update(plain + bytes([pad]) * pad) + enc.finalize()).decode()

    def signed(self, event: Dict[str, Any], *, timestamp: Optional[int] = None, signature: Optional[str] = None,
               sign: bool = True) -> Tuple[bytes, Dict[str, str]]:
        """The encrypted request body and its headers."""
        body = json.dumps({"encrypt": self.encrypt(json.dumps(event, ensure_ascii=False))}).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if sign:
            ts, nonce = str(timestamp if timestamp is not None else int(time.time())), uuid.uuid4().hex
            headers.update({
                "X-Lark-Request-Timestamp": ts, "X-Lark-Request-Nonce": nonce,
                "X-Lark-Signature": signature or hashlib.sha256((ts + nonce + self.encrypt_key).encode()
                                                                + body).hexdigest(),
            })
        return body, headers

    def challenge(self, token: Optional[str] = None) -> Dict[str, Any]:
        return {"challenge": "ajls384kdjx98XX", "token": token or self.verification_token, "type": "url_verification"}

    def text_message(self, open_id: str, text: str, *, event_id: Optional[str] = None,
                     message_id: Optional[str] = None, chat_type: str = "p2p", token: Optional[str] = None,
                     user_id: Optional[str] = None) -> Dict[str, Any]:
        message_id = message_id or "om_" + uuid.uuid4().hex
        return {
            "schema": "2.0",
            "header": {"event_id": event_id or uuid.uuid4().hex, "event_type": "im.message.receive_v1",
                       "create_time": str(int(time.time() * 1000)), "token": token or self.verification_token,
                       "app_id": self.app_id, "tenant_key": "736588c9260f175e"},
            "event": {
                "sender": {"sender_id": {"union_id": "on_" + hashlib.md5(open_id.encode()).hexdigest(),
                                         "user_id": user_id, "open_id": open_id},
                           "sender_type": "user", "tenant_key": "736588c9260f175e"},
                "message": {"message_id": message_id, "root_id": "", "parent_id": "",
                            "create_time": str(int(time.time() * 1000)), "chat_id": f"oc_chat_{open_id}",
                            "chat_type": chat_type, "message_type": "text",
                            "content": json.dumps({"text": text}, ensure_ascii=False)},
            },
        }
