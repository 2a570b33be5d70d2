"""``LazyGroup``: a click group whose commands kept in other modules are imported only when one of them runs."""

from __future__ import annotations

import importlib

import click

from ghee.config import SettingsError


class LazyGroup(click.Group):
    """A group whose commands kept in other modules are imported only when one of them runs."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = lazy  # name -> ("module:attribute", the summary --help shows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._lazy])

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a ``GHEE_*`` variable ghee cannot use, or a domain error, is one line and exit status 1."""
        from ghee.errors import DomainError

        try:
            return super().invoke(ctx)
        except (SettingsError, DomainError) as exc:
            raise click.ClickException(str(exc)) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._lazy:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self._lazy[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            if name in self._lazy:
                rows.append((name, click.Command(name, help=self._lazy[name][1]).get_short_help_str(limit)))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)
