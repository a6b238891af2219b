"""Coordinator and officer accounts: scrypt password hashes and signed session tokens.

Standard library only. A password hash reads ``scrypt$n$r$p$salt$hash`` (base64),
so the cost can be raised later without invalidating stored hashes. Session tokens
are ``payload.signature`` with an HMAC-SHA256 over the payload, keyed by the secret
from ``TRAINER_SECRET_KEY`` or, without it, a key generated once into
``var/secret_key`` (mode 0600).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any, Dict, Optional

from sqlalchemy.orm import Session

from actions.records import repository as repo
from actions.records.models import Coordinator, Officer

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_FILE = REPO_ROOT / "var" / "secret_key"
MIN_PASSWORD = 8
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
_SCRYPT_MAXMEM = 64 * 1024 * 1024


class AccountError(ValueError):
    """An account that cannot be created as asked; the message is for the person at the keyboard."""


# -- passwords ---------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位。")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, maxmem=_SCRYPT_MAXMEM, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: Optional[str]) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt((password or "").encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=_SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(12))


def password_fingerprint(stored: str) -> str:
    """Changes when the password does: a token carrying it dies with the old password."""
    return hashlib.sha256(stored.encode()).hexdigest()[:16]


# -- accounts ----------------------------------------------------------------------------
def create_coordinator(s: Session, username: str, password: str, display_name: str) -> Coordinator:
    """Create a coordinator, or reset the password and name of an existing one."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise AccountError("用户名不能为空，且不超过 64 个字符。")
    row = s.get(Coordinator, username)
    if row is None:
        row = Coordinator(username=username, password_hash=hash_password(password),
                          display_name=(display_name or username).strip()[:100])
        s.add(row)
    else:
        row.password_hash = hash_password(password)
        row.display_name = (display_name or row.display_name).strip()[:100]
    s.flush()
    return row


def create_officer(
    s: Session, officer_id: str, display_name: str, unit: Optional[str] = None,
    password: Optional[str] = None, pseudonymous: bool = False,
) -> Officer:
    """Create or update an officer; with a password the officer can sign in to /me."""
    officer_id = (officer_id or "").strip()
    if not officer_id or len(officer_id) > 64:
        raise AccountError("警员编号不能为空，且不超过 64 个字符。")
    officer = repo.ensure_officer(s, officer_id, display_name, unit, pseudonymous=pseudonymous)
    if password is not None:
        officer.password_hash = hash_password(password)
    s.flush()
    return officer


def authenticate_coordinator(s: Session, username: str, password: str) -> Optional[Coordinator]:
    row = s.get(Coordinator, (username or "").strip()) if username else None
    if row is None:
        verify_password(password, _dummy_hash())  # same work either way: no user enumeration by timing
        return None
    return row if verify_password(password, row.password_hash) else None


def authenticate_officer(s: Session, officer_id: str, password: str) -> Optional[Officer]:
    row = s.get(Officer, (officer_id or "").strip()) if officer_id else None
    if row is None or not row.password_hash:
        verify_password(password, _dummy_hash())
        return None
    return row if verify_password(password, row.password_hash) else None


# -- the signing secret and tokens -------------------------------------------------------
def secret_key(path: Path = SECRET_FILE) -> bytes:
    """TRAINER_SECRET_KEY, or a random key generated once into ``path`` with 0600 permissions."""
    env = os.environ.get("TRAINER_SECRET_KEY")
    if env:
        return env.encode()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def sign(payload: Dict[str, Any], key: bytes) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def unsign(token: Optional[str], key: bytes, now: Optional[float] = None) -> Optional[Dict[str, Any]]:
    """The payload of a token signed with ``key`` and not expired (``exp``), else None."""
    if not token or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    if not hmac.compare_digest(hmac.new(key, body.encode(), hashlib.sha256).hexdigest(), mac):
        return None
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(payload, dict) or float(payload.get("exp", 0)) < (now or time.time()):
        return None
    return payload


def derive(key: bytes, purpose: str, value: str) -> str:
    """A value bound to the secret and a purpose (CSRF tokens, pseudonyms)."""
    return hmac.new(key, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()
