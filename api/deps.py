"""Dependencies shared by the routers: settings, the model cache and the API-key check.

The cache is the only mutable state of the API. Models are loaded *completely* outside the
reference swap and only then published by replacing the whole mapping under a lock, so a request
in flight holds either the old model or the new one — never a half-loaded one. Loads happen in
worker threads (routes are sync ``def`` endpoints), hence a ``threading.Lock``.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from welllog.errors import ModelNotFoundError, UsageError, WelllogError
from welllog.explain import prepare_model

from .errors import ServiceBusyError
from .settings import MODEL_REF_PATTERN, Settings

log = logging.getLogger("welllog.api")
_REF = re.compile(MODEL_REF_PATTERN)


@dataclass(frozen=True)
class LoadedModel:
    """A fully loaded model and where it came from."""

    ref: str  #: the reference it was asked for ("default", "default:3")
    name: str
    version: str | None
    model: Any  #: welllog.models.SonicModel
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return list(getattr(self.model, "targets", []) or self.metadata.get("targets", []))

    @property
    def family(self) -> str | None:
        return getattr(self.model, "family", None) or self.metadata.get("family")

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "family": self.family, "targets": self.targets}

    def headers(self) -> dict[str, str]:
        """``X-Welllog-Model: NAME:vN`` on every answer made with this model: a CSV download carries
        no header of its own, and a pipeline logging responses can tell which version made them."""
        return {"X-Welllog-Model": f"{self.name}:{self.version}" if self.version else self.name}


def validate_ref(ref: str) -> str:
    """A model reference is a name (and version), never a path: refuse anything else."""
    if not _REF.match(ref):
        raise UsageError(f"model reference {ref!r} is not NAME or NAME:VERSION (letters, digits, '_', '-', '.')")
    return ref


class ModelCache:
    """Loaded models by reference, bounded (the least recently used evicted, never the default),
    swapped atomically."""

    def __init__(self, models_dir: Path, default_ref: str, max_models: int = 8) -> None:
        self.models_dir = Path(models_dir)
        self.default_ref = validate_ref(default_ref)
        self.max_models = max_models
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._store: Any = None
        self._default_tried_at: float | None = None

    @property
    def store(self) -> Any:
        """The model store, opened on first use (the directory may appear after start-up)."""
        if self._store is None:
            from welllog.store import ModelStore

            self._store = ModelStore(self.models_dir, label="the API's model store")  # no server path in a 404
        return self._store

    def loaded(self) -> list[LoadedModel]:
        return list(self._models.values())

    def peek(self, ref: str | None = None) -> LoadedModel | None:
        return self._models.get(ref or self.default_ref)

    def served_version(self, name: str) -> str | None:
        """The version the API serves for ``name``: the one a request naming ``name`` alone is answered
        by, else, when the default model is pinned to ``name:vN`` (:meth:`pinned_default`), vN — what
        every request naming no model gets, so it is served even before anyone names ``name``. None
        when neither is loaded (the first request naming ``name`` then loads the store's latest).
        Fixed until a reload."""
        item = self._models.get(name)
        return item.version if item is not None else self.pinned_default(name)

    def pinned_default(self, name: str) -> str | None:
        """vN when the default model is pinned to ``name:vN`` (``WELLLOG_DEFAULT_MODEL``) and loaded,
        else None. A pinned default does not move to a newer version on reload."""
        default_name, _, version = self.default_ref.partition(":")
        if not version or default_name != name:
            return None
        item = self._models.get(self.default_ref)
        return item.version if item is not None else None

    def loaded_versions(self, name: str) -> list[str]:
        """Every version of ``name`` in the cache (bare and pinned ``NAME:vN`` references), sorted."""
        found = {item.version for item in self._models.values() if item.name == name and item.version}
        return sorted(found, key=lambda v: (len(v), v))

    def get(self, ref: str | None = None) -> LoadedModel:
        """The model for ``ref`` (default model when None), loading it on first use; a hit marks it
        the most recently used (evicted last). ``peek`` (probes, listings) does not."""
        key = validate_ref(ref or self.default_ref)
        found = self._models.get(key)
        if found is not None:
            self._touch(key)
            return found
        loaded = self._load(key)  # outside the lock: a slow load never blocks requests for other models
        with self._lock:
            current = self._models.get(key)
            if current is not None:  # another thread won the race: keep one instance
                return current
            self._publish(key, loaded)
        return loaded

    def may_try_default(self, every_s: float) -> bool:
        """True at most once per ``every_s`` seconds: when ``/ready`` may try loading the default
        model (a probe every second must not re-read a corrupt artifact every second)."""
        now = time.monotonic()
        if self._default_tried_at is not None and now - self._default_tried_at < every_s:
            return False
        self._default_tried_at = now
        return True

    def reload(self, ref: str | None = None) -> tuple[list[LoadedModel], list[tuple[str, WelllogError]]]:
        """Re-resolve and reload ``ref`` (or every cached model, and the default): picks up new versions.

        Returns the models now serving and, for a reload of everything, the ones that failed to load
        (each keeps serving the version it had). Why: a corrupt new version of one model must not
        block rolling out another (API audit: a plain reload answered 409 for an unrelated model and
        left the default on its old version); a model asked for by name still raises."""
        keys = [validate_ref(ref)] if ref else list(dict.fromkeys([self.default_ref, *self._models]))
        fresh: list[LoadedModel] = []
        failed: list[tuple[str, WelllogError]] = []
        for key in keys:
            try:
                fresh.append(self._load(key))
            except ModelNotFoundError as exc:
                if ref:  # asked for explicitly: tell the caller
                    raise
                with self._lock:  # a model deleted from the store stops being served
                    self._evict(key)
                if key == self.default_ref:
                    failed.append((key, exc))
            except WelllogError as exc:
                if ref:
                    raise
                log.warning("reload kept the served version of %s: %s", key, exc)
                failed.append((key, exc))
        with self._lock:
            for item in fresh:
                self._publish(item.ref, item)
        return fresh, failed

    # -- internals -----------------------------------------------------------------------------
    def _load(self, ref: str) -> LoadedModel:
        """Resolve NAME -> NAME:VERSION first so metadata and artifacts are the same version."""
        if not self.models_dir.is_dir():
            error = ModelNotFoundError(
                f"model {ref!r}: models directory {self.models_dir} does not exist; train a model "
                "(welllog train ... --models-dir DIR) or point WELLLOG_MODELS_DIR at a store"
            )
            error.field = "model"  # type: ignore[attr-defined]
            raise error
        store = self.store
        try:
            metadata = dict(store.metadata(ref) or {})
        except ModelNotFoundError as exc:  # the request field that named it (or would have)
            exc.field = getattr(exc, "field", None) or "model"  # type: ignore[attr-defined]
            raise
        name = ref.split(":", 1)[0]
        version = metadata.get("version") or (ref.split(":", 1)[1] if ":" in ref else None)
        exact = f"{name}:{version}" if version else ref
        try:
            model = store.load(exact)
        except WelllogError as exc:  # a corrupt artifact: the request's `model` field named it (or would have)
            exc.field = getattr(exc, "field", None) or "model"  # type: ignore[attr-defined]
            raise
        prepare_model(model)  # parse SHAP tables now, so the first explain click is fast
        log.info("model loaded", extra={"model": ref, "version": version})
        return LoadedModel(ref=ref, name=name, version=None if version is None else str(version), model=model, metadata=metadata)

    def _touch(self, key: str) -> None:
        """Move ``key`` to the most recently used end (LRU: a hit used to leave the entry where it was
        loaded, so the cache evicted in load order). Copy-on-write under the lock, as every change
        here: readers iterating the mapping without the lock never see it change under them."""
        if next(reversed(self._models), None) == key:  # already the most recent: nothing to do (most hits)
            return
        with self._lock:
            if key not in self._models:  # evicted or reloaded away meanwhile
                return
            models = OrderedDict(self._models)
            models.move_to_end(key)
            self._models = models

    def _publish(self, key: str, item: LoadedModel) -> None:
        models = OrderedDict(self._models)
        models[key] = item
        models.move_to_end(key)
        while len(models) > self.max_models:
            oldest = next(k for k in models if k != self.default_ref)
            del models[oldest]
        self._models = models  # one reference assignment: readers see old or new, never partial

    def _evict(self, key: str) -> None:
        models = OrderedDict(self._models)
        models.pop(key, None)
        self._models = models


# -- dependencies --------------------------------------------------------------------------------
# async: no I/O, so they run on the event loop, not in the worker threads busy with predictions
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_cache(request: Request) -> ModelCache:
    return request.app.state.models


@dataclass
class Admission:
    """How many requests doing model work are in flight, against ``limit``. Counted on the event
    loop (one thread), so a plain integer is enough."""

    limit: int
    active: int = 0


async def admitted(request: Request) -> AsyncIterator[None]:
    """Admit a predict/explain request, or answer 503 + Retry-After when ``max_in_flight`` are
    already in (data-engineer audit: at 64 concurrent uploads every request was taken and waited
    ~25 s, throughput flat, while /health took up to 10 s — probes would restart a busy container)."""
    gate: Admission = request.app.state.admission
    if gate.active >= gate.limit:
        raise ServiceBusyError(f"{gate.active} requests are being predicted or explained (WELLLOG_MAX_IN_FLIGHT={gate.limit}); "
                               f"retry after {ServiceBusyError.retry_after_s} s")
    gate.active += 1
    try:
        yield
    finally:
        gate.active -= 1


_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="required on /v1 routes when WELLLOG_API_KEY is set"
)


async def require_api_key(key: str | None = Security(_api_key_header)) -> None:
    """Declares the ``X-API-Key`` scheme on the /v1 routers (OpenAPI, generated clients). The check
    itself is :class:`api.middleware.ApiKeyMiddleware`'s, before the body is read: once, in one place."""
