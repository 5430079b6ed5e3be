"""notifications shown to users, and the outbox of the emails that tell them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 10:00:00

A notification is a row per user; its email is an outbox row written in the same
transaction and sent after commit by market.notifications.mail.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

KINDS = ("order_requested", "order_changed", "question", "answer", "want_match",
         "offer_expiring")
STATUSES = ("pending", "sent", "failed")


def listed(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind IN ({listed(KINDS)})",
                           name=op.f('ck_notifications_kind_valid')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    op.create_index('ix_notifications_user_id_read_at', 'notifications',
                    ['user_id', 'read_at'])
    op.create_index('ix_notifications_user_id_id', 'notifications', ['user_id', 'id'])
    op.create_table(
        'outbox_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({listed(STATUSES)})",
                           name=op.f('ck_outbox_emails_status_valid')),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_emails_attempts_not_negative')),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'],
                                name=op.f('fk_outbox_emails_notification_id_notifications'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails')),
    )
    op.create_index(op.f('ix_outbox_emails_notification_id'), 'outbox_emails',
                    ['notification_id'])
    op.create_index('ix_outbox_emails_status_next_attempt_at', 'outbox_emails',
                    ['status', 'next_attempt_at'])


def downgrade():
    op.drop_index('ix_outbox_emails_status_next_attempt_at', table_name='outbox_emails')
    op.drop_index(op.f('ix_outbox_emails_notification_id'), table_name='outbox_emails')
    op.drop_table('outbox_emails')
    op.drop_index('ix_notifications_user_id_id', table_name='notifications')
    op.drop_index('ix_notifications_user_id_read_at', table_name='notifications')
    op.drop_table('notifications')
