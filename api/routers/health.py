"""Liveness and readiness: ``/health`` says the process answers, ``/ready`` that it can predict
(``GET``, and ``HEAD`` for probes).

Both are ``async``: they run on the event loop, never queued behind predictions in the worker
threads, so a probe answers at once under load (it took up to 10 s at 64 concurrent uploads)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

import welllog
from welllog.errors import WelllogError

from ..deps import ModelCache, get_cache
from ..errors import ModelNotReadyError
from ..schemas import Health, Ready
from . import error_responses

log = logging.getLogger("welllog.api")
#: seconds between two load attempts by /ready while the default model is missing
READY_RETRY_S = 10.0
router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, summary="Liveness", response_description="the process is up",
            responses=error_responses())
async def health() -> Health:
    """200 whenever the process is up; does not touch the model store (cheap for HEALTHCHECK)."""
    return Health(version=getattr(welllog, "__version__", "unknown"))


@router.get("/ready", response_model=Ready, summary="Readiness", response_description="the default model is loaded",
            responses=error_responses(503, texts={503: "the default model is not loaded (yet), e.g. before the first "
                                                  "training (code model_not_ready)"}))
async def ready(cache: ModelCache = Depends(get_cache)) -> Ready:
    """200 when the default model is loaded; 503 (JSON) until then, e.g. before the first training.

    When it is not loaded yet, one load is tried (in a worker thread, at most every
    :data:`READY_RETRY_S`): a default promoted after start-up is what the first prediction would
    load anyway, and a probe that kept answering 503 then would never let traffic in (API audit)."""
    loaded = cache.peek()
    if loaded is None and cache.may_try_default(READY_RETRY_S):
        try:
            loaded = await run_in_threadpool(cache.get)
        except WelllogError as exc:
            log.info("readiness: default model not loadable yet: %s", exc)
    if loaded is None:
        name = cache.default_ref.split(":")[0]
        raise ModelNotReadyError(
            f"default model {cache.default_ref!r} is not in the model store or cannot be loaded; promote a trained model "
            f"to it (welllog promote NAME:vN --to {name}), or train one under that name (welllog train ... --name {name})"
        )
    return Ready(model=loaded.ref, version=loaded.version, targets=loaded.targets)


# HEAD answers as GET does (container and load-balancer probes) but is left out of the schema: a second
# operation with the same handler got the same operationId (picked by PYTHONHASHSEED), validators
# refused the schema and client generators kept HEAD only (data-engineer audit)
router.add_api_route("/health", health, methods=["HEAD"], include_in_schema=False, name="health_head")
router.add_api_route("/ready", ready, methods=["HEAD"], include_in_schema=False, name="ready_head")
