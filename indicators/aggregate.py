"""Aggregation of children into their parent, level by level.

Aggregators (:data:`AGGREGATORS`) are ``func(x, w, **params) -> ndarray``: ``x`` is an
(n_rows, n_children) array with NaN for missing values and ``w`` the children's weights. They skip
missing values, rescaling the weights over what is present. Missing-data policies
(:data:`MISSING_POLICIES`) decide, from which children are present, whether the aggregate exists
at all (``skip`` with a minimum coverage, or ``strict``).

References: OECD/JRC (2008) Handbook §6.2 (linear, geometric aggregation); COINr ``a_amean``,
``a_gmean``, ``a_genmean`` and ``dat_thresh``.
"""

from __future__ import annotations

import numpy as np

from .errors import DataError
from .registry import Registry, number, one_of

AGGREGATORS = Registry("aggregator")
MISSING_POLICIES = Registry("missing-data policy")


def _nonzero_power(value: object) -> str | None:
    problem = number()(value)
    if problem is None and value == 0:
        return "p = 0 是几何平均，请选 'geometric' / p = 0 is the geometric mean; choose aggregate 'geometric'"
    return problem


def _masked(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    present = ~np.isnan(x)
    wm = np.where(present, w, 0.0)
    den = wm.sum(axis=1)
    return np.where(present, x, 0.0), wm, den


def _nonneg(x: np.ndarray, what: str) -> None:
    if np.nanmin(x, initial=0.0) < 0:
        raise DataError(
            f"{what} aggregation needs non-negative scores, found {np.nanmin(x):.4g}; "
            "use a normaliser onto a positive scale (e.g. minmax lower=1) or the arithmetic mean"
        )


@AGGREGATORS.register("arithmetic", zh="加权算术平均")
def arithmetic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean over present children: ``Σ w x / Σ w``."""
    xv, wm, den = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xv * wm).sum(axis=1) / den, np.nan)


@AGGREGATORS.register("geometric", zh="加权几何平均")
def geometric(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted geometric mean over present children: ``exp(Σ w ln x / Σ w)`` (0 if any x is 0)."""
    _nonneg(x, "geometric")
    xv, wm, den = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.where(wm > 0, np.log(np.where(wm > 0, xv, 1.0)), 0.0)
        return np.where(den > 0, np.exp((logs * wm).sum(axis=1) / den), np.nan)


@AGGREGATORS.register("harmonic", zh="加权调和平均")
def harmonic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted harmonic mean over present children: ``Σ w / Σ (w / x)`` (0 if any x is 0)."""
    _nonneg(x, "harmonic")
    xv, wm, den = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # w / tiny x -> inf -> 0
        inv = np.where(wm > 0, wm / np.where(wm > 0, xv, 1.0), 0.0).sum(axis=1)
        return np.where(den > 0, np.where(np.isinf(inv), 0.0, den / inv), np.nan)


@AGGREGATORS.register("generalised", zh="广义（幂）平均", checks={"p": _nonzero_power})
def generalised(x: np.ndarray, w: np.ndarray, *, p: float) -> np.ndarray:
    """Generalised (power) mean: ``(Σ w x^p / Σ w)^(1/p)``; p=1 arithmetic, p=−1 harmonic.

    ``p = 0`` is the geometric mean's limit: choose ``geometric`` for it.
    """
    if p == 0:
        raise DataError("generalised mean: p = 0 is the geometric mean; choose aggregate 'geometric'")
    _nonneg(x, "generalised")
    xv, wm, den = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        powered = np.where(wm > 0, np.power(np.where(wm > 0, xv, 1.0), p), 0.0)
        m = (powered * wm).sum(axis=1) / den
        return np.where(den > 0, np.power(m, 1.0 / p), np.nan)


@MISSING_POLICIES.register("skip", zh="跳过缺失项，在有数据的下级指标间重新分配权重",
                           checks={"min_coverage": number(0, 1), "by": one_of("count", "weight")})
def skip(present: np.ndarray, w: np.ndarray, *, min_coverage: float = 0.0, by: str = "count") -> np.ndarray:
    """Aggregate what is present if its share is at least ``min_coverage`` (by child count or weight).

    At least one child must be present. ``by="count"`` matches COINr's ``dat_thresh``.
    """
    if by not in ("count", "weight"):
        raise DataError(f"missing policy 'skip': by must be 'count' or 'weight', got {by!r}")
    if by == "count":
        share = present.mean(axis=1)
    else:
        share = (present * w).sum(axis=1) / w.sum()
    return present.any(axis=1) & (share >= min_coverage - 1e-12)


@MISSING_POLICIES.register("strict", zh="所有下级指标均有数据方可计算")
def strict(present: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The aggregate exists only if every child is present."""
    return present.all(axis=1)
