"""A SQL tracker store that refuses to run off the record.

Stock Rasa, when the tracker database is unreachable at start, retries forever or ends
up serving with an in-memory store; conversations then vanish on restart. Training
records decide careers: if the database cannot be reached within a few seconds at
start, this store logs why and stops the server (exit status 78, EX_CONFIG).
Configure it in endpoints.yml with ``type: server.tracker_store.CheckedSQLTrackerStore``
and the usual SQLTrackerStore keys.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, validate_port

logger = logging.getLogger(__name__)
EX_CONFIG = 78


class CheckedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain=None, dialect: Text = "sqlite", host: Optional[Text] = None, port: Optional[int] = None,
                 db: Text = "rasa.db", username: Text = None, password: Text = None,
                 event_broker=None, login_db: Optional[Text] = None, query: Optional[dict] = None,
                 **kwargs: Any) -> None:
        url = self.get_db_url(dialect, host, validate_port(port), db, username, password, login_db, query)
        check_reachable(url)
        super().__init__(domain, dialect, host, port, db, username, password, event_broker, login_db, query, **kwargs)
        if dialect == "sqlite":
            _sqlite_wal(self.engine)


def _sqlite_wal(engine) -> None:
    """The embedded default: write-ahead log, so readers never wait for the writer."""

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    engine.dispose()  # connections opened before the listener get the pragmas on reconnect


def check_reachable(url, timeout: int = 5) -> None:
    connect_args = {"connect_timeout": timeout} if str(url).startswith("postgresql") else {}
    engine = sa.create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means the same: no record
        message = (f"对话记录数据库无法连接，服务拒绝启动（不会退回内存存储）。"
                   f"tracker store unreachable: {engine.url.render_as_string(hide_password=True)}: {exc}")
        logger.critical(message)
        print(message, file=sys.stderr, flush=True)
        os._exit(EX_CONFIG)  # an exception here would be swallowed by Rasa's agent loader
    finally:
        engine.dispose()
