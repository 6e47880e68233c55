"""The app factory: ``create_app()`` wires settings, model cache, routers, errors and metrics.

A factory (not a module-level app) so tests and ``welllog serve`` can each build an app on their
own models directory and settings. The default model is loaded once in the lifespan handler, in a
worker thread; a missing model is not fatal — the API starts, ``/ready`` answers 503 and a later
``POST /v1/models/reload`` picks it up.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

import welllog
from welllog.errors import WelllogError

from . import metrics as metrics_module
from .deps import Admission, ModelCache
from .errors import install_error_handlers
from .metrics import Metrics
from .middleware import ApiKeyMiddleware, DeclaredSizeMiddleware, RequestContextMiddleware, configure_logging
from .routers import REQUEST_BODY, explain, health, models, predict
from .schemas import UPLOAD_BODY_SCHEMA
from .settings import Settings

log = logging.getLogger("welllog.api")

DESCRIPTION = """Synthetic sonic logs (DTC, DTS in us/ft) with a full predictive distribution.

* Errors are always JSON: `{"error": {"code", "message", "field", "detail", "request_id"}}` (every key
  present, null when it does not apply); bad input is 4xx.
* `GET /v1/models` shows the `served_version` of each model beside the store's `latest`; when they
  differ (`reload_needed`), `POST /v1/models/reload` serves the new version.
* In curve arrays `null` is a missing sample (`NaN`/`Infinity`, not valid JSON, are read as missing too).
* Files: `POST /v1/predict/las` answers JSON; `POST /v1/predict/las/download?format=las|csv` the file.
* When the server has `WELLLOG_API_KEY` set, every `/v1` route needs header `X-API-Key`.
* `X-Request-ID` is honoured (or generated) and returned on every answer.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    cache: ModelCache = app.state.models
    try:
        await run_in_threadpool(cache.get)
    except WelllogError as exc:  # start anyway: /ready says 503 until a model is available
        log.warning("default model not loaded: %s", exc, extra={"model": cache.default_ref})
    except ImportError as exc:  # pragma: no cover - the store module is missing
        log.warning("model store unavailable: %s", exc)
    app.state.metrics.models_loaded.set(len(cache.loaded()))
    yield


def operation_id(route: APIRoute) -> str:
    """The handler's name (``predict``, ``predict_file``, ``list_models``, ``health``, ...): readable, and
    stable when a prefix or method changes — FastAPI's default (``predict_v1_predict_post``) named
    the generated client's functions after the path (data-engineer audit). Tests keep them unique."""
    return route.name


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema (built once, cached by FastAPI), with what its generator cannot say: a request
    body that *replaces* the generated one (:data:`api.routers.REQUEST_BODY`; FastAPI merges
    ``openapi_extra`` into it, and reload's optional body stayed ``anyOf[ReloadRequest, null]``,
    which crashed a generated client), and the named multipart body of the upload routes
    (``WellUpload``). Idempotent: it edits FastAPI's cached schema in place."""
    schema = FastAPI.openapi(app)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            body = operation.pop(REQUEST_BODY, None) if isinstance(operation, dict) else None
            if body is not None:
                operation["requestBody"] = copy.deepcopy(body)
    schema.setdefault("components", {}).setdefault("schemas", {}).setdefault("WellUpload", copy.deepcopy(UPLOAD_BODY_SCHEMA))
    return schema


def create_app(models_dir: str | Path | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the API. ``models_dir`` overrides the settings' (and WELLLOG_MODELS_DIR)."""
    settings = settings or Settings.from_env()
    if models_dir is not None:
        from dataclasses import replace

        settings = replace(settings, models_dir=Path(models_dir))
    configure_logging(settings.log_json)

    app = FastAPI(
        title="welllog",
        version=getattr(welllog, "__version__", "0.1.0"),
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.models = ModelCache(settings.models_dir, settings.default_model)
    app.state.admission = Admission(settings.max_in_flight)

    install_error_handlers(app)
    for router in (health.router, metrics_module.router, models.router, predict.router, explain.router):
        app.include_router(router)
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]

    # innermost first: a declared oversize body is refused after the key check (401 before 413), both inside CORS
    app.add_middleware(DeclaredSizeMiddleware, max_body_bytes=settings.max_upload_bytes)
    app.add_middleware(ApiKeyMiddleware, api_key=settings.api_key)  # CORS headers go on its 401
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "X-Welllog-Model"],
        )
    # outermost: request id, streamed size limit, log and metrics see every request, CORS preflights included
    app.add_middleware(
        RequestContextMiddleware, metrics=app.state.metrics, max_body_bytes=settings.max_upload_bytes
    )
    return app
