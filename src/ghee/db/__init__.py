"""Storage: the schema, the engine and the migrations."""
