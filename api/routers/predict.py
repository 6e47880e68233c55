"""Predictions: JSON arrays in, per-target distributions out; or a LAS/CSV file in and JSON
(``/v1/predict/las``) or the file with prediction columns (``/v1/predict/las/download``) out.

Prediction is CPU-bound: the JSON route is a plain ``def`` (FastAPI runs it in the threadpool) and
the upload route reads the body asynchronously, then hands the work to the threadpool, so the event
loop keeps serving health checks and other requests meanwhile.
"""

from __future__ import annotations

import io
import re
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import StringConstraints
from starlette.concurrency import run_in_threadpool

from welllog.errors import MissingCurvesError, WelllogError
from welllog.ingest.paths import well_stem
from welllog.well import Well

from ..convert import check_body_samples, check_declared_units, check_samples, input_depths, prediction_json, quantile_levels, unused_curves_warning, well_from_request, well_report
from ..deps import LoadedModel, ModelCache, admitted, get_cache, get_settings, require_api_key
from ..errors import InvalidRequestError
from ..schemas import DownloadFormat, PredictRequest, PredictResponse, UploadFormat
from ..settings import MODEL_REF_PATTERN, Settings
from ..uploads import read_upload
from . import error_responses

router = APIRouter(prefix="/v1/predict", tags=["predict"], dependencies=[Depends(require_api_key), Depends(admitted)])
ERRORS = error_responses(400, 401, 404, 409, 413, 422, 503)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def run_prediction(loaded: LoadedModel, well: Well, extra_quantiles: list[float] | None, tie: bool = False) -> dict[str, Any]:
    """Predict ``well`` and shape the JSON body (shared by the JSON and upload routes); ``tie`` adds
    each target's ``tied`` array (welllog.tie)."""
    from welllog.ingest.las_lasio import header_well
    from welllog.predict import checked_prediction

    pred, _, warning = checked_prediction(loaded.model, well, quantile_levels(extra_quantiles), tie)
    targets = [t for t in loaded.targets if f"{t}_MEAN" in pred.columns]
    return {
        "warnings": [warning] if warning else [],
        "model": loaded.info(),
        "well": well.name,
        "header_well": header_well(well.header),
        "samples": int(len(well.original)),
        "depth": input_depths(well),
        "targets": prediction_json(well, pred, targets, extra_quantiles),
        **well_report(well),
    }


@router.post("", response_model=PredictResponse, summary="Predict DTC/DTS from JSON curves", responses=ERRORS,
             response_description="the predictive distribution per target, one value per input sample")
def predict(
    request: Request,
    body: PredictRequest = Body(openapi_examples={
        "columns": {"summary": "column arrays", "value": PredictRequest.model_config["json_schema_extra"]["examples"][0]},
        "records": {"summary": "rows with vendor mnemonics", "value": PredictRequest.model_config["json_schema_extra"]["examples"][1]},
    }),
    cache: ModelCache = Depends(get_cache),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """Mean, std, P05/P50/P95 (+ requested quantiles) and QC codes per target, one value per input
    sample in input order; plus how each curve was mapped (aliases, units) and the QC summary.

    ``null``, ``NaN`` and ``Infinity`` in a curve are missing samples.
    """
    check_body_samples(body, settings)  # before anything costly
    loaded = cache.get(body.model)
    well = well_from_request(body, settings)
    result = run_prediction(loaded, well, body.quantiles, body.tie)
    unused = unused_curves_warning(well, said=result["warnings"])
    if unused:
        result["warnings"].append(unused)
    request.app.state.metrics.samples.labels(loaded.name).inc(result["samples"])
    # already plain JSON data: skip re-validating tens of thousands of floats
    return JSONResponse(result, headers=loaded.headers())


#: the query parameters of the upload routes (any other is refused: a misspelt one was ignored)
UPLOAD_QUERY = ("model", "format", "alias", "unit", "tie")

#: the multipart body (component WellUpload, installed by api.main): parsed by api.uploads, in memory
FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/WellUpload"}}},
    }
}
#: the file answers: bytes. ``application/octet-stream`` comes first because client generators read the
#: first media type (openapi-python-client: bytes; a text/* type is read as text and broke its File);
#: the server sends text/plain (LAS) or text/csv, as the other two say
FILE_CONTENT = {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "text/plain": {"schema": {"type": "string", "format": "binary"}, "example": "~Version ...\n~Curve ...\nDTC_MEAN.us/ft ..."},
    "text/csv": {"schema": {"type": "string", "format": "binary"},
                 "example": "DEPT,GR,...,DTC_MEAN,DTC_STD,DTC_P05,DTC_P50,DTC_P95,DTC_QC"},
}
DOWNLOAD_HEADERS = {
    "Content-Disposition": {"description": "attachment; the upload's name with .las or .csv", "schema": {"type": "string"}},
    "X-Welllog-Model": {"description": "NAME:vN of the model that answered", "schema": {"type": "string"}},
}


# the query parameters both upload routes take, declared once
Override = Annotated[str, StringConstraints(max_length=80)]
ModelQuery = Annotated[str | None, Query(pattern=MODEL_REF_PATTERN, max_length=129, examples=["default"],
                                         description="NAME or NAME:VERSION; default: the server's default model")]
AliasQuery = Annotated[list[Override], Query(max_length=64, description="map a file curve onto a canonical curve, "
                                             "SRC=CANON (repeatable), e.g. alias=HDRS=RDEP")]
UnitQuery = Annotated[list[Override], Query(max_length=64, description="give or correct a curve's unit, MNEMONIC=UNIT "
                                            "(repeatable), e.g. unit=DT=us/m")]
TieQuery = Annotated[bool, Query(description="also the mean tied to the file's own DTC/DTS log where that log stops: "
                                 "`tied` per target (JSON) or T_TIED columns (las, csv); welllog.tie")]


@router.post(
    "/las",
    summary="Predict from an uploaded LAS or CSV file (JSON answer)",
    responses={
        200: {
            "description": "JSON like /v1/predict; with the deprecated format=las|csv, the file with prediction columns "
                           "appended (use POST /v1/predict/las/download for that)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}},
                **{media: FILE_CONTENT[media] for media in ("text/plain", "text/csv")},
            },
        },
        **ERRORS,
    },
    openapi_extra=FILE_BODY,
)
async def predict_file(
    request: Request,
    model: ModelQuery = None,
    format: UploadFormat = Query(UploadFormat.json, deprecated=True, description="deprecated: leave it out (JSON). "
                                 "format=las|csv still answers the file, as before; new callers use POST "
                                 "/v1/predict/las/download?format=las|csv, a separate operation a generated client can read"),
    alias: AliasQuery = [],  # FastAPI deep-copies a default per request
    unit: UnitQuery = [],
    tie: TieQuery = False,
    cache: ModelCache = Depends(get_cache),
    settings: Settings = Depends(get_settings),
) -> Response:
    """The upload (multipart field ``file``) is parsed in memory and answered like ``POST /v1/predict``
    (``well`` = the file name's stem, ``header_well`` = the LAS header's WELL). ``alias`` and ``unit``
    are the CLI's ``--alias`` / ``--unit`` for files whose mnemonics or units need help. For the file
    itself with prediction columns appended, use ``POST /v1/predict/las/download``."""
    return await _upload(request, model, format.value, alias, unit, tie, cache, settings)


@router.post(
    "/las/download",
    summary="Predict from an uploaded LAS or CSV file (file answer)",
    response_class=Response,
    responses={
        200: {"description": "the uploaded file with prediction columns appended: LAS 2.0 (Content-Type text/plain) or "
                             "CSV (text/csv)", "content": FILE_CONTENT, "headers": DOWNLOAD_HEADERS},
        **ERRORS,
    },
    openapi_extra=FILE_BODY,
)
async def predict_file_download(
    request: Request,
    format: DownloadFormat = Query(description="the file to answer: las (LAS 2.0) or csv"),
    model: ModelQuery = None,
    alias: AliasQuery = [],  # FastAPI deep-copies a default per request
    unit: UnitQuery = [],
    tie: TieQuery = False,
    cache: ModelCache = Depends(get_cache),
    settings: Settings = Depends(get_settings),
) -> Response:
    """The upload (multipart field ``file``) is parsed in memory; the answer keeps every original
    curve untouched and appends T_MEAN, T_STD, T_P05, T_P50, T_P95, T_QC per target (and T_TIED with
    ``tie``), named after the upload (Content-Disposition). Same query parameters and errors as
    ``POST /v1/predict/las``."""
    return await _upload(request, model, format.value, alias, unit, tie, cache, settings)


async def _upload(
    request: Request, model: str | None, fmt: str, alias: list[str], unit: list[str], tie: bool, cache: ModelCache,
    settings: Settings,
) -> Response:
    """Both upload routes: check the query, read the file (in memory), predict in the threadpool."""
    unknown = [k for k in dict.fromkeys(request.query_params) if k not in UPLOAD_QUERY]
    if unknown:  # `?fromat=csv` answered JSON with a 200 (API audit): a typo must not pass silently
        raise InvalidRequestError(unknown[0], f"unknown query parameter; this route takes {', '.join(UPLOAD_QUERY)}")
    upload = await read_upload(request, "file", settings.max_upload_bytes)
    overrides = (_overrides(alias, "alias"), _overrides(unit, "unit"))
    return await run_in_threadpool(_predict_upload, request, upload.filename, upload.data, model, fmt, cache, settings, overrides, tie)


def _overrides(pairs: list[str], field: str) -> dict[str, str]:
    """``SRC=VALUE`` query values -> dict. One rule for both parameters: a malformed value (no
    ``=``), an alias onto no canonical curve or a unit that is no unit is a 422 naming the query
    parameter (``alias`` / ``unit``), like the JSON body's ``aliases`` / ``units``."""
    from welllog.curves import parse_overrides
    from welllog.curves.aliases import validate_alias_overrides
    from welllog.curves.units import UNITS, normalise_unit
    from welllog.errors import UsageError

    try:
        out = parse_overrides(pairs, field)
        if field == "alias":
            validate_alias_overrides(out)
    except UsageError as exc:
        raise InvalidRequestError(field, str(exc)) from None
    if field == "unit":
        for key, value in out.items():
            if normalise_unit(value) is None:
                raise InvalidRequestError(field, f"unit {value!r} of {key} ({field}={key}={value}) is not recognised; use one "
                                          f"of {', '.join(sorted(UNITS))}, or leave it out to have it inferred from the values")
    return out


#: the library names override fields as the JSON body does; the upload's are query parameters
_UPLOAD_FIELDS = {"aliases": "alias", "units": "unit"}


def _upload_error(exc: WelllogError) -> WelllogError:
    """A library error about an upload, naming what the caller sent: the query parameter
    ``alias``/``unit`` for an override (the library says ``aliases.SRC``/``units.MNEM``, the JSON
    body's fields; always 422, as a malformed value is), else the multipart field ``file``."""
    field = getattr(exc, "field", None)
    param = _UPLOAD_FIELDS.get(str(field).split(".", 1)[0]) if field else None
    if param is not None:
        if int(getattr(exc, "http_status", 400)) != 422:
            return InvalidRequestError(param, str(exc))
        exc.field = param  # type: ignore[attr-defined]
    elif field is None or isinstance(exc, MissingCurvesError):
        exc.field = "file"  # type: ignore[attr-defined]  # the file lacks curves, is unreadable, ...
    return exc


def _predict_upload(
    request: Request, filename: str, data: bytes, model: str | None, fmt: str, cache: ModelCache, settings: Settings,
    overrides: tuple[dict[str, str], dict[str, str]] | None = None, tie: bool = False,
) -> Response:
    overrides = overrides or ({}, {})
    loaded = cache.get(model)
    try:
        return _predict_loaded(request, filename, data, loaded, fmt, settings, overrides, tie)
    except WelllogError as exc:
        raise _upload_error(exc) from None


def _predict_loaded(
    request: Request, filename: str, data: bytes, loaded: LoadedModel, fmt: str, settings: Settings,
    overrides: tuple[dict[str, str], dict[str, str]], tie: bool = False,
) -> Response:
    from welllog.ingest import read_well

    # the well keeps the name the user gave its file (errors and the response say it as sent);
    # only the download's header gets the shell- and header-safe form
    name = "".join(ch for ch in well_stem(PurePath(filename.replace("\\", "/"))) if ch.isprintable()).strip() or "upload"
    stem = _SAFE_NAME.sub("_", name)
    aliases, units = overrides
    well = read_well(data, name=name, aliases=aliases or None, units=units or None)
    check_declared_units(well, units, field=lambda _source: "unit")
    check_samples(len(well.original), settings, what=filename, field="file")
    if fmt == "json":
        result = run_prediction(loaded, well, None, tie)
        request.app.state.metrics.samples.labels(loaded.name).inc(result["samples"])
        return JSONResponse(result, headers=loaded.headers())
    from welllog.predict import predict_well, write_prediction

    pred = predict_well(loaded.model, well, quantile_levels(None), tie)
    buffer = io.BytesIO()
    write_prediction(well, pred, buffer, fmt)
    request.app.state.metrics.samples.labels(loaded.name).inc(len(well.original))
    media = "text/csv" if fmt == "csv" else "text/plain"
    return Response(
        buffer.getvalue(),
        media_type=media,
        # the safe ASCII name for old clients, and the name as sent (RFC 6266 / 5987) for the rest:
        # "Ünïcødé well 1" came back as "_n_c_d_well_1" (API audit)
        headers={"Content-Disposition": f"attachment; filename=\"{stem}.{fmt}\"; filename*=UTF-8''{quote(f'{name}.{fmt}')}",
                 **loaded.headers()},
    )
