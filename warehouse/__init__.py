"""The DuckDB warehouse: schema migrations, views, batched writes. Imports no other project package."""
from warehouse.batch import write_rows
from warehouse.db import DEFAULT_DB, connect, migrate, refresh_views, schema_version
from warehouse.ids import url_id

__all__ = ["DEFAULT_DB", "connect", "migrate", "refresh_views", "schema_version", "url_id", "write_rows"]
