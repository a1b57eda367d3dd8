"""Alembic environment: migrations run on a connection handed in by ``storage.migrate``."""

from __future__ import annotations

from alembic import context

from storage import engagement_models, kbot_models  # noqa: F401  (registers kbot's tables)
from storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
