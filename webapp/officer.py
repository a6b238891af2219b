"""The officer's own page, under ``/me``: their sessions, scores and their coaches' comments.

Every query here is scoped to the signed-in officer (``SessionFilter.only_officer``);
a session of someone else answers 404, exactly like one that does not exist, so
that an officer cannot even learn which session ids are taken. Sign-in and the
session cookie are the console's (webapp/console.py), with the officer role.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, redirect

from actions.records import queries
from actions.records import repository as repo
from webapp.console import (
    Identity,
    Throttle,
    _private_headers,
    csv_chunks,
    handle_login,
    handle_logout,
    identity,
    in_db,
    login_page,
    page_links,
    progress_lines,
    refuse,
    render,
    requires,
    scenario_titles,
    session_json,
    stream_export,
)

NOT_FOUND = "找不到该训练记录。"
OFFICER_SESSION_COLUMNS = tuple(c for c in queries.SESSION_COLUMNS if c not in ("officer_name", "comments"))


def own_filter(ident: Identity, args: Optional[Dict[str, Any]] = None) -> queries.SessionFilter:
    f = queries.SessionFilter.from_args(args or {})
    f.officer = f.unit = ""
    f.only_officer = ident.user
    return f


def own_session(s, ident: Identity, session_id: str) -> Optional[Dict[str, Any]]:
    """The session if it is the officer's own, else None (and the attempt is audited)."""
    detail = queries.session_detail(s, session_id)
    if detail is None or detail["officer_id"] != ident.user:
        repo.audit(s, ident.actor, "view_denied", f"session:{session_id}")
        return None
    repo.audit(s, ident.actor, "view", f"session:{session_id}")
    # Confirmations are the coaches' bookkeeping; the officer sees comments and score changes.
    for holder in [detail, *detail["turns"]]:
        holder["notes"] = [n for n in holder["notes"] if n["comment"] or n["score_override"] is not None]
    return detail


def _home(s, ident: Identity, page_no: Any) -> Dict[str, Any]:
    f = own_filter(ident)
    result = queries.list_sessions(s, f, page_no)
    repo.audit(s, ident.actor, "view", "me", {"page": result.page})
    return {"result": result, "progress": queries.officer_progress(s, ident.user)}


def blueprint() -> Blueprint:
    bp = Blueprint("officer", url_prefix="/me")
    throttle = Throttle()

    @bp.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        ident = await identity(request)
        if ident is not None and ident.role == "officer":
            return redirect("/me")
        return login_page(request, role="officer")

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        return await handle_login(request, throttle, role="officer")

    @bp.post("/logout")
    async def logout(request: Request) -> HTTPResponse:
        return await handle_logout(request, role="officer")

    @bp.get("/")
    @requires("officer")
    async def home(request: Request, ident: Identity) -> HTTPResponse:
        data = await in_db(_home, ident, request.args.get("page"))
        titles = scenario_titles()
        return render(request, "console/me.html", ident, result=data["result"], titles=titles,
                      progress=progress_lines(data["progress"], titles),
                      pages=page_links("/me", {}, data["result"]))

    @bp.get("/sessions/<session_id:str>")
    @requires("officer")
    async def session(request: Request, ident: Identity, session_id: str) -> HTTPResponse:
        detail = await in_db(own_session, ident, session_id)
        if detail is None:
            return refuse(request, 404, NOT_FOUND)
        return render(request, "console/me_session.html", ident, s=detail, titles=scenario_titles())

    @bp.get("/api/sessions")
    @requires("officer")
    async def sessions_api(request: Request, ident: Identity) -> HTTPResponse:
        data = await in_db(_home, ident, request.args.get("page"))
        result = data["result"]
        return json(session_json({"sessions": result.rows, "total": result.total, "page": result.page}),
                    ensure_ascii=False, headers=_private_headers())

    @bp.get("/api/sessions/<session_id:str>")
    @requires("officer")
    async def session_api(request: Request, ident: Identity, session_id: str) -> HTTPResponse:
        detail = await in_db(own_session, ident, session_id)
        if detail is None:
            return refuse(request, 404, NOT_FOUND)
        return json(session_json(detail), ensure_ascii=False, headers=_private_headers())

    @bp.get("/export/sessions.csv")
    @requires("officer")
    async def export_sessions(request: Request, ident: Identity) -> HTTPResponse:
        f = own_filter(ident, request.args)
        return await stream_export(
            request, lambda s: csv_chunks(OFFICER_SESSION_COLUMNS, queries.session_export_rows(s, f)),
            content_type="text/csv; charset=utf-8", filename="my-training.csv",
            audit=(ident.actor, "export", "me/sessions.csv", {"filters": f.to_args()}))

    return bp
