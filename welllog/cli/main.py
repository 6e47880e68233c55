"""Entry point of the `welllog` console script.

Errors meant for the user (:class:`~welllog.errors.WelllogError`) become one line on stderr and the
error's exit code (2 for unusable input); anything else is one line and exit 1. A traceback is shown
only with ``--debug``.
"""

from __future__ import annotations

import importlib
import sys

import click

from welllog.errors import WelllogError

from .app import app

#: command modules, each registering its commands on `app` when imported
COMMAND_MODULES = ("data", "modelling", "store", "explain", "services")


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"welllog.cli.{name}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        argv.remove("--debug")
    _register()
    try:
        result = app(args=argv, prog_name="welllog", standalone_mode=False)
    except WelllogError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        return 1
    except click.ClickException as exc:
        if debug:
            raise
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a raw traceback without --debug
        if debug:
            raise
        print(f"error: {type(exc).__name__}: {' '.join(str(exc).split())} (rerun with --debug for details)", file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:  # pragma: no cover - console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
