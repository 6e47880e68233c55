"""Command-line PATH arguments -> the list of well files to read."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from welllog.errors import WellReadError

#: file extensions picked up inside a directory (compared case-insensitively)
WELL_SUFFIXES = (".las", ".csv")


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, directories replaced by their LAS/CSV files (sorted, not recursive).

    A missing path, or a directory without well files, is a WellReadError naming it: silently
    training on fewer wells than asked for is worse than stopping.
    """
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in WELL_SUFFIXES)
            if not found:
                subdirs = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
                hint = (f" (its {len(subdirs)} subdirectories are not searched: pass them too, e.g. {path}/*/)"
                        if subdirs else "")
                raise WellReadError(path, f"directory holds no .las or .csv files{hint}")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise WellReadError(path, "no such file or directory")
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]
