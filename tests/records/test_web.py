"""The console and the officer's page over HTTP, from the real web app: authorisation, CSRF, escaping, exports.

Anonymous users get nothing; an officer reaches only their own sessions, by page, JSON
or CSV, and never the console; a coordinator's changes need a CSRF token; transcript
text is escaped; every view, change and export is in the audit log.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from actions.records import accounts
from actions.records.db import session_factory
from actions.records.models import Annotation, AuditEntry
from actions.records.uow import UnitOfWork
from tests.records.conftest import (
    GIVE_IN, SECRET, Client, firm_replies, make_coordinator, make_officer, play, web_app,
)

pytestmark = pytest.mark.e2e

MARKUP_REPLY = '<script>window.__x=1</script><img src=x onerror="alert(1)">不行，这个我不能收，请拿回去。'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One web app over one SQLite database: officers A and B, a coordinator, sessions played for real."""
    from actions.records import db
    from actions.records.migrate import upgrade

    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'records.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRAINER_DATABASE_URL", url)
        make_coordinator("wang", "coach-password")
        make_officer("o-a", "张警官", "交警一中队", password="officer-a-pass")
        make_officer("o-b", "李警官", "交警二中队", password="officer-b-pass")
        ids = {
            "a": play("o-a", "favour_red_light", firm_replies("favour_red_light")),
            "a_markup": play("o-a", "gift_banquet", [MARKUP_REPLY], end=True),
            "b": play("o-b", "gift_shopping_card", [GIVE_IN]),
        }
        with web_app(url, tmp) as base:
            yield {"base": base, "ids": ids, "url": url}
        db.engine_for(url).dispose()


def client(site) -> Client:
    return Client(site["base"])


def signed_in(site, role: str) -> Client:
    c = client(site)
    user, password = {"coordinator": ("wang", "coach-password"), "a": ("o-a", "officer-a-pass"),
                      "b": ("o-b", "officer-b-pass")}[role]
    reply = c.sign_in("coordinator" if role == "coordinator" else "officer", user, password)
    assert reply.status == 302, reply.body[:500]
    return c


def _audit(site, **where) -> list:
    with UnitOfWork(session_factory(site["url"])) as s:
        stmt = select(AuditEntry)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return list(s.execute(stmt).scalars())


def test_anonymous_users_get_nothing(site):
    c = client(site)
    sid = site["ids"]["a"]
    for path in ("/console", "/console/sessions", f"/console/sessions/{sid}", "/console/review", "/console/dashboard",
                 "/console/audit"):
        r = c.get(path)
        assert r.status == 302 and r.headers["Location"].startswith("/console/login?next="), path
    for path in ("/me", f"/me/sessions/{sid}"):
        r = c.get(path)
        assert r.status == 302 and r.headers["Location"].startswith("/me/login"), path
    for path in ("/console/export/sessions.csv", "/console/export/turns.csv", "/console/export/xapi.json",
                 f"/console/api/sessions/{sid}", "/me/api/sessions", f"/me/api/sessions/{sid}", "/me/export/sessions.csv"):
        r = c.get(path)
        assert r.status == 401 and r.json() == {"error": "请先登录。"}, path
        assert "依法" not in r.body
    r = c.post(f"/console/sessions/{sid}/annotate", {"kind": "comment", "comment": "x"})
    assert r.status == 302  # to the sign-in page, nothing stored


def test_a_forged_or_foreign_cookie_is_anonymous(site):
    import time

    c = client(site)
    forged = accounts.sign({"r": "coordinator", "u": "wang", "pw": "x", "n": "n", "exp": time.time() + 600},
                           b"not the secret")
    right_key_wrong_pw = accounts.sign({"r": "coordinator", "u": "wang", "pw": "0" * 16, "n": "n",
                                        "exp": time.time() + 600}, SECRET.encode())
    for token in (forged, right_key_wrong_pw, "garbage"):
        r = c.get("/console/sessions", headers={"Cookie": f"trainer_session={token}"})
        assert r.status == 302 and "/console/login" in r.headers["Location"]


def test_an_officer_sees_only_their_own_sessions(site):
    a = signed_in(site, "a")
    own, other = site["ids"]["a"], site["ids"]["b"]
    home = a.get("/me")
    assert home.status == 200 and own in home.body and other not in home.body
    assert a.get(f"/me/sessions/{own}").status == 200
    # Another officer's session answers exactly like one that does not exist.
    for path in (f"/me/sessions/{other}", f"/me/api/sessions/{other}", "/me/sessions/0123456789abcdef"):
        r = a.get(path)
        assert r.status == 404 and "李警官" not in r.body and GIVE_IN not in r.body, path
    listed = a.get("/me/api/sessions").json()
    assert {row["id"] for row in listed["sessions"]} == {site["ids"]["a"], site["ids"]["a_markup"]}
    assert all(row["officer_id"] == "o-a" for row in listed["sessions"])
    exported = list(csv.DictReader(io.StringIO(a.get("/me/export/sessions.csv").body.lstrip("\ufeff"))))
    assert {row["session_id"] for row in exported} == {site["ids"]["a"], site["ids"]["a_markup"]}
    # Filters in the query string cannot widen the scope.
    widened = a.get("/me/export/sessions.csv?officer=o-b").body
    assert other not in widened
    denied = _audit(site, action="view_denied", actor="officer:o-a")
    assert {e.target for e in denied} >= {f"session:{other}"}


def test_an_officer_cannot_reach_the_console(site):
    a = signed_in(site, "a")
    for path in ("/console/sessions", f"/console/sessions/{site['ids']['a']}", "/console/dashboard", "/console/review"):
        r = a.get(path)
        assert r.status == 403 and "无权" in r.body, path
    for path in ("/console/export/sessions.csv", "/console/export/xapi.json", f"/console/api/sessions/{site['ids']['b']}"):
        r = a.get(path)
        assert r.status == 403 and r.json()["error"], path
    token = a.csrf("/me")  # even with the officer's own valid token
    r = a.post(f"/console/sessions/{site['ids']['a']}/annotate",
               {"kind": "override", "score": "100", "reason": "自己改", "csrf_token": token})
    assert r.status == 403
    coordinator = signed_in(site, "coordinator")
    assert coordinator.get("/me").status == 403


def test_wrong_passwords_are_refused_and_throttled(site):
    c = client(site)
    for _ in range(5):
        assert c.sign_in("coordinator", "wang-typo", "wrong-password").status == 401
    r = c.sign_in("coordinator", "wang-typo", "wrong-password")
    assert r.status == 429 and "过多" in r.body
    assert c.sign_in("officer", "o-a", "officer-b-pass").status == 401  # B's password does not open A
    failed = _audit(site, action="sign_in_failed")
    assert any(e.actor == "coordinator:wang-typo" for e in failed)


def test_changes_need_the_csrf_token_of_the_session(site):
    c = signed_in(site, "coordinator")
    sid = site["ids"]["b"]
    form = {"kind": "comment", "comment": "没有令牌的评语"}
    assert c.post(f"/console/sessions/{sid}/annotate", form).status == 403
    other = signed_in(site, "coordinator")
    stolen = other.csrf(f"/console/sessions/{sid}")  # another sign-in's token
    assert c.post(f"/console/sessions/{sid}/annotate", {**form, "csrf_token": stolen}).status == 403
    token = c.csrf(f"/console/sessions/{sid}")
    r = c.post(f"/console/sessions/{sid}/annotate", {**form, "csrf_token": token},
               headers={"Origin": "http://evil.example"})
    assert r.status == 403
    with UnitOfWork(session_factory(site["url"])) as s:
        assert not s.execute(select(Annotation).where(Annotation.comment == "没有令牌的评语")).first()


def test_the_transcript_escapes_replies_and_highlights_evidence(site):
    c = signed_in(site, "coordinator")
    r = c.get(f"/console/sessions/{site['ids']['a_markup']}")
    assert r.status == 200
    assert "<script>window.__x" not in r.body and "<img src=x" not in r.body
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in r.body
    assert re.search(r'<mark class="ev ev-move ev-refusal"[^>]*>[^<]*不[^<]*</mark>', r.body)
    assert "script-src" not in r.headers["Content-Security-Policy"]  # default-src 'none': no script runs
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
    firm = c.get(f"/console/sessions/{site['ids']['a']}")
    assert firm.body.count('<mark class="ev') >= 4 and "指南参考回答" in firm.body


def test_override_comment_dashboard_and_exports(site):
    c = signed_in(site, "coordinator")
    sid = site["ids"]["b"]
    before = c.get("/console/dashboard").body
    assert re.search(r'data-scenario="gift_shopping_card">.*?<td class="rate">0%</td>', before, re.S)
    token = c.csrf(f"/console/sessions/{sid}")
    r = c.post(f"/console/sessions/{sid}/annotate",
               {"kind": "override", "score": "72", "reason": "复核：对方误解", "csrf_token": token})
    assert r.status == 302 and "done=override" in r.headers["Location"]
    bad = c.post(f"/console/sessions/{sid}/annotate",
                 {"kind": "override", "score": "72", "reason": " ", "csrf_token": token})
    assert bad.status == 302 and "error=" in bad.headers["Location"]
    turn_id = c.get(f"/console/api/sessions/{sid}").json()["turns"][0]["id"]
    r = c.post(f"/console/sessions/{sid}/annotate",
               {"kind": "comment", "turn_id": str(turn_id), "comment": "第一句就要明确拒绝。", "csrf_token": token})
    assert r.status == 302
    detail = c.get(f"/console/api/sessions/{sid}").json()
    assert (detail["total_score"], detail["override_score"], detail["effective_score"], detail["effective_passed"]) == (
        detail["total_score"], 72, 72, True)
    assert detail["turns"][0]["notes"][0]["comment"] == "第一句就要明确拒绝。"
    after = c.get("/console/dashboard").body
    assert re.search(r'data-scenario="gift_shopping_card">.*?<td class="rate">100%</td>', after, re.S)

    sessions = list(csv.DictReader(io.StringIO(c.get("/console/export/sessions.csv").body.lstrip("\ufeff"))))
    row = next(x for x in sessions if x["session_id"] == sid)
    assert (row["score"], row["override_score"], row["passed"], row["officer_name"]) == ("72", "72", "1", "李警官")
    turns = list(csv.DictReader(io.StringIO(c.get("/console/export/turns.csv?officer=o-b").body.lstrip("\ufeff"))))
    assert [t["reply"] for t in turns] == [GIVE_IN]
    statements = c.get("/console/export/xapi.json?officer=o-b").json()
    assert [st["verb"]["id"].rsplit("/", 1)[1] for st in statements] == ["answered", "passed"]
    assert statements[1]["result"]["score"]["scaled"] == 0.72

    b = signed_in(site, "b")
    page = b.get(f"/me/sessions/{sid}").body
    assert "第一句就要明确拒绝。" in page and "复核：对方误解" in page and ">72<" in page

    actions = {(e.action, e.target) for e in _audit(site, actor="coordinator:wang")}
    assert {("override", f"session:{sid}"), ("comment", f"turn:{turn_id}"), ("view", f"session:{sid}"),
            ("export", "sessions.csv"), ("export", "turns.csv"), ("export", "xapi.json"),
            ("view", "dashboard")} <= actions
    audit_page = c.get("/console/audit")
    assert audit_page.status == 200 and "改分" in audit_page.body


def test_the_review_queue_and_confirming_a_score(site):
    c = signed_in(site, "coordinator")
    page = c.get("/console/review")
    assert page.status == 200
    turn_ids = re.findall(r'name="turn_id" value="(\d+)"', page.body)
    if not turn_ids:
        pytest.skip("no borderline turn in the seeded sessions")
    token = c.csrf("/console/review")
    sid = re.search(rf'/console/sessions/(\w+)#turn-{turn_ids[0]}', page.body).group(1)
    r = c.post(f"/console/sessions/{sid}/annotate",
               {"kind": "confirm", "turn_id": turn_ids[0], "back": "review", "csrf_token": token})
    assert r.status == 302 and r.headers["Location"] == "/console/review"
    assert f'name="turn_id" value="{turn_ids[0]}"' not in c.get("/console/review").body


def test_signing_out_ends_the_session(site):
    c = signed_in(site, "coordinator")
    token = c.csrf("/console/sessions")
    assert c.post("/console/logout", {"csrf_token": token}).status == 302
    assert c.get("/console/sessions").status == 302


def test_a_coordinator_issues_a_practice_link_that_signs_the_officer_in(site):
    import urllib.parse

    from server import identity as chat_identity

    c = signed_in(site, "coordinator")
    assert c.post("/console/links", {"officer_id": "0451", "name": "张警官", "hours": "24"}).status == 403  # no CSRF
    token = c.csrf("/console/links")
    r = c.post("/console/links", {"officer_id": "0451", "name": "张警官", "unit": "交警一中队", "hours": "24",
                                  "csrf_token": token})
    assert r.status == 200
    url = re.search(r'<textarea[^>]*id="link-url">([^<]+)</textarea>', r.body).group(1)
    invite = urllib.parse.parse_qs(urllib.parse.urlparse(url.replace("&amp;", "&")).query)["invite"][0]
    key = SECRET.encode()  # the web app under test signs with the fixture's secret
    assert chat_identity.verify(invite, audience=chat_identity.INVITE_AUDIENCE, key=key) == chat_identity.Officer(
        "0451", "张警官", "交警一中队")
    assert _audit(site, action="issue_link", target="officer:0451")
    anon = c.post("/console/links", {"officer_id": "", "name": "", "unit": "", "hours": "72",
                                     "csrf_token": c.csrf("/console/links")})
    url = re.search(r'id="link-url">([^<]+)<', anon.body).group(1)
    officer = chat_identity.verify(urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["invite"][0],
                                   audience=chat_identity.INVITE_AUDIENCE, key=key)
    assert officer.pseudonymous and officer.id.startswith("anon-")
    assert signed_in(site, "a").get("/console/links").status in (302, 403)  # officers cannot issue links
