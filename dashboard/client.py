"""The dashboard's single door to models: one client interface, two interchangeable backends.

Every page of the dashboard calls :class:`WelllogClient` and nothing else for model work (listing
the store, predicting, explaining). Which backend answers is decided once, by the environment:

* ``WELLLOG_API_URL`` set   -> :class:`HttpBackend` talks to the REST API (``welllog serve``);
* unset                     -> :class:`LocalBackend` calls the library in-process.

Both backends take and return the *same* plain data (a :class:`~welllog.well.Well` in, a
prediction frame indexed like ``well.data`` or a JSON-like dict out), so the dashboard has one code
path and a test of one backend exercises the logic of both. Reading files stays local in both
modes: the dashboard needs the canonical curves to draw tracks anyway, and sending canonical arrays
to ``POST /v1/predict`` means the user's alias/unit corrections reach the API unchanged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from welllog.errors import WelllogError
from welllog.well import TARGET_CURVES, Well, canonical_unit

#: the quantiles every prediction carries (P05-P95 is the 90% interval the dashboard shades)
QUANTILES: tuple[float, ...] = (0.05, 0.5, 0.95)
#: prediction columns per target, in the order of INTERFACES.md
PREDICTION_SUFFIXES: tuple[str, ...] = ("MEAN", "STD", "P05", "P50", "P95", "QC")


class ServiceError(WelllogError):
    """The API could not be reached or answered with an error: says which URL and what to do."""

    http_status = 502


class Backend(Protocol):
    """What a backend must answer; all values are plain data or pandas frames."""

    label: str

    def list_models(self) -> list[dict[str, Any]]: ...

    def metadata(self, ref: str) -> dict[str, Any]: ...

    def predict(self, ref: str, well: Well) -> pd.DataFrame: ...

    def explain(
        self, ref: str, well: Well, *, target: str, depths: Sequence[float], parameter: str = "mean"
    ) -> dict[str, Any]: ...


# ---------------------------------------------------------------------------------------------
# in-process backend
# ---------------------------------------------------------------------------------------------
class LocalBackend:
    """Library calls in this process; loaded models are kept so each is read (and hashed) once."""

    def __init__(self, models_dir: str | Path | None = None):
        from welllog.store import ModelStore, default_models_dir

        self.models_dir = Path(models_dir) if models_dir else Path(default_models_dir())
        self.store = ModelStore(self.models_dir)
        self.label = f"in-process, models in {self.models_dir}"
        self._models: dict[str, Any] = {}

    def list_models(self) -> list[dict[str, Any]]:
        if not self.models_dir.exists():
            return []
        return list(self.store.list_models())

    def metadata(self, ref: str) -> dict[str, Any]:
        return dict(self.store.metadata(ref))

    def model(self, ref: str) -> Any:
        """The loaded model for ``ref``; keyed by the resolved version so 'NAME' follows new versions."""
        meta = self.metadata(ref)
        key = f"{meta.get('name', ref.split(':')[0])}:{meta.get('version', '')}"
        if key not in self._models:
            self._models[key] = self.store.load(key if meta.get("version") else ref)
        return self._models[key]

    def predict(self, ref: str, well: Well) -> pd.DataFrame:
        model = self.model(ref)
        try:  # the pipeline's entry point when present (CONTRACTS.md, Models) ...
            from welllog.predict import predict_well
        except ImportError:  # ... else the model bundle's own contract method, same frame
            return model.predict(well, quantiles=QUANTILES)
        return predict_well(model, well, QUANTILES)

    def explain(
        self, ref: str, well: Well, *, target: str, depths: Sequence[float], parameter: str = "mean"
    ) -> dict[str, Any]:
        try:
            from welllog.explain import explain_samples
        except ImportError:
            raise ServiceError("explanations are not available: this installation has no "
                               "welllog.explain.explain_samples; update welllog") from None
        return explain_samples(
            self.model(ref), well, target=target, depths=list(depths), parameter=parameter, group=True
        )


# ---------------------------------------------------------------------------------------------
# HTTP backend
# ---------------------------------------------------------------------------------------------
def _json_array(values: np.ndarray) -> list[float | None]:
    """Floats with NaN as null: JSON has no NaN and the API treats null as missing."""
    return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v) for v in values.tolist()]


def well_payload(well: Well) -> dict[str, Any]:
    """The canonical curves of ``well`` as the API's JSON body (canonical names and units); its depth
    only when the file has one. Why: a CSV without depth is indexed by row number, and sent as
    ``depth`` those numbers became metres of depth to the API — TVD, the depth companion's input and
    "out of range: depth" flags on invented depths (dashboard audit); without it the API, too,
    reads the rows in order and predicts without depth, as in-process."""
    curves = {c: _json_array(well.data[c].to_numpy(dtype=float)) for c in well.curves}
    body: dict[str, Any] = {"curves": curves}
    if well.has_depth:
        body["depth"] = _json_array(well.depth)
    body["units"] = {c: canonical_unit(c) for c in curves}
    return body


class HttpBackend:
    """The REST API of ``welllog serve``; errors come back as :class:`WelllogError` with the API's message."""

    def __init__(self, base_url: str, timeout: float = 300.0, api_key: str | None = None):
        import httpx

        self.base_url = base_url.rstrip("/")
        self.label = f"API at {self.base_url}"
        # the key the API requires when WELLLOG_API_KEY is set (compose passes one variable to both):
        # without it every /v1 call answered 401 and the dashboard showed nothing (README audit)
        headers = {"X-API-Key": api_key} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceError(
                f"cannot reach the welllog API at {self.base_url} ({type(exc).__name__}): start it with "
                "`welllog serve` or unset WELLLOG_API_URL to run models in-process"
            ) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"detail": response.text[:300]}
            # the API's envelope is {"error": {"code", "message", ...}}; FastAPI's default is {"detail": ...}
            detail = body.get("error") or body.get("detail") or body if isinstance(body, dict) else body
            if isinstance(detail, dict):
                detail = detail.get("message") or detail
            error = ServiceError(f"API {method} {path} answered {response.status_code}: {detail}")
            error.http_status = response.status_code
            raise error
        return response.json()

    def list_models(self) -> list[dict[str, Any]]:
        body = self._call("GET", "/v1/models")
        return list(body.get("models", body) if isinstance(body, dict) else body)

    def metadata(self, ref: str) -> dict[str, Any]:
        """Metadata of ``NAME`` (latest) or ``NAME:VERSION`` from ``GET /v1/models/{name}`` (oldest first)."""
        name, _, version = ref.partition(":")
        versions = list(self._call("GET", f"/v1/models/{name}").get("versions") or [])
        if version:
            versions = [v for v in versions if str(v.get("version")) == version]
        if not versions:
            raise ServiceError(f"model {ref} is not in the API's store; GET /v1/models lists what exists")
        return {"name": name, **dict(versions[-1])}

    def predict(self, ref: str, well: Well) -> pd.DataFrame:
        body = self._call("POST", "/v1/predict", json={"model": ref, **well_payload(well)})
        note_model_steps(well, body.get("provenance") or [])
        frame = prediction_frame(body, well.data.index)
        frame.attrs["written_by"] = self.written_by(ref, body.get("model") or {})
        return frame

    def written_by(self, ref: str, served: dict[str, Any]) -> dict[str, tuple[str, str]]:
        """The output file's ~Parameter items (:func:`welllog.predict.written_by`) for the model the
        API says it served (``served``: the response's ``model``), with its training date from the
        store's metadata of that version — what an in-process prediction carries in
        ``attrs["written_by"]``, so the download is the file ``welllog predict`` writes whichever
        backend predicted (without it the file lost WLMODEL/WLTRAIN; review)."""
        from welllog.predict import written_by

        name = str(served.get("name") or ref.partition(":")[0])
        version = served.get("version") or ref.partition(":")[2] or None
        try:
            trained = self.metadata(f"{name}:{version}" if version else name).get("created_at")
        except WelllogError:  # the prediction stands; only the file's WLTRAIN line is left out
            trained = None
        return written_by(name, None if version is None else str(version), trained)

    def explain(
        self, ref: str, well: Well, *, target: str, depths: Sequence[float], parameter: str = "mean"
    ) -> dict[str, Any]:
        payload = {
            "model": ref,
            **well_payload(well),
            "target": target,
            "depths": [float(d) for d in depths],
            "parameter": parameter,
        }
        return dict(self._call("POST", "/v1/explain", json=payload))


#: the provenance steps a prediction adds (welllog.predict.checked_prediction): which model, its input repairs, the warning
PREDICTION_STEPS = ("predict", "model", "warning")


def note_model_steps(well: Well, provenance: Sequence[dict[str, Any]]) -> None:
    """The prediction's own notes that the API reports — which model predicted, its input repairs (GR
    normalisation, PEF rescaled or left out), the run's warning — noted in ``well`` once, as an
    in-process prediction notes them: the LAS download then says the same whichever backend
    predicted (without the ``predict`` step it did not name its model)."""
    for p in provenance:
        if p.get("step") in PREDICTION_STEPS and p.get("message"):
            well.note(str(p["step"]), str(p["message"]), p.get("curve"), once=True)


def prediction_frame(body: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """Turn the API's per-target arrays into the library's prediction frame (T_MEAN ... T_QC).

    Accepts ``{"predictions": {T: {...}}}``, ``{"targets": {T: {...}}}`` or ``{T: {...}}`` so the
    dashboard does not break on a cosmetic change of envelope.
    """
    per_target = body.get("predictions") or body.get("targets") or body
    if isinstance(per_target, list):  # [{"target": T, ...}, ...]
        per_target = {item["target"]: item for item in per_target}
    frame = pd.DataFrame(index=index)
    for target, arrays in per_target.items():
        if target not in TARGET_CURVES or not isinstance(arrays, dict):
            continue
        for suffix in PREDICTION_SUFFIXES:
            values = arrays.get(suffix.lower(), arrays.get(suffix))
            if values is None:
                continue
            column = np.array([np.nan if v is None else v for v in values], dtype=float)
            if len(column) != len(index):
                raise ServiceError(f"API returned {len(column)} {target} {suffix} values for {len(index)} samples")
            frame[f"{target}_{suffix}"] = column
    if frame.empty:
        raise ServiceError("API prediction carried no target arrays; is the API version compatible?")
    frame.attrs["out_of_range"] = {t: dict(a.get("out_of_range") or {}) for t, a in per_target.items()
                                   if t in TARGET_CURVES and isinstance(a, dict)}
    return frame


# ---------------------------------------------------------------------------------------------
# the client the pages use
# ---------------------------------------------------------------------------------------------
class WelllogClient:
    """Model operations for the dashboard, independent of where they run."""

    def __init__(self, backend: Backend):
        self.backend = backend

    @property
    def label(self) -> str:
        return self.backend.label

    def list_models(self) -> list[dict[str, Any]]:
        return self.backend.list_models()

    def metadata(self, ref: str) -> dict[str, Any]:
        return self.backend.metadata(ref)

    def predict(self, ref: str, well: Well) -> pd.DataFrame:
        """Prediction frame indexed like ``well.data`` (T_MEAN, T_STD, T_P05, T_P50, T_P95, T_QC)."""
        return self.backend.predict(ref, well)

    def explain(
        self, ref: str, well: Well, *, target: str, depths: Sequence[float], parameter: str = "mean"
    ) -> dict[str, Any]:
        """SHAP contributions (grouped by input curve) at the samples nearest ``depths``."""
        return self.backend.explain(ref, well, target=target, depths=depths, parameter=parameter)


def make_client(api_url: str | None = None, models_dir: str | Path | None = None) -> WelllogClient:
    """The client for this process: HTTP when ``WELLLOG_API_URL`` (or ``api_url``) is set, else local."""
    url = api_url if api_url is not None else os.environ.get("WELLLOG_API_URL", "").strip()
    if url:
        return WelllogClient(HttpBackend(url, api_key=os.environ.get("WELLLOG_API_KEY", "").strip() or None))
    return WelllogClient(LocalBackend(models_dir))
