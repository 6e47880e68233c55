"""Decide LAS or CSV from the content first and the extension second."""

from __future__ import annotations

import re

from welllog.errors import WellReadError

#: a LAS section title: a line starting with '~' (lasio strips surrounding whitespace too)
SECTION_LINE = re.compile(r"^[ \t]*~", re.MULTILINE)
FORMATS = ("las", "csv")
#: text with no ``~`` section whose first line is values, not names. The same words whichever
#: reader meets it: a path named .las goes to the LAS reader, uploaded bytes (no suffix) to the
#: CSV reader, and the user must not hear two different stories about one file.
NOT_LAS_OR_CSV = ("not a LAS or CSV file: no ~V/~W/~C/~A sections (LAS) and no header row naming the columns "
                  "(CSV: the first line holds values); add the LAS sections or a first line of column names")


def sniff_format(text: str, suffix: str) -> str:
    """'las' when the text has a ``~`` section or the file is named .las, else 'csv'.

    A .las file without sections goes to the LAS reader so that the user hears "not a LAS file"
    rather than a confusing CSV complaint (and for a headerless table both readers say
    :data:`NOT_LAS_OR_CSV`).
    """
    if SECTION_LINE.search(text):
        return "las"
    if suffix == ".las":
        return "las"
    return "csv"


def check_format(fmt: str | None, source: str) -> str | None:
    """Normalise a user-given format ('LAS' -> 'las'); unknown formats are a WellReadError."""
    if fmt is None:
        return None
    norm = fmt.lower().lstrip(".") if isinstance(fmt, str) else None
    if norm not in FORMATS:
        raise WellReadError(source, f"unknown format {fmt!r}; use 'las' or 'csv'")
    return norm
