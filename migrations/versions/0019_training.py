"""training: issue 18 (training courses: modules, dates, sign-ups with a waiting list, attendance)

Revision ID: 0019_training
Revises: 0018_safeguarding
Create Date: 2026-12-04 09:16:50.786082

New tables only; nothing existing changes.
"""
import sqlalchemy as sa
from alembic import op

import ki_match.db


# revision identifiers, used by Alembic.
revision = '0019_training'
down_revision = '0018_safeguarding'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ki_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.SmallInteger(), nullable=False),
    sa.Column('qualifies', sa.Boolean(), nullable=False),
    sa.Column('created_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacity BETWEEN 1 AND 500', name=op.f('ck_training_course_capacity_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_training_course_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_training_course_ki_id_ki')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_course'))
    )
    with op.batch_alter_table('training_course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_course_ki_id'), ['ki_id'], unique=False)

    op.create_table('training_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_course.id'], name=op.f('fk_training_module_course_id_training_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_module')),
    sa.UniqueConstraint('course_id', 'name', name=op.f('uq_training_module_course_id_name'))
    )
    op.create_table('training_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('registered', 'waiting', 'cancelled', name='training_signup_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('signed_up_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', ki_match.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['training_course.id'], name=op.f('fk_training_signup_course_id_training_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['helper_id'], ['helper_profile.id'], name=op.f('fk_training_signup_helper_id_helper_profile'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_signup')),
    sa.UniqueConstraint('course_id', 'helper_id', name=op.f('uq_training_signup_course_id_helper_id'))
    )
    with op.batch_alter_table('training_signup', schema=None) as batch_op:
        batch_op.create_index('ix_training_signup_helper_id', ['helper_id'], unique=False)

    op.create_table('training_date',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_training_date_ends_after_start')),
    sa.ForeignKeyConstraint(['course_id'], ['training_course.id'], name=op.f('fk_training_date_course_id_training_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['training_module.id'], name=op.f('fk_training_date_module_id_training_module'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_date'))
    )
    with op.batch_alter_table('training_date', schema=None) as batch_op:
        batch_op.create_index('ix_training_date_course_starts', ['course_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_date_module_id'), ['module_id'], unique=False)

    op.create_table('training_attendance',
    sa.Column('date_id', sa.Integer(), nullable=False),
    sa.Column('helper_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', ki_match.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['date_id'], ['training_date.id'], name=op.f('fk_training_attendance_date_id_training_date'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['helper_id'], ['helper_profile.id'], name=op.f('fk_training_attendance_helper_id_helper_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_training_attendance_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('date_id', 'helper_id', name=op.f('pk_training_attendance'))
    )
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendance_helper_id'), ['helper_id'], unique=False)



def downgrade():
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendance_helper_id'))

    op.drop_table('training_attendance')
    with op.batch_alter_table('training_date', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_date_module_id'))
        batch_op.drop_index('ix_training_date_course_starts')

    op.drop_table('training_date')
    with op.batch_alter_table('training_signup', schema=None) as batch_op:
        batch_op.drop_index('ix_training_signup_helper_id')

    op.drop_table('training_signup')
    op.drop_table('training_module')
    with op.batch_alter_table('training_course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_course_ki_id'))

    op.drop_table('training_course')
