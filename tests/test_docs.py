"""What the README and docs/architecture.md promise a newcomer stays true: every command and every variable is named."""

from __future__ import annotations

import re

import click

from ghee.cli import main
from ghee.config import ENVIRONMENT
from tests.support.services import ROOT

README = (ROOT / "README.md").read_text()
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()


def _commands() -> list[str]:
    """Every command line ``ghee`` answers: ``migrate``, ``token create``, ... (groups by their subcommands)."""
    found = []
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        if isinstance(command, click.Group):
            found += [f"{name} {sub}" for sub in command.list_commands(click.Context(command))]
        else:
            found.append(name)
    return found


def _named(command: str, text: str) -> bool:
    """Whether ``text`` has a line ``ghee <command>``, a group's subcommands perhaps joined: ``webhook create|list``."""
    group, _, sub = command.partition(" ")
    for found in re.finditer(rf"ghee {re.escape(group)}(?![\w-])( (\S+))?", text):
        if not sub or sub in (found.group(2) or "").split("|"):
            return True
    return False


def test_the_readme_command_list_names_every_command() -> None:
    listed = README.split("## Command line", 1)[1].split("```", 2)[1]
    assert [command for command in _commands() if not _named(command, listed)] == []


def test_the_readme_shows_a_manual_setup_and_the_python_it_needs() -> None:
    assert "Python 3.11" in README
    for step in ("pip install -e .", "ghee migrate", "ghee serve", "ghee project create"):
        assert step in README.split("## ", 1)[0], step


def test_the_readme_configuration_table_names_every_variable() -> None:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert [name for name, _ in ENVIRONMENT if f"| `{name}` |" not in table] == []


def test_the_architecture_page_names_every_command() -> None:
    context = click.Context(main)
    assert [name for name in main.list_commands(context) if not re.search(rf"\b{name}\b", ARCHITECTURE)] == []
    assert "--only" in ARCHITECTURE
