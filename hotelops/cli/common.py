"""What every command shares: the global options, the database, and the two consoles.

Data goes to stdout (``out``), diagnostics and progress to stderr (``err``), so
``hotelops ... --json | jq`` always works. Rich honours ``NO_COLOR`` and plain pipes by itself.

Rich reads every str it prints, table cells and titles too, as markup. Text from the core, the
database, a file or an argument is printed as written: a ``literal`` cell, a ``Text.assemble`` line,
or ``rich.markup.escape``-d inside a line of markup; so ``[[room_types]]`` keeps its brackets and a
``[/b]`` in a file name is no ``MarkupError``. Neither console turns ``:name:`` into an emoji.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text
from sqlmodel import Session
from typer.core import TyperCommand, TyperGroup

from hotelops.core.auditlog import jsonable
from hotelops.core.config import LoadedConfig, database_target, load_config
from hotelops.core.db import Database, open_database
from hotelops.core.errors import InputError
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import parse_filter_date
from hotelops.core.models import Hotel

out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False)


def literal(value: str, style: str = "") -> Text:
    """``value`` as written (never read as markup), styled as ``[style]…[/]`` would style it."""
    return Text.assemble((value, style))


@dataclass
class AppState:
    """Global options (``hotelops --config ... --db ... --json -v``) and what they open."""

    config_path: Path | None = None
    db_override: str | None = None
    json: bool = False
    verbose: int = 0
    _config: LoadedConfig | None = field(default=None, repr=False)
    _db: Database | None = field(default=None, repr=False)

    @property
    def config(self) -> LoadedConfig:
        """The settings, loaded once (a bad file stops here with exit 2)."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def database(self, *, create: bool = False) -> Database:
        """The database named by ``--db``, ``$HOTELOPS_DATABASE_URL`` or the config.

        It must exist unless ``create``: only the commands that make a hotel (``init``,
        ``demo``, ``hotel import``) make a database; a mistyped path is refused, not created.
        """
        if self._db is None:
            settings = self.config.settings.database
            self._db = open_database(
                database_target(self.config, self.db_override),
                busy_timeout_ms=settings.busy_timeout_ms,
                create=create,
            )
        return self._db

    def hotel_code(self, given: str | None = None) -> str | None:
        """The hotel a command works on: ``--hotel``, else the config's office hotel."""
        return given or self.config.settings.office.hotel or None

    def hotel(self, session: Session, given: str | None = None) -> Hotel:
        """The hotel row a command works on (``hotel_code``), from an open session."""
        return get_hotel(session, self.hotel_code(given))

    def user(self) -> str:
        """Who is working: the config's office user, else the login name."""
        configured = self.config.settings.office.user
        if configured:
            return configured
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return os.environ.get("USER", "hotelops")

    def close(self) -> None:
        """Release the database connections."""
        if self._db is not None:
            self._db.dispose()
            self._db = None


#: The check-in range options of the listings that filter by arrival.
ArrivalFrom = Annotated[
    str | None, typer.Option("--arrival-from", metavar="DATE", help="Check-in on or after.")
]
ArrivalTo = Annotated[
    str | None, typer.Option("--arrival-to", metavar="DATE", help="Check-in on or before.")
]

#: ``ctx.meta`` key: the command a ``DefaultCommandGroup`` routed bare arguments to.
_ROUTED = "hotelops.routed"


class DefaultCommandGroup(TyperGroup):
    """A group whose bare arguments go to one of its commands (``approve 25`` runs
    ``approve decide 25``); ``route`` says which, or ``None``."""

    def route(self, args: list[str]) -> tuple[str, list[str]] | None:
        """The command and its arguments for a command line that names none."""
        return None

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        routed = None if args and args[0] in self.commands else self.route(args)
        if routed is not None:
            name, args = routed
            ctx.meta[_ROUTED] = name
            args = [name, *args]
        return super().parse_args(ctx, args)


class _RoutedContext(typer.Context):
    @property
    def command_path(self) -> str:
        # Usage errors name what the user typed (``hotelops approve``), not the routed command.
        if self.parent is not None and self.meta.get(_ROUTED) == self.info_name:
            return self.parent.command_path
        return super().command_path


class RoutedCommand(TyperCommand):
    """A command a ``DefaultCommandGroup`` may route to."""

    context_class = _RoutedContext


def state(ctx: typer.Context) -> AppState:
    """The ``AppState`` of this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj


def wants_json(ctx: typer.Context, local: bool) -> bool:
    """``--json`` given globally or on the command."""
    return local or state(ctx).json


def print_json(data: Any) -> None:
    """Stable JSON on stdout: ISO dates, money as strings."""
    typer.echo(json.dumps(jsonable(data), indent=2, ensure_ascii=False))


def parse_date(value: str | None, option: str) -> date | None:
    """A date given on the command line, in the forms the dashboard takes (YYYY-MM-DD or
    DD.MM.YYYY); exit 2 naming the option when it is not one."""
    if value is None:
        return None
    try:
        return parse_filter_date(value, option)
    except InputError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)", param_hint=option
        ) from None
