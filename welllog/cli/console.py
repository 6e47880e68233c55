"""Rich consoles and progress for the CLI.

On a terminal Rich uses its width; piped or redirected (scripts, CI logs, `> report.txt`) it would
fall back to 80 columns and truncate wide tables such as `welllog compare`'s to "…". Results are
then printed at a width that fits them, unless ``COLUMNS`` says otherwise.

Progress: Rich hides its live bars when stderr is not a terminal, so a `welllog train ... 2> log`
that runs for minutes would leave the log empty and look hung. :func:`progress` is the one place
commands get their progress display from: a live bar on a terminal, else :class:`LineProgress`,
which writes one plain line per step (the step messages the bar would show) with the time elapsed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from rich.console import Console
from rich.progress import Progress, ProgressColumn, TaskID

#: width for results written to a pipe or file (wide enough for the compare table)
PIPE_WIDTH = 200

#: when the command started (this module is imported before any command runs): progress lines
#: show the time since then, so a log reads as one timeline across reading, fitting and scoring
_STARTED = time.monotonic()


def result_console() -> Console:
    """Console on stdout for tables and summaries a person reads."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPE_WIDTH)
    return console


class LineProgress(Progress):
    """A :class:`~rich.progress.Progress` for a pipe or log file: no live bar, one line per step.

    A line is written when a task is added and whenever its description changes (the step
    messages commands pass to ``update``); advancing a count writes nothing, so a log gets one
    line per step, not one per row or well.
    """

    def __init__(self, console: Console):
        super().__init__(console=console, disable=True)
        self._said: dict[TaskID, str] = {}

    def add_task(self, description: str, start: bool = True, total: float | None = 100.0, completed: int = 0,
                 visible: bool = True, **fields: Any) -> TaskID:
        task = super().add_task(description, start=start, total=total, completed=completed, visible=visible, **fields)
        self._say(task, description)
        return task

    def update(self, task_id: TaskID, *, description: str | None = None, **kwargs: Any) -> None:  # type: ignore[override]
        super().update(task_id, description=description, **kwargs)
        if description is not None:
            self._say(task_id, description)

    def _say(self, task_id: TaskID, description: str) -> None:
        if self._said.get(task_id) == description:
            return
        self._said[task_id] = description
        self.console.print(f"[{time.monotonic() - _STARTED:7.1f} s] {description}", markup=False, highlight=False,
                           soft_wrap=True)


def progress(console: Console, *columns: str | ProgressColumn) -> Progress:
    """Progress display on ``console`` (stderr): a transient live bar with ``columns`` on a
    terminal, plain step lines (:class:`LineProgress`) anywhere else."""
    if console.is_terminal:
        return Progress(*columns, console=console, transient=True)
    return LineProgress(console)
