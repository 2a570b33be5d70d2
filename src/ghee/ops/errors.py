"""What stops an operation on a whole installation; the CLI prints the message."""

from __future__ import annotations


class OperationRefused(Exception):
    """The operation cannot go ahead; the message says why and what to do instead."""


class CopyFailed(Exception):
    """The target refused a row; nothing was kept on PostgreSQL (one transaction), and the message names the table."""
