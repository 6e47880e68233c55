"""Split LAS text into its ``~`` sections (the same rule as lasio: a stripped line starting with ``~``).

The fast path needs to know where the header ends and whether the file is the plain kind it can
handle (one ~A section, last in the file); cutting on section titles costs one regex pass.

Section names are case-insensitive in LAS (``~LOG_DATA`` is ``~Log_Data``), but lasio compares
them case-sensitively (``"~Log_Data" in title``, ``title[:2] == "~A"``): a LAS 3.0 file written
in capitals lost its curves and data there. So :attr:`Section.kind` ignores case for the log's
own sections, and :func:`canonical_titles` rewrites each title to the spelling lasio recognises
before lasio sees the text - same length, so every offset stays valid. Other LAS 3.0 data sets
(``~Core_Data``, ``~Phase_A_data``) are not logs and are never what we read: they keep lasio's
rule, so that a file holding only such sets is refused with that reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: LAS 3.0 log sections lasio recognises by exact spelling only
_LAS3_LOG_NAMES = {"LOG_DATA": "Log_Data", "LOG_DEFINITION": "Log_Definition", "LOG_PARAMETER": "Log_Parameter"}
#: the name part of a title: up to the first blank or ``|`` (``~Log_Data | Log_Definition``)
_NAME = re.compile(r"~[^\s|]*")


@dataclass(frozen=True)
class Section:
    """One section: its title line (stripped) and character offsets into the text."""

    title: str
    start: int  #: offset of the title line
    body_start: int  #: offset just after the title line
    end: int  #: offset where the next section (or the text) ends

    @property
    def kind(self) -> str:
        """'data' (~A, ~Log_Data), 'las3_data' (~X_Data), 'other' (~O) or 'header'."""
        title = canonical_title(self.title)  # the spelling lasio is handed, so we agree with it
        if title[:2] == "~A" or "~Log_Data" in title:
            return "data"
        if title[:2] == "~O":
            return "other"
        if "_Data" in title:  # lasio's rule (case-sensitive): what it would read as a data set
            return "las3_data"
        return "header"


def canonical_title(title: str) -> str:
    """The title spelled as lasio expects (``~LOG_DATA`` -> ``~Log_Data``, ``~ascii`` -> ``~Ascii``).

    Only the name part changes and only in case, so the length is kept."""
    match = _NAME.match(title)
    if match is None or len(match.group()) < 2:
        return title
    name = match.group()[1:]
    name = _LAS3_LOG_NAMES.get(name.upper(), name[0].upper() + name[1:])
    return "~" + name + title[match.end():]


def canonical_titles(text: str, sections: list[Section]) -> str:
    """``text`` with every section title in lasio's spelling (:func:`canonical_title`); offsets kept."""
    pieces, pos = [], 0
    for section in sections:
        at = text.index("~", section.start)
        fixed = canonical_title(section.title)
        if fixed != section.title:
            pieces.append(text[pos:at])
            pieces.append(fixed)
            pos = at + len(fixed)
    return "".join(pieces) + text[pos:] if pieces else text


def split_sections(text: str) -> list[Section]:
    """All sections in file order (empty when the text has no ``~`` line).

    Scans for '~' with ``str.find`` (C speed; data sections rarely contain one) instead of a
    per-line regex, which cost ~15 ms on a 4 MB file.
    """
    titles: list[tuple[int, int, str]] = []  # (line start, body start, title)
    pos = text.find("~")
    while pos != -1:
        line_start = text.rfind("\n", 0, pos) + 1
        if not text[line_start:pos].strip():
            line_end = text.find("\n", pos)
            line_end = len(text) if line_end == -1 else line_end
            titles.append((line_start, min(line_end + 1, len(text)), text[pos:line_end].strip()))
            pos = line_end
        pos = text.find("~", pos + 1) if pos < len(text) else -1
    sections = []
    for i, (start, body_start, title) in enumerate(titles):
        end = titles[i + 1][0] if i + 1 < len(titles) else len(text)
        sections.append(Section(title, start, body_start, end))
    return sections
