"""Liveness and readiness: ``/health`` says the process answers, ``/ready`` that it can predict.

Both are ``async``: they run on the event loop, never queued behind predictions in the worker
threads, so a probe answers at once under load (it took up to 10 s at 64 concurrent uploads)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

import welllog

from ..deps import ModelCache, get_cache
from ..errors import ModelNotReadyError
from ..schemas import Health, Ready
from . import error_responses

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health, summary="Liveness")
async def health() -> Health:
    """200 whenever the process is up; does not touch the model store (cheap for HEALTHCHECK)."""
    return Health(version=getattr(welllog, "__version__", "unknown"))


@router.get("/ready", response_model=Ready, summary="Readiness", responses=error_responses(503))
async def ready(cache: ModelCache = Depends(get_cache)) -> Ready:
    """200 when the default model is loaded; 503 (JSON) until then, e.g. before the first training."""
    loaded = cache.peek()
    if loaded is None:
        raise ModelNotReadyError(
            f"default model {cache.default_ref!r} is not loaded from {cache.models_dir}; promote a trained model to it "
            f"(welllog promote NAME:vN --to {cache.default_ref.split(':')[0]}), or train one under that name "
            f"(welllog train ... --name {cache.default_ref.split(':')[0]}), then POST /v1/models/reload"
        )
    return Ready(model=loaded.ref, version=loaded.version, targets=loaded.targets)
