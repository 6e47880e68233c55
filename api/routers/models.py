"""The model store as seen by clients: list, versions, reload."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Body, Depends, Path
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from welllog.errors import ModelIntegrityError, ModelNotFoundError, error_code

from welllog.jsonable import jsonable
from ..deps import ModelCache, get_cache, get_settings, require_api_key
from ..schemas import ModelList, ModelSummary, ModelVersionInfo, ModelVersions, ReloadFailure, ReloadRequest, ReloadResult
from ..settings import MODEL_REF_PATTERN, Settings
from . import REQUEST_BODY, error_responses

log = logging.getLogger("welllog.api")

router = APIRouter(prefix="/v1/models", tags=["models"], dependencies=[Depends(require_api_key)])


@router.get("", response_model=ModelList, summary="List stored models", responses=error_responses(401),
            response_description="every stored model, and the version the API serves of each")
def list_models(cache: ModelCache = Depends(get_cache), settings: Settings = Depends(get_settings)) -> ModelList:
    """Every model in the store with its metadata (targets, family, validation metrics), and what
    the API serves: ``served_version`` (loaded at start-up or the last reload) next to the store's
    ``latest``; ``reload_needed`` says when a newer version waits for ``POST /v1/models/reload``."""
    loaded = {item.name for item in cache.loaded()}
    models = []
    for entry in _list_store(cache):
        entry = jsonable(dict(entry))
        name = str(entry.get("name", ""))
        entry["loaded"] = name in loaded
        entry.setdefault("latest", entry.get("version"))
        entry.update(_serving(cache, name, entry.get("latest")))
        try:
            models.append(ModelSummary.model_validate(entry))
        except ValidationError as exc:  # metadata of an unexpected shape: leave the model out, as an unreadable one
            log.warning("model %r left out of the listing: metadata not as documented (%s)", name,
                        "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    return ModelList(models_dir=str(settings.models_dir), default_model=cache.default_ref, models=models)


#: metadata a client needs beyond the store's summary: which wells trained the model (the dashboard's
#: in-sample and demonstration warnings — through the API it had none, and `make run`'s dashboard goes
#: through the API), how its band was calibrated and its reduced-input model (the model panel)
VERSION_DETAILS = ("trained_at", "training_wells", "calibration", "fallback")


@router.get(
    "/{name}", response_model=ModelVersions, summary="Versions of one model", responses=error_responses(401, 404, 422),
    response_description="the model's stored versions (or the one named), and the version the API serves",
)
def get_model(
    name: str = Path(pattern=MODEL_REF_PATTERN, max_length=129, examples=["default", "default:v1"],
                     description="NAME (every version) or NAME:vN (that version only)"),
    cache: ModelCache = Depends(get_cache),
) -> ModelVersions:
    """Metadata of every stored version of ``NAME``, oldest first (``NAME:vN``: that version only),
    with the version the API serves for ``NAME`` and whether a reload is needed to serve ``latest``."""
    if name == "reload":  # GET on the reload route: say so, not "model 'reload' not found" (API audit)
        raise StarletteHTTPException(405, headers={"Allow": "POST"})
    model, _, version = name.partition(":")
    try:
        versions = cache.store.versions(model, details=VERSION_DETAILS) if cache.models_dir.is_dir() else []
    except ModelNotFoundError as exc:
        exc.field = "name"  # type: ignore[attr-defined]  # the path parameter
        raise
    if not versions:
        _not_found(f"no model named {model!r} in {cache.models_dir}; GET /v1/models lists what exists")
    latest = str(versions[-1].get("version")) if versions[-1].get("version") else None
    if version:
        stored = [str(v.get("version")) for v in versions]
        versions = [v for v in versions if str(v.get("version")) == version]
        if not versions:
            _not_found(f"model {model!r} has no version {version}; stored: {', '.join(stored)} "
                       f"(GET /v1/models/{model} lists them)")
    return ModelVersions(name=model, versions=[_version_info(v) for v in versions], latest=latest,
                         **_serving(cache, model, latest))


def _version_info(entry: Any) -> ModelVersionInfo:
    """One version's metadata as documented; metadata of another shape is the store's fault (409, as
    unreadable metadata is), never a 500."""
    data = jsonable(dict(entry))
    try:
        return ModelVersionInfo.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ModelIntegrityError(f"model {data.get('ref') or data.get('name')!r}: metadata not as documented ({problems}); "
                                  "retrain or remove this version") from None


#: the optional body, documented as ``$ref ReloadRequest`` in place of FastAPI's
#: ``anyOf[ReloadRequest, null]``, on which a generated client crashed for a call without a body
RELOAD_BODY = {
    REQUEST_BODY: {
        "required": False,
        "description": "optional: without a body (or with {}) every cached model and the default are reloaded",
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ReloadRequest"},
            "examples": {"one model": {"value": {"model": "default"}}, "everything": {"value": {}}},
        }},
    }
}


@router.post(
    "/reload", response_model=ReloadResult, summary="Reload models from the store",
    responses=error_responses(401, 404, 409, 422), openapi_extra=RELOAD_BODY,
    response_description="the models now serving, and those that failed to load and keep their old version",
)
def reload_models(
    body: ReloadRequest | None = Body(None, examples=[{"model": "default"}]),
    cache: ModelCache = Depends(get_cache),
) -> ReloadResult:
    """Pick up newly trained versions: each model is loaded fully, then swapped in atomically.
    Without a body every loaded model and the default are reloaded; one that fails to load keeps
    serving its old version and is listed in ``failed`` (a model named in the body answers the error)."""
    fresh, failed = cache.reload(body.model if body else None)
    return ReloadResult(reloaded=[{"ref": m.ref, **m.info()} for m in fresh],
                        failed=[ReloadFailure(ref=ref, code=error_code(exc), message=str(exc)) for ref, exc in failed])


def _serving(cache: ModelCache, name: str, latest: Any) -> dict[str, Any]:
    """What the API serves for ``name`` against the store's latest version (fields of ModelSummary).

    A default pinned to ``NAME:vN`` counts as served (requests naming no model get it) but never as
    needing a reload: a reload keeps a pinned version, so the note says what the pin means instead."""
    bare = cache.peek(name)
    bare_version = bare.version if bare is not None else None
    pinned = cache.pinned_default(name)
    stale = bare_version is not None and latest is not None and str(latest) != bare_version
    notes = []
    if stale:
        notes.append(f"serving {name}:{bare_version} but the store's latest is {latest}; POST /v1/models/reload "
                     f"(or with body {{\"model\": \"{name}\"}} for this model only) to serve {latest}")
    if pinned is not None:
        pin = (f"requests naming no model get {name}:{pinned}, the default model pinned by WELLLOG_DEFAULT_MODEL "
               "(a reload keeps it)")
        if bare_version is not None and bare_version != pinned:
            pin += f"; requests naming {name} alone get {bare_version}"
        elif bare_version is None and latest is not None and str(latest) != pinned:
            pin += f"; requests naming {name} alone load the store's latest, {latest}"
        notes.append(pin)
    return {"served_version": cache.served_version(name), "loaded_versions": cache.loaded_versions(name),
            "reload_needed": stale, "note": "; ".join(notes) or None}


def _not_found(message: str) -> None:
    error = ModelNotFoundError(message)
    error.field = "name"  # type: ignore[attr-defined]  # the path parameter
    raise error


def _list_store(cache: ModelCache) -> list[dict[str, Any]]:
    """The store's models; one whose metadata cannot be read is left out and logged, not a 500 for all."""
    if not cache.models_dir.is_dir():
        return []
    unreadable: list[str] = []
    models = list(cache.store.list_models(unreadable))
    for message in unreadable:
        log.warning("model left out of the listing: %s", message)
    return models
