"""welllog: synthetic sonic logs with calibrated uncertainty from conventional well logs."""

from .errors import MissingCurvesError, ModelIntegrityError, ModelNotFoundError, UsageError, WelllogError, WellReadError
from .well import CANONICAL_CURVES, INPUT_CURVES, TARGET_CURVES, CurveMapping, Provenance, QCFlag, Well

__version__ = "0.1.0"

__all__ = [
    "CANONICAL_CURVES",
    "INPUT_CURVES",
    "TARGET_CURVES",
    "CurveMapping",
    "MissingCurvesError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "Provenance",
    "QCFlag",
    "UsageError",
    "Well",
    "WellReadError",
    "WelllogError",
]
