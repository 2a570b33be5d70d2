"""Alembic environment: ghee always hands it an open connection (see ghee.db.migrate)."""

from alembic import context

from ghee.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    msg = "run migrations with `ghee migrate`, which supplies the connection"
    raise RuntimeError(msg)

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
