"""LAS reader: decode -> split sections -> header via lasio -> data (fast path or lasio).

The steps mirror lasio's own reader so that each can be checked against it. The fast path is
used only for plain files and must give lasio's values exactly; everything else is read by lasio
in full. ``RawWell.notes`` records which path was taken and why.
"""

from __future__ import annotations

from welllog.errors import WellReadError

from .csv_reader import names_columns
from .las_fast import apply_null, header_refusal, layout_refusal, parse_data_section
from .las_lasio import las_to_raw, lasio_read
from .las_sections import canonical_titles, split_sections
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

    las = lasio_read(text, source, notes)
    notes.append("read path: lasio")
    raw = las_to_raw(las, None, source=source, stem=stem, notes=notes)
    columns = [raw.frame[c].to_numpy(copy=True) for c in raw.frame.columns]
    apply_null(columns, las)
    for name, column in zip(raw.frame.columns, columns):
        raw.frame[name] = column
    return raw


def _no_sections_reason(text: str) -> str:
    """Why a text without ``~`` sections is refused: a headerless table gets the words the CSV
    reader uses for it (uploaded bytes have no .las suffix and are sniffed as CSV)."""
    first = next((line for line in text.split("\n", 20) if line.strip()), "")
    if not names_columns(first):
        return NOT_LAS_OR_CSV
    return "not a LAS file: no ~V/~W/~C/~A sections found (if it is a CSV table, name it .csv)"
