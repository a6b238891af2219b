"""Unit of work: one transaction; commit on success, roll back on error, always close."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session, sessionmaker

from actions.records.db import database_url, session_factory


class UnitOfWork:
    def __init__(self, factory: Optional[sessionmaker] = None):
        self._factory = factory or session_factory(database_url())
        self.session: Optional[Session] = None

    def __enter__(self) -> Session:
        self.session = self._factory()
        return self.session

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.session is not None
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
