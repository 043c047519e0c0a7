"""PostgreSQL access: the connection pool, migrations and the report state store."""

from shared.db.pool import create_pool

__all__ = ["create_pool"]
