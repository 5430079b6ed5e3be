"""want matches: each want is told once of each offer that fits it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:10:00

Until now the wants told of an offer were read back from the notifications' JSON params,
which no index serves and which a race between two publications could miss. The matches
already told are copied from those notifications.

"""
import sqlalchemy as sa
from alembic import op

import market.platform.types

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('want_matches',
    sa.Column('want_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('told_at', market.platform.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_want_matches_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['want_id'], ['wants.id'], name=op.f('fk_want_matches_want_id_wants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('want_id', 'offer_id', name=op.f('pk_want_matches'))
    )
    with op.batch_alter_table('want_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_want_matches_offer_id'), ['offer_id'], unique=False)
    notifications = sa.table("notifications", sa.column("kind", sa.String),
                             sa.column("params", sa.JSON), sa.column("created_at"))
    want_id = notifications.c.params["want_id"].as_integer()
    offer_id = notifications.c.params["offer_id"].as_integer()
    told = (sa.select(want_id, offer_id, sa.func.min(notifications.c.created_at))
            .where(notifications.c.kind == "want_match",
                   want_id.in_(sa.select(sa.column("id")).select_from(sa.table("wants"))),
                   offer_id.in_(sa.select(sa.column("id")).select_from(sa.table("offers"))))
            .group_by(want_id, offer_id))
    op.execute(sa.insert(sa.table("want_matches", sa.column("want_id"),
                                  sa.column("offer_id"), sa.column("told_at")))
               .from_select(["want_id", "offer_id", "told_at"], told))


def downgrade():
    with op.batch_alter_table('want_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_want_matches_offer_id'))
    op.drop_table('want_matches')
