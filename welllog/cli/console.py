"""Rich consoles for the CLI's results.

On a terminal Rich uses its width; piped or redirected (scripts, CI logs, `> report.txt`) it would
fall back to 80 columns and truncate wide tables such as `welllog compare`'s to "…". Results are
then printed at a width that fits them, unless ``COLUMNS`` says otherwise.
"""

from __future__ import annotations

import os

from rich.console import Console

#: width for results written to a pipe or file (wide enough for the compare table)
PIPE_WIDTH = 200


def result_console() -> Console:
    """Console on stdout for tables and summaries a person reads."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPE_WIDTH)
    return console
