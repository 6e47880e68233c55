"""Command-line usage errors (a missing argument or option, a bad option value) as one line, exit 2.

Why this module: the README promises one line naming the problem and exit code 2 for bad input.
Typer (>= 0.2x) raises its parser's errors from its own copy of Click (``typer._click``), which
``except click.ClickException`` does not catch, so a forgotten path came out as
``error: MissingParameter: Missing parameter: paths`` with exit code 1. :func:`main` catches both
Clicks' errors through :data:`CLICK_ERRORS` and prints :func:`usage_message`: the parameter as the
user types it, what to give, and where the help is.
"""

from __future__ import annotations

import importlib
from typing import Any

import click
import typer


def _from_both_clicks(name: str) -> tuple[type[BaseException], ...]:
    """The exception class ``name`` of Click and of Typer's vendored copy (if this Typer has one)."""
    found = [getattr(click.exceptions, name)]
    try:
        vendored = importlib.import_module("typer._click.exceptions")
    except ImportError:  # an older Typer raises Click's own exceptions
        vendored = None
    if vendored is not None and hasattr(vendored, name):
        found.append(getattr(vendored, name))
    return tuple(dict.fromkeys(found))


#: parser errors of either Click (usage errors, and ClickException's other children such as FileError)
CLICK_ERRORS = _from_both_clicks("ClickException")
#: ``raise typer.Exit(code)`` / Ctrl-C at a prompt, of either Click
EXITS = tuple(dict.fromkeys((*_from_both_clicks("Exit"), typer.Exit)))
ABORTS = tuple(dict.fromkeys((*_from_both_clicks("Abort"), typer.Abort)))


def _is(exc: BaseException, name: str) -> bool:
    """True when ``exc`` is a ``name`` of either Click (the two copies share class names, not classes)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def _param_name(param: Any) -> str:
    """How the user writes the parameter: ``--model`` for an option, ``PATHS`` for an argument."""
    if getattr(param, "param_type_name", "") == "option" and getattr(param, "opts", None):
        return max(param.opts, key=len)
    return str(getattr(param, "metavar", None) or param.name).upper()


def _what_to_give(param: Any) -> str:
    """The first sentence of the parameter's help, as the object of "give ..." (``''`` without help)."""
    text = " ".join(str(getattr(param, "help", None) or "").split())
    text = text.split(". ")[0].rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():  # "Target curve" -> "target curve"; keep "LAS", "NAME"
        text = text[0].lower() + text[1:]
    return text


def _missing(exc: Any) -> str:
    param = exc.param
    name = _param_name(param)
    kind = "option" if getattr(param, "param_type_name", "") == "option" else "argument"
    what = _what_to_give(param)
    if kind == "option":
        return f"missing option {name}: give {name} {what or 'VALUE'}"
    return f"missing argument {name}: give {what or name}"


def _sentence(text: str) -> str:
    """One line, starting lower-case, without a closing full stop: it is followed by the help hint."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]


def command_path(argv: list[str], commands: set[str], prog: str = "welllog") -> str:
    """``welllog CMD`` for the command ``argv`` names (``welllog`` when none): the help to point at
    when the parser's error carries no context (Click raises "Option '--model' requires an
    argument." without one)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return f"{prog} {first}" if first in commands else prog


def usage_message(exc: BaseException, fallback_path: str = "welllog") -> str:
    """One line for a parser error: the parameter, what to do, and which ``--help`` to read."""
    ctx = getattr(exc, "ctx", None)
    see = f"(see {ctx.command_path if ctx is not None else fallback_path} --help)"
    if _is(exc, "NoArgsIsHelpError"):  # bare `welllog`: the help is already printed
        commands = ", ".join(ctx.command.list_commands(ctx)) if ctx is not None else "a command"
        return f"missing command: give one of {commands} {see}"
    param = getattr(exc, "param", None)
    if _is(exc, "MissingParameter") and param is not None:
        return f"{_missing(exc)} {see}"
    if _is(exc, "BadParameter") and param is not None:
        return f"invalid value for {_param_name(param)}: {_sentence(exc.message)} {see}"
    return f"{_sentence(exc.format_message())} {see}"  # type: ignore[attr-defined]
