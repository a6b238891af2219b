"""coach overrides, officer accounts, analytics columns and indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

- officers.password_hash: officers who may sign in to their own page (/me);
- sessions: override_score, effective_score/effective_passed (what analytics read),
  anonymised_at (retention);
- turns: missing moves, move/missing/red-line bit masks (fast analytics), override_score;
- annotations.previous_score; indexes for the console's lists and dashboards.

Existing rows are backfilled: effective = the machine's score, masks from the JSON.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Frozen copies of actions.records.models' bit maps: a migration must not change
# meaning when the code does.
MOVE_BITS = {m: 1 << i for i, m in enumerate(
    ("refusal", "legal_basis", "courtesy", "formal_channel", "warning", "record_report", "recusal"))}
RED_LINE_BITS = {r: 1 << i for i, r in enumerate(("accept", "half_accept", "promise", "defer", "leak", "abusive"))}
CORE_MOVES = ("refusal", "legal_basis", "courtesy")


def upgrade() -> None:
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_officers_unit', ['unit_id'], unique=False)

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('override_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('effective_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('effective_passed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))
        batch_op.drop_index('ix_sessions_scenario')
        batch_op.create_index('ix_sessions_scenario_started', ['scenario_id', 'started_at'], unique=False)
        batch_op.create_index('ix_sessions_started', ['started_at'], unique=False)

    with op.batch_alter_table('turns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('moves_mask', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('missing_mask', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('red_mask', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('override_score', sa.Integer(), nullable=True))
        batch_op.create_index('ix_turns_created', ['created_at'], unique=False)

    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_score', sa.Integer(), nullable=True))
        batch_op.create_index('ix_annotations_turn', ['turn_id'], unique=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_actor_at', ['actor', 'at'], unique=False)

    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    sessions = sa.table('training_sessions', sa.column('ended_at', sa.DateTime()),
                        sa.column('total_score', sa.Integer()), sa.column('passed', sa.Boolean()),
                        sa.column('effective_score', sa.Integer()), sa.column('effective_passed', sa.Boolean()))
    bind.execute(sessions.update().where(sessions.c.ended_at.isnot(None)).values(
        effective_score=sessions.c.total_score, effective_passed=sessions.c.passed))

    turns = sa.table('turns', sa.column('id', sa.Integer()), sa.column('moves', sa.JSON()),
                     sa.column('red_lines', sa.JSON()), sa.column('missing', sa.JSON()),
                     sa.column('moves_mask', sa.Integer()), sa.column('missing_mask', sa.Integer()),
                     sa.column('red_mask', sa.Integer()))
    rows = bind.execute(sa.select(turns.c.id, turns.c.moves, turns.c.red_lines)).fetchall()
    for row in rows:
        moves = row.moves or {}
        shown = [m for m, on in moves.items() if on]
        # 0001 did not keep the stage's expected moves: count the three every reply needs.
        missing = [m for m in CORE_MOVES if not moves.get(m)]
        bind.execute(turns.update().where(turns.c.id == row.id).values(
            missing=missing,
            moves_mask=sum(MOVE_BITS[m] for m in shown if m in MOVE_BITS),
            missing_mask=sum(MOVE_BITS[m] for m in missing),
            red_mask=sum(RED_LINE_BITS[r] for r in set(row.red_lines or []) if r in RED_LINE_BITS),
        ))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Dropping a column makes SQLite copy the table, drop it and rename the copy: with
        # foreign keys enforced the drop fails (officers) or cascades (sessions → turns).
        # The pragma only works outside a transaction, which is where a downgrade starts.
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_actor_at')
        batch_op.drop_index('ix_audit_at')

    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_index('ix_annotations_turn')
        batch_op.drop_column('previous_score')

    with op.batch_alter_table('turns', schema=None) as batch_op:
        batch_op.drop_index('ix_turns_created')
        batch_op.drop_column('override_score')
        batch_op.drop_column('red_mask')
        batch_op.drop_column('missing_mask')
        batch_op.drop_column('moves_mask')
        batch_op.drop_column('missing')

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_started')
        batch_op.drop_index('ix_sessions_scenario_started')
        batch_op.create_index('ix_sessions_scenario', ['scenario_id'], unique=False)
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('effective_passed')
        batch_op.drop_column('effective_score')
        batch_op.drop_column('override_score')

    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_index('ix_officers_unit')
        batch_op.drop_column('password_hash')
