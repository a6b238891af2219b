"""Schema changes go through Alembic: from empty to head, back to base and up again, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from actions.records.migrate import downgrade, upgrade
from actions.records.models import Base

TABLES = {"officers", "units", "training_sessions", "turns", "annotations", "coordinators", "audit_log"}


def _tables(url):
    engine = create_engine(url, future=True)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _version(url):
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    finally:
        engine.dispose()


def test_upgrade_downgrade_and_upgrade_again_from_empty(empty_url):
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _tables(empty_url) == TABLES and _version(empty_url) == "0002"
    downgrade(empty_url, "base")
    assert _tables(empty_url) == set() and _version(empty_url) is None
    upgrade(empty_url)
    assert _tables(empty_url) == TABLES and _version(empty_url) == "0002"


def test_the_models_and_the_migrations_agree(empty_url):
    upgrade(empty_url)
    engine = create_engine(empty_url, future=True)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], "models.py and migrations/ differ: add a migration"


def test_0002_backfills_rows_written_under_0001(empty_url):
    upgrade(empty_url, "0001")
    engine = create_engine(empty_url, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO officers (id, display_name, pseudonymous, created_at) "
                              "VALUES ('o', '张', false, '2025-01-01')"))
            conn.execute(text(
                "INSERT INTO training_sessions (id, officer_id, conversation_id, scenario_id, scenario_version, "
                "scenario_kind, rubric_version, mode, channel, seed, started_at, ended_at, total_score, passed, "
                "red_line_hit) VALUES ('s1', 'o', 'c', 'gift_banquet', 1, 'gift', 'g1.l1', 'practice', 'web', 1, "
                "'2025-01-01', '2025-01-01', 72, true, false)"))
            conn.execute(text(
                'INSERT INTO turns (session_id, "index", stage, counterpart, reply, score, band, passed, moves, '
                "evidence, red_lines, feedback, model_answer, confidence, stance, created_at) VALUES ('s1', 0, "
                "'request', '来', '不行', 72, 3, true, '{\"refusal\": true, \"warning\": true}', '{}', "
                "'[\"abusive\"]', 'f', 'm', 0.9, 'firm', '2025-01-01')"))
        upgrade(empty_url)
        with engine.connect() as conn:
            eff = conn.execute(text("SELECT effective_score, effective_passed FROM training_sessions")).one()
            masks = conn.execute(text("SELECT moves_mask, missing_mask, red_mask FROM turns")).one()
        assert tuple(eff) == (72, True)
        # refusal (1) + warning (16); missing legal basis (2) + courtesy (4); abusive (32)
        assert tuple(masks) == (1 + 16, 2 + 4, 32)
        downgrade(empty_url, "0001")  # keeps the rows
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM turns")).scalar_one() == 1
    finally:
        engine.dispose()
