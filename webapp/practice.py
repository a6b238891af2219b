"""The officers' practice page: scenario panel, how-to, and the rasa-webchat widget.

The widget talks straight to the Rasa server's socketio channel on the page's host;
this blueprint only serves the page, its assets and the scenario list. Every asset
is served from here (no CDN): the widget bundle comes from ``node_modules/``,
installed by npm from ``package.json``.
"""
from __future__ import annotations

import asyncio
import email.utils
import functools
import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, file, html, json, text

from actions.records import accounts
from actions.records.uow import UnitOfWork
from actions.trainer.scenarios import ScenarioError, library
from server import identity

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
STATIC_DIR = PACKAGE_DIR / "static"
WEBCHAT_BUNDLE = REPO_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"

PAGE_TITLE = "廉政情景训练"
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

WEBCHAT_MISSING = (
    "聊天组件未安装：找不到 node_modules/rasa-webchat/lib/index.js。\n"
    "请在项目根目录运行 `make run`（会先用 npm 安装 package.json 中的 rasa-webchat 1.0.1），然后刷新页面。\n"
)
LIBRARY_BROKEN = "场景库暂时无法加载，请联系培训管理员（运行 python -m actions.trainer.validate 可查看原因）。"


def content_security_policy(rasa_port: int) -> str:
    """Only our own assets; the socket may go to the Rasa port of whatever host served the page.

    This also keeps the widget's built-in Google Fonts @import from leaving the machine.
    """
    socket_sources = " ".join(f"{scheme}://*:{rasa_port}" for scheme in ("http", "https", "ws", "wss"))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # the widget injects its stylesheet as <style> elements at run time
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {socket_sources}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def scenario_rows() -> List[Dict[str, Any]]:
    """The scenario list as the page shows it; ``number`` is what the officer types to start."""
    return [
        {
            "number": number,
            "id": s.id,
            "title": s.title,
            "kind": s.kind,
            "kind_label": s.kind_label,
            "persona": {"name": s.persona.name, "relation": s.persona.relation},
            "briefing": s.briefing(),
        }
        for number, s in enumerate(library(), 1)
    ]


def _validators(modified: float) -> Dict[str, str]:
    return {"Cache-Control": "no-cache", "Last-Modified": email.utils.formatdate(int(modified), usegmt=True)}


def _not_modified(request: Request, modified: float) -> bool:
    since = request.headers.get("If-Modified-Since")
    if not since:
        return False
    try:
        return int(email.utils.parsedate_to_datetime(since).timestamp()) >= int(modified)
    except (TypeError, ValueError):
        return False  # an unparsable date: just send the file


async def _send_file(request: Request, path: Path, content_type: str) -> HTTPResponse:
    """A file with Last-Modified, answering If-Modified-Since with 304; clients revalidate each time."""
    modified = path.stat().st_mtime
    if _not_modified(request, modified):
        return HTTPResponse(status=304, headers=_validators(modified))
    return await file(str(path), mime_type=content_type, headers=_validators(modified))


# The bundle's stylesheets @import the Inter font from Google Fonts. Officers' machines
# may have no internet and the page loads nothing from outside (the CSP would block it
# anyway, noisily): drop the import and let practice.css set Chinese fonts.
_REMOTE_FONT_IMPORT = re.compile(rb"@import url\(https://fonts\.googleapis\.com/[^)]*\);")


@functools.lru_cache(maxsize=2)
def _webchat_source(path: str, _mtime: float) -> bytes:
    return _REMOTE_FONT_IMPORT.sub(b"", Path(path).read_bytes())


def _static_path(name: str) -> Optional[Path]:
    if not _STATIC_NAME.match(name) or Path(name).suffix not in STATIC_TYPES:
        return None
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR.resolve() or not path.is_file():
        return None
    return path


SIGN_IN_FAILED = "警号或密码不正确，或练习链接已失效。请重试，或向教官索取新的练习链接。"


def officer_from_credentials(body: Dict[str, Any]) -> Optional[identity.Officer]:
    invite = body.get("invite")
    if isinstance(invite, str) and invite:
        return identity.verify(invite, audience=identity.INVITE_AUDIENCE)
    officer_id, password = body.get("officer_id"), body.get("password")
    if not isinstance(officer_id, str) or not isinstance(password, str) or not officer_id or len(password) > 200:
        return None
    with UnitOfWork() as s:
        row = accounts.authenticate_officer(s, officer_id.strip(), password)
        if row is None:
            return None
        unit = row.unit.name if row.unit is not None else None
        return identity.Officer(row.id, row.display_name, unit, bool(row.pseudonymous))


def blueprint() -> Blueprint:
    bp = Blueprint("practice")

    @bp.get("/")
    async def page(request: Request) -> HTTPResponse:
        rasa_port = request.app.ctx.rasa_port
        body = request.app.ctx.templates.get_template("practice.html").render(
            page_title=PAGE_TITLE, rasa_port=rasa_port
        )
        return html(body, headers={"Content-Security-Policy": content_security_policy(rasa_port),
                                   "Cache-Control": "no-cache"})

    @bp.get("/api/scenarios")
    async def scenarios(_request: Request) -> HTTPResponse:
        try:
            # Loading parses YAML on first use or after a change: keep it off the event loop.
            rows = await asyncio.get_running_loop().run_in_executor(None, scenario_rows)
        except ScenarioError:
            logger.exception("scenario library failed to load")
            return json({"error": LIBRARY_BROKEN}, status=503, ensure_ascii=False)
        return json(rows, ensure_ascii=False, headers={"Cache-Control": "no-cache"})

    @bp.post("/api/session")
    async def session(request: Request) -> HTTPResponse:
        """A chat token for the officer: by account (id + password) or by a coordinator's practice link."""
        body = request.json if isinstance(request.json, dict) else {}
        officer = await asyncio.get_running_loop().run_in_executor(None, officer_from_credentials, body)
        if officer is None:
            return json({"error": SIGN_IN_FAILED}, status=401, ensure_ascii=False)
        token = identity.issue(officer)
        return json({"token": token, "officer": {"id": officer.id, "name": officer.name or officer.id,
                                                 "unit": officer.unit}}, ensure_ascii=False)

    # A static route wins over the dynamic one below, whatever the order.
    @bp.get("/static/webchat.js")
    async def webchat_bundle(request: Request) -> HTTPResponse:
        if not WEBCHAT_BUNDLE.is_file():
            logger.error("rasa-webchat bundle missing at %s; run `make run` (npm install)", WEBCHAT_BUNDLE)
            return text(WEBCHAT_MISSING, status=503)
        modified = WEBCHAT_BUNDLE.stat().st_mtime
        if _not_modified(request, modified):
            return HTTPResponse(status=304, headers=_validators(modified))
        body = _webchat_source(str(WEBCHAT_BUNDLE), modified)
        return HTTPResponse(body, headers=_validators(modified), content_type=STATIC_TYPES[".js"])

    @bp.get("/static/<name:str>")
    async def static(request: Request, name: str) -> HTTPResponse:
        path = _static_path(name)
        if path is None:
            return text("找不到该文件。", status=404)
        return await _send_file(request, path, STATIC_TYPES[path.suffix])

    return bp
