"""What every model family shares: the predictive :class:`Distribution` and blind fold helpers.

Why one ``Distribution`` type: every family is scored on the same probabilistic metrics (NLL,
CRPS, coverage, interval width), so every family hands back the same thing — mean, standard
deviation, requested quantiles, plus the parametric family and its parameters so that NLL and
CRPS are computed from the real distribution (Normal or LogNormal), not a Gaussian stand-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin

DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.5, 0.95)


@dataclass
class Distribution:
    """Per-sample predictive distribution.

    ``kind`` is ``"normal"`` (params ``loc``, ``scale``), ``"lognormal"`` (params ``mu``,
    ``sigma`` of log(y)) or ``"t"`` (Student-t: params ``loc``, ``scale``, ``df`` — the heavier
    tails blind calibration gives a served band, :func:`welllog.calibration.fit_tail_df`; ``df``
    may be infinite, which is the Normal).
    """

    mean: np.ndarray
    std: np.ndarray
    quantiles: dict[float, np.ndarray] = field(default_factory=dict)
    kind: str = "normal"
    params: dict[str, np.ndarray] = field(default_factory=dict)

    def _frozen(self):
        if self.kind == "lognormal":
            return stats.lognorm(s=self.params["sigma"], scale=np.exp(self.params["mu"]))
        if self.kind == "t":
            return stats.t(df=self.params["df"], loc=self.params["loc"], scale=self.params["scale"])
        return stats.norm(loc=self.params.get("loc", self.mean), scale=self.params.get("scale", self.std))

    def ppf(self, q: float) -> np.ndarray:
        return np.asarray(self._frozen().ppf(q), dtype=float)

    def logpdf(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(self._frozen().logpdf(np.asarray(y, dtype=float)), dtype=float)

    def subset(self, mask: np.ndarray) -> Distribution:
        """The distribution for the selected samples (boolean mask or index array)."""
        return Distribution(
            mean=self.mean[mask],
            std=self.std[mask],
            quantiles={q: v[mask] for q, v in self.quantiles.items()},
            kind=self.kind,
            params={k: v[mask] for k, v in self.params.items()},
        )

    @classmethod
    def filled(cls, first: tuple[Distribution | None, np.ndarray],
               second: tuple[Distribution | None, np.ndarray]) -> tuple[Distribution | None, np.ndarray]:
        """``first`` on its rows and ``second`` on the rows only it covers: (distribution, row mask).

        Each part is (distribution over the rows its mask selects, boolean mask over the same
        well's rows) — the shape every model's ``predict_distributions`` returns. Both parts must
        be of one kind (they come from models of one family); quantiles both have are kept."""
        (a, ok_a), (b, ok_b) = first, second
        ok_a, ok_b = np.asarray(ok_a, dtype=bool), np.asarray(ok_b, dtype=bool)
        if b is None or not (ok_b & ~ok_a).any():
            return a, ok_a
        if a is None:
            return b, ok_b
        kind = common_kind([a, b])
        a, b = a.as_kind(kind), b.as_kind(kind)
        ok = ok_a | ok_b
        take_a, take_b = ok_a[ok], (ok_b & ~ok_a)[ok]
        from_b = (ok_b & ~ok_a)[ok_b]

        def merge(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            out = np.empty(int(ok.sum()), dtype=float)
            out[take_a], out[take_b] = x, y[from_b]
            return out

        return cls(mean=merge(a.mean, b.mean), std=merge(a.std, b.std),
                   quantiles={q: merge(v, b.quantiles[q]) for q, v in a.quantiles.items() if q in b.quantiles},
                   kind=a.kind, params={k: merge(v, b.params[k]) for k, v in a.params.items() if k in b.params}), ok

    def as_kind(self, kind: str) -> Distribution:
        """This distribution as one of ``kind`` (:func:`common_kind`): a Normal is a Student-t with
        infinite ``df``, so one model's band with Student-t tails and another's Normal combine."""
        if kind == self.kind:
            return self
        if (self.kind, kind) != ("normal", "t"):
            raise ValueError(f"cannot combine a {self.kind} distribution with a {kind} one")
        return Distribution(mean=self.mean, std=self.std, quantiles=dict(self.quantiles), kind="t",
                            params={"loc": self.params.get("loc", self.mean), "scale": self.params.get("scale", self.std),
                                    "df": np.full(self.mean.shape, np.inf)})

    @classmethod
    def concatenate(cls, dists: Sequence[Distribution]) -> Distribution:
        """One distribution over the rows of ``dists`` in turn (quantiles all of them have)."""
        kind = common_kind(dists)
        dists = [d.as_kind(kind) for d in dists]
        qs = set.intersection(*(set(d.quantiles) for d in dists)) if dists else set()
        return cls(mean=np.concatenate([d.mean for d in dists]), std=np.concatenate([d.std for d in dists]),
                   quantiles={q: np.concatenate([d.quantiles[q] for d in dists]) for q in sorted(qs)},
                   kind=kind, params={k: np.concatenate([d.params[k] for d in dists]) for k in dists[0].params})

    @classmethod
    def student_t(cls, loc: np.ndarray, scale: np.ndarray, df: np.ndarray | float,
                  quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:
        """Student-t with ``df`` degrees of freedom (> 2, so the std exists; ``inf``: the Normal)."""
        loc = np.asarray(loc, dtype=float)
        scale = np.asarray(scale, dtype=float)
        df = np.broadcast_to(np.asarray(df, dtype=float), loc.shape).copy()
        if np.any(df <= 2):
            raise ValueError("a Student-t band needs df > 2 (a finite standard deviation)")
        with np.errstate(divide="ignore", invalid="ignore"):
            std = scale * np.where(np.isinf(df), 1.0, np.sqrt(df / (df - 2.0)))
        if df.size and np.all(df == df.flat[0]):  # one model's band: one ppf per quantile, not one per row
            qs = {float(q): loc + scale * float(stats.t.ppf(q, df.flat[0])) for q in quantiles}
        else:
            values, where = np.unique(df, return_inverse=True)
            qs = {float(q): loc + scale * stats.t.ppf(q, values)[where.reshape(df.shape)] for q in quantiles}
        return cls(mean=loc, std=std, quantiles=qs, kind="t", params={"loc": loc, "scale": scale, "df": df})

    @classmethod
    def normal(cls, loc: np.ndarray, scale: np.ndarray, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:
        loc = np.asarray(loc, dtype=float)
        scale = np.asarray(scale, dtype=float)
        qs = {float(q): loc + scale * stats.norm.ppf(q) for q in quantiles}
        return cls(mean=loc, std=scale, quantiles=qs, kind="normal", params={"loc": loc, "scale": scale})

    @classmethod
    def mixture(cls, members: Sequence[tuple[np.ndarray, np.ndarray]], weights: Sequence[float],
                quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:
        """The weighted mixture of Normal members ``(mean, std)``, summarised as a Normal with the
        mixture's mean and variance: the members' spread plus their disagreement. Weights are
        normalised; each weight may be one number or one per sample (shape (members, n)).
        Used wherever models are combined (ensemble, DTS routes, depth companion)."""
        w = np.asarray(weights, dtype=float)
        w = w / w.sum(axis=0)
        mean = sum(wk * np.asarray(m, dtype=float) for wk, (m, _) in zip(w, members))
        second = sum(wk * (np.asarray(s, dtype=float) ** 2 + np.asarray(m, dtype=float) ** 2) for wk, (m, s) in zip(w, members))
        return cls.normal(mean, np.sqrt(np.maximum(second - mean**2, 1e-12)), quantiles)

    @classmethod
    def lognormal(cls, mu: np.ndarray, sigma: np.ndarray, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:
        mu = np.asarray(mu, dtype=float)
        sigma = np.asarray(sigma, dtype=float)
        mean = np.exp(mu + sigma**2 / 2)
        std = mean * np.sqrt(np.expm1(sigma**2))
        qs = {float(q): np.exp(mu + sigma * stats.norm.ppf(q)) for q in quantiles}
        return cls(mean=mean, std=std, quantiles=qs, kind="lognormal", params={"mu": mu, "sigma": sigma})


def common_kind(dists: Sequence[Distribution]) -> str:
    """The kind several distributions combine as: their own when they share it, Student-t for
    Normal and Student-t parts (:meth:`Distribution.as_kind`); anything else raises."""
    kinds = {d.kind for d in dists}
    if len(kinds) <= 1:
        return next(iter(kinds), "normal")
    if kinds == {"normal", "t"}:
        return "t"
    raise ValueError(f"cannot combine {' and '.join(sorted(kinds))} distributions")


class DistributionalRegressor(RegressorMixin, BaseEstimator):
    """Base of all families: ``fit(X, y, groups=None)``, ``predict``, ``predict_dist``, ``explain_targets``.

    ``groups`` (optional, one label per row, e.g. the well) lets a family hold out whole wells
    for calibration / early stopping; without it, contiguous row blocks (= depth blocks, since
    rows arrive in depth order) are held out. Never random rows: neighbouring samples are
    nearly identical, so a random split would make the uncertainty look far too good.
    """

    #: family name used by :func:`welllog.models.make_estimator`
    family: str = ""
    #: whether the family takes NaN inputs natively (else SonicModel imputes and records it)
    accepts_nan: bool = False
    #: how to turn each explain target's raw output into the parameter (see explain_targets)
    explain_transforms: dict[str, str] = {}
    #: whether the served std adds more than the explained scale model does (the ensemble: its members'
    #: disagreement), so an explanation of the scale must say so
    scale_adds_disagreement: bool = False
    #: the single families a composite estimator is made of, each configured through its
    #: ``<family>_params`` dict (empty for a single family); :func:`welllog.models.with_member_setting`
    #: routes a member's setting by this, so no caller forks on family names
    member_families: tuple[str, ...] = ()

    @property
    def scale_dist(self) -> str:
        """The distribution whose log-std the explained ``scale`` trees give ("normal", "lognormal"), or
        "" for the residual-scale families, whose scale trees predict the error size in the target's unit.
        Explanations read this, not the family name (:mod:`welllog.explain.served`)."""
        return ""

    def predict(self, X) -> np.ndarray:
        return self.predict_dist(X, quantiles=()).mean

    def predict_dist(self, X, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:  # pragma: no cover
        raise NotImplementedError

    def explain_targets(self) -> dict[str, object]:  # pragma: no cover
        raise NotImplementedError


def holdout_blocks(n: int, groups: np.ndarray | None, n_folds: int) -> list[np.ndarray]:
    """Blind fold labels: whole groups (wells) when there are enough, else contiguous row blocks.

    Returns a list of boolean "held-out" masks, one per fold.
    """
    if groups is not None:
        labels = np.asarray(groups)
        uniq = list(dict.fromkeys(labels.tolist()))  # first-seen order
        if len(uniq) >= n_folds:
            fold_of = {g: i % n_folds for i, g in enumerate(uniq)}
            fold = np.array([fold_of[g] for g in labels.tolist()])
            return [fold == k for k in range(n_folds)]
        if len(uniq) > 1:
            # fewer wells than folds: one fold per well
            return [labels == g for g in uniq]
    edges = np.linspace(0, n, n_folds + 1).astype(int)
    masks = []
    for k in range(n_folds):
        m = np.zeros(n, dtype=bool)
        m[edges[k] : edges[k + 1]] = True
        masks.append(m)
    return masks


def tail_validation_mask(n: int, groups: np.ndarray | None, fraction: float) -> np.ndarray:
    """Boolean mask of a blind validation set: the deepest ``fraction`` of every group (well).

    A contiguous block at the bottom of each well is blind to the rest of that well except at
    one boundary, and works with a single well, which leave-one-well-out cannot.
    """
    mask = np.zeros(n, dtype=bool)
    labels = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
    for g in dict.fromkeys(labels.tolist()):
        idx = np.flatnonzero(labels == g)
        k = int(round(len(idx) * fraction))
        if k > 0 and len(idx) - k >= 10:
            mask[idx[-k:]] = True
    return mask


def sklearn_tree_dict(tree, scale: float = 1.0, thresholds: np.ndarray | None = None) -> dict:
    """One fitted sklearn tree as SHAP's dict format (values multiplied by ``scale``).

    ``thresholds`` overrides the split thresholds (used to map binned splits back to raw values).
    """
    t = tree.tree_
    values = t.value.reshape(t.value.shape[0], -1)[:, :1] * scale
    thr = t.threshold.astype(np.float64) if thresholds is None else thresholds
    return {
        "children_left": t.children_left.astype(np.int32),
        "children_right": t.children_right.astype(np.int32),
        "children_default": t.children_left.astype(np.int32),
        "features": t.feature.astype(np.int32),
        "thresholds": thr,
        "values": values.astype(np.float64),
        "node_sample_weight": t.weighted_n_node_samples.astype(np.float64),
    }
