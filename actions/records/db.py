"""Database engine from the environment, with an embedded default.

``TRAINER_DATABASE_URL`` selects the database (PostgreSQL in production, e.g.
``postgresql+psycopg2://trainer:…@db/trainer``); without it the records live in a
SQLite file under ``var/``. Engines are created on first use, never at import.
"""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Dict, Optional

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = f"sqlite:///{REPO_ROOT / 'var' / 'trainer.db'}"


class DatabaseUnavailable(RuntimeError):
    """The records database cannot be reached; training must not continue off the record."""


def database_url() -> str:
    return os.environ.get("TRAINER_DATABASE_URL") or DEFAULT_URL


def make_engine(url: Optional[str] = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A pool (SQLAlchemy 1.4 defaults to none for SQLite files): opening a connection and
        # setting the pragmas on every unit of work cost ~10 % of the action server's time.
        if not path or path == ":memory:":  # one connection, or each would see its own empty database
            return create_engine(url, future=True, poolclass=StaticPool, connect_args={"check_same_thread": False})
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=10,
                               connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL survives a process crash; only an OS crash or power cut can lose the
            # last commits. Production runs on PostgreSQL (README, "Beyond one machine").
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            record.info["inode"] = _inode(path)

        @event.listens_for(engine, "checkout")
        def _same_file(_dbapi_conn, record, _proxy):
            # A pooled connection keeps the file it opened. If the database file was moved,
            # deleted or replaced (a restore), writing on would put records where nobody looks:
            # drop the connection; the pool opens the path afresh, and a missing database then
            # fails loudly (the officer is told, the turn is scored later).
            if record.info.get("inode") != _inode(path):
                raise exc.DisconnectionError("the SQLite database file changed under the connection")

        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _inode(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


_SQLITE_WRITERS: Dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def writer_lock(engine: Engine) -> Optional[threading.Lock]:
    """The in-process lock that serialises transactions on a SQLite file, None for other databases.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
    growing steps (up to 100 ms) instead of waking when the lock is free. Under load that sleeping
    was most of a scored turn's database time. Threads of one process queue on this lock instead
    and go in the moment it is released. (Several processes on one SQLite file still meet in the
    busy handler: deployments beyond one process use PostgreSQL.)

    A plain lock, not an RLock: a unit of work may be entered and left on different worker
    threads (the console's streamed exports do that).
    """
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url)
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(key, threading.Lock())


@functools.lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def default_engine() -> Engine:
    return engine_for(database_url())


@functools.lru_cache(maxsize=4)
def session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=engine_for(url), future=True, expire_on_commit=False)


def check_connection(engine: Optional[Engine] = None) -> None:
    """Raise DatabaseUnavailable with a clear message when the database cannot be used."""
    engine = engine or default_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means the same to the user
        raise DatabaseUnavailable(
            f"训练记录数据库无法连接（{engine.url.render_as_string(hide_password=True)}）：{exc.__class__.__name__}: {exc}"
        ) from exc
