"""Every request and response body of the REST API, in one module.

Requests are validated here (shape, lengths, names) so that routers only deal with consistent
input; anything wrong becomes a 422 JSON body naming the field. Value rules:

* ``null`` in a curve array is a missing sample; ``NaN``/``Infinity`` literals (accepted by the JSON
  parser) are treated the same way — missing — because a log value that is not finite carries no
  information. In ``depth`` and ``quantiles`` they are rejected (422): a sample needs a place.
* Every array must have one value per sample; unequal lengths and empty arrays are 422.
* Model references follow a strict pattern (``NAME`` or ``NAME:VERSION``) so that no request can
  name a path on the server.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from welllog.models.base import DEFAULT_QUANTILES
from welllog.well import describe_qc_bits

from .settings import MODEL_REF_PATTERN

ModelRef = Annotated[str, StringConstraints(pattern=MODEL_REF_PATTERN, max_length=129)]


def field_error(field: str, message: str) -> PydanticCustomError:
    """A whole-body check's error naming the request field it is about: pydantic locates a model
    validator's error at the body itself, and the 4xx's ``field`` said "body" for unequal curve
    arrays (README audit); :mod:`api.errors` reads ``ctx["field"]``."""
    return PydanticCustomError("value_error", "{message}", {"message": message, "field": field})
Mnemonic = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# quantiles are served rounded to 0.01 percent (keys like "p2.5", "p99.99"), so 0.0001 to 0.9999: a level that
# rounds to 0 or 1 would be an all-null column named p00 / p100
Quantile = Annotated[float, Field(ge=0.0001, le=0.9999, allow_inf_nan=False)]
Depth = Annotated[float, Field(allow_inf_nan=False, strict=True)]
# what the API serves for a model name next to what the store holds (/v1/models, /v1/models/NAME)
ServedVersion = Annotated[str | None, Field(
    description="the version the API answers requests naming NAME alone with (for the default model, also requests "
    "naming no model): the one loaded at start-up or at the last reload; when NAME alone is not loaded but the default "
    "model is pinned to NAME:vN (WELLLOG_DEFAULT_MODEL), vN. null when neither is loaded (the first request naming "
    "NAME loads `latest`). The store may hold newer versions: see `reload_needed` and `note`")]
LoadedVersions = Annotated[list[str], Field(description="every version of this model in the API's cache, including pinned NAME:vN")]
ReloadNeeded = Annotated[bool, Field(
    description="true when the version served for NAME alone is not the store's `latest` (e.g. after `welllog train` or "
    "`welllog promote`): POST /v1/models/reload to serve `latest` (a default pinned to NAME:vN stays vN: see `note`)")]
ServingNote = Annotated[str | None, Field(description="what the caller should know about what is served, e.g. to reload")]
#: a log sample: a number, or null for missing (NaN/Infinity also read as missing). Strict: ``true``
#: was read as 1.0 and ``"55.1"`` as a number (API audit) — a JSON boolean or string in a log is a
#: client's bug to hear about, not a value
Sample = Annotated[float | None, Field(strict=True)]

EXAMPLE_CURVES = {
    "GR": [55.2, 61.0, None],
    "RHOB": [2.31, 2.35, 2.40],
    "NPHI": [0.28, 0.25, 0.22],
    "RDEP": [2.1, 3.4, 5.0],
    "RMED": [2.0, 3.1, 4.7],
    "CALI": [8.6, 8.5, 8.5],
    "PEF": [3.1, 3.0, 2.9],
}
EXAMPLE_DEPTH = [1500.0, 1500.15, 1500.3]


#: every ``error.code`` the API answers today (tests/test_api_errors.py keeps it complete), listed in
#: the schema's description and examples. Documented as an *open* string, not an enum: a closed enum
#: made a generated client fail on the first code added after it was generated (data-engineer audit)
ERROR_CODES = ("validation_error", "invalid_request", "well_read", "missing_curves", "usage", "model_not_found",
               "model_integrity", "model_not_ready", "service_busy", "unauthorized", "payload_too_large", "not_found",
               "method_not_allowed", "http_error", "internal_error")
ErrorCode = Annotated[str, Field(
    description="machine-readable error code. An open set: codes may be added, so read an unknown one by its HTTP "
    "status. Known codes: " + ", ".join(ERROR_CODES),
    examples=["missing_curves", "model_not_found", "validation_error"],
)]
#: extra quantiles a prediction request may ask for
MAX_QUANTILES = 20


def _none_as_empty(value: Any) -> Any:
    """Store metadata may hold null for a list (an older version): read it as empty, not a 500."""
    return [] if value is None else value


StrList = Annotated[list[str], BeforeValidator(_none_as_empty)]


class ErrorInfo(BaseModel):
    """What went wrong, where, and (in ``message``) what to do about it. Every key is always
    present, null when it does not apply."""

    code: ErrorCode
    message: str = Field(description="one line for a person: the problem and the fix")
    field: str | None = Field(description="the request field at fault (e.g. curves, units.RHOB, file, model), null when none is")
    detail: Any = Field(description="structured detail (e.g. missing and found curves), null when there is none")
    request_id: str | None = Field(description="the X-Request-ID of the request, to quote when reporting a problem")


class ErrorResponse(BaseModel):
    """Body of every 4xx/5xx answer."""

    error: ErrorInfo

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "error": {
                    "code": "missing_curves",
                    "message": "request: missing input curve(s) RHOB needed by the model; found GR, NPHI.",
                    "field": "curves",
                    "detail": {"missing": ["RHOB"], "found": ["GR", "NPHI"]},
                    "request_id": "3f6c2a9e8b7d4c1e9a0b5d2f7e4c8a1b",
                }
            }
        }
    )


# -- health ----------------------------------------------------------------------------------
class Health(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"
    version: str = Field(description="the welllog version the server runs")

    model_config = ConfigDict(json_schema_extra={"example": {"status": "ok", "version": "0.1.0"}})


class Ready(BaseModel):
    """The default model is loaded: requests naming no model can be answered."""

    status: Literal["ready"] = "ready"
    model: str = Field(description="the default model reference that is loaded")
    version: str | None = Field(None, description="its version, e.g. v3")
    targets: list[str] = Field([], description="what it predicts, e.g. DTC, DTS")

    model_config = ConfigDict(
        json_schema_extra={"example": {"status": "ready", "model": "default", "version": "v3", "targets": ["DTC", "DTS"]}}
    )


# -- models ----------------------------------------------------------------------------------
class ModelSummary(BaseModel):
    """One model in the store, described by its latest version (further metadata fields from the store
    are passed through)."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(description="the model name (what requests give as `model`)")
    version: str | None = Field(None, description="the latest stored version, e.g. v2 (same as `latest`)")
    ref: str | None = Field(None, description="NAME:VERSION of the latest version, e.g. default:v2")
    latest: str | None = Field(None, description="latest version (what NAME alone resolves to)")
    versions: list[str] = Field(default_factory=list, description="every stored version, oldest first")
    family: str | None = Field(None, description="model family, e.g. lightgbm, ngboost")
    targets: StrList = Field(default_factory=list, description="what it predicts, e.g. DTC, DTS")
    inputs: StrList = Field(default_factory=list, description="canonical curves the model reads")
    required_curves: StrList = Field(default_factory=list, description="curves a request must give (the others are "
                                     "optional: filled in, flagged with qc bit 1)")
    created_at: str | None = Field(None, description="when the latest version was stored (ISO 8601, UTC)")
    metrics: dict[str, Any] = Field(default_factory=dict, description="validation metrics of the latest version")
    promoted_from: str | None = Field(None, description="NAME:VERSION this latest version was promoted from (`welllog promote`); None if trained under this name")
    trained_as: str | None = Field(None, description="NAME:VERSION the model was trained as, kept through promotions of promotions (a rollback); None if trained under this name")
    loaded: bool = Field(False, description="a version of this model is in the API's cache")
    served_version: ServedVersion = None
    loaded_versions: LoadedVersions = []
    reload_needed: ReloadNeeded = False
    note: ServingNote = None


class ModelList(BaseModel):
    """The model store and what the API serves from it."""

    models_dir: str = Field(description="the server's model store")
    default_model: str = Field(description="the model a request naming none gets (WELLLOG_DEFAULT_MODEL)")
    models: list[ModelSummary] = Field(description="one entry per model name")

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "models_dir": "models",
                "default_model": "default",
                "models": [
                    {
                        "name": "default",
                        "latest": "v2",
                        "versions": ["v1", "v2"],
                        "family": "ngboost",
                        "targets": ["DTC", "DTS"],
                        "version": "v2",
                        "ref": "default:v2",
                        "inputs": ["GR", "RHOB", "NPHI", "RDEP", "RMED", "CALI", "PEF"],
                        "required_curves": ["GR", "RHOB", "NPHI", "RDEP"],
                        "created_at": "2026-11-30T09:12:44+00:00",
                        "metrics": {"DTC": {"rmse": 9.1, "coverage_90": 0.88}},
                        "loaded": True,
                        "served_version": "v1",
                        "loaded_versions": ["v1"],
                        "reload_needed": True,
                        "note": "serving default:v1 but the store's latest is v2; POST /v1/models/reload to serve v2",
                    }
                ],
            }
        }
    )


class TrainingWellInfo(BaseModel):
    """One well a model was trained on, as its metadata records it."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(description="the well's name (file stem or ~Well WELL)")
    content_hash: str | None = Field(None, description="SHA-256 of the well's canonical curves: how `welllog evaluate` "
                                     "and the dashboard recognise a training well under any file name or format")
    samples: int | None = Field(None, description="depth samples of the well")
    targets: StrList = Field(default_factory=list, description="targets the well logged (trained on)")
    synthetic: bool = Field(False, description="a `welllog demo` well: a model trained only on such wells is a demonstration")


class ModelVersionInfo(BaseModel):
    """Metadata of one stored version (further metadata fields from the store are passed through)."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(description="the model name")
    version: str = Field(description="the version, e.g. v1")
    ref: str | None = Field(None, description="NAME:VERSION, e.g. default:v1")
    family: str | None = Field(None, description="model family, e.g. lightgbm, ngboost")
    targets: StrList = Field(default_factory=list, description="what it predicts, e.g. DTC, DTS")
    inputs: StrList = Field(default_factory=list, description="canonical curves the model reads")
    required_curves: StrList = Field(default_factory=list, description="curves a request must give")
    created_at: str | None = Field(None, description="when this version was stored (ISO 8601, UTC)")
    promoted_from: str | None = Field(None, description="NAME:VERSION this version was promoted from (`welllog promote`); "
                                      "null if trained under this name")
    trained_as: str | None = Field(None, description="NAME:VERSION the model was trained as; null if trained under this name")
    metrics: dict[str, Any] = Field(default_factory=dict, description="validation metrics of this version")
    trained_at: str | None = Field(None, description="when the model was fitted (ISO 8601, UTC); `GET /v1/models/{name}` only")
    training_wells: list[TrainingWellInfo] = Field(
        default_factory=list, description="the wells it was trained on (scores on them are in-sample); `GET /v1/models/{name}` only")
    calibration: dict[str, Any] = Field(
        default_factory=dict, description="per target, how the 90% interval was calibrated on blind folds (std factor, "
        "out-of-range and bad-hole factors, each fold's factor, tails); empty when not calibrated. `GET /v1/models/{name}` only")
    fallback: dict[str, Any] | None = Field(
        None, description="the reduced-input model for rows without density/neutron (inputs, required_curves, "
        "calibration); null when the model has none. `GET /v1/models/{name}` only")


class ModelVersions(BaseModel):
    """``GET /v1/models/NAME``: every stored version; ``GET /v1/models/NAME:vN``: that version only."""

    name: str = Field(description="the model name")
    versions: list[ModelVersionInfo] = Field(description="metadata of each version, oldest first")
    latest: str | None = Field(None, description="latest stored version (what NAME alone resolves to after a reload)")
    served_version: ServedVersion = None
    loaded_versions: LoadedVersions = []
    reload_needed: ReloadNeeded = False
    note: ServingNote = None

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "name": "default",
                "versions": [{"name": "default", "version": "v1", "ref": "default:v1", "family": "ngboost",
                              "targets": ["DTC", "DTS"], "inputs": ["GR", "RHOB", "NPHI", "RDEP"],
                              "required_curves": ["GR", "RHOB", "NPHI", "RDEP"], "created_at": "2026-11-30T09:12:44+00:00",
                              "promoted_from": None, "trained_as": None, "metrics": {"DTC": {"rmse": 9.1}}}],
                "latest": "v1",
                "served_version": "v1",
                "loaded_versions": ["v1"],
                "reload_needed": False,
                "note": None,
            }
        }
    )


class ReloadRequest(BaseModel):
    """Optional body of ``POST /v1/models/reload``: no body (or ``{}``) reloads every cached model and the default."""

    model: ModelRef | None = Field(None, description="reload only this model (default: every cached model)")

    # {"name": "s"} reloaded every model (API audit): a misspelt field must not widen the request
    model_config = ConfigDict(extra="forbid")


class ReloadFailure(BaseModel):
    """A model a reload of everything could not load: it keeps serving the version it had."""

    ref: str = Field(description="the model reference, e.g. default or t")
    code: ErrorCode
    message: str = Field(description="what went wrong and what to do")


class ReloadedModel(BaseModel):
    """A model now serving after the reload."""

    ref: str = Field(description="the reference the cache holds it under (default, NAME or NAME:vN)")
    name: str = Field(description="the model name")
    version: str | None = Field(None, description="the version now serving, e.g. v4")
    family: str | None = Field(None, description="model family")
    targets: list[str] = Field([], description="what it predicts")


class ReloadResult(BaseModel):
    reloaded: list[ReloadedModel] = Field(description="ref and version now serving, per cached model")
    failed: list[ReloadFailure] = Field(default_factory=list, description="models that failed to load and keep their old version "
                                        "(a reload of everything only; a model named in the request answers its error instead)")

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"reloaded": [{"ref": "default", "name": "default", "version": "v4", "family": "ngboost", "targets": ["DTC"]}]}
        }
    )


# -- predict ---------------------------------------------------------------------------------
class WellInput(BaseModel):
    """Log samples as column arrays (``curves``) or as rows (``records``), plus optional depth."""

    model_config = ConfigDict(extra="forbid")

    curves: dict[Mnemonic, list[Sample]] | None = Field(
        None, description="column arrays keyed by mnemonic (canonical or vendor; see `aliases`)"
    )
    records: list[dict[Mnemonic, Sample]] | None = Field(
        None, description="alternative to `curves`: one object per sample; may include DEPT"
    )
    depth: list[Depth] | None = Field(None, description="measured depth of each sample, in m (or in the unit `units` "
                                      "gives DEPT, e.g. {\"DEPT\": \"ft\"}: converted to m); default: none, rows numbered 0, 1, 2, ... "
                                      "(no depth companion, no depth-based QC)")
    units: dict[Mnemonic, Annotated[str, StringConstraints(max_length=32)]] | None = Field(
        None, description="unit of each curve when not canonical, e.g. {'RHOB': 'kg/m3'}"
    )
    aliases: dict[Mnemonic, Mnemonic] | None = Field(
        None, description="vendor mnemonic -> canonical mnemonic overrides, e.g. {'ZDEN': 'RHOB'}"
    )

    @field_validator("aliases")
    @classmethod
    def _aliases_name_canonical_curves(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        from welllog.curves.aliases import validate_alias_overrides
        from welllog.errors import UsageError

        try:
            validate_alias_overrides(value)
        except UsageError as exc:  # a 422 naming `aliases`, like every other malformed field
            raise ValueError(str(exc)) from None
        return value

    @field_validator("curves")
    @classmethod
    def _curves_not_empty(cls, value: dict[str, list[Sample]] | None) -> dict[str, list[Sample]] | None:
        if value is not None and not value:
            raise ValueError("`curves` is empty: give at least one curve, e.g. {'GR': [...], 'RHOB': [...]}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> WellInput:
        if (self.curves is None) == (self.records is None):
            raise ValueError("give exactly one of `curves` (column arrays) or `records` (one object per sample)")
        given = "records" if self.records is not None else "curves"
        if self.records is not None:
            if not self.records:
                raise field_error("records", "empty: give at least one sample")
            self.curves = _records_to_curves(self.records)
            self.records = None
        assert self.curves is not None
        if not self.curves:  # e.g. records that are all empty objects
            raise field_error("records", "no curves given: each record needs at least one curve, e.g. {'GR': 80.1, 'RHOB': 2.45}")
        lengths = {name: len(values) for name, values in self.curves.items()}
        if len(set(lengths.values())) > 1:
            raise field_error(given, f"curve arrays differ in length ({lengths}): give one value (or null) per sample")
        n = next(iter(lengths.values()))
        if n == 0:
            raise field_error(given, "curve arrays are empty: give at least one sample")
        if self.depth is not None and len(self.depth) != n:
            raise field_error("depth", f"{len(self.depth)} values but the curves have {n}: give one depth per sample")
        return self

    @property
    def n_samples(self) -> int:
        assert self.curves is not None
        return len(next(iter(self.curves.values())))

    def arrays(self) -> dict[str, list[float]]:
        """Curves with missing values (null, NaN, inf) as NaN, ready for ``well_from_arrays``."""
        assert self.curves is not None
        nan = math.nan
        return {
            name: [v if v is not None and math.isfinite(v) else nan for v in values]
            for name, values in self.curves.items()
        }


def _records_to_curves(records: list[dict[str, Sample]]) -> dict[str, list[Sample]]:
    """Rows -> columns; a key absent from a row is a missing sample in that row."""
    names: dict[str, None] = {}
    for row in records:
        names.update(dict.fromkeys(row))
    return {name: [row.get(name) for row in records] for name in names}


class PredictRequest(WellInput):
    """One well's log samples to predict DTC/DTS for."""

    model: ModelRef | None = Field(None, description="NAME or NAME:VERSION; default: the server's default model")
    quantiles: list[Quantile] | None = Field(
        None, max_length=MAX_QUANTILES, description=f"up to {MAX_QUANTILES} extra quantiles from 0.0001 to 0.9999 besides "
        f"{', '.join(map(str, DEFAULT_QUANTILES))} (always given as p05, p50, p95), e.g. [0.1, 0.9] (rounded to 0.01 percent)"
    )
    tie: bool = Field(False, strict=True, description="also each target's mean tied to the well's own log of it where that log stops "
                      "(`tied`; welllog.tie): give the measured DTC/DTS among the curves")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "default", "curves": EXAMPLE_CURVES, "depth": EXAMPLE_DEPTH, "quantiles": [0.1, 0.9]},
                {
                    "records": [{"DEPT": 1500.0, "GR": 55.2, "ZDEN": 2.31, "CNC": 0.28}],
                    "aliases": {"ZDEN": "RHOB", "CNC": "NPHI"},
                },
            ]
        },
    )


class TargetPrediction(BaseModel):
    """Predictive distribution of one target, one value per input sample (null: not predicted)."""

    unit: str = Field("us/ft", description="unit of every value below")
    mean: list[float | None] = Field(description="predictive mean")
    std: list[float | None] = Field(description="predictive standard deviation")
    p05: list[float | None] = Field(description="5th percentile (the 90% interval is p05 to p95)")
    p50: list[float | None] = Field(description="median")
    p95: list[float | None] = Field(description="95th percentile")
    quantiles: dict[str, list[float | None]] = Field(
        default_factory=dict, description="requested extra quantiles keyed like 'p10', 'p90'"
    )
    qc: list[int] = Field(
        description="0 = usable inputs; bits: " + describe_qc_bits()
    )
    tied: list[float | None] | None = Field(
        None,
        description="the mean tied to the well's own log of this target where that log stops (welllog.tie): on predicted "
        "samples without a measured value, shifted by the median error over the 30 m of log beside them, fading over "
        "100 m (tied - mean = the shift; null on logged samples and out of reach); absent unless `tie` was asked and the well logs "
        "the target over part of the predicted samples",
    )
    out_of_range: dict[str, int] = Field(
        default_factory=dict,
        description="why predicted samples carry qc bit 8, as sample counts per cause (a sample can have several): "
        "an input curve's mnemonic (its value outside the training range), 'depth' (beyond the training wells' "
        "depths), 'prediction' (the predicted value beyond the training values), 'mudrock line' (DTS only); the flagged "
        "total is the number of `qc` values with bit 8 (never set on a sample not predicted)",
    )


class ModelRefInfo(BaseModel):
    """The model that answered (also in header X-Welllog-Model)."""

    name: str = Field(description="the model name")
    version: str | None = Field(None, description="its version, e.g. v1")
    family: str | None = Field(None, description="model family, e.g. lightgbm")
    targets: list[str] = Field([], description="what it predicts")


class CurveInfo(BaseModel):
    """How one canonical curve was obtained from the curves sent (further fields may be added)."""

    model_config = ConfigDict(extra="allow")

    canonical: str = Field(description="canonical mnemonic, e.g. RHOB")
    source: str = Field(description="the mnemonic as sent, e.g. ZDEN")
    source_unit: str = Field("", description="unit as declared ('' when none)")
    unit: str = Field(description="canonical unit after conversion, e.g. g/cm3")
    conversion: str = Field("none", description="unit conversion applied, e.g. \"us/m -> us/ft (x 0.3048)\", or how the "
                            "unit was inferred; \"none\"")
    reason: str = Field("", description="why this source curve was chosen (alias rank, override, competition outcome)")


class ProvenanceStep(BaseModel):
    """One recorded decision or change (further fields may be added)."""

    model_config = ConfigDict(extra="allow")

    step: str = Field(description="which step decided, e.g. read, alias, unit, qc, depth, user, predict, model, warning "
                      "(an open set)")
    curve: str | None = Field(None, description="the curve it concerns, null for the whole well")
    message: str = Field(description="what was decided or changed, and why")


class PredictResponse(BaseModel):
    """Per-target predictive distributions, one value per input sample in input order."""

    well: str = Field(description="an upload's file name without extension (it names a downloaded file); "
                      "\"request\" for a JSON body")
    header_well: str | None = Field(None, description="the WELL name in an uploaded LAS file's header, as `welllog "
                                    "evaluate` and `welllog train` report it (join on it); null when there is none")
    model: ModelRefInfo = Field(description="the model that answered")
    samples: int = Field(description="number of input samples (rows); every array below has one value per sample")
    depth: list[float | None] = Field(description="depth (m) of each sample as used (null: the row was dropped); the row "
                                      "number (0, 1, 2, ...) for a request or file without depth")
    targets: dict[str, TargetPrediction] = Field(description="the prediction per target, keyed DTC, DTS")
    curves: list[CurveInfo] = Field(description="how each canonical curve was obtained (alias, unit)")
    provenance: list[ProvenanceStep] = Field(description="every alias, unit and QC decision, in order")
    qc_summary: dict[str, Any] = Field(description="QC of the input curves: flagged samples per curve and cause")
    warnings: list[str] = Field(default_factory=list, description="what the caller should know although the request "
                                "succeeded, e.g. most logged rows not predicted because a required curve is missing there")

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "model": {"name": "default", "version": "v1", "family": "ngboost", "targets": ["DTC"]},
                "well": "request",
                "samples": 1,
                "depth": [1500.0],
                "targets": {
                    "DTC": {
                        "unit": "us/ft",
                        "mean": [92.1],
                        "std": [4.2],
                        "p05": [85.2],
                        "p50": [92.1],
                        "p95": [99.0],
                        "quantiles": {},
                        "qc": [0],
                        "out_of_range": {},
                    }
                },
                "curves": [{"canonical": "RHOB", "source": "ZDEN", "source_unit": "g/cc", "unit": "g/cm3",
                            "conversion": "none", "reason": "alias table"}],
                "provenance": [{"step": "alias", "curve": "RHOB", "message": "ZDEN -> RHOB (alias table)"}],
                "qc_summary": {},
                "warnings": [],
            }
        }
    )


class UploadFormat(str, Enum):
    """What ``POST /v1/predict/las`` answers: ``json`` (PredictResponse); ``las`` and ``csv`` are deprecated
    there: use ``POST /v1/predict/las/download``."""

    json = "json"
    las = "las"
    csv = "csv"


class DownloadFormat(str, Enum):
    """The file ``POST /v1/predict/las/download`` answers: the upload with prediction columns appended, as
    LAS 2.0 (``las``) or CSV (``csv``)."""

    las = "las"
    csv = "csv"


#: the multipart body of both upload routes, a named component (``WellUpload``) so generated clients
#: share one class; the routes parse it themselves, in memory (api.uploads), so it is declared here
UPLOAD_BODY_SCHEMA: dict[str, Any] = {
    "title": "WellUpload",
    "type": "object",
    "description": "one well file as multipart/form-data field `file` (LAS 2.0 or CSV; gzipped is read as the file "
                   "inside)",
    "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "LAS 2.0 or CSV file"}},
}


# -- explain ---------------------------------------------------------------------------------
class ExplainRequest(WellInput):
    """The samples of one well to explain, and which target and parameter."""

    model: ModelRef | None = Field(None, description="NAME or NAME:VERSION; default: the server's default model")
    target: Annotated[str, StringConstraints(max_length=16)] | None = Field(
        None, description="DTC or DTS (any case); default: the model's first target"
    )
    parameter: Literal["mean", "scale"] = Field(
        "mean", description="which distribution parameter to explain (scale: NGBoost's log-std)"
    )
    depths: list[Depth] | None = Field(None, description="explain the samples nearest these depths (m)")
    depth_range: tuple[Depth, Depth] | None = Field(None, description="explain every sample in [top, bottom] (m)")
    group: bool = Field(True, strict=True, description="sum the contributions of features derived from the same curve")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "default", "curves": EXAMPLE_CURVES, "depth": EXAMPLE_DEPTH, "target": "DTC", "depths": [1500.15]}
            ]
        },
    )

    @model_validator(mode="after")
    def _one_selection(self) -> ExplainRequest:
        if self.depths is not None and self.depth_range is not None:
            raise ValueError("give `depths` or `depth_range`, not both")
        if self.depths is not None and not self.depths:
            raise field_error("depths", "empty: give at least one depth or omit it to explain every sample")
        if self.depth_range is not None and self.depth_range[0] > self.depth_range[1]:
            raise field_error("depth_range", "must be [top, bottom] with top <= bottom")
        return self


class ServedInfo(BaseModel):
    """What /v1/predict serves at the explained samples, and how it relates to the explained output
    (further fields may be added)."""

    model_config = ConfigDict(extra="allow")

    column: str | None = Field(None, description="the served column, T_MEAN or T_STD (e.g. DTC_MEAN)")
    values: list[float | None] = Field(default_factory=list, description="what /v1/predict serves at each explained sample (us/ft)")
    explained: list[float | None] | None = Field(None, description="`output` read as the served statistic (us/ft), per sample")
    reason: str | None = Field(None, description="what is explained and how the served value is made from it")
    note: str | None = Field(None, description="`reason` plus the gap on these samples")
    equal: bool | None = Field(None, description="whether the served value is the explained output (null: nothing to compare)")
    mean_abs_gap: float | None = Field(None, description="mean |served - explained| over the samples (us/ft)")
    max_abs_gap: float | None = Field(None, description="largest |served - explained| (us/ft)")


class ExplainResponse(BaseModel):
    """SHAP contributions per explained sample (further fields may be added)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "model": {"name": "default", "version": "v1", "family": "ngboost", "targets": ["DTC"]},
                "well": "request",
                "target": "DTC",
                "parameter": "mean",
                "grouped": True,
                "base_value": 95.0,
                "features": ["RHOB", "NPHI", "GR"],
                "depths": [1500.15],
                "values": [[-4.1, 2.2, 0.7]],
                "output": [93.8],
                "feature_values": [[2.35, 0.25, 61.0]],
                "family": "ngboost",
                "transform": "raw model output",
                "served": {"column": "DTC_MEAN", "values": [93.8], "explained": [93.8], "reason": "the served mean is the "
                           "explained model's output", "note": "the served mean is the explained model's output",
                           "equal": True, "mean_abs_gap": 0.0, "max_abs_gap": 0.0},
                "explained_model": "main",
                "left_out": None,
            }
        },
    )

    model: ModelRefInfo = Field(description="the model that answered")
    well: str = Field(description="the well's name (an upload's file name without extension; \"request\" for a JSON body)")
    target: str = Field(description="the explained target, e.g. DTC")
    parameter: Literal["mean", "scale"] = Field(description="the explained distribution parameter (request `parameter`)")
    grouped: bool = Field(description="contributions of features derived from one curve summed per curve (request `group`)")
    base_value: float | None = Field(description="the model's expected output: each row of `values` adds to it")
    features: list[str] = Field(description="the columns of `values`: source curves (grouped) or model features")
    depths: list[float | None] = Field(description="depth (m) of each explained sample")
    values: list[list[float | None]] = Field(description="contribution per sample x feature (target unit)")
    output: list[float | None] = Field(description="model output per sample = base_value + sum(values)")
    feature_values: list[list[float | None]] | None = Field(
        None, description="the input value shown with each contribution (samples x features)"
    )
    family: str | None = Field(None, description="model family, e.g. lightgbm")
    transform: str | None = Field(None, description="output space of the contributions (e.g. log for scale), and what "
                                  "the explained model is when the served value is made from several")
    served: ServedInfo | None = Field(
        None, description="what /v1/predict serves at the same depths (T_MEAN or T_STD: 'column', per-depth 'values', "
                          "'explained' = output read as that statistic in us/ft: the mean itself, for scale exp(output) (NGBoost) or "
                          "the residual-scale model's factor x output, so it differs from 'output' there) and 'reason'/'note': how the served value is made from the "
                          "explained model (recipe: depth companion, DTS route blend, calibration), with the gap")
    explained_model: Literal["main", "reduced-input"] | None = Field(
        None, description="'main', or 'reduced-input' where every sample asked for is one only the recipe's reduced-input "
                          "model predicts (no density/neutron there, T_QC bit 32)")
    left_out: str | None = Field(
        None, description="samples of `depth_range` (or the whole well) that only the reduced-input model predicts, not in "
                          "this explanation of the main model, and a depth range that explains them; null when none")
