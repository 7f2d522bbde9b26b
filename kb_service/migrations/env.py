"""Alembic environment: migrations run against the connection `kb_service.db.migrate` passes."""

from alembic import context

from kb_service.db import Base
from kb_service.models import load_all

load_all()
target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    raise RuntimeError("run migrations through `spravka` (kb_service.db.migrate), not alembic")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
