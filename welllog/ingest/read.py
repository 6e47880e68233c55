"""The readers' front door: any source -> RawWell (``read_raw``) or canonical Well (``read_well``)."""

from __future__ import annotations

from collections.abc import Mapping

from welllog.errors import UsageError, WellReadError, brief
from welllog.well import Well

from .csv_reader import read_csv_text
from .decode import decode_text
from .las_reader import read_las_text
from .raw import RawWell
from .sniff import check_format, sniff_format
from .source import Source, load_source


def read_raw(source: Source, *, fmt: str | None = None, name: str | None = None) -> RawWell:
    """Read a LAS or CSV well from a path, bytes or binary file object.

    ``fmt`` ('las' | 'csv') skips sniffing; ``name`` overrides the well name (default: the WELL
    header value, else the file stem). Raises :class:`WellReadError` and nothing else.
    """
    loaded = load_source(source, name)
    fmt = check_format(fmt, loaded.label)
    try:
        text, encoding = decode_text(loaded.data, loaded.label)
        fmt = fmt or sniff_format(text, loaded.suffix)
        if fmt == "las":
            raw = read_las_text(text, source=loaded.label, stem=loaded.stem, encoding=encoding)
        else:
            raw = read_csv_text(text, source=loaded.label, stem=loaded.stem, encoding=encoding)
    except WellReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: readers raise WellReadError only
        raise WellReadError(loaded.label, f"could not be read ({type(exc).__name__}: {brief(exc)})") from exc
    if name:
        raw.name = name
    return raw


def read_well(source: Source, *, fmt: str | None = None, name: str | None = None,
              aliases: Mapping[str, str] | None = None, units: Mapping[str, str] | None = None,
              unmatched: str = "error") -> Well:
    """``canonicalise(read_raw(...))``: a canonical Well with aliases, units and QC applied
    (``unmatched``: what an override naming no curve of this well does, see ``canonicalise``)."""
    from welllog.curves import canonicalise  # imported late: curves imports ingest.raw

    for argument, value in (("aliases", aliases), ("units", units)):
        if value is not None and not isinstance(value, Mapping):
            raise UsageError(f"{argument} must be a mapping like {{'ILD': 'RDEP'}}, not {type(value).__name__} {value!r:.60}")
    raw = read_raw(source, fmt=fmt, name=name)
    return canonicalise(raw, aliases=dict(aliases) if aliases else None, units=dict(units) if units else None,
                        unmatched=unmatched)


__all__ = ["read_raw", "read_well"]
