"""Command-line PATH arguments -> the list of well files to read."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from welllog.errors import WellReadError

#: file extensions picked up inside a directory (compared case-insensitively)
WELL_SUFFIXES = (".las", ".csv")


def _is_well_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in WELL_SUFFIXES


def _subfolders(folder: Path, exclude: Callable[[Path], bool] | None) -> list[Path]:
    """The folder's sub-folders that are searched or counted: not hidden, not excluded; sorted."""
    return sorted(p for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and not (exclude and exclude(p)))


def _holds_wells(folder: Path, exclude: Callable[[Path], bool] | None, seen: set[Path]) -> bool:
    """True when ``folder`` or any sub-folder (hidden and excluded ones aside) holds a .las/.csv file."""
    real = folder.resolve()
    if real in seen:  # a symlink loop
        return False
    seen.add(real)
    try:
        if any(_is_well_file(p) and not (exclude and exclude(p)) for p in folder.iterdir()):
            return True
        return any(_holds_wells(sub, exclude, seen) for sub in _subfolders(folder, exclude))
    except OSError:  # unreadable: nothing we could have searched
        return False


def _search(folder: Path, recursive: bool, exclude: Callable[[Path], bool] | None, seen: set[Path]) -> list[Path]:
    """The folder's well files (sorted), then, when recursive, each sub-folder's (sorted by name)."""
    real = folder.resolve()
    if real in seen:
        return []
    seen.add(real)
    found = sorted(p for p in folder.iterdir() if _is_well_file(p) and not (exclude and exclude(p)))
    if recursive:
        for sub in _subfolders(folder, exclude):
            found.extend(_search(sub, True, exclude, seen))
    return found


def expand_paths(
    paths: Iterable[str | os.PathLike],
    *,
    recursive: bool = False,
    exclude: Callable[[Path], bool] | None = None,
    unsearched: dict[Path, list[Path]] | None = None,
) -> list[Path]:
    """Files as given, directories replaced by their LAS/CSV files (sorted; sub-folders only when ``recursive``).

    A missing path, or a directory without well files, is a WellReadError naming it: silently
    training on fewer wells than asked for is worse than stopping. ``recursive`` searches
    sub-folders too (depth first: a folder's own files, then each sub-folder's, by name); hidden
    ones (``.name``) never. ``exclude(path)`` leaves out files and sub-folders found inside a
    folder (a path given explicitly is always kept). When not recursive, ``unsearched`` (if given)
    receives, per folder argument, its sub-folders that hold well files and were not searched, so a
    caller can say so.
    """
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = _search(path, recursive, exclude, set())
            skipped: list[Path] = []
            if not recursive and unsearched is not None:
                skipped = [sub for sub in _subfolders(path, exclude) if _holds_wells(sub, exclude, set())]
            if not found:
                if recursive:
                    raise WellReadError(path, "directory holds no .las or .csv files, in its sub-folders neither")
                subdirs = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]
                hint = (f" (its {len(subdirs)} subdirectories are not searched: pass them too, e.g. {path}/*/)"
                        if subdirs else "")
                raise WellReadError(path, f"directory holds no .las or .csv files{hint}")
            if skipped and unsearched is not None:
                unsearched.setdefault(path, []).extend(skipped)
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise WellReadError(path, "no such file or directory")
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]
