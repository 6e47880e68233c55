"""On a synthetic well whose generating relation is known, the explanations rank the right curves.

DTC depends on NPHI and RHOB only; its noise grows with GR; CALI, RDEP, RMED and PEF are
unrelated beds. The global mean ranking must put NPHI and RHOB first, and NGBoost's uncertainty
(scale) ranking must put GR first.
"""

from __future__ import annotations

import numpy as np
import pytest

from welllog.explain import coupling, global_importance
from welllog.ingest import well_from_arrays
from welllog.models import SonicModel

UNITS = {"DEPT": "m", "CALI": "in", "NPHI": "v/v", "GR": "gAPI", "RDEP": "ohm.m", "RMED": "ohm.m", "PEF": "b/e", "RHOB": "g/cm3", "DTC": "us/ft"}


def _beds(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    """Blocky layers (10-40 samples thick) with a little in-bed noise: log-like, no spikes."""
    out = np.empty(n)
    i = 0
    while i < n:
        k = int(rng.integers(10, 40))
        out[i : i + k] = rng.uniform(lo, hi)
        i += k
    return out + rng.normal(0, 0.01 * (hi - lo), n)


@pytest.fixture(scope="module")
def synthetic_well():
    rng = np.random.default_rng(42)
    n = 4000
    curves = {
        "CALI": _beds(rng, n, 8.4, 9.0),
        "NPHI": _beds(rng, n, 0.05, 0.45),
        "GR": _beds(rng, n, 20, 150),
        "RDEP": 10 ** _beds(rng, n, 0, 2),
        "RMED": 10 ** _beds(rng, n, 0, 2),
        "PEF": _beds(rng, n, 2, 5),
        "RHOB": _beds(rng, n, 2.0, 2.7),
    }
    noise_sd = 0.5 + 12 * (curves["GR"] - 20) / 130  # uncertainty driven by GR only
    curves["DTC"] = 60 + 150 * curves["NPHI"] - 40 * (curves["RHOB"] - 2.35) + rng.normal(0, 1, n) * noise_sd
    depth = 1000 + 0.15 * np.arange(n)
    return well_from_arrays(curves, depth=depth, units=UNITS, name="synthetic")


@pytest.mark.parametrize("family,params", [("ngboost", {"n_estimators": 120, "learning_rate": 0.1}), ("xgboost", {"n_estimators": 60}),
                                           ("rf", {"n_estimators": 15})])
def test_mean_ranking_puts_generating_curves_first(synthetic_well, family, params):
    model = SonicModel(targets=["DTC"], family=family, params=params).fit([synthetic_well])
    g = global_importance(model, synthetic_well, parameter="mean")
    assert set(g["features"][:2]) == {"NPHI", "RHOB"}, g
    # the unrelated curves together matter far less than either true driver
    irrelevant = sum(v for f, v in zip(g["features"], g["mean_abs"]) if f in ("CALI", "RDEP", "RMED", "PEF"))
    assert irrelevant < 0.5 * min(g["mean_abs"][:2])


def test_uncertainty_ranking_puts_noise_driver_first(synthetic_well):
    model = SonicModel(targets=["DTC"], family="ngboost", params={"n_estimators": 150, "learning_rate": 0.1}).fit([synthetic_well])
    g = global_importance(model, synthetic_well, parameter="scale")
    assert g["features"][0] == "GR", g
    # direction: high GR widens the distribution (positive contribution to log-scale)
    c = coupling(model, synthetic_well, parameter="scale", feature="GR", max_samples=200)
    gr = np.array(c["feature_values"])
    contrib = np.array(c["contribution"])
    assert np.corrcoef(gr, contrib)[0, 1] > 0.5
