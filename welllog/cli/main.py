"""Entry point of the `welllog` console script.

Errors meant for the user (:class:`~welllog.errors.WelllogError`) become one line on stderr and the
error's exit code (2 for unusable input); so do usage errors of the command-line parser (a missing
argument or option, a bad option value: exit 2, :mod:`welllog.cli.usage`); anything else is one
line and exit 1. A traceback is shown only with ``--debug``.
"""

from __future__ import annotations

import importlib
import sys
import traceback

from welllog.errors import WelllogError

from .app import app
from .usage import ABORTS, CLICK_ERRORS, EXITS, command_path, usage_message

#: command modules, each registering its commands on `app` when imported
COMMAND_MODULES = ("data", "modelling", "store", "explain", "services")


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"welllog.cli.{name}")


def _command_names() -> set[str]:
    """Names of the registered commands (as typed: ``my_cmd`` is ``my-cmd``)."""
    return {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands if c.callback or c.name}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        argv.remove("--debug")
    _register()
    try:
        result = app(args=argv, prog_name="welllog", standalone_mode=False)
    except WelllogError as exc:
        if debug:  # the traceback, and the same exit code as without --debug (a script must not see 1 for bad input)
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except EXITS as exc:
        return exc.exit_code
    except ABORTS:
        print("aborted", file=sys.stderr)
        return 1
    except CLICK_ERRORS as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {usage_message(exc, command_path(argv, _command_names()))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a raw traceback without --debug
        if debug:
            traceback.print_exc()
        print(f"error: {type(exc).__name__}: {' '.join(str(exc).split())} (rerun with --debug for details)", file=sys.stderr)
        return 1
    if result == 130:  # click itself turns a KeyboardInterrupt (Ctrl-C, or SIGTERM where handled as one) into 130
        print("interrupted", file=sys.stderr)
    return result if isinstance(result, int) else 0


def run() -> None:  # pragma: no cover - console script
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
