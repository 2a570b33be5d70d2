"""Build analytics: rollups kept as builds finish, metrics read from them, exports (CSV, JSON, PNG)."""
