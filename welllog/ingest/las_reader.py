"""LAS reader: decode -> split sections -> header via lasio -> data (fast path or lasio).

The steps mirror lasio's own reader so that each can be checked against it. The fast path is
used only for plain files and must give lasio's values exactly; everything else is read by lasio
in full. ``RawWell.notes`` records which path was taken and why.
"""

from __future__ import annotations

import re

from welllog.errors import WellReadError

from .csv_reader import names_columns
from .las_fast import apply_null, header_refusal, layout_refusal, parse_data_section
from .las_lasio import las_to_raw, lasio_read
from .las_sections import Section, canonical_titles, split_sections
from .raw import RawWell
from .sniff import NOT_LAS_OR_CSV


def read_las_text(text: str, *, source: str, stem: str | None, encoding: str,
                  fast: bool = True) -> RawWell:
    """Parse decoded LAS text into a RawWell; ``fast=False`` forces the full lasio read."""
    notes = [f"encoding: {encoding}"]
    sections = split_sections(text)
    if not sections:
        raise WellReadError(source, _no_sections_reason(text))
    text = canonical_titles(text, sections)  # lasio matches section names case-sensitively
    data_sections = [s for s in sections if s.kind in ("data", "las3_data")]
    if not data_sections:
        other_data = [s.title.split("|")[0].strip() for s in sections if "_data" in s.title.lower()]
        if other_data:  # LAS 3.0 data sets other than the log (e.g. ~Phase_A_data): not a depth log
            raise WellReadError(source, f"no ~A / ~Log_Data section: the data is in {', '.join(other_data[:3])}"
                                        f"{' ...' if len(other_data) > 3 else ''}, LAS 3.0 data sets that are not a log "
                                        "and are not read")
        raise WellReadError(source, "no ~A section (the file has a header but no data)")

    refusal = layout_refusal(sections) if fast else "disabled"
    if refusal is None:
        data = sections[-1]
        try:
            header = lasio_read(text[: data.start], source, notes, ignore_data=True)
        except WellReadError as exc:  # full lasio decides whether the file is really unreadable
            header, refusal = None, f"header not readable on its own ({exc.reason})"
        if header is not None:
            refusal = header_refusal(header)
        if header is not None and refusal is None:
            columns, refusal = parse_data_section(text[data.body_start : data.end], len(header.curves))
            if columns is not None:
                apply_null(columns, header)
                notes.append("read path: fast (header via lasio, ~A via numpy loadtxt)")
                return las_to_raw(header, columns, source=source, stem=stem, notes=notes)
    notes.append(f"fast path not used: {refusal}")
    if layout_refusal(sections) is None and _COMMA_DLM.search(text, 0, sections[-1].start):
        raw = _read_comma_delimited(text, sections[-1], source=source, stem=stem, notes=notes)
        if raw is not None:
            return raw

    las = lasio_read(text, source, notes)
    notes.append("read path: lasio")
    raw = las_to_raw(las, None, source=source, stem=stem, notes=notes)
    columns = [raw.frame[c].to_numpy(copy=True) for c in raw.frame.columns]
    apply_null(columns, las)
    for name, column in zip(raw.frame.columns, columns):
        raw.frame[name] = column
    return raw


#: ``DLM . COMMA :`` in the ~Version section (LAS 3.0, or a 2.0 file that borrowed it)
_COMMA_DLM = re.compile(r"^[ \t]*DLM[ \t]*\.\S*[ \t]+COMMA[ \t]*:", re.IGNORECASE | re.MULTILINE)


def _read_comma_delimited(text: str, data: Section, *, source: str, stem: str | None, notes: list[str]) -> RawWell | None:
    """A comma-delimited file whose ~A is a clean numeric table, or None (full lasio reads it).

    Why not lasio: 0.32 counts a data section's columns by whitespace, so the all-numeric comma table
    of a LAS 3.0 export came back as one column of every value, DEPT, each curve "defined in ~C but no
    data in ~A", and the well as missing every input (vendor-export audit). Nor can lasio read a LAS
    3.0 header alone (``ignore_data`` fails on it): it reads the header with the first data row, its
    commas made blanks, and the values come from numpy's ``loadtxt`` split on commas."""
    body = text[data.body_start : data.end]
    columns, _ = parse_data_section(body, None, comma=True)
    if columns is None:
        return None
    first = next(line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    header = lasio_read(text[: data.body_start] + first.replace(",", " ") + "\n", source, notes)
    if len(header.curves) != len(columns):
        return None
    apply_null(columns, header)
    notes.append("read path: comma-delimited (header via lasio, ~A via numpy loadtxt split on commas: DLM COMMA)")
    return las_to_raw(header, columns, source=source, stem=stem, notes=notes)


def _no_sections_reason(text: str) -> str:
    """Why a text without ``~`` sections is refused: a headerless table gets the words the CSV
    reader uses for it (uploaded bytes have no .las suffix and are sniffed as CSV)."""
    first = next((line for line in text.split("\n", 20) if line.strip()), "")
    if not names_columns(first):
        return NOT_LAS_OR_CSV
    return "not a LAS file: no ~V/~W/~C/~A sections found (if it is a CSV table, name it .csv)"
