"""reference data per KI: towns served and picked from the NRW list, the KI's languages and
varieties, topics per KI

Revision ID: 0012_reference
Revises: 0011_operator
Create Date: 2026-12-03 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_reference'
down_revision = '0011_operator'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('town', sa.Column('served', sa.Boolean(), server_default=sa.text('true'), nullable=False))
    op.add_column('town', sa.Column('municipality_key', sa.String(length=8), nullable=True))

    op.create_table('ki_language',
    sa.Column('ki_id', sa.Integer(), nullable=False),
    sa.Column('language_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_ki_language_ki_id_ki'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['language_id'], ['language.id'], name=op.f('fk_ki_language_language_id_language'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ki_id', 'language_id', name=op.f('pk_ki_language'))
    )
    op.create_index('ix_ki_language_language_id', 'ki_language', ['language_id'], unique=False)
    op.create_table('language_variety',
    sa.Column('language_id', sa.Integer(), nullable=False),
    sa.Column('ki_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['ki_id'], ['ki.id'], name=op.f('fk_language_variety_ki_id_ki')),
    sa.ForeignKeyConstraint(['language_id'], ['language.id'], name=op.f('fk_language_variety_language_id_language'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('language_id', name=op.f('pk_language_variety')),
    sa.UniqueConstraint('ki_id', 'name', name=op.f('uq_language_variety_ki_id_name'))
    )
    op.create_index('ix_language_variety_ki_id', 'language_variety', ['ki_id'], unique=False)
    # Every KI keeps offering what it offered: all languages of the catalogue.
    op.execute('INSERT INTO ki_language (ki_id, language_id) SELECT ki.id, language.id FROM ki, language')

    _topics_per_ki()


def _rebuild_topic(change):
    """Change the topic table: plain ALTERs on PostgreSQL; on SQLite, which cannot alter
    constraints, batch mode builds the table anew with the same ids (migrations/env.py runs the
    migrations there with foreign keys off, so helper_topic and help_request keep their rows,
    and checks every reference before committing)."""
    with op.batch_alter_table('topic') as batch_op:
        change(batch_op)


def _topics_per_ki():
    """Each KI gets its own copy of the topics: the oldest KI keeps the existing rows, the others
    get copies, and each KI's requests and helpers point at its own."""
    bind = op.get_bind()
    op.add_column('topic', sa.Column('ki_id', sa.Integer(), nullable=True))
    kis = list(bind.execute(sa.text('SELECT id FROM ki ORDER BY id')).scalars())
    if kis:
        bind.execute(sa.text('UPDATE topic SET ki_id = :ki'), {'ki': kis[0]})
    else:
        bind.execute(sa.text('DELETE FROM topic'))
    topics = list(bind.execute(sa.text('SELECT id, code, name, active FROM topic ORDER BY id')).mappings())

    def change(batch_op):
        batch_op.drop_constraint('uq_topic_code', type_='unique')
        batch_op.alter_column('ki_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(op.f('fk_topic_ki_id_ki'), 'ki', ['ki_id'], ['id'])
        batch_op.create_unique_constraint(op.f('uq_topic_ki_id_code'), ['ki_id', 'code'])
        batch_op.create_index('ix_topic_ki_id', ['ki_id'], unique=False)

    _rebuild_topic(change)
    for ki in kis[1:]:
        for topic in topics:
            new_id = bind.execute(
                sa.text(
                    'INSERT INTO topic (ki_id, code, name, active) VALUES (:ki, :code, :name, :active) RETURNING id'
                ),
                {'ki': ki, 'code': topic['code'], 'name': topic['name'], 'active': topic['active']},
            ).scalar()
            _repoint(bind, ki, topic['id'], new_id)


def _repoint(bind, ki, old_id, new_id):
    bind.execute(
        sa.text('UPDATE help_request SET topic_id = :new WHERE topic_id = :old AND ki_id = :ki'),
        {'new': new_id, 'old': old_id, 'ki': ki},
    )
    bind.execute(
        sa.text(
            'UPDATE helper_topic SET topic_id = :new WHERE topic_id = :old'
            ' AND helper_id IN (SELECT id FROM helper_profile WHERE ki_id = :ki)'
        ),
        {'new': new_id, 'old': old_id, 'ki': ki},
    )


def downgrade():
    bind = op.get_bind()
    # One row per code again: the lowest id stays, the others' references move to it. A topic a
    # KI added (a code only it has) stays as it is.
    rows = list(bind.execute(sa.text('SELECT id, code FROM topic ORDER BY id')).mappings())
    keep = {}
    for row in rows:
        kept = keep.setdefault(row['code'], row['id'])
        if kept != row['id']:
            bind.execute(sa.text('UPDATE help_request SET topic_id = :new WHERE topic_id = :old'), {'new': kept, 'old': row['id']})
            bind.execute(
                sa.text(
                    'UPDATE helper_topic SET topic_id = :new WHERE topic_id = :old'
                    ' AND helper_id NOT IN (SELECT helper_id FROM helper_topic WHERE topic_id = :new)'
                ),
                {'new': kept, 'old': row['id']},
            )
            bind.execute(sa.text('DELETE FROM helper_topic WHERE topic_id = :old'), {'old': row['id']})
            bind.execute(sa.text('DELETE FROM topic WHERE id = :old'), {'old': row['id']})

    def change(batch_op):
        batch_op.drop_index('ix_topic_ki_id')
        batch_op.drop_constraint(op.f('uq_topic_ki_id_code'), type_='unique')
        batch_op.drop_constraint(op.f('fk_topic_ki_id_ki'), type_='foreignkey')
        batch_op.drop_column('ki_id')
        batch_op.create_unique_constraint(op.f('uq_topic_code'), ['code'])

    _rebuild_topic(change)

    op.drop_index('ix_language_variety_ki_id', table_name='language_variety')
    op.drop_table('language_variety')
    op.drop_index('ix_ki_language_language_id', table_name='ki_language')
    op.drop_table('ki_language')
    op.drop_column('town', 'municipality_key')
    op.drop_column('town', 'served')
