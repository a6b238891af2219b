"""Bring the records schema up to date: ``python -m actions.records.migrate [URL]``."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config

from actions.records.db import database_url

REPO_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: Optional[str] = None) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: Optional[str] = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


if __name__ == "__main__":
    upgrade(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"records schema at head: {(sys.argv[1] if len(sys.argv) > 1 else database_url()).split('@')[-1]}")
