"""Likeness keys of usernames stored as 64-bit integers, keyed by the hash.

``link_likeness`` kept each key's whole blind index (64 hex characters) under three B-trees (the
rowid table, the primary key on identifier then hash, and an index on the hash): about fifteen
rows per username, the fastest-growing linking table. ``link_likeness_keys`` keeps the first 64
bits of the same digest, keyed by hash then identifier (SQLite: without a rowid table), with an
index on the identifier for erasure. Existing keys are converted, not recomputed (no key is
needed to migrate).

Downgrading recreates the old table empty: ``jigsaw link rebuild --reclassify`` fills it again.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_BATCH = 50_000


def _hash(hex_digest: str) -> int:
    return int.from_bytes(bytes.fromhex(hex_digest[:16]), "big", signed=True)


def upgrade() -> None:
    op.create_table(
        'link_likeness_keys',
        sa.Column('key_hash', sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column('identifier_id', sa.Integer(), nullable=False, autoincrement=False),
        sa.ForeignKeyConstraint(['identifier_id'], ['identifiers.id'],
                                name=op.f('fk_link_likeness_keys_identifier_id_identifiers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key_hash', 'identifier_id', name=op.f('pk_link_likeness_keys')),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            "INSERT INTO link_likeness_keys (key_hash, identifier_id) "
            "SELECT DISTINCT ('x' || substr(key_hash, 1, 16))::bit(64)::bigint, identifier_id FROM link_likeness")
    else:
        # In pages of the old primary key, so memory stays bounded however many keys there are.
        after: tuple[int, str] = (-1, "")
        while True:
            rows = bind.exec_driver_sql(
                "SELECT identifier_id, key_hash FROM link_likeness WHERE (identifier_id, key_hash) > (?, ?) "
                "ORDER BY identifier_id, key_hash LIMIT ?", (*after, _BATCH)).fetchall()
            if not rows:
                break
            bind.exec_driver_sql("INSERT OR IGNORE INTO link_likeness_keys (key_hash, identifier_id) VALUES (?, ?)",
                                 sorted({(_hash(key), ident) for ident, key in rows}))
            after = (rows[-1][0], rows[-1][1])
    op.create_index(op.f('ix_link_likeness_keys_identifier_id'), 'link_likeness_keys', ['identifier_id'],
                    unique=False)
    op.drop_index(op.f('ix_link_likeness_key_hash'), table_name='link_likeness')
    op.drop_table('link_likeness')


def downgrade() -> None:
    op.create_table(
        'link_likeness',
        sa.Column('identifier_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['identifier_id'], ['identifiers.id'],
                                name=op.f('fk_link_likeness_identifier_id_identifiers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('identifier_id', 'key_hash', name=op.f('pk_link_likeness')),
    )
    op.create_index(op.f('ix_link_likeness_key_hash'), 'link_likeness', ['key_hash'], unique=False)
    op.drop_index(op.f('ix_link_likeness_keys_identifier_id'), table_name='link_likeness_keys')
    op.drop_table('link_likeness_keys')
