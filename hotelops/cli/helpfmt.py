"""``--help`` that reads like a well-kept Typer app, whatever the docstrings look like in source.

Typer's Rich help shows a type for every parameter (``--json <bool>``, ``ID... <list[int]>``),
keeps the hard line breaks of a docstring's later paragraphs, and reads every help text as Rich
markup, so ``[[room_types]]`` would print as ``[]``. ``polish`` walks the command tree once,
before the command line is parsed, and gives each parameter a plain metavar (none for a flag)
and each help text literal brackets, ``code`` in bold and paragraphs joined as written.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from rich.markup import escape
from typer.core import TyperArgument, TyperGroup, TyperOption

#: ``code`` in a docstring: shown in bold.
_CODE = re.compile(r"``(.+?)``")
#: A line that starts a new line of its own in help: a list item or an indented block.
_KEEPS_ITS_LINE = re.compile(r"^(\s|[-*•] |\d+\. )")


def polish(command: Any) -> None:
    """Polish the help of ``command`` and every command below it (idempotent)."""
    if getattr(command, "_hotelops_polished", False):
        return
    command._hotelops_polished = True
    if command.help:
        command.help = help_text(command.help)
    _plain_help_option(command)
    for param in command.params:
        if param.help:
            param.help = help_text(param.help)
        if isinstance(param, TyperOption):
            _polish_option(param)
        elif isinstance(param, TyperArgument):
            _polish_argument(param)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            polish(sub)


def help_text(text: str) -> str:
    """A docstring as Rich markup: brackets literal, ``code`` bold, paragraphs joined."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(_paragraph(p) for p in paragraphs)


def _paragraph(paragraph: str) -> str:
    lines: list[str] = []
    for line in paragraph.splitlines():
        if lines and not _KEEPS_ITS_LINE.match(line):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            lines.append(line.rstrip())
    return _CODE.sub(r"[bold]\1[/bold]", escape("\n".join(lines)))


def _plain_help_option(command: Any) -> None:
    # ``--help`` is made when first asked for, so it is polished then.
    make = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None:
            _polish_option(option)
        return option

    command.get_help_option = get_help_option


def _polish_option(option: TyperOption) -> None:
    if option.is_flag or option.count:
        option.metavar = ""  # a flag takes no value: nothing to show
    elif option.metavar is None:
        option.metavar = plain_type(option)


def _polish_argument(argument: TyperArgument) -> None:
    # An argument's name is its metavar; Typer still shows its type beside it.
    argument.__class__ = _PlainArgument


class _PlainArgument(TyperArgument):
    """An argument whose type column says INTEGER or TEXT, not ``<list[int]>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return plain_type(self)


def plain_type(param: TyperOption | TyperArgument) -> str:
    """The value's kind in words: TEXT, INTEGER, FILE, DIR, a|b|c ..."""
    descriptor = param.type_descriptor
    if descriptor.is_choice and descriptor.choices:
        values = [getattr(c, "value", c) for c in descriptor.choices]
        return "[" + "|".join(str(v) for v in values) + "]"
    annotation = descriptor.annotation
    if descriptor.is_list:
        annotation = getattr(annotation, "__args__", (str,))[0]
    if descriptor.is_path or annotation is Path:
        info = descriptor.parameter_info
        if not getattr(info, "dir_okay", True):
            return "FILE"
        if not getattr(info, "file_okay", True):
            return "DIR"
        return "PATH"
    return {int: "INTEGER", float: "NUMBER", bool: "BOOLEAN"}.get(annotation, "TEXT")
