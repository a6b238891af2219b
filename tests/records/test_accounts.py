"""Accounts: scrypt hashes, sign-in checks, signed tokens, the secret key file and the commands."""
from __future__ import annotations

import io
import os
import stat
import time

import pytest

from actions.records import accounts
from actions.records.models import Coordinator, Officer
from actions.records.uow import UnitOfWork


def test_passwords_are_salted_scrypt_hashes():
    one, two = accounts.hash_password("correct horse"), accounts.hash_password("correct horse")
    assert one.startswith("scrypt$") and one != two and "correct" not in one
    assert accounts.verify_password("correct horse", one) and accounts.verify_password("correct horse", two)
    assert not accounts.verify_password("correct hors", one)
    assert not accounts.verify_password("x", "garbage") and not accounts.verify_password("x", None)
    with pytest.raises(accounts.AccountError):
        accounts.hash_password("short")


def test_tokens_are_signed_and_expire():
    key = b"k" * 32
    token = accounts.sign({"r": "coordinator", "u": "wang", "exp": time.time() + 60}, key)
    assert accounts.unsign(token, key)["u"] == "wang"
    body, mac = token.split(".")
    forged = accounts.sign({"r": "coordinator", "u": "admin", "exp": time.time() + 60}, b"other key")
    assert accounts.unsign(forged, key) is None
    assert accounts.unsign(forged.split(".")[0] + "." + mac, key) is None
    assert accounts.unsign(token, key, now=time.time() + 120) is None
    assert accounts.unsign("nonsense", key) is None and accounts.unsign(None, key) is None


def test_the_secret_key_is_generated_once_with_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("TRAINER_SECRET_KEY", raising=False)
    path = tmp_path / "var" / "secret_key"
    key = accounts.secret_key(path)
    assert len(key) == 64 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert accounts.secret_key(path) == key
    monkeypatch.setenv("TRAINER_SECRET_KEY", "from-env")
    assert accounts.secret_key(path) == b"from-env"


def test_authentication(records_url):
    with UnitOfWork() as s:
        accounts.create_coordinator(s, "wang", "coach-password", "王教官")
        accounts.create_officer(s, "o-1", "张警官", "一中队", password="officer-password")
        accounts.create_officer(s, "o-2", "李警官", "一中队")  # no password: cannot sign in
    with UnitOfWork() as s:
        assert accounts.authenticate_coordinator(s, "wang", "coach-password").display_name == "王教官"
        assert accounts.authenticate_coordinator(s, "wang", "wrong-password") is None
        assert accounts.authenticate_coordinator(s, "nobody", "coach-password") is None
        assert accounts.authenticate_officer(s, "o-1", "officer-password").unit.name == "一中队"
        assert accounts.authenticate_officer(s, "o-2", "") is None
        assert accounts.authenticate_officer(s, "wang", "coach-password") is None  # roles do not mix


def test_the_account_commands_read_the_password_from_stdin(records_url, monkeypatch, capsys):
    from tools import manage

    monkeypatch.setattr("sys.stdin", io.StringIO("coach-password\n"))
    assert manage.main(["create-coordinator", "wang", "--name", "王教官"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("officer-password\n"))
    assert manage.main(["create-officer", "o-1", "--name", "张警官", "--unit", "一中队", "--password"]) == 0
    assert manage.main(["create-officer", "o-2", "--name", "学员乙", "--pseudonymous"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert manage.main(["create-coordinator", "li", "--name", "李"]) == 2
    assert "至少" in capsys.readouterr().err
    with UnitOfWork() as s:
        assert accounts.verify_password("coach-password", s.get(Coordinator, "wang").password_hash)
        assert accounts.verify_password("officer-password", s.get(Officer, "o-1").password_hash)
        assert s.get(Officer, "o-2").pseudonymous and s.get(Officer, "o-2").password_hash is None
        assert s.get(Coordinator, "li") is None
