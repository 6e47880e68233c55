"""Readers and writers at the edges of the pipeline (LAS via lasio + a fast path, CSV, JSON arrays).

``read_raw`` parses only; ``read_well`` adds canonicalisation (:mod:`welllog.curves`); writers give
back every original curve plus prediction columns.
"""

from .arrays import raw_from_arrays, well_from_arrays
from .paths import expand_paths
from .raw import RawWell
from .read import read_raw, read_well
from .writers import write_well

__all__ = ["RawWell", "expand_paths", "raw_from_arrays", "read_raw", "read_well", "well_from_arrays", "write_well"]
