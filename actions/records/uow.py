"""Unit of work: one transaction; commit on success, roll back on error, always close."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session, sessionmaker

from actions.records.db import DatabaseUnavailable, database_url, session_factory, writer_lock

LOCK_TIMEOUT = 60.0  # seconds; SQLite's own busy timeout is 30 s per statement


class UnitOfWork:
    def __init__(self, factory: Optional[sessionmaker] = None):
        self._factory = factory or session_factory(database_url())
        self._lock = writer_lock(self._factory.kw["bind"])
        self.session: Optional[Session] = None

    def __enter__(self) -> Session:
        if self._lock is not None and not self._lock.acquire(timeout=LOCK_TIMEOUT):
            raise DatabaseUnavailable(f"训练记录数据库繁忙：{LOCK_TIMEOUT:.0f} 秒内未能开始事务")
        try:
            self.session = self._factory()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        return self.session

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            try:
                self.session.close()
            finally:
                if self._lock is not None:
                    self._lock.release()
