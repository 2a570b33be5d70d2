"""Jenkins: a client for its remote API and the sync that mirrors jobs and builds into ghee."""
