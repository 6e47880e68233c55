"""Fold derived features back onto the curves they come from.

A model may see ``RHOB``, ``RHOB_roll9_mean`` and ``RHOB_grad``; a petrophysicist asks "what did
RHOB do here?". SHAP values are additive over features, so a curve's contribution is exactly the
sum of its features' contributions (base + sum over curves still equals the model output), and
interaction values group the same way over both axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from welllog.well import CANONICAL_CURVES


def source_of(feature: str, sources: Mapping[str, str] | None = None) -> str:
    """The source curve of a feature: the model's recorded mapping, else the canonical curve the
    name starts with (``RHOB_roll5_mean`` -> ``RHOB``), else the feature itself."""
    if sources and feature in sources:
        return sources[feature]
    head = feature.split("_", 1)[0]
    return head if head in CANONICAL_CURVES else feature


def group_map(features: Sequence[str], sources: Mapping[str, str] | None = None) -> tuple[list[str], np.ndarray]:
    """Groups in first-seen order and the (n_features, n_groups) 0/1 matrix that sums features into them."""
    groups: list[str] = []
    for f in features:
        g = source_of(f, sources)
        if g not in groups:
            groups.append(g)
    matrix = np.zeros((len(features), len(groups)))
    for j, f in enumerate(features):
        matrix[j, groups.index(source_of(f, sources))] = 1.0
    return groups, matrix


def group_values(values: np.ndarray, features: Sequence[str], sources: Mapping[str, str] | None = None) -> tuple[np.ndarray, list[str]]:
    """(n, p) contributions -> (n, g) contributions per source curve (exact sums)."""
    groups, matrix = group_map(features, sources)
    return np.asarray(values, dtype=float) @ matrix, groups


def group_interactions(values: np.ndarray, features: Sequence[str], sources: Mapping[str, str] | None = None) -> tuple[np.ndarray, list[str]]:
    """(n, p, p) interaction values -> (n, g, g), summing blocks over both feature axes."""
    groups, matrix = group_map(features, sources)
    return np.einsum("npq,pg,qh->ngh", np.asarray(values, dtype=float), matrix, matrix), groups
