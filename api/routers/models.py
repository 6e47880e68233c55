"""The model store as seen by clients: list, versions, reload."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Path

from welllog.errors import ModelNotFoundError

from welllog.jsonable import jsonable
from ..deps import ModelCache, get_cache, get_settings, require_api_key
from ..schemas import ModelList, ModelSummary, ModelVersions, ReloadRequest, ReloadResult
from ..settings import Settings
from . import error_responses

router = APIRouter(prefix="/v1/models", tags=["models"], dependencies=[Depends(require_api_key)])
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


@router.get("", response_model=ModelList, summary="List stored models", responses=error_responses(401))
def list_models(cache: ModelCache = Depends(get_cache), settings: Settings = Depends(get_settings)) -> ModelList:
    """Every model in the store with its metadata (targets, family, validation metrics)."""
    loaded = {item.name for item in cache.loaded()}
    models = []
    for entry in _list_store(cache):
        entry = jsonable(dict(entry))
        name = str(entry.get("name", ""))
        entry["loaded"] = name in loaded
        entry.setdefault("latest", entry.get("version"))
        models.append(ModelSummary.model_validate(entry))
    return ModelList(models_dir=str(settings.models_dir), default_model=cache.default_ref, models=models)


@router.get(
    "/{name}", response_model=ModelVersions, summary="Versions of one model", responses=error_responses(401, 404, 422)
)
def model_versions(
    name: str = Path(pattern=NAME_PATTERN, max_length=64, examples=["default"]),
    cache: ModelCache = Depends(get_cache),
) -> ModelVersions:
    """Metadata of every stored version of ``name``, oldest first."""
    versions = cache.store.versions(name) if cache.models_dir.is_dir() else []
    if not versions:
        raise ModelNotFoundError(f"no model named {name!r} in {cache.models_dir}; GET /v1/models lists what exists")
    return ModelVersions(name=name, versions=jsonable([dict(v) for v in versions]))


@router.post(
    "/reload", response_model=ReloadResult, summary="Reload models from the store", responses=error_responses(401, 404, 409, 422)
)
def reload_models(
    body: ReloadRequest | None = Body(None, examples=[{"model": "default"}]),
    cache: ModelCache = Depends(get_cache),
) -> ReloadResult:
    """Pick up newly trained versions: each model is loaded fully, then swapped in atomically."""
    fresh = cache.reload(body.model if body else None)
    return ReloadResult(reloaded=[{"ref": m.ref, **m.info()} for m in fresh])


def _list_store(cache: ModelCache) -> list[dict[str, Any]]:
    if not cache.models_dir.is_dir():
        return []
    return list(cache.store.list_models())
