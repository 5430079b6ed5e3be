"""offers, wants, questions, favourites; the offers' full-text index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:13:02

PostgreSQL searches a generated tsvector (French and English configurations over unaccent,
title weighted over description) through a GIN index; SQLite an FTS5 table whose rowid is
the offer's id, filled by market.offers.search_index with Snowball stems.

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('currency_share', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('reach', sa.String(length=16), nullable=False),
    sa.Column('radius_km', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('share_min', sa.Integer(), nullable=True),
    sa.Column('share_max', sa.Integer(), nullable=True),
    sa.Column('has_images', sa.Boolean(), nullable=False),
    sa.Column('reminded_7_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_1_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind <> 'share' OR (share_min IS NOT NULL AND share_min >= 1)", name=op.f('ck_offers_share_has_minimum')),
    sa.CheckConstraint("kind IN ('product', 'service', 'share')", name=op.f('ck_offers_kind_valid')),
    sa.CheckConstraint("reach <> 'local' OR radius_km IS NOT NULL", name=op.f('ck_offers_local_has_radius')),
    sa.CheckConstraint("reach IN ('local', 'regional', 'national', 'europe')", name=op.f('ck_offers_reach_valid')),
    sa.CheckConstraint("status IN ('draft', 'published', 'paused', 'expired', 'archived')", name=op.f('ck_offers_status_valid')),
    sa.CheckConstraint('currency_share BETWEEN 0 AND 100', name=op.f('ck_offers_currency_share_range')),
    sa.CheckConstraint('latitude IS NULL OR latitude BETWEEN -90 AND 90', name=op.f('ck_offers_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR longitude BETWEEN -180 AND 180', name=op.f('ck_offers_longitude_range')),
    sa.CheckConstraint('price_minor >= 0', name=op.f('ck_offers_price_not_negative')),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_offers_quantity_not_negative')),
    sa.CheckConstraint('radius_km IS NULL OR radius_km BETWEEN 1 AND 300', name=op.f('ck_offers_radius_range')),
    sa.CheckConstraint('share_max IS NULL OR share_max >= share_min', name=op.f('ck_offers_share_max_over_min')),
    sa.CheckConstraint('valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from', name=op.f('ck_offers_validity_ordered')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_offers_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_latitude_longitude', ['latitude', 'longitude'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_sector_code'), ['sector_code'], unique=False)
        batch_op.create_index('ix_offers_status_published_at', ['status', 'published_at'], unique=False)
        batch_op.create_index('ix_offers_status_valid_until', ['status', 'valid_until'], unique=False)

    op.create_table('wants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=False),
    sa.Column('sector_code', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('reach', sa.String(length=16), nullable=False),
    sa.Column('radius_km', sa.Integer(), nullable=True),
    sa.Column('budget_minor', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reach IN ('local', 'regional', 'national', 'europe')", name=op.f('ck_wants_reach_valid')),
    sa.CheckConstraint('budget_minor IS NULL OR budget_minor >= 0', name=op.f('ck_wants_budget_not_negative')),
    sa.CheckConstraint('radius_km IS NULL OR radius_km BETWEEN 1 AND 300', name=op.f('ck_wants_radius_range')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_wants_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wants_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wants'))
    )
    with op.batch_alter_table('wants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wants_member_id'), ['member_id'], unique=False)

    op.create_table('favourites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('starred_member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(offer_id IS NULL) <> (starred_member_id IS NULL)', name=op.f('ck_favourites_one_target')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_favourites_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_favourites_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['starred_member_id'], ['members.id'], name=op.f('fk_favourites_starred_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_favourites'))
    )
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.create_index('uq_favourites_member', ['member_id', 'starred_member_id'], unique=True)
        batch_op.create_index('uq_favourites_offer', ['member_id', 'offer_id'], unique=True)

    op.create_table('offer_currencies',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_currencies_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'currency', name=op.f('pk_offer_currencies'))
    )
    with op.batch_alter_table('offer_currencies', schema=None) as batch_op:
        batch_op.create_index('ix_offer_currencies_currency', ['currency'], unique=False)

    op.create_table('offer_delivery_methods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('radius_km', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('fee_kind', sa.String(length=16), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("fee_kind <> 'fixed' OR fee_minor IS NOT NULL", name=op.f('ck_offer_delivery_methods_fixed_has_fee')),
    sa.CheckConstraint("fee_kind IN ('free', 'fixed', 'quoted')", name=op.f('ck_offer_delivery_methods_fee_kind_valid')),
    sa.CheckConstraint("kind <> 'delivery_radius' OR radius_km IS NOT NULL", name=op.f('ck_offer_delivery_methods_radius_delivery_has_radius')),
    sa.CheckConstraint("kind IN ('pickup', 'delivery_radius', 'delivery_region')", name=op.f('ck_offer_delivery_methods_kind_valid')),
    sa.CheckConstraint('fee_minor IS NULL OR fee_minor >= 0', name=op.f('ck_offer_delivery_methods_fee_not_negative')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_delivery_methods_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_delivery_methods'))
    )
    with op.batch_alter_table('offer_delivery_methods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_delivery_methods_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position BETWEEN 0 AND 5', name=op.f('ck_offer_images_position_range')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_images_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_images')),
    sa.UniqueConstraint('key', name=op.f('uq_offer_images_key'))
    )
    with op.batch_alter_table('offer_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_images_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_offer_questions_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_questions_offer_id_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_offer_questions_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_questions'))
    )
    with op.batch_alter_table('offer_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_questions_offer_id'), ['offer_id'], unique=False)

    create_search_index()


PG_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE (its dictionary could change); a generated column needs an
    # IMMUTABLE function, and naming the dictionary explicitly makes this one safe to be.
    "CREATE OR REPLACE FUNCTION intercoop_unaccent(text) RETURNS text LANGUAGE sql "
    "IMMUTABLE PARALLEL SAFE STRICT AS "
    "$$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
    "ALTER TABLE offers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('french'::regconfig, intercoop_unaccent(title)), 'A') || "
    "setweight(to_tsvector('english'::regconfig, intercoop_unaccent(title)), 'A') || "
    "setweight(to_tsvector('french'::regconfig, intercoop_unaccent(description)), 'B') || "
    "setweight(to_tsvector('english'::regconfig, intercoop_unaccent(description)), 'B')"
    ") STORED",
    "CREATE INDEX ix_offers_search ON offers USING gin (search_vector)",
]
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE offers_fts USING fts5(french, english, "
    "tokenize = 'unicode61 remove_diacritics 2')",
]


def create_search_index():
    """The full-text index of each database."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_INDEX if postgres else SQLITE_INDEX:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_offers_search")
        op.execute("ALTER TABLE offers DROP COLUMN IF EXISTS search_vector")
        op.execute("DROP FUNCTION IF EXISTS intercoop_unaccent(text)")
    else:
        op.execute("DROP TABLE IF EXISTS offers_fts")
    with op.batch_alter_table('offer_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_questions_offer_id'))

    op.drop_table('offer_questions')
    with op.batch_alter_table('offer_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_images_offer_id'))

    op.drop_table('offer_images')
    with op.batch_alter_table('offer_delivery_methods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_delivery_methods_offer_id'))

    op.drop_table('offer_delivery_methods')
    with op.batch_alter_table('offer_currencies', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_currencies_currency')

    op.drop_table('offer_currencies')
    with op.batch_alter_table('favourites', schema=None) as batch_op:
        batch_op.drop_index('uq_favourites_offer')
        batch_op.drop_index('uq_favourites_member')

    op.drop_table('favourites')
    with op.batch_alter_table('wants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wants_member_id'))

    op.drop_table('wants')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_status_valid_until')
        batch_op.drop_index('ix_offers_status_published_at')
        batch_op.drop_index(batch_op.f('ix_offers_sector_code'))
        batch_op.drop_index(batch_op.f('ix_offers_region'))
        batch_op.drop_index(batch_op.f('ix_offers_member_id'))
        batch_op.drop_index('ix_offers_latitude_longitude')

    op.drop_table('offers')
