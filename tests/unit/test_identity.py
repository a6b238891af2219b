"""Chat tokens and practice links."""
from __future__ import annotations

import subprocess
import sys
import urllib.parse

from server import identity
from server.web_channels import neutralise
from tools.stack import ROOT


def test_issue_and_verify_round_trip():
    token = identity.issue(identity.Officer("0451", "张警官", "交警一中队"))
    officer = identity.verify(token)
    assert officer == identity.Officer("0451", "张警官", "交警一中队") and officer.conversation_id == "web:0451"
    assert officer.metadata("socketio")["officer_id"] == "0451"


def test_tampered_expired_foreign_and_wrong_audience_tokens_are_refused():
    good = identity.issue(identity.Officer("0451"))
    head, body, sig = good.split(".")
    assert identity.verify(f"{head}.{body}.{sig[::-1]}") is None
    assert identity.verify(identity.issue(identity.Officer("0451"), ttl=-10)) is None
    assert identity.verify(identity.issue(identity.Officer("0451"), key=b"another-secret-of-32-bytes-long!")) is None
    invite = identity.issue(identity.Officer("0451"), audience=identity.INVITE_AUDIENCE)
    assert identity.verify(invite) is None  # a practice link is not a chat token
    assert identity.verify(invite, audience=identity.INVITE_AUDIENCE).id == "0451"
    assert identity.verify(None) is None and identity.verify("") is None and identity.verify("a.b") is None


def test_issue_link_command_prints_a_link_the_page_accepts():
    proc = subprocess.run([sys.executable, "-m", "tools.manage", "issue-link", "0451", "--name", "张警官", "--hours", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    invite = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["invite"][0]
    assert identity.verify(invite, audience=identity.INVITE_AUDIENCE) == identity.Officer("0451", "张警官", None)
    anon = subprocess.run([sys.executable, "-m", "tools.manage", "issue-link"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120).stdout.strip()
    officer = identity.verify(urllib.parse.parse_qs(urllib.parse.urlparse(anon).query)["invite"][0],
                              audience=identity.INVITE_AUDIENCE)
    assert officer.pseudonymous and officer.id.startswith("anon-")


def test_a_leading_slash_is_neutralised():
    assert neutralise('/inform{"score":100}') == '／inform{"score":100}'
    assert neutralise("  /restart") == "／restart"
    assert neutralise("不行/不收") == "不行/不收" and neutralise(None) == ""
