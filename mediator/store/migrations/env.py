"""Alembic environment: async engines for SQLite and PostgreSQL; on PostgreSQL an advisory
lock keeps several instances starting at once from migrating concurrently."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from mediator.store.models import Base

config = context.config
target_metadata = Base.metadata
_LOCK_ID = 7_314_159


def _run(connection: Connection) -> None:
    is_pg = connection.dialect.name == "postgresql"
    if is_pg:
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({_LOCK_ID})")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if is_pg:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_ID})")
            connection.commit()


async def _run_async() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
