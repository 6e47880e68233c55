"""Caching and error display shared by every view.

Streamlit reruns the whole script on each interaction; without caches every click would re-read
the well, reload the model and re-predict. Here: the client (and through it the loaded models) is a
``st.cache_resource``; wells, predictions and explanations are ``st.cache_data`` keyed by plain
strings (source content hash, overrides, resolved model version) so objects that Streamlit cannot
hash are passed as ``_``-prefixed (unhashed) arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from welllog.errors import WelllogError
from welllog.predict import reduced_rows
from welllog.well import Well

from .client import WelllogClient, make_client
from .wells import Overrides, WellSource, read_source

#: samples used for global importance and dependence plots (SHAP cost grows linearly with it)
EXPLAIN_SAMPLES = 300


@st.cache_resource(show_spinner=False)
def get_client(api_url: str, models_dir: str) -> WelllogClient:
    """One client per (API URL, models dir) for the whole server: loaded models are shared."""
    return make_client(api_url=api_url, models_dir=models_dir or None)


@st.cache_resource(show_spinner=False, max_entries=32)
def load_well(key: str, _source: WellSource, _overrides: Overrides) -> Well:
    """The canonical well for a source + the user's overrides, shared by every view and model (not
    copied: nothing changes it; a prediction's notes travel with the prediction, see :func:`predict`)."""
    return read_source(_source, _overrides)


@st.cache_data(show_spinner=False, max_entries=64)
def predict(well_key: str, model_key: str, _client: WelllogClient, ref: str, _well: Well) -> pd.DataFrame:
    """Prediction frame for one well and one resolved model version, with the notes the prediction
    makes (which model, its input repairs, the run's warning) in ``attrs["provenance"]``.

    Why not in the well: the cached well is shared by every model the user switches to, and a LAS
    downloaded after a switch carried the first model's notes beside the second's (dashboard audit).
    The prediction notes into a copy of the well's provenance; :meth:`Context.output_well` adds them."""
    own = dataclasses.replace(_well, provenance=list(_well.provenance))
    pred = _client.predict(ref, own)
    pred.attrs["provenance"] = own.provenance[len(_well.provenance):]
    return pred


@st.cache_data(show_spinner=False, max_entries=128)
def explain(well_key: str, model_key: str, target: str, depths: tuple[float, ...], parameter: str,
            _client: WelllogClient, ref: str, _well: Well) -> dict[str, Any]:
    """SHAP contributions at the given depths (one call per view state, cached)."""
    return _client.explain(ref, _well, target=target, depths=list(depths), parameter=parameter)


def sample_depths(well: Well, pred: pd.DataFrame, target: str, n: int = EXPLAIN_SAMPLES) -> tuple[float, ...]:
    """Evenly spread depths where ``target`` was predicted: a fair sample of the whole well — of the
    main model's rows when there are any. Rows only the recipe's reduced-input model predicts (no
    density/neutron, T_QC bit 32) are one model's and the rest another's; depths asked for together
    must fall to one model (:func:`welllog.explain.selection.explained_rows`), so they are left out here
    (:func:`welllog.predict.reduced_rows` counts them for the page to say so) and explained one depth at a time."""
    ok = pred[f"{target}_MEAN"].notna().to_numpy() if f"{target}_MEAN" in pred.columns else np.ones(len(well.data), bool)
    reduced = reduced_rows(pred, [f"{target}_QC"])
    if (ok & ~reduced).any():
        ok &= ~reduced
    depth = well.depth[ok]
    if len(depth) == 0:
        return ()
    idx = np.unique(np.linspace(0, len(depth) - 1, min(n, len(depth))).round().astype(int))
    return tuple(float(d) for d in depth[idx])


@contextlib.contextmanager
def shown_errors(what: str = "") -> Iterator[None]:
    """Show a WelllogError's one-line message (or a short unexpected-error line), never a traceback.

    Streamlit's own control flow (st.rerun/st.stop) derives from BaseException and passes through.
    """
    try:
        yield
    except WelllogError as exc:
        st.error(f"{what}{': ' if what else ''}{exc}", icon="⚠️")
    except Exception as exc:  # noqa: BLE001 - the UI never shows a raw traceback
        st.error(f"{what}{': ' if what else ''}unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:400]}",
                 icon="🛑")
