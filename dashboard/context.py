"""What every view needs to know about the user's current choices, gathered once per rerun."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import streamlit as st

from welllog.predict import coverage_warning
from welllog.tie import add_tied_columns
from welllog.well import Provenance, Well

from . import state
from .catalog import model_key
from .client import WelllogClient
from .wells import Overrides, WellSource, well_key


@dataclass
class Context:
    """The selected well, model and target, plus the (cached) prediction for them."""

    client: WelllogClient | None  #: None when no model service could be set up (error shown)
    #: every well the user gave, by its (unique) label in the Well box
    sources: dict[str, WellSource] = field(default_factory=dict)
    source: WellSource | None = None
    overrides: Overrides = field(default_factory=Overrides)
    well: Well | None = None
    ref: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    target: str | None = None
    #: add T_TIED, the mean tied to the well's own log where it stops (welllog.tie; sidebar toggle)
    tie: bool = False
    #: target -> the tie's provenance note (welllog.tie.add_tied_columns), for the downloads
    tie_notes: dict[str, str] = field(default_factory=dict)
    #: the prediction's coverage warning (welllog.predict.coverage_warning), "" when none
    warning: str = ""
    _prediction: pd.DataFrame | None = None
    _predicted: bool = False

    @property
    def well_key(self) -> str:
        assert self.source is not None
        return well_key(self.source, self.overrides)

    @property
    def model_key(self) -> str:
        assert self.ref is not None
        return model_key(self.meta, self.ref)

    def output_well(self) -> Well | None:
        """The well as an output file records it: its read-time provenance, then the current
        prediction's notes (model, input repairs, warning) and the tie's when it is on — on a copy,
        so the shared well never carries one model's notes into another's file."""
        pred = self.prediction()
        if self.well is None or pred is None:
            return self.well
        notes = list(pred.attrs.get("provenance", []))
        if self.tie:  # where `welllog predict --tie` notes them: after the model's lines, before the run's warning
            at = next((i for i, p in enumerate(notes) if p.step == "warning"), len(notes))
            notes[at:at] = [Provenance("model", note, target) for target, note in self.tie_notes.items()]
        return replace(self.well, provenance=[*self.well.provenance, *notes])

    def for_source(self, source: WellSource, overrides: Overrides) -> Context:
        """The same model choices on another of the user's wells, read through the shared cache.

        Why: the all-wells table and its zip must give, well by well, what the page gives for the
        well picked in the Well box — the same prediction, notes and file. Raises WelllogError when
        the well cannot be read."""
        other = Context(client=self.client, sources=self.sources, source=source, overrides=overrides, ref=self.ref,
                        meta=self.meta, targets=self.targets, target=self.target, tie=self.tie)
        other.well = state.load_well(other.well_key, source, overrides)
        return other

    def prediction(self) -> pd.DataFrame | None:
        """The prediction for the current well and model (None, with the reason shown, if impossible);
        its coverage warning shown above the view."""
        if self._predicted:
            return self._prediction
        self._predicted = True
        if self.well is None or self.ref is None or self.client is None:
            return None
        with state.shown_errors(f"Prediction of {self.well.name} with {self.ref}"):
            with st.spinner(f"Predicting {', '.join(self.targets)} for {self.well.name} with {self.ref} …"):
                self.predict()
        if self.warning:
            st.warning(f"{self.well.name}: {self.warning}.")
        return self._prediction

    def predict(self) -> pd.DataFrame:
        """Predict the well (cached), add the tie's columns when it is on and set :attr:`warning`;
        raises WelllogError, shows nothing — for callers that say errors their own way (a table row)."""
        assert self.well is not None and self.ref is not None and self.client is not None
        self._predicted = True
        pred = state.predict(self.well_key, self.model_key, self.client, self.ref, self.well)
        if self.tie:
            # on a copy: the cached frame stays the model's own, whichever way the toggle goes next
            pred = pred.copy()
            self.tie_notes = add_tied_columns(self.well, pred, [t for t in self.targets if f"{t}_MEAN" in pred.columns])
        if self.meta:
            _, self.warning = coverage_warning(self.well, pred, self.meta.get("inputs", []), self.meta.get("required_curves", []))
        self._prediction = pred
        return pred
