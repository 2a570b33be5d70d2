"""Helpers the suites share: everything a test imports that is not a fixture."""
