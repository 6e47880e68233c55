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
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from welllog.errors import WelllogError
from welllog.predict import reduced_rows, rows_with_qc_bit
from welllog.well import QC_LOGGED_DTC, Well

from .client import WelllogClient, make_client
from .wells import Overrides, WellSource, read_source

#: samples used for global importance and dependence plots (SHAP cost grows linearly with it)
EXPLAIN_SAMPLES = 300


@st.cache_resource(show_spinner=False)
def get_client(api_url: str, models_dir: str) -> WelllogClient:
    """One client per (API URL, models dir) for the whole server: loaded models are shared."""
    return make_client(api_url=api_url, models_dir=models_dir or None)


def overrides_for(source: WellSource) -> Overrides:
    """The user's mapping corrections for ``source`` (Well & mapping view), none by default."""
    return st.session_state.get("overrides", {}).get(source.key, Overrides())


@st.cache_resource(show_spinner=False, max_entries=32)
def load_well(key: str, _source: WellSource, _overrides: Overrides) -> Well:
    """The canonical well for a source + the user's overrides, shared by every view and model (not
    copied: nothing changes it; a prediction's notes travel with the prediction, see :func:`predict`,
    and library calls that note get :func:`own_copy`)."""
    return read_source(_source, _overrides)


def own_copy(well: Well) -> Well:
    """``well`` with a provenance list of its own (the curves are shared, not copied): what to hand a
    library call that notes in the well it is given (a prediction, an explanation, which predicts
    the whole well for its served value and notes the model's input repairs) so the cached well
    stays as read."""
    return dataclasses.replace(well, provenance=list(well.provenance))


@st.cache_data(show_spinner=False, max_entries=64)
def predict(well_key: str, model_key: str, _client: WelllogClient, ref: str, _well: Well) -> pd.DataFrame:
    """Prediction frame for one well and one resolved model version, with the notes the prediction
    makes (which model, its input repairs, the run's warning) in ``attrs["provenance"]``.

    Why not in the well: the cached well is shared by every model the user switches to, and a LAS
    downloaded after a switch carried the first model's notes beside the second's (dashboard audit).
    The prediction notes into a copy of the well's provenance; :meth:`Context.output_well` adds them."""
    own = own_copy(_well)
    pred = _client.predict(ref, own)
    pred.attrs["provenance"] = own.provenance[len(_well.provenance):]
    return pred


@st.cache_data(show_spinner=False, max_entries=128)
def explain(well_key: str, model_key: str, target: str, depths: tuple[float, ...], parameter: str,
            _client: WelllogClient, ref: str, _well: Well) -> dict[str, Any]:
    """SHAP contributions at the given depths (one call per view state, cached).

    On :func:`own_copy` of the well: explaining predicts the whole well for the served value
    (``welllog.explain.served``), and that prediction notes the model's input repairs ("GR
    normalised ... to the training wells' ...") in the well it is given — in the cached well they
    went into the next model's LAS download (review). The explanation's notes are not kept: the
    prediction of the same well and model (:func:`predict`) carries the same ones."""
    return _client.explain(ref, own_copy(_well), target=target, depths=list(depths), parameter=parameter)


@dataclasses.dataclass(frozen=True)
class Sampled:
    """Depths for the page's global explanation and what they leave out (for a caption)."""

    depths: tuple[float, ...]
    left_out: str = ""  #: "" or a sentence naming the samples served another way


def sample_depths(well: Well, pred: pd.DataFrame, target: str, n: int = EXPLAIN_SAMPLES) -> Sampled:
    """Evenly spread depths where ``target`` was predicted, all served the same way: a fair sample
    of the largest such part of the well.

    Depths asked for together must fall to one model and one route
    (:func:`welllog.explain.selection.explained_rows`, :func:`welllog.explain.route.choose_route`):
    rows only the recipe's reduced-input model predicts (no density/neutron, T_QC bit 32) are left
    out when the main model has any, and DTS served from the well's measured DTC (bit 64) is not
    mixed with DTS from the predicted one — "Across the well" answered an error for any well whose
    DTC log stops short of its DTS rows (dashboard audit). The rest is explained one depth at a time."""
    ok = pred[f"{target}_MEAN"].notna().to_numpy() if f"{target}_MEAN" in pred.columns else np.ones(len(well.data), bool)
    notes = []
    reduced = reduced_rows(pred, [f"{target}_QC"])
    if (ok & ~reduced).any() and (ok & reduced).any():
        notes.append(f"{int((ok & reduced).sum()):,} samples predicted by the reduced-input model (no density/neutron there, T_QC bit 32)")
        ok &= ~reduced
    logged = rows_with_qc_bit(pred, [f"{target}_QC"], QC_LOGGED_DTC)
    if (ok & logged).any() and (ok & ~logged).any():
        ratio = (ok & logged).sum() >= (ok & ~logged).sum()  # the larger part, as the library does for a range
        other = ok & (~logged if ratio else logged)
        notes.append(f"{int(other.sum()):,} samples served from {'the predicted DTC' if ratio else 'the measured DTC (T_QC bit 64)'}")
        ok &= logged if ratio else ~logged
    depth = well.depth[ok]
    if len(depth) == 0:
        return Sampled(())
    idx = np.unique(np.linspace(0, len(depth) - 1, min(n, len(depth))).round().astype(int))
    left = f"Not in this sample: {' and '.join(notes)} — explained one depth at a time (pick one above)." if notes else ""
    return Sampled(tuple(float(d) for d in depth[idx]), left)


@contextlib.contextmanager
def shown_errors(what: str = "", names: str = "") -> Iterator[None]:
    """Show a WelllogError's one-line message (or a short unexpected-error line), never a traceback.

    ``what`` prefixes the message, unless the message already starts with ``names`` (a read error
    names its file: "Reading a.las: a.las: ..." said it twice; dashboard audit). Streamlit's own
    control flow (st.rerun/st.stop) derives from BaseException and passes through.
    """
    try:
        yield
    except WelllogError as exc:
        prefix = "" if names and str(exc).startswith(names) else what
        st.error(f"{prefix}{': ' if prefix else ''}{error_text(exc)}", icon="⚠️")
    except Exception as exc:  # noqa: BLE001 - the UI never shows a raw traceback
        st.error(f"{what}{': ' if what else ''}{error_text(exc)}", icon="🛑")


def error_text(exc: Exception) -> str:
    """A WelllogError's own one line; for anything else its type and a short message, never a traceback."""
    if isinstance(exc, WelllogError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:400]}"


#: characters Streamlit's markdown reads as formatting (a header's "SLAB State_", "$", "<...>", a path's "_")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]$<>~|#])")


def plain(text: str) -> str:
    """``text`` shown as written inside markdown (a file name, a header value, a message), not as formatting."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
