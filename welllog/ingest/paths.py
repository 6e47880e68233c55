"""Command-line PATH arguments -> the list of well files to read."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Iterable
from pathlib import Path

from welllog.errors import WellReadError

#: file extensions picked up inside a directory (compared case-insensitively), each also gzipped (``.las.gz``)
WELL_SUFFIXES = (".las", ".csv")
#: the extension of a gzipped well file, after its own (pipelines ship logs compressed; read as the file inside)
GZIP_SUFFIX = ".gz"


def well_suffix(path: str | os.PathLike[str]) -> str:
    """The well file's own extension, lower-case, a trailing ``.gz`` aside: ``A.LAS.gz`` -> ``.las``."""
    p = Path(path)
    if p.suffix.lower() == GZIP_SUFFIX:
        p = p.with_suffix("")
    return p.suffix.lower()


def well_stem(path: str | os.PathLike[str]) -> str:
    """The file name without its extension (and ``.gz``): what outputs are named after. ``a.las.gz`` -> ``a``."""
    p = Path(path)
    if p.suffix.lower() == GZIP_SUFFIX:
        p = p.with_suffix("")
    return p.stem


def _is_well_file(path: Path) -> bool:
    """A .las/.csv (or gzipped) file found in a folder. Hidden files are not wells (macOS leaves
    ``._name.las`` beside every file it copies, editors ``.name.las`` backups); a link whose target is
    gone is one, so that the caller reports it as unreadable instead of it vanishing from the run
    (a mount that disappeared must not look like wells that never existed: data-engineer audit)."""
    if path.name.startswith(".") or well_suffix(path) not in WELL_SUFFIXES:
        return False
    return path.is_file() or (path.is_symlink() and not path.exists())


def _subfolders(folder: Path, exclude: Callable[[Path], bool] | None) -> list[Path]:
    """The folder's sub-folders that are searched or counted: not hidden, not excluded; sorted."""
    return sorted(p for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and not (exclude and exclude(p)))


def _wells_below(folder: Path, exclude: Callable[[Path], bool] | None) -> list[Path]:
    """Every well file in ``folder``'s sub-folders, at any depth, in search order (hidden, excluded
    and unreadable folders aside): what a search that does not recurse leaves out."""
    seen = {folder.resolve()}
    return [f for sub in _subfolders(folder, exclude) for f in _search(sub, True, exclude, seen, quiet=True)]


#: at most this many sub-folders are named in the hint for a folder without well files of its own
_NAMED_FOLDERS = 3


def _no_wells_here(path: Path, exclude: Callable[[Path], bool] | None, recursive_option: str | None) -> WellReadError:
    """The error for a folder argument with no well file directly inside, with the folders below it
    that do hold wells, to name as arguments (or the caller's option that searches sub-folders)."""
    counts: dict[Path, int] = {}
    for f in _wells_below(path, exclude):  # per folder that holds wells itself, in search order
        counts[f.parent] = counts.get(f.parent, 0) + 1
    below = list(counts.items())
    if not below:
        neither = ", in its sub-folders neither" if _subfolders(path, exclude) else ""
        return WellReadError(path, f"directory holds no .las or .csv files{neither}")
    n_files = sum(n for _, n in below)
    named = " ".join(shlex.quote(str(sub)) for sub, _ in below[:_NAMED_FOLDERS])
    more = f" ... ({len(below) - _NAMED_FOLDERS} more)" if len(below) > _NAMED_FOLDERS else ""
    where, those = ("a sub-folder", "that folder") if len(below) == 1 else (f"{len(below)} sub-folders", "those folders")
    how = f"name {those} instead ({named}{more})"
    if recursive_option:
        how += f" or add {recursive_option}"
    are, not_searched = "is" if n_files == 1 else "are", "which is not searched" if len(below) == 1 else "which are not searched"
    return WellReadError(path, f"directory holds no .las or .csv files itself; {n_files} {are} in {where} below it, "
                               f"{not_searched}: {how}")


def _search(folder: Path, recursive: bool, exclude: Callable[[Path], bool] | None, seen: set[Path],
            quiet: bool = False) -> list[Path]:
    """The folder's well files (sorted), then, when recursive, each sub-folder's (sorted by name).
    A folder seen before (a symlink loop) adds nothing; ``quiet``: nor does an unreadable one."""
    real = folder.resolve()
    if real in seen:
        return []
    seen.add(real)
    try:
        found = sorted(p for p in folder.iterdir() if _is_well_file(p) and not (exclude and exclude(p)))
        subs = _subfolders(folder, exclude) if recursive else []
    except OSError:
        if quiet:
            return []
        raise
    for sub in subs:
        found.extend(_search(sub, True, exclude, seen, quiet))
    return found


def expand_paths(
    paths: Iterable[str | os.PathLike],
    *,
    recursive: bool = False,
    exclude: Callable[[Path], bool] | None = None,
    unsearched: dict[Path, list[Path]] | None = None,
    recursive_option: str | None = None,
) -> list[Path]:
    """Files as given, directories replaced by their LAS/CSV files (sorted; sub-folders only when ``recursive``).

    A missing path, or a directory without well files, is a WellReadError naming it: silently
    training on fewer wells than asked for is worse than stopping. ``recursive`` searches
    sub-folders too (depth first: a folder's own files, then each sub-folder's, by name); hidden
    ones (``.name``) never. ``exclude(path)`` leaves out files and sub-folders found inside a
    folder (a path given explicitly is always kept). When not recursive, ``unsearched`` (if given)
    receives, per folder argument, its sub-folders that hold well files and were not searched, so a
    caller can say so. A folder argument with no well file of its own names, in its error, the
    folders below it that have some; ``recursive_option`` (e.g. ``"--recursive"``) is the caller's
    way to search them, added to that hint (commands without one say only to name the folders).
    """
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = _search(path, recursive, exclude, set())
            skipped: list[Path] = []
            if not recursive and unsearched is not None:
                skipped = [sub for sub in _subfolders(path, exclude) if _search(sub, True, exclude, set(), quiet=True)]
            if not found:
                if recursive:
                    raise WellReadError(path, "directory holds no .las or .csv files, in its sub-folders neither")
                raise _no_wells_here(path, exclude, recursive_option)
            if skipped and unsearched is not None:
                unsearched.setdefault(path, []).extend(skipped)
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise WellReadError(path, "no such file or directory")
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]
