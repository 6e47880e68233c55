"""Batch prediction over many wells, in-process or on a Dask cluster (issue 8).

``run_batch(paths, model_ref, out_dir, fmt=..., engine="local"|"dask", ...) -> BatchReport`` is the
one entry point; ``welllog predict`` delegates to it. See :mod:`welllog.batch.runner` for the
behaviour (atomic outputs, resumable runs, per-well failure isolation) and
:mod:`welllog.batch.engines` for how wells are spread over Dask workers.
"""

from .results import BatchReport, WellResult
from .runner import run_batch

__all__ = ["BatchReport", "WellResult", "run_batch"]
