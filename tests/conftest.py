"""Shared fixtures: a fresh records database per test (SQLite file in tmp_path)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Chat tokens and console cookies are signed with this; the stacks the tests start inherit it.
os.environ.setdefault("TRAINER_SECRET_KEY", "test-only-secret-not-for-production")


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    """A migrated, empty SQLite records database, made the default for this test."""
    from actions.records import db
    from actions.records.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'records.db'}"
    upgrade(url)
    monkeypatch.setenv("TRAINER_DATABASE_URL", url)
    yield url
    db.engine_for(url).dispose()
