"""Chat tokens: who an officer is, signed by the web app, checked by the Rasa channels.

A chat token is a JWT (HS256) with the officer's id in ``sub``, display name and unit,
for the audience ``trainer-chat``. The web app issues it after the officer signs in
(or redeems a coordinator's practice link); the Rasa server's web channels accept a
message only with a valid token, and take the conversation id from the token — never
from what the client sends. Both processes share the secret (TRAINER_SECRET_KEY, or
var/secret_key generated once), so any deployment can also mint tokens from its own
single sign-on with the same key.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import jwt

from actions.records.accounts import secret_key

AUDIENCE = "trainer-chat"
INVITE_AUDIENCE = "trainer-invite"
CHAT_TTL = 12 * 3600
ALGORITHM = "HS256"


@dataclass(frozen=True)
class Officer:
    id: str
    name: Optional[str] = None
    unit: Optional[str] = None
    pseudonymous: bool = False

    @property
    def conversation_id(self) -> str:
        """One conversation per officer on the web channels: nobody else can choose it."""
        return f"web:{self.id}"

    def metadata(self, channel: str) -> Dict[str, Any]:
        return {"officer_id": self.id, "officer_name": self.name, "officer_unit": self.unit,
                "pseudonymous": self.pseudonymous, "channel": channel}


def issue(officer: Officer, ttl: int = CHAT_TTL, audience: str = AUDIENCE, key: Optional[bytes] = None) -> str:
    now = int(time.time())
    claims = {"sub": officer.id, "name": officer.name, "unit": officer.unit, "pse": officer.pseudonymous,
              "aud": audience, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key or secret_key(), algorithm=ALGORITHM)


def verify(token: Optional[str], audience: str = AUDIENCE, key: Optional[bytes] = None) -> Optional[Officer]:
    """The officer a valid, unexpired token names; None for anything else."""
    if not token or not isinstance(token, str):
        return None
    try:
        claims = jwt.decode(token, key or secret_key(), algorithms=[ALGORITHM], audience=audience,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError:
        return None
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 64:
        return None
    return Officer(sub, claims.get("name"), claims.get("unit"), bool(claims.get("pse")))
