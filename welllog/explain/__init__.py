"""SHAP explanations: which input curves drive each predicted sonic value and its uncertainty.

* :mod:`.engine` — exact contributions / interaction values per model family (fast routes).
* :mod:`.grouping` — derived features summed back onto their source curves.
* :mod:`.selection` — which samples to explain, and with which model (main or reduced-input).
* :mod:`.served` — the served value (T_MEAN / T_STD) beside the explained output, and why they differ.
* :mod:`.core` — the model + well layer: :func:`explain_samples`, :func:`global_importance`,
  :func:`coupling` (plain data for the API and dashboard) and :func:`explain_well`.
* :mod:`.plots` — matplotlib figures for the CLI report (imported lazily: it pulls matplotlib).
"""

from .core import PARAMETERS, Interactions, WellExplanation, coupling, explain_samples, explain_well, global_importance, interaction_values, prepare_model
from .engine import Contributions, contributions, interactions
from .grouping import group_interactions, group_values, source_of
from .served import Served

__all__ = [
    "PARAMETERS",
    "Contributions",
    "Interactions",
    "Served",
    "WellExplanation",
    "contributions",
    "coupling",
    "explain_samples",
    "explain_well",
    "global_importance",
    "group_interactions",
    "group_values",
    "interaction_values",
    "interactions",
    "prepare_model",
    "source_of",
]
