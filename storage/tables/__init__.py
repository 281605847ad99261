"""The tables, one module per domain. storage.schema imports them all (for migrations)."""
