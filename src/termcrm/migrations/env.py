"""Alembic environment: migrations run on a connection termcrm hands over.

termcrm runs migrations itself (``termcrm.migrations.upgrade``) inside one
transaction on a connection it prepared; the ``alembic`` command line is
supported for development through ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def _target_metadata():  # type: ignore[no-untyped-def]
    from termcrm.models import report_tables, schema

    return [schema.load_all(), report_tables.metadata]


def run() -> None:
    """Run the pending migrations on the handed-over connection (or a new one)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=_target_metadata(),
            render_as_batch=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=_target_metadata(), render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
