"""Turn whatever the caller holds (path, bytes, binary file object) into bytes plus a label.

Every reader works on bytes so that the CLI (paths) and the API (uploaded bytes) share one code
path, and every error can name where the data came from.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Union

from welllog.errors import WellReadError

from .paths import well_stem, well_suffix

#: what `read_raw` accepts
Source = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes]]


@dataclass(frozen=True)
class LoadedSource:
    """The raw bytes of a well file and what we know about where they came from."""

    data: bytes
    label: str  #: shown in errors and stored as RawWell.source
    stem: str | None  #: file name without extension (None for anonymous bytes)
    suffix: str  #: lower-case extension including the dot, '' when unknown


#: gzip's first two bytes: gzipped content is read as the file inside, whatever its name says
GZIP_MAGIC = b"\x1f\x8b"
#: the most a gzipped well file may inflate to (a well log is tens of MB; a "zip bomb" must not fill memory)
MAX_INFLATED_BYTES = 1 << 30


def load_source(source: Source, name: str | None = None) -> LoadedSource:
    """Read the whole source into memory, inflated when gzipped; a missing or unreadable file is a WellReadError."""
    loaded = _load(source, name)
    return replace(loaded, data=gunzip(loaded.data, loaded.label)) if loaded.data[:2] == GZIP_MAGIC else loaded


class InflatesTooFar(WellReadError):
    """A gzipped file whose content is larger than the caller's limit (a "zip bomb", or a huge well)."""


def gunzip(data: bytes, label: str, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """The content of a gzipped file, refused past ``limit`` bytes (:class:`InflatesTooFar`; the API
    passes its upload limit, so a 1 MB upload cannot take a GB of memory) or when the stream is broken."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            inflated = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise WellReadError(label, f"gzipped, but the stream is broken ({exc}); compress the file again") from None
    if len(inflated) > limit:
        size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit} bytes"
        raise InflatesTooFar(label, f"gzipped, and inflates to more than {size}; send the file uncompressed or split it") from None
    return inflated


def _load(source: Source, name: str | None = None) -> LoadedSource:
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "<uploaded data>"
        return LoadedSource(bytes(source), label, well_stem(name) if name else None, _suffix(name))
    if isinstance(source, str) and ("\n" in source or len(source) > 4096):  # the file's text, not its path
        raise WellReadError("<text>", "a str is read as a path, and this one is the file's content: pass it as bytes "
                                      "(text.encode()) or give the path")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise WellReadError(path, "no such file; check the path") from None
        except IsADirectoryError:
            raise WellReadError(path, "is a directory, not a well file (use expand_paths for folders)") from None
        except OSError as exc:
            raise WellReadError(path, f"cannot be read ({exc.strerror or exc})") from None
        return LoadedSource(data, str(path), well_stem(path), well_suffix(path))
    if hasattr(source, "read"):
        file_name = getattr(source, "name", None)
        file_name = file_name if isinstance(file_name, str) else None
        label = file_name or name or "<stream>"
        try:
            data = source.read()
        except OSError as exc:
            raise WellReadError(label, f"cannot be read ({exc})") from None
        if isinstance(data, str):  # a text-mode handle: accept it rather than fail on a technicality
            data = data.encode("utf-8")
        stem_from = file_name or name
        return LoadedSource(bytes(data), label, well_stem(stem_from) if stem_from else None, _suffix(stem_from))
    raise WellReadError(repr(source)[:60], "not a path, bytes or binary file object")


def _suffix(name: str | None) -> str:
    return well_suffix(name) if name else ""
