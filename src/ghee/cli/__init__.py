"""The ``ghee`` command: thin wrappers that parse arguments and call the core.

Each command imports what it needs when it runs, and the commands that live
elsewhere (``worker``, ``backup``, ...) load only when called, so ``ghee
--help`` and a mistyped command answer without loading the database layer.

This module holds the root group and the list of its commands; each command,
or group of commands, is in the module of this package named for it.
"""

from __future__ import annotations

import click

from ghee.cli import analytics, demo, migrate, projects, serve, sync, tokens, users, webhooks
from ghee.cli.git_pushes import _GIT_ELSEWHERE, git
from ghee.cli.lazy_group import LazyGroup
from ghee.cli.serve import served_address
from ghee.config import ENVIRONMENT

__all__ = ["_ELSEWHERE", "_GIT_ELSEWHERE", "git", "main", "served_address"]

_ELSEWHERE = {  # the summaries are the commands' own (tests/test_cli.py keeps them so)
    "worker": (
        "ghee.worker:worker_command",
        "Run the background loops (webhooks, retention, publishing, Jenkins sync, dispatch, follow) until SIGTERM.",
    ),
    "backup": (
        "ghee.ops.commands:backup_command",
        "Copy the SQLite database (while ghee serve runs), its media and key file to PATH.",
    ),
    "restore": (
        "ghee.ops.commands:restore_command",
        "Replace the SQLite database, media and key file with the backup at PATH, then migrate it.",
    ),
    "migrate-data": (
        "ghee.ops.commands:migrate_data_command",
        "Move every row from one database to an empty one, then compare them table by table.",
    ),
    "p4": (
        "ghee.integrations.perforce.commands:p4_command",
        "Send Perforce changes to ghee: a change-commit trigger, its spool, a history import.",
    ),
}


def _environment_help() -> str:
    width = max(len(name) for name, _ in ENVIRONMENT)
    lines = "\n".join(f"  {name:<{width}}  {summary}" for name, summary in ENVIRONMENT)
    return f"\b\nEnvironment variables (read once when a command starts):\n{lines}"


@click.group(cls=LazyGroup, lazy=_ELSEWHERE, epilog=_environment_help())
@click.version_option(package_name="ghee")
def main() -> None:
    """ghee: a self-hosted build, release and content hub.

    Start with `ghee migrate` (creates the database GHEE_DATABASE_URL names),
    then `ghee serve`; `ghee demo` fills an empty database with a demo studio.
    """


main.add_command(migrate.migrate)
main.add_command(serve.serve)
main.add_command(tokens.token)
main.add_command(users.user)
main.add_command(projects.project)
main.add_command(demo.demo)
main.add_command(webhooks.webhook)
main.add_command(sync.sync)
main.add_command(analytics.analytics)
main.add_command(git)
