"""What the enterprise channels share.

Every platform calls us the same way: a signed callback that must be answered
within a few seconds, or the platform retries it. So each channel verifies the
request, maps the platform account to an officer, acknowledges at once and runs
the Rasa turn and the replies in a background task. Replies go out through the
platform's API with retries; if they still fail the officer's turn is already in
the tracker and only the reply is lost (and logged).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import response
from sanic.request import Request

# The web channels' rules for what reaches Rasa apply to every channel.
from server import admission
from server.web_channels import MAX_MESSAGE_CHARS, SERVICE_NOTICE, TOO_LONG, neutralise

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_IDENTITY_MAP = ROOT / "config" / "identities.yml"

PLATFORM_LABELS = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书"}

REFUSAL_TEXT = (
    "您的{platform_label}账号（{account}）尚未绑定训练档案，暂时不能开始练习。"
    "请联系本单位培训管理员绑定账号，绑定后直接发“你好”即可开始。"
)
TEXT_ONLY_NOTICE = "目前只能识别文字消息，请直接输入文字回复。"
GROUP_NOTICE = "为保护个人训练记录，请在与我的单聊中练习，不要在群聊里进行。"

# Officer ids become part of Rasa sender ids and record keys: keep them plain.
OFFICER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")


class AuthError(Exception):
    """The callback is not (provably) from the platform: answer 401."""


class Retryable(Exception):
    """A transient outbound failure: try again, after a pause unless ``immediate``."""

    def __init__(self, message: str, *, immediate: bool = False):
        super().__init__(message)
        self.immediate = immediate


class Permanent(Exception):
    """An outbound failure that trying again will not fix."""


def raise_for_result(code: Any, failure: str, *, tokens: "TokenCache", token: str,
                     token_rejected: Iterable[Any], retryable: Iterable[Any]) -> None:
    """Turn a platform API's result code into the retry decision every sender shares.

    0 is success; a rejected token is dropped from the cache and retried at once; a
    transient code is retried with backoff; anything else is permanent.
    """
    if code == 0:
        return
    if code in token_rejected:
        tokens.invalidate(token)
        raise Retryable(failure, immediate=True)
    if code in retryable:
        raise Retryable(failure)
    raise Permanent(failure)


def refuse(channel: str, request: Request, reason: Any) -> response.HTTPResponse:
    logger.warning("%s: refused callback from %s %s: %s", channel, request.ip, request.path, reason)
    return response.text("unauthorized", status=401)


def check_fresh(timestamp: Any, max_skew: float, *, millis: bool = False, now: Optional[float] = None) -> None:
    """Refuse a request whose signed timestamp is missing or too far from our clock."""
    try:
        sent = float(timestamp) / (1000.0 if millis else 1.0)
    except (TypeError, ValueError):
        raise AuthError(f"missing or malformed timestamp {timestamp!r}") from None
    skew = abs((time.time() if now is None else now) - sent)
    if skew > max_skew:
        raise AuthError(f"stale timestamp: {skew:.0f}s from our clock (limit {max_skew:.0f}s)")


def same(a: Optional[str], b: Optional[str]) -> bool:
    return a is not None and b is not None and hmac.compare_digest(str(a).encode(), str(b).encode())


def setting(credentials: Dict[str, Any], key: str, default: Any = None, *, required: bool = False) -> Any:
    value = credentials.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"credentials: '{key}' is required (set it, usually as ${{ENV_VAR}})")
        return default
    return value.strip() if isinstance(value, str) else value


# -- identity ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    officer_id: str
    name: Optional[str] = None
    unit: Optional[str] = None
    pseudonymous: bool = False

    def sender_id(self, platform: str) -> str:
        # One conversation per officer and platform: nobody else can write into it.
        return f"{platform}:{self.officer_id}"

    def metadata(self, platform: str) -> Dict[str, Any]:
        # The same keys as the web channels (server.identity.Officer.metadata).
        return {"officer_id": self.officer_id, "officer_name": self.name, "officer_unit": self.unit,
                "pseudonymous": self.pseudonymous, "channel": platform}


@dataclass
class IdentityMap:
    """Platform accounts → officers, and what to do with an account that is not in it."""

    unknown_users: str = "refuse"  # refuse | pseudonymous
    refusal_message: str = REFUSAL_TEXT
    accounts: Dict[Tuple[str, str], Officer] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any, source: str = "identity map") -> "IdentityMap":
        raw = raw or {}
        if not isinstance(raw, dict):
            raise ValueError(f"{source}: expected a mapping with 'unknown_users' and 'officers'")
        policy = raw.get("unknown_users", "refuse")
        if policy not in ("refuse", "pseudonymous"):
            raise ValueError(f"{source}: unknown_users must be 'refuse' or 'pseudonymous', not {policy!r}")
        mapping = cls(unknown_users=policy, refusal_message=str(raw.get("refusal_message") or REFUSAL_TEXT))
        seen_ids = set()
        for i, entry in enumerate(raw.get("officers") or [], 1):
            where = f"{source}: officers[{i}]"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: expected a mapping")
            officer_id = str(entry.get("officer_id") or "")
            if not OFFICER_ID.match(officer_id):
                raise ValueError(f"{where}: officer_id {officer_id!r} must be 1–48 letters, digits, '.', '_' or '-'")
            if officer_id in seen_ids:
                raise ValueError(f"{where}: officer_id {officer_id!r} appears twice")
            seen_ids.add(officer_id)
            officer = Officer(officer_id, entry.get("name") or None, entry.get("unit") or None)
            for platform, accounts in (entry.get("accounts") or {}).items():
                if platform not in PLATFORM_LABELS:
                    raise ValueError(f"{where}: unknown platform {platform!r} (use {', '.join(PLATFORM_LABELS)})")
                for account in [accounts] if isinstance(accounts, (str, int)) else list(accounts or []):
                    key = (platform, str(account))
                    if key in mapping.accounts:
                        other = mapping.accounts[key].officer_id
                        raise ValueError(f"{where}: {platform} account {account!r} is already bound to {other!r}")
                    mapping.accounts[key] = officer
        return mapping

    @classmethod
    def load(cls, path: Path) -> "IdentityMap":
        import yaml  # only when a map is actually loaded

        return cls.parse(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))

    def lookup(self, platform: str, account: str) -> Optional[Officer]:
        return self.accounts.get((platform, account))

    def account_of(self, platform: str, officer_id: str) -> Optional[str]:
        for (p, account), officer in self.accounts.items():
            if p == platform and officer.officer_id == officer_id:
                return account
        return None


def identity_map_path() -> Optional[Path]:
    configured = os.environ.get("TRAINER_IDENTITY_MAP")
    if configured:
        return Path(configured)
    return DEFAULT_IDENTITY_MAP if DEFAULT_IDENTITY_MAP.is_file() else None


class Identities:
    """The identity map from ``TRAINER_IDENTITY_MAP``, reloaded when the file changes.

    A coordinator binds a new officer by editing the file; no restart is needed.
    A file that no longer validates is reported and the previous map stays in force.
    """

    def __init__(self, path: Optional[Path] = None, pseudonym_key: Optional[str] = None):
        self.path = path if path is not None else identity_map_path()
        self._key = pseudonym_key if pseudonym_key is not None else os.environ.get("TRAINER_PSEUDONYM_KEY")
        self._mtime: Optional[float] = None
        self.map = IdentityMap()
        if self.path is None:
            logger.warning("no identity map (TRAINER_IDENTITY_MAP or config/identities.yml): "
                           "every messenger account will be refused")
        else:
            self.map = IdentityMap.load(self.path)  # fail the server start on a broken map
            self._mtime = self.path.stat().st_mtime
        self._check_policy(self.map)

    def _check_policy(self, mapping: IdentityMap) -> None:
        if mapping.unknown_users == "pseudonymous" and not self._key:
            raise ValueError("unknown_users: pseudonymous needs TRAINER_PSEUDONYM_KEY (a long random secret): "
                             "without it a pseudonym could be reversed by hashing guessed account names")

    def _refresh(self) -> None:
        if self.path is None:
            return
        try:
            mtime = self.path.stat().st_mtime
            if mtime == self._mtime:
                return
            mapping = IdentityMap.load(self.path)
            self._check_policy(mapping)
        except (OSError, ValueError) as exc:
            logger.error("identity map %s not reloaded, keeping the previous one: %s", self.path, exc)
            return
        self.map, self._mtime = mapping, mtime
        logger.info("identity map %s reloaded: %d accounts", self.path, len(mapping.accounts))

    def resolve(self, platform: str, accounts: Sequence[Optional[str]]) -> Optional[Officer]:
        """The officer behind the first known account; a pseudonym or None (refuse) otherwise."""
        self._refresh()
        accounts = [str(a) for a in accounts if a]
        for account in accounts:
            officer = self.map.lookup(platform, account)
            if officer is not None:
                return officer
        if self.map.unknown_users == "pseudonymous" and accounts:
            digest = hmac.new(self._key.encode(), f"{platform}:{accounts[0]}".encode(), hashlib.sha256).hexdigest()
            return Officer(f"anon-{platform}-{digest[:16]}", "匿名学员", None, pseudonymous=True)
        return None

    def refusal(self, platform: str, account: Optional[str]) -> str:
        text = self.map.refusal_message
        for key, value in (("{platform_label}", PLATFORM_LABELS.get(platform, platform)),
                           ("{platform}", platform), ("{account}", account or "未知")):
            text = text.replace(key, value)
        return text

    def account_of(self, platform: str, officer_id: str) -> Optional[str]:
        self._refresh()
        return self.map.account_of(platform, officer_id)


# -- de-duplication -------------------------------------------------------------------------------


class RecentKeys:
    """A bounded, in-memory map of keys seen within ``ttl`` seconds.

    Platforms retry a callback they think failed (WeCom within seconds, Feishu for
    hours), so each event key is remembered for 12 hours by default, at most
    ``max_size`` keys (oldest dropped first). It lives in one server process: with
    several Rasa processes behind a balancer a retry can reach another process, and
    then the records' per-message uniqueness (the platform message id is Rasa's
    message id) is what keeps the turn from being stored twice.
    """

    def __init__(self, ttl: float = 12 * 3600, max_size: int = 20_000, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.max_size, self._clock = ttl, max_size, clock
        self._items: "OrderedDict[str, Tuple[float, Any]]" = OrderedDict()

    def _expire(self, now: float) -> None:
        while self._items:
            key, (at, _) = next(iter(self._items.items()))
            if now - at < self.ttl and len(self._items) <= self.max_size:
                break
            self._items.popitem(last=False)

    def get(self, key: str) -> Any:
        self._expire(self._clock())
        item = self._items.get(key)
        return None if item is None else item[1]

    def add(self, key: str, value: Any = True) -> bool:
        """Remember ``key``; False if it was already there (a retry)."""
        now = self._clock()
        self._expire(now)
        if key in self._items:
            return False
        self._items[key] = (now, value)
        self._expire(now)
        return True

    def __len__(self) -> int:
        return len(self._items)


def rasa_message_id(platform: str, platform_id: str) -> str:
    """The platform's message id as Rasa's message id (the records store at most 64 characters)."""
    mid = f"{platform}:{platform_id}"
    return mid if len(mid) <= 64 else f"{platform}:{hashlib.sha1(platform_id.encode()).hexdigest()}"


# -- outbound HTTP: retries, tokens ---------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 0.5  # seconds; doubled after each failure

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any]) -> "RetryPolicy":
        return cls(int(setting(credentials, "retry_attempts", 3)), float(setting(credentials, "retry_base_delay", 0.5)))


async def retrying(op: Callable[[], Awaitable[Any]], policy: RetryPolicy, what: str,
                   sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> Any:
    """Run ``op``; on Retryable try again with exponential backoff, up to ``policy.attempts`` times."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return await op()
        except Retryable as exc:
            if attempt >= policy.attempts:
                raise
            delay = 0.0 if exc.immediate else policy.base_delay * 2 ** (attempt - 1)
            logger.warning("%s failed (attempt %d/%d): %s; retrying in %.1fs", what, attempt, policy.attempts,
                           exc, delay)
            await sleep(delay)


def redact(url: str) -> str:
    """A URL without its query: tokens and secrets travel in queries."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class JsonHttp:
    """One aiohttp session per channel, created in the server's event loop on first use."""

    def __init__(self, timeout: float = 10.0):
        self.timeout = timeout
        self._session = None

    def _client(self):
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def request(self, method: str, url: str, *, params: Optional[Dict[str, Any]] = None,
                      body: Any = None, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, Any]]:
        """The status and JSON body; Retryable on network errors, 429 and 5xx."""
        import aiohttp

        try:
            async with self._client().request(method, url, params=params, json=body, headers=headers) as resp:
                status, text = resp.status, await resp.text()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise Retryable(f"{method} {redact(url)}: {exc.__class__.__name__}: {exc}") from exc
        if status == 429 or status >= 500:
            raise Retryable(f"{method} {redact(url)}: HTTP {status}")
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        return status, data if isinstance(data, dict) else {}

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class TokenCache:
    """An access token fetched once, reused until shortly before it expires.

    ``fetch`` returns (token, lifetime in seconds). A token the platform rejects is
    dropped with ``invalidate`` so that the next ``get`` fetches a new one;
    concurrent callers share one fetch.
    """

    def __init__(self, fetch: Callable[[], Awaitable[Tuple[str, float]]], what: str,
                 clock: Callable[[], float] = time.monotonic):
        self._fetch, self.what, self._clock = fetch, what, clock
        self._token: Optional[str] = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires

    async def get(self) -> str:
        if self._valid():
            return self._token  # type: ignore[return-value]
        async with self._lock:
            if not self._valid():
                token, lifetime = await self._fetch()
                # Renew a little early (5 minutes, or half a short lifetime) so a send never races the expiry.
                self._token = token
                self._expires = self._clock() + lifetime - min(300.0, lifetime / 2)
                logger.info("%s: fetched a new access token (valid %.0fs)", self.what, lifetime)
            return self._token  # type: ignore[return-value]

    def invalidate(self, token: str) -> None:
        if self._token == token:
            self._token = None


# -- rendering ------------------------------------------------------------------------------------

# Responses that are documents rather than lines of dialogue: shown with a heading
# (and as markdown or a card where the platform has them).
STRUCTURED = {
    "utter_briefing": "情景简介",
    "utter_scenario_list": "训练场景",
    "utter_hint": "提示",
    "utter_debrief": "训练总结",
}

# Markdown characters in scenario text are shown as text, never as markup: the
# full-width forms read naturally in Chinese and mean nothing to any renderer,
# where backslash escapes are not honoured by every messenger's markdown.
_MD_NEUTRAL = str.maketrans({"*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "<": "＜", ">": "＞",
                             "#": "＃", "|": "｜", "~": "～", "\\": "＼"})
_SECTION = re.compile(r"^(【[^】]{1,12}】)(.*)$")
_LABEL = re.compile(r"^([^：:\s]{1,6})：(.+)$")


@dataclass(frozen=True)
class Reply:
    """One bot message: a line of dialogue, or a titled document (label, subject, lines)."""

    lines: Tuple[str, ...]
    label: Optional[str] = None  # e.g. 训练总结
    subject: str = ""  # e.g. the scenario title that followed 【训练总结】

    @classmethod
    def of(cls, message: Dict[str, Any]) -> Optional["Reply"]:
        text = (message.get("text") or "").strip("\n")
        if not text.strip():
            return None
        label = STRUCTURED.get(message.get("utter_action") or "")
        lines = [line.rstrip() for line in text.split("\n")]
        subject = ""
        if label:
            first = lines[0]
            if first.startswith(f"【{label}】"):
                subject, lines = first[len(label) + 2:].strip(), lines[1:]
            elif first.startswith(f"{label}：") and len(first) > len(label) + 1:
                lines = [first[len(label) + 1:], *lines[1:]]
        return cls(tuple(lines), label, subject)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def markdown_text(text: str) -> str:
    """Text that any markdown renderer shows as written."""
    return text.translate(_MD_NEUTRAL)


def markdown_line(line: str) -> str:
    """A document line as markdown: markup neutralised, section marks and short labels in bold."""
    line = markdown_text(line)
    m = _SECTION.match(line)
    if m:
        return f"**{m.group(1)}**{m.group(2)}"
    m = _LABEL.match(line)
    if m:
        return f"**{m.group(1)}：**{m.group(2)}"
    return line


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(line: str, limit: int, size: Callable[[str], int]) -> List[str]:
    """Cut one over-long line, preferring the end of a sentence, never inside a character."""
    pieces = []
    while size(line) > limit:
        end = 1
        while end < len(line) and size(line[:end + 1]) <= limit:
            end += 1
        cut = max((line.rfind(p, 0, end) + 1 for p in "。！？；，"), default=0)
        if cut < end * 0.6:
            cut = end
        pieces.append(line[:cut])
        line = line[cut:]
    return pieces + ([line] if line else [])


def split_lines(lines: Iterable[str], limit: int, *, size: Callable[[str], int] = utf8_len,
                sep: str = "\n") -> List[str]:
    """Join lines into as few chunks as fit ``limit``, breaking only between lines where possible."""
    chunks: List[str] = []
    current: Optional[str] = None
    for line in lines:
        for piece in (_cut(line, limit, size) if size(line) > limit else [line]):
            candidate = piece if current is None else current + sep + piece
            if current is not None and size(candidate) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current is not None:
        chunks.append(current)
    return chunks


@dataclass(frozen=True)
class Page:
    body: str
    label: Optional[str] = None  # with "（2/3）" when the document spans pages
    subject: str = ""


def paginate(reply: Reply, limit: int, *, line: Callable[[str], str] = lambda s: s, sep: str = "\n",
             size: Callable[[str], int] = utf8_len, heading: Optional[Callable[[Page], str]] = None) -> List[Page]:
    """Split a reply into pages whose heading + ``sep`` + body fit ``limit``.

    ``heading`` renders a page's heading as the platform will send it, so that its
    length is reserved on every page.
    """
    reserve = 0
    if reply.label and heading is not None:
        reserve = size(heading(Page("", f"{reply.label}（99/99）", reply.subject)) + sep)
    lines = [line(x) for x in reply.lines]
    budget = max(limit - reserve, 16)
    bodies = split_lines(lines, budget, size=size, sep=sep)
    if len(bodies) > 1:
        # As many pages as needed, but of even length: not a full page and a one-line tail.
        target = max(-(-size(sep.join(lines)) // len(bodies)), *(min(size(x), budget) for x in lines))
        while target < budget:
            even = split_lines(lines, target, size=size, sep=sep)
            if len(even) <= len(bodies):
                bodies = even
                break
            target += max(1, budget // 50)
    if not reply.label:
        return [Page(b) for b in bodies]
    n = len(bodies)
    return [Page(b, reply.label if n == 1 else f"{reply.label}（{i}/{n}）", reply.subject)
            for i, b in enumerate(bodies, 1)]


def text_heading(page: Page) -> str:
    return f"【{page.label}】{page.subject}"


def text_pages(reply: Reply, limit: int, *, size: Callable[[str], int] = utf8_len) -> List[str]:
    """Plain-text messages: the heading line as the bot wrote it, then the body."""
    pages = paginate(reply, limit, size=size, heading=text_heading)
    return [f"{text_heading(p)}\n{p.body}" if p.label else p.body for p in pages]


# -- the channel ----------------------------------------------------------------------------------


class TurnCollector(OutputChannel):
    """Collects the bot's messages of one turn; they are sent after the turn."""

    def __init__(self, platform: str):
        self.platform = platform
        self.messages: List[Dict[str, Any]] = []

    def name(self) -> str:  # type: ignore[override] - the instance knows its platform
        return self.platform

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append(dict(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append({"text": text, **kwargs})


class Sender:
    """Where the replies of one conversation go: the platform payloads and one attempt to post each."""

    def payloads(self, reply: Reply) -> List[Any]:
        raise NotImplementedError

    async def post(self, payload: Any) -> None:
        """One attempt; raise Retryable or Permanent on failure."""
        raise NotImplementedError


class PushOutput(OutputChannel):
    """Messages Rasa sends on its own (reminders, external events) to an officer's platform account."""

    def __init__(self, channel: "EnterpriseInput"):
        self.channel = channel

    def name(self) -> str:  # type: ignore[override]
        return self.channel.name()

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        officer_id = recipient_id.split(":", 1)[1] if recipient_id.startswith(self.name() + ":") else recipient_id
        sender = self.channel.push_sender(officer_id)
        if sender is None:
            logger.warning("%s: cannot reach %s outside a conversation (no bound account)", self.name(), recipient_id)
            return
        await self.channel.deliver(sender, [message], recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text, **kwargs})


class EnterpriseInput(InputChannel):
    """Shared behaviour of the WeCom, DingTalk and Feishu channels."""

    platform = ""

    def __init__(self, identities: Optional[Identities] = None, retry: RetryPolicy = RetryPolicy(),
                 max_clock_skew: float = 300.0, message_format: str = "markdown"):
        if message_format not in ("markdown", "text"):
            raise ValueError(f"{self.platform}: message_format must be 'markdown' or 'text'")
        self.identities = identities or Identities()
        self.retry = retry
        self.max_clock_skew = max_clock_skew
        self.message_format = message_format
        self.http = JsonHttp()
        self.seen = RecentKeys()
        self._tasks: set = set()
        self._locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()

    @classmethod
    def name(cls) -> str:
        return cls.platform

    @classmethod
    def common_settings(cls, credentials: Dict[str, Any], default_skew: float) -> Dict[str, Any]:
        return {
            "retry": RetryPolicy.from_credentials(credentials),
            "max_clock_skew": float(setting(credentials, "max_clock_skew_seconds", default_skew)),
            "message_format": str(setting(credentials, "message_format", "markdown")),
        }

    def get_output_channel(self) -> Optional[OutputChannel]:
        return PushOutput(self)

    def push_sender(self, officer_id: str) -> Optional[Sender]:
        """A sender for an officer outside a callback; None where the platform cannot do that."""
        return None

    def add_common_routes(self, bp) -> None:
        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @bp.listener("after_server_stop")
        async def close_http(_app, _loop) -> None:
            await self.http.close()

    # -- receiving ------------------------------------------------------------------------------------

    def first_time(self, event_key: str) -> bool:
        """False for a platform retry of an event already accepted (logged)."""
        if self.seen.add(f"{self.platform}:{event_key}"):
            return True
        logger.info("%s: event %s already received, ignoring the platform's retry", self.platform, event_key)
        return False

    def accept(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], *, accounts: Sequence[Optional[str]],
               text: str, message_id: str, sender: Sender) -> None:
        """Run the officer's turn and send the replies, in the background: the platform gets its 200 now."""
        officer = self.identities.resolve(self.platform, accounts)
        if officer is None:
            account = next((a for a in accounts if a), None)
            logger.warning("%s: account %s is not bound to an officer; refused", self.platform, account)
            self.notify(sender, self.identities.refusal(self.platform, account), f"unbound {account}")
            return
        if len(text) > MAX_MESSAGE_CHARS:
            self.notify(sender, TOO_LONG, officer.sender_id(self.platform))
            return
        self._spawn(self._turn(on_new_message, officer, text, message_id, sender))

    def notify(self, sender: Sender, text: str, who: str) -> None:
        """Send a fixed notice (refusal, text only, ...) without a Rasa turn."""
        self._spawn(self.deliver(sender, [{"text": text}], who))

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)  # keep a reference until done: the loop holds tasks only weakly
        task.add_done_callback(self._tasks.discard)

    async def _turn(self, on_new_message, officer: Officer, text: str, message_id: str, sender: Sender) -> None:
        sender_id = officer.sender_id(self.platform)
        lock = self._locks.get(sender_id)
        if lock is None:
            lock = self._locks[sender_id] = asyncio.Lock()
        # One turn at a time per officer, replies included, so they arrive in order.
        async with lock:
            collector = TurnCollector(self.platform)
            message = UserMessage(neutralise(text), collector, sender_id, input_channel=self.name(), message_id=message_id,
                                  metadata=officer.metadata(self.platform))
            try:
                async with admission.gate().turn():
                    await on_new_message(message)
            except Exception:  # noqa: BLE001 - the officer gets an answer whatever broke
                logger.exception("%s: handling message %s from %s failed", self.platform, message_id, sender_id)
            # Nothing said means the action server or the records failed: the message is in the
            # tracker and is scored when service returns; the officer must not wait in silence.
            await self.deliver(sender, collector.messages or [{"text": SERVICE_NOTICE}], sender_id)

    # -- sending --------------------------------------------------------------------------------------

    async def deliver(self, sender: Sender, messages: List[Dict[str, Any]], who: str) -> bool:
        """Send messages in order, each with retries; stop at the first that cannot be delivered."""
        payloads = [p for m in messages for r in [Reply.of(m)] if r is not None for p in sender.payloads(r)]
        for i, payload in enumerate(payloads):
            try:
                await retrying(lambda: sender.post(payload), self.retry, f"{self.platform}: reply to {who}")
            except (Retryable, Permanent) as exc:
                logger.error("%s: %d of %d replies to %s not delivered (%s); the officer's message itself is "
                             "stored in the tracker", self.platform, len(payloads) - i, len(payloads), who, exc)
                return False
        return True
