"""The coordinators' review console, under ``/console``.

Server-rendered pages (Jinja2, autoescaped), no script at all: the pages' CSP
forbids scripts, so even a reply that slipped past escaping could not run. Charts
are inline SVG drawn on the server. Every page, override, comment and export is
written to the audit log in the same transaction as the act.

Sign-in: coordinators (``python -m tools.manage create-coordinator``) get a signed
session cookie (HMAC-SHA256, see actions.records.accounts) that also names a nonce;
every POST form carries a CSRF token derived from that nonce. The officers' own
page (webapp/officer.py) shares the sign-in machinery defined here.
"""
from __future__ import annotations

import asyncio
import csv
import datetime as dt
import functools
import hmac
import io
import json as jsonlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlencode, urlsplit

from markupsafe import Markup, escape
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, html, json, redirect

from actions.records import accounts, queries
from actions.records import repository as repo
from actions.records import xapi
from actions.records.models import Coordinator, Officer
from actions.records.uow import UnitOfWork
from actions.scoring.lexicon import load_guideline
from actions.trainer.scenarios import KIND_LABELS

logger = logging.getLogger(__name__)

COOKIE = "trainer_session"
LOGIN_COOKIE = "trainer_login"
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60
CONSOLE_TITLE = "廉政情景训练 · 培训管理台"
OFFICER_TITLE = "廉政情景训练 · 我的训练"

CSP = "; ".join([
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])

STAGE_LABELS = {"request": "请托", "relationship": "打感情牌", "offer": "利益诱惑", "pressure": "施压纠缠"}
MODE_LABELS = {"practice": "练习", "assessment": "考核"}
OUTCOME_LABELS = {"withdrawn": "守住底线", "consequence": "松口", "abandoned": "中途结束", None: "进行中"}
ACTION_LABELS = {
    "view": "查看", "override": "改分", "comment": "评语", "export": "导出", "confirm": "确认评分",
    "sign_in": "登录", "sign_in_failed": "登录失败", "sign_out": "退出", "delete": "删除", "anonymise": "匿名化",
    "issue_link": "发练习链接",
}
LINK_HOURS = (24, 72, 168)
_KEY = re.compile(r"^[a-z_]{1,32}$")


# -- identity -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    role: str  # coordinator | officer
    user: str
    name: str
    nonce: str

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.user}"

    def csrf_token(self, key: bytes) -> str:
        return accounts.derive(key, "csrf", self.nonce)


def signing_key(request: Request) -> bytes:
    key = getattr(request.app.ctx, "secret_key", None)
    if key is None:
        key = request.app.ctx.secret_key = accounts.secret_key()
    return key


async def in_db(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(session, *args)`` in one unit of work on a worker thread (never block the loop)."""
    def work():
        with UnitOfWork() as s:
            return fn(s, *args)

    return await asyncio.get_running_loop().run_in_executor(None, work)


def _load_identity(s, payload: Dict[str, Any]) -> Optional[Identity]:
    role, user = payload.get("r"), payload.get("u")
    if role == "coordinator":
        row = s.get(Coordinator, user)
        name = row.display_name if row else ""
    elif role == "officer":
        row = s.get(Officer, user)
        name = row.display_name if row else ""
    else:
        return None
    if row is None or not row.password_hash or accounts.password_fingerprint(row.password_hash) != payload.get("pw"):
        return None  # account gone or password changed since sign-in
    return Identity(role, user, name, str(payload.get("n", "")))


async def identity(request: Request) -> Optional[Identity]:
    if hasattr(request.ctx, "identity"):
        return request.ctx.identity
    payload = accounts.unsign(request.cookies.get(COOKIE), signing_key(request))
    found = await in_db(_load_identity, payload) if payload else None
    request.ctx.identity = found
    return found


def wants_data(request: Request) -> bool:
    path = request.path
    return path.endswith((".csv", ".json")) or "/api/" in path or "/export/" in path


def _login_url(request: Request, role: str) -> str:
    base = "/console/login" if role == "coordinator" else "/me/login"
    return f"{base}?{urlencode({'next': request.path})}"


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    body = request.app.ctx.templates.get_template(template).render(**context)
    return html(body, status=status, headers=_private_headers())


def _private_headers() -> Dict[str, str]:
    return {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}


def refuse(request: Request, status: int, message: str) -> HTTPResponse:
    if wants_data(request):
        return json({"error": message}, status=status, ensure_ascii=False, headers=_private_headers())
    return page(request, "console/error.html", status=status, title="无法访问", message=message, ident=None,
                nav=None, csrf="")


def requires(role: str):
    """Handler decorator: anonymous → sign-in page (pages) or 401 (data); wrong role → 403."""
    def wrap(handler):
        @functools.wraps(handler)
        async def guarded(request: Request, *args, **kwargs):
            ident = await identity(request)
            if ident is None:
                if wants_data(request):
                    return refuse(request, 401, "请先登录。")
                return redirect(_login_url(request, role))
            if ident.role != role:
                return refuse(request, 403, "您的账号无权访问此页面。" if role == "coordinator" else "此页面仅供学员本人使用。")
            return await handler(request, ident, *args, **kwargs)

        return guarded

    return wrap


def check_csrf(request: Request, ident: Optional[Identity]) -> bool:
    """The form's token matches the session's, and the request came from this site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        return False
    sent = request.form.get("csrf_token", "") if request.form else ""
    if ident is None:
        return False
    return hmac.compare_digest(sent, ident.csrf_token(signing_key(request)))


# -- sign-in (shared with webapp/officer.py) ----------------------------------------------
class Throttle:
    """At most MAX_FAILURES failed sign-ins per account and address in FAILURE_WINDOW seconds."""

    def __init__(self) -> None:
        self._failures: Dict[Tuple[str, str], List[float]] = {}

    def blocked(self, key: Tuple[str, str]) -> bool:
        now = time.monotonic()
        recent = [t for t in self._failures.get(key, []) if now - t < FAILURE_WINDOW]
        self._failures[key] = recent
        return len(recent) >= MAX_FAILURES

    def fail(self, key: Tuple[str, str]) -> None:
        self._failures.setdefault(key, []).append(time.monotonic())

    def clear(self, key: Tuple[str, str]) -> None:
        self._failures.pop(key, None)


def _safe_next(value: Optional[str], prefix: str) -> str:
    """Only a path on this site under ``prefix`` (no //host, no scheme)."""
    if value and value.startswith(prefix) and not value.startswith("//") and "\\" not in value:
        return value
    return prefix


def _login_token(key: bytes, nonce: str) -> str:
    return accounts.derive(key, "login", nonce)


def login_page(request: Request, *, role: str, error: str = "", status: int = 200, username: str = "") -> HTTPResponse:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
    is_coordinator = role == "coordinator"
    resp = page(
        request, "console/login.html", status=status, ident=None, nav=None,
        title=CONSOLE_TITLE if is_coordinator else OFFICER_TITLE,
        heading="培训管理员登录" if is_coordinator else "学员登录",
        user_label="用户名" if is_coordinator else "警员编号",
        action="/console/login" if is_coordinator else "/me/login",
        next=_safe_next(request.args.get("next") or (request.form.get("next") if request.form else None),
                        "/console" if is_coordinator else "/me"),
        csrf=_login_token(signing_key(request), nonce), error=error, username=username,
    )
    _set_cookie(request, resp, LOGIN_COOKIE, nonce, max_age=3600)
    return resp


def _set_cookie(request: Request, resp: HTTPResponse, name: str, value: str, max_age: int) -> None:
    resp.cookies[name] = value
    morsel = resp.cookies[name]
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    if request.scheme == "https":
        morsel["secure"] = True


def _authenticate(s, role: str, user: str, password: str):
    row = (accounts.authenticate_coordinator if role == "coordinator" else accounts.authenticate_officer)(s, user, password)
    actor = f"{role}:{user[:40]}"
    if row is None:
        repo.audit(s, actor, "sign_in_failed", role)
        return None
    repo.audit(s, actor, "sign_in", role)
    return accounts.password_fingerprint(row.password_hash)


async def handle_login(request: Request, throttle: Throttle, *, role: str) -> HTTPResponse:
    form = request.form or {}
    user = (form.get("username") or "").strip()[:64]
    password = form.get("password") or ""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    key = signing_key(request)
    if not nonce or not hmac.compare_digest(form.get("csrf_token", ""), _login_token(key, nonce)):
        return login_page(request, role=role, error="页面已过期，请重新登录。", status=403, username=user)
    throttle_key = (f"{role}:{user}", request.remote_addr or request.ip or "")
    if throttle.blocked(throttle_key):
        return login_page(request, role=role, error="登录失败次数过多，请 15 分钟后再试。", status=429, username=user)
    fingerprint = await in_db(_authenticate, role, user, password) if user and password else None
    if fingerprint is None:
        throttle.fail(throttle_key)
        return login_page(request, role=role, error="用户名或密码不正确。", status=401, username=user)
    throttle.clear(throttle_key)
    token = accounts.sign({"r": role, "u": user, "pw": fingerprint, "n": secrets.token_urlsafe(16),
                           "exp": int(time.time()) + SESSION_SECONDS}, key)
    resp = redirect(_safe_next(form.get("next"), "/console" if role == "coordinator" else "/me"))
    _set_cookie(request, resp, COOKIE, token, max_age=SESSION_SECONDS)
    del resp.cookies[LOGIN_COOKIE]
    return resp


async def handle_logout(request: Request, *, role: str) -> HTTPResponse:
    ident = await identity(request)
    if ident is not None and check_csrf(request, ident):
        await in_db(lambda s: repo.audit(s, ident.actor, "sign_out", role))
    resp = redirect("/console/login" if role == "coordinator" else "/me/login")
    del resp.cookies[COOKIE]
    return resp


# -- presentation helpers -----------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _labels() -> Dict[str, Dict[str, str]]:
    guide = load_guideline()
    return {"moves": {m: guide.move_label(m) for m in guide.moves}, "red_lines": dict(guide.red_lines)}


# Evidence the scorer records beside moves and red lines (actions/scoring/scorer.py).
DOUBT_LABELS = {"learned_give_in": "疑似松口（模型判断，待复核）", "learned_waver": "未明确表态（模型判断，待复核）"}


def move_label(key: str) -> str:
    return _labels()["moves"].get(key) or _labels()["red_lines"].get(key) or DOUBT_LABELS.get(key) or key


def scenario_titles() -> Dict[str, str]:
    try:
        from actions.trainer.scenarios import library

        return {s.id: s.title for s in library()}
    except Exception:  # noqa: BLE001 - a broken library must not take the records down
        logger.exception("scenario library failed to load; showing scenario ids")
        return {}


def highlight(reply: str, evidence: Optional[Dict[str, Sequence[str]]]) -> Tuple[Markup, List[Tuple[str, str]]]:
    """The reply as HTML with each evidence span wrapped in ``<mark>``, and the spans not found.

    Spans are located in the raw text, then every piece of it (inside and outside the
    marks) is escaped before it is joined: nothing from a reply is ever markup.
    Spans come from the normalised reply; one the raw text does not contain (e.g. typed
    in traditional characters) is returned for listing beside the reply instead.
    """
    marks: List[Tuple[int, int, str]] = []
    unmatched: List[Tuple[str, str]] = []
    for key, spans in (evidence or {}).items():
        if not _KEY.match(str(key)):
            continue
        for span in spans or []:
            if not isinstance(span, str) or not span:
                continue
            at = reply.find(span)
            if at < 0:
                unmatched.append((key, span))
            while at >= 0:
                marks.append((at, at + len(span), key))
                at = reply.find(span, at + len(span))
    red = set(_labels()["red_lines"]) | set(DOUBT_LABELS)
    # Earliest first; at the same start the longer span, and a red line before a move.
    marks.sort(key=lambda m: (m[0], -(m[1] - m[0]), m[2] not in red))
    out: List[Markup] = []
    pos = 0
    for start, end, key in marks:
        if start < pos:
            continue  # overlaps a span already marked; the move is still listed beside the reply
        out.append(escape(reply[pos:start]))
        kind = "red" if key in red else "move"
        out.append(Markup('<mark class="ev ev-{kind} ev-{key}" title="{label}">{text}</mark>').format(
            kind=kind, key=key, label=move_label(key), text=reply[start:end]))
        pos = end
    out.append(escape(reply[pos:]))
    return Markup("").join(out), unmatched


def fmt_time(value: Optional[dt.datetime], with_time: bool = True) -> str:
    local = queries.to_local(value)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def pct(value: Optional[float]) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def template_globals() -> Dict[str, Any]:
    return {
        "STAGE_LABELS": STAGE_LABELS, "MODE_LABELS": MODE_LABELS, "KIND_LABELS": KIND_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS, "ACTION_LABELS": ACTION_LABELS, "move_label": move_label,
        "fmt_time": fmt_time, "pct": pct, "highlight": highlight,
    }


def render(request: Request, template: str, ident: Optional[Identity], **context: Any) -> HTTPResponse:
    context.setdefault("title", CONSOLE_TITLE if ident is None or ident.role == "coordinator" else OFFICER_TITLE)
    context.setdefault("nav", "console" if ident is not None and ident.role == "coordinator" else "officer")
    csrf = ident.csrf_token(signing_key(request)) if ident else ""
    return page(request, template, ident=ident, csrf=csrf, **template_globals(), **context)


def page_links(path: str, args: Dict[str, str], p: queries.Page) -> Dict[str, Optional[str]]:
    def link(n: int) -> str:
        return f"{path}?{urlencode({**args, 'page': n})}"

    return {"prev": link(p.page - 1) if p.page > 1 else None, "next": link(p.page + 1) if p.page < p.pages else None}


# -- charts (inline SVG, drawn here so that templates only place numbers) -----------------
def bar_rows(items: Iterable[Tuple[str, Optional[float], str]], width: int = 360) -> Dict[str, Any]:
    """Horizontal bars: (label, share 0–1, text at the bar's end)."""
    rows = []
    for i, (label, share, note) in enumerate(items):
        share = max(0.0, min(1.0, share or 0.0))
        label = label if len(label) <= 14 else label[:13] + "…"
        rows.append({"y": i * 28, "label": label, "w": round(share * width, 1), "note": note,
                     "low": share < 0.6})
    return {"rows": rows, "height": max(28, len(rows) * 28), "width": width}


def progress_lines(progress: Optional[List[Dict[str, Any]]], titles: Dict[str, str]) -> List[Dict[str, Any]]:
    """One small line chart per scenario: every attempt's score in order, with the pass line."""
    out = []
    for p in progress or []:
        attempts = p["attempts"]
        n = len(attempts)
        step = 200 / max(1, n - 1)
        pts = [(round(10 + i * step, 1), round(70 - a["score"] * 0.6, 1)) for i, a in enumerate(attempts)]
        out.append({
            **p, "title": titles.get(p["scenario_id"], p["scenario_id"]),
            "points": " ".join(f"{x},{y}" for x, y in pts), "dots": pts,
        })
    return out


# -- CSV and JSON ---------------------------------------------------------------------------
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, bool):
        return int(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def csv_chunks(columns: Sequence[str], rows: Iterator[Dict[str, Any]], batch: int = 500) -> Iterator[str]:
    """The CSV in pieces; the first starts with a BOM so that spreadsheet programs read UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(columns)
    for i, row in enumerate(rows, 1):
        writer.writerow([csv_cell(row.get(c)) for c in columns])
        if i % batch == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def session_json(detail: Dict[str, Any]) -> Dict[str, Any]:
    keep = {k: v for k, v in detail.items() if k not in ("all_notes", "seed")}
    return _jsonable(keep)


async def stream_export(request: Request, make_chunks: Callable[[Any], Iterator[str]], *, content_type: str,
                        filename: str, audit: Tuple[str, str, str, Dict[str, Any]]) -> HTTPResponse:
    """Stream an export produced by ``make_chunks(session)`` from a worker thread; audit it first."""
    loop = asyncio.get_running_loop()
    uow = UnitOfWork()
    s = await loop.run_in_executor(None, uow.__enter__)
    try:
        actor, action, target, detail = audit
        await loop.run_in_executor(None, lambda: (repo.audit(s, actor, action, target, detail), s.commit()))
        chunks = make_chunks(s)
        headers = {**_private_headers(), "Content-Disposition": f'attachment; filename="{filename}"'}
        response = await request.respond(content_type=content_type, headers=headers)
        while True:
            chunk = await loop.run_in_executor(None, next, chunks, None)
            if chunk is None:
                break
            await response.send(chunk)
        await response.eof()
        await loop.run_in_executor(None, uow.__exit__, None, None, None)
    except BaseException as exc:
        await loop.run_in_executor(None, uow.__exit__, type(exc), exc, None)
        raise
    return response


def xapi_chunks(s, f: queries.SessionFilter) -> Iterator[str]:
    """A JSON array of statements, written as it is produced."""
    titles = scenario_titles()
    first = True
    yield "["
    for statement in xapi.statements(queries.export_sources(s, f), titles):
        yield ("" if first else ",\n") + jsonlib.dumps(statement, ensure_ascii=False)
        first = False
    yield "]\n"


# -- the pages ----------------------------------------------------------------------------
def _sessions_page(s, ident: Identity, f: queries.SessionFilter, page_no: Any) -> Dict[str, Any]:
    result = queries.list_sessions(s, f, page_no)
    repo.audit(s, ident.actor, "view", "sessions", {"filters": f.to_args(), "page": result.page})
    return {"result": result, "options": queries.filter_options(s)}


def _session_page(s, ident: Identity, session_id: str) -> Optional[Dict[str, Any]]:
    detail = queries.session_detail(s, session_id)
    if detail is not None:
        repo.audit(s, ident.actor, "view", f"session:{session_id}")
    return detail


def _annotate(s, ident: Identity, session_id: str, form: Dict[str, str]) -> str:
    """Apply an override or a comment from a form; returns the audit action."""
    turn_id = form.get("turn_id") or None
    if turn_id is not None and not str(turn_id).isdigit():
        raise repo.AnnotationError("无效的轮次。")
    target = f"turn:{turn_id}" if turn_id else f"session:{session_id}"
    if form.get("kind") == "override":
        note = repo.override_score(s, session_id=session_id, turn_id=turn_id, score=form.get("score"),
                                   reason=form.get("reason", ""), author=ident.user)
        # The reason stays in the annotation only: retention redacts it there, and the audit log keeps no text.
        repo.audit(s, ident.actor, "override", target, {
            "session": session_id, "score": note.score_override, "previous": note.previous_score, "annotation": note.id})
        return "override"
    if form.get("kind") == "confirm":
        note = repo.confirm_score(s, session_id=session_id, turn_id=turn_id, author=ident.user)
        repo.audit(s, ident.actor, "confirm", target, {"session": session_id, "annotation": note.id})
        return "confirm"
    note = repo.add_comment(s, session_id=session_id, turn_id=turn_id, comment=form.get("comment", ""),
                            author=ident.user)
    repo.audit(s, ident.actor, "comment", target, {"session": session_id, "annotation": note.id})
    return "comment"


def _review_page(s, ident: Identity, page_no: Any) -> queries.Page:
    result = queries.review_queue(s, page_no)
    repo.audit(s, ident.actor, "view", "review", {"page": result.page})
    return result


def _dashboard_page(s, ident: Identity, f: queries.SessionFilter) -> Dict[str, Any]:
    data = queries.dashboard(s, f)
    repo.audit(s, ident.actor, "view", "dashboard", {"filters": f.to_args()})
    return {"data": data, "options": queries.filter_options(s)}


def _audit_page(s, ident: Identity, page_no: Any, actor: str) -> queries.Page:
    result = queries.audit_page(s, page_no, actor=actor)
    repo.audit(s, ident.actor, "view", "audit", {"page": result.page, "actor": actor})
    return result


def _issue_link(s, ident: Identity, form: Dict[str, str]) -> Dict[str, Any]:
    """A practice link (an invite token) for a named officer or a fresh pseudonym; audited."""
    import secrets as _secrets

    from server import identity as chat_identity

    officer_id = form["officer_id"].strip()[:64]
    name = form["name"].strip()[:100] or None
    unit = form["unit"].strip()[:100] or None
    hours = int(form["hours"]) if form["hours"].isdigit() and int(form["hours"]) in LINK_HOURS else 72
    pseudonymous = not officer_id
    officer_id = officer_id or f"anon-{_secrets.token_hex(4)}"
    officer = chat_identity.Officer(officer_id, name or officer_id, unit, pseudonymous)
    token = chat_identity.issue(officer, ttl=hours * 3600, audience=chat_identity.INVITE_AUDIENCE)
    repo.audit(s, ident.actor, "issue_link", f"officer:{officer_id}", {"hours": hours, "pseudonymous": pseudonymous})
    return {"token": token, "officer": officer, "hours": hours}


def dashboard_context(data: Dict[str, Any], titles: Dict[str, str]) -> Dict[str, Any]:
    """Chart geometry for the dashboard template."""
    by_scenario = bar_rows(
        (titles.get(r["scenario_id"], r["scenario_id"]), r["rate"], f"{pct(r['rate'])}（{r['passed']}/{r['sessions']}）")
        for r in data["by_scenario"])
    by_unit = bar_rows((r["unit"], r["rate"], f"{pct(r['rate'])}（{r['passed']}/{r['sessions']}）")
                       for r in data["by_unit"])
    moves = bar_rows((move_label(m["move"]), m["rate"], f"{pct(m['rate'])}（{m['missed']} 轮）")
                     for m in data["moves"]["moves"])
    turns = data["red_lines"]["turns"]
    red = bar_rows((move_label(r["red_line"]), (r["turns"] / turns) if turns else 0.0, f"{r['turns']} 轮")
                   for r in data["red_lines"]["red_lines"])
    for chart in (moves, red):
        for row in chart["rows"]:
            row["low"] = False  # these bars are bad when long, not when short
    return {"by_scenario": by_scenario, "by_unit": by_unit, "moves": moves, "red": red,
            "progress": progress_lines(data["progress"], titles)}


def blueprint() -> Blueprint:
    bp = Blueprint("console", url_prefix="/console")
    throttle = Throttle()

    @bp.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        ident = await identity(request)
        if ident is not None and ident.role == "coordinator":
            return redirect("/console/sessions")
        return login_page(request, role="coordinator")

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        return await handle_login(request, throttle, role="coordinator")

    @bp.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        return await handle_logout(request, role="coordinator")

    @bp.get("/")
    @requires("coordinator")
    async def home(request: Request, ident: Identity) -> HTTPResponse:
        return redirect("/console/sessions")

    @bp.get("/sessions")
    @requires("coordinator")
    async def sessions(request: Request, ident: Identity) -> HTTPResponse:
        f = queries.SessionFilter.from_args(request.args)
        data = await in_db(_sessions_page, ident, f, request.args.get("page"))
        args = f.to_args()
        return render(request, "console/sessions.html", ident, f=f, args=args, result=data["result"],
                      options=data["options"], titles=scenario_titles(),
                      pages=page_links("/console/sessions", args, data["result"]),
                      export_query=urlencode(args))

    @bp.get("/sessions/<session_id:str>")
    @requires("coordinator")
    async def session(request: Request, ident: Identity, session_id: str) -> HTTPResponse:
        detail = await in_db(_session_page, ident, session_id)
        if detail is None:
            return refuse(request, 404, "找不到该训练记录。")
        return render(request, "console/session.html", ident, s=detail, titles=scenario_titles(),
                      error=request.args.get("error", ""), done=request.args.get("done", ""))

    @bp.post("/sessions/<session_id:str>/annotate")
    @requires("coordinator")
    async def annotate(request: Request, ident: Identity, session_id: str) -> HTTPResponse:
        if not check_csrf(request, ident):
            return refuse(request, 403, "表单已过期或来源不明，请刷新页面后重试。")
        form = {k: request.form.get(k, "") for k in ("kind", "turn_id", "score", "reason", "comment")}
        back = request.form.get("back", "")
        try:
            action = await in_db(_annotate, ident, session_id, form)
        except repo.AnnotationError as exc:
            return redirect(f"/console/sessions/{session_id}?{urlencode({'error': str(exc)})}")
        if back == "review":
            return redirect("/console/review")
        anchor = f"#turn-{form['turn_id']}" if form["turn_id"] else "#session-notes"
        return redirect(f"/console/sessions/{session_id}?{urlencode({'done': action})}{anchor}")

    @bp.get("/api/sessions/<session_id:str>")
    @requires("coordinator")
    async def session_api(request: Request, ident: Identity, session_id: str) -> HTTPResponse:
        detail = await in_db(_session_page, ident, session_id)
        if detail is None:
            return refuse(request, 404, "找不到该训练记录。")
        return json(session_json(detail), ensure_ascii=False, headers=_private_headers())

    @bp.get("/review")
    @requires("coordinator")
    async def review(request: Request, ident: Identity) -> HTTPResponse:
        result = await in_db(_review_page, ident, request.args.get("page"))
        return render(request, "console/review.html", ident, result=result, titles=scenario_titles(),
                      pages=page_links("/console/review", {}, result))

    @bp.get("/dashboard")
    @requires("coordinator")
    async def dashboard(request: Request, ident: Identity) -> HTTPResponse:
        f = queries.SessionFilter.from_args(request.args)
        f.result = f.red_line = ""  # rates over all sessions in scope, not over the passed ones
        data = await in_db(_dashboard_page, ident, f)
        titles = scenario_titles()
        return render(request, "console/dashboard.html", ident, f=f, args=f.to_args(), data=data["data"],
                      options=data["options"], titles=titles, charts=dashboard_context(data["data"], titles))

    @bp.get("/audit")
    @requires("coordinator")
    async def audit(request: Request, ident: Identity) -> HTTPResponse:
        actor = (request.args.get("actor") or "").strip()[:64]
        result = await in_db(_audit_page, ident, request.args.get("page"), actor)
        args = {"actor": actor} if actor else {}
        return render(request, "console/audit.html", ident, result=result, actor=actor,
                      pages=page_links("/console/audit", args, result))

    @bp.get("/links")
    @requires("coordinator")
    async def links_form(request: Request, ident: Identity) -> HTTPResponse:
        return render(request, "console/links.html", ident, issued=None, hours_options=LINK_HOURS)

    @bp.post("/links")
    @requires("coordinator")
    async def issue_link(request: Request, ident: Identity) -> HTTPResponse:
        if not check_csrf(request, ident):
            return refuse(request, 403, "表单已过期或来源不明，请刷新页面后重试。")
        form = {k: request.form.get(k, "") for k in ("officer_id", "name", "unit", "hours")}
        issued = await in_db(_issue_link, ident, form)
        url = f"{request.scheme}://{request.host}/?invite={issued['token']}"
        return render(request, "console/links.html", ident, issued=dict(issued, url=url), hours_options=LINK_HOURS)

    @bp.get("/export/sessions.csv")
    @requires("coordinator")
    async def export_sessions(request: Request, ident: Identity) -> HTTPResponse:
        f = queries.SessionFilter.from_args(request.args)
        return await stream_export(
            request, lambda s: csv_chunks(queries.SESSION_COLUMNS, queries.session_export_rows(s, f)),
            content_type="text/csv; charset=utf-8", filename="training-sessions.csv",
            audit=(ident.actor, "export", "sessions.csv", {"filters": f.to_args()}))

    @bp.get("/export/turns.csv")
    @requires("coordinator")
    async def export_turns(request: Request, ident: Identity) -> HTTPResponse:
        f = queries.SessionFilter.from_args(request.args)
        return await stream_export(
            request, lambda s: csv_chunks(queries.TURN_COLUMNS, queries.turn_export_rows(s, f)),
            content_type="text/csv; charset=utf-8", filename="training-turns.csv",
            audit=(ident.actor, "export", "turns.csv", {"filters": f.to_args()}))

    @bp.get("/export/xapi.json")
    @requires("coordinator")
    async def export_xapi(request: Request, ident: Identity) -> HTTPResponse:
        f = queries.SessionFilter.from_args(request.args)
        return await stream_export(
            request, lambda s: xapi_chunks(s, f), content_type="application/json; charset=utf-8",
            filename="training-xapi.json", audit=(ident.actor, "export", "xapi.json", {"filters": f.to_args()}))

    return bp
