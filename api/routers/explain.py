"""SHAP contributions for chosen samples: why the model predicted what it did at those depths."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from welllog.errors import UsageError
from welllog.jsonable import jsonable

from ..convert import check_body_samples, well_from_request
from ..deps import ModelCache, admitted, get_cache, get_settings, require_api_key
from ..errors import InvalidRequestError, PayloadTooLargeError
from ..schemas import ExplainRequest, ExplainResponse
from ..settings import Settings
from . import error_responses

router = APIRouter(prefix="/v1", tags=["explain"], dependencies=[Depends(require_api_key), Depends(admitted)])


@router.post(
    "/explain",
    response_model=ExplainResponse,
    summary="SHAP contributions per sample",
    responses=error_responses(400, 401, 404, 409, 413, 422, 503),
    response_description="the contributions per explained sample, and what /v1/predict serves there",
)
def explain(
    body: ExplainRequest = Body(
        openapi_examples={"nearest depth": {"value": ExplainRequest.model_config["json_schema_extra"]["examples"][0]}}
    ),
    cache: ModelCache = Depends(get_cache),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """Same body as /v1/predict plus ``target``, ``parameter`` and either ``depths`` (nearest samples)
    or ``depth_range`` (every sample inside); without either, every sample is explained. SHAP is
    costly, so the number of samples explained per request is capped (WELLLOG_MAX_EXPLAIN_SAMPLES).

    ``output`` is the explained model's output (= ``base_value`` + the row of ``values``). The
    served prediction can differ from it (the recommended recipe averages DTC with a depth
    companion, blends DTS from three routes, calibrates the std), so the answer adds ``served``:
    ``column`` (T_MEAN / T_STD), ``values`` (what /v1/predict serves at each of ``depths``),
    ``explained`` (``output`` read as that statistic, us/ft: for ``scale`` exp(output) for NGBoost, the
    residual-scale model's factor x output for the others), ``reason`` (one sentence: what is
    explained and how the served value differs), ``note`` (the same with the gap), ``equal`` and
    the mean/max absolute gap. Additive: older clients ignore it."""
    from welllog.explain import explain_samples
    from welllog.explain.core import resolve_target

    check_body_samples(body, settings)  # before anything costly
    loaded = cache.get(body.model)
    try:  # the library's own check, answered as a field error
        resolve_target(loaded.model, body.target)
    except UsageError as exc:
        raise InvalidRequestError("target", str(exc)) from None
    well = well_from_request(body, settings)
    _check_explain_size(body, well.depth, settings)
    try:
        result: dict[str, Any] = explain_samples(
            loaded.model,
            well,
            target=body.target,
            depths=body.depths,
            depth_range=tuple(body.depth_range) if body.depth_range else None,
            parameter=body.parameter,
            group=body.group,
        )
    except UsageError as exc:  # which samples to explain (none in the range, both models' rows): a field error
        raise InvalidRequestError(_selection_field(body), str(exc)) from None
    return JSONResponse({"model": loaded.info(), **jsonable(result)}, headers=loaded.headers())


def _check_explain_size(body: ExplainRequest, depth: np.ndarray, settings: Settings) -> None:
    if body.depths is not None:
        n = len(body.depths)
    elif body.depth_range is not None:
        n = int(((depth >= body.depth_range[0]) & (depth <= body.depth_range[1])).sum())
    else:
        n = len(depth)
    if n > settings.max_explain_samples:
        raise PayloadTooLargeError(
            f"{n} samples to explain, more than the limit of {settings.max_explain_samples}; "
            "narrow `depths`/`depth_range` or raise WELLLOG_MAX_EXPLAIN_SAMPLES",
            field=_selection_field(body),
        )


def _selection_field(body: ExplainRequest) -> str:
    """The request field that chose the samples to explain — ``depths``, else ``depth_range``, which
    is also the one to give when the whole well (neither) cannot be explained in one request."""
    return "depths" if body.depths is not None else "depth_range"
