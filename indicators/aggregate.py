"""Aggregation of children into their parent, level by level.

Aggregators (:data:`AGGREGATORS`) are ``func(x, w, **params) -> ndarray``: ``x`` is an
(n_rows, n_children) array with NaN for missing values and ``w`` the children's weights. They skip
missing values, rescaling the weights over what is present. The geometric and harmonic means
refuse a zero or negative score, as COINr does ("Negative or zero values found when applying
geometric mean"), naming the units and the node; ``zeros="zero"`` scores a unit with a zero child 0
instead (the limit of the mean, and this library's result before it refused). Missing-data policies
(:data:`MISSING_POLICIES`) decide, from which children are present, whether the aggregate exists
at all (``skip`` with a minimum coverage, or ``strict``).

References: OECD/JRC (2008) Handbook §6.2 (linear, geometric aggregation); COINr ``a_amean``,
``a_gmean``, ``a_genmean`` and ``dat_thresh``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import DataError, NonPositiveScoresError
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


#: What a geometric or harmonic mean does with a zero score: refuse (COINr) or score the unit 0.
ZERO_POLICIES = ("error", "zero")


def _nonneg(x: np.ndarray, what: str) -> None:
    if np.nanmin(x, initial=0.0) < 0:
        rows = np.flatnonzero((x < 0).any(axis=1)) if x.ndim == 2 else ()
        raise NonPositiveScoresError(
            f"{what} aggregation needs non-negative scores, found {np.nanmin(x):.4g}; "
            "use a normaliser onto a positive scale (e.g. minmax lower=1) or the arithmetic mean", rows=rows
        )


def _no_zero(zero_rows: np.ndarray, what: str, zeros: str) -> None:
    """Refuse rows where a weighted child scores 0 (``zeros="error"``), as COINr does."""
    if zeros not in ZERO_POLICIES:
        raise DataError(f"{what} mean: zeros must be one of {', '.join(ZERO_POLICIES)}, got {zeros!r}")
    if zeros == "error" and zero_rows.any():
        raise NonPositiveScoresError(
            f"{what} 平均遇到零分 / {what} mean of a zero score (COINr stops here too); "
            "set aggregate params zeros: zero to score such units 0, or normalise onto a positive scale "
            "(e.g. minmax lower=1)", rows=np.flatnonzero(zero_rows))


def name_units(exc: DataError, node: str, level: int, units: Sequence[Any] | None,
               x: np.ndarray | None = None, kids: Sequence[str] = ()) -> DataError:
    """The error of aggregating ``node``, naming the units (district, year) and children that caused it.

    ``units`` labels the rows of ``x`` (e.g. the (district, year) index); ``kids`` its columns.
    """
    summary = f"aggregating {node} (level {level}): {exc.summary}"
    rows = getattr(exc, "rows", None)
    if not rows:
        return DataError(summary, exc.problems)
    problems = []
    for r in rows:
        unit = units[r] if units is not None else f"row {r}"
        unit = " ".join(str(u) for u in unit) if isinstance(unit, tuple) else str(unit)
        bad = ""
        if x is not None and kids:
            vals = np.asarray(x)[r] if np.asarray(x).ndim == 2 else None
            if vals is not None:
                hits = [f"{k} = {v:g}" for k, v in zip(kids, vals, strict=True) if v <= 0]
                bad = f" ({', '.join(hits)})" if hits else ""
        problems.append(f"{node}: {unit}{bad}")
    return NonPositiveScoresError(summary, problems, rows)


@AGGREGATORS.register("arithmetic", zh="加权算术平均")
def arithmetic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean over present children: ``Σ w x / Σ w``."""
    xv, wm, den = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xv * wm).sum(axis=1) / den, np.nan)


@AGGREGATORS.register("geometric", zh="加权几何平均", checks={"zeros": one_of(*ZERO_POLICIES)})
def geometric(x: np.ndarray, w: np.ndarray, *, zeros: str = "error") -> np.ndarray:
    """Weighted geometric mean over present children: ``exp(Σ w ln x / Σ w)``; a zero child is an error.

    ``zeros="zero"`` scores a unit with a zero child 0 (the mean's limit) instead of refusing it.

    References
    ----------
    COINr ``a_gmean`` (stops on zero or negative values).
    """
    _nonneg(x, "geometric")
    xv, wm, den = _masked(x, w)
    _no_zero(((xv == 0) & (wm > 0)).any(axis=1), "geometric", zeros)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.where(wm > 0, np.log(np.where(wm > 0, xv, 1.0)), 0.0)
        return np.where(den > 0, np.exp((logs * wm).sum(axis=1) / den), np.nan)


@AGGREGATORS.register("harmonic", zh="加权调和平均", checks={"zeros": one_of(*ZERO_POLICIES)})
def harmonic(x: np.ndarray, w: np.ndarray, *, zeros: str = "error") -> np.ndarray:
    """Weighted harmonic mean over present children: ``Σ w / Σ (w / x)``; a zero child is an error.

    ``zeros="zero"`` scores a unit with a zero child 0 (the mean's limit) instead of refusing it.

    References
    ----------
    COINr ``a_hmean``.
    """
    _nonneg(x, "harmonic")
    xv, wm, den = _masked(x, w)
    _no_zero(((xv == 0) & (wm > 0)).any(axis=1), "harmonic", zeros)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # w / tiny x -> inf -> 0
        inv = np.where(wm > 0, wm / np.where(wm > 0, xv, 1.0), 0.0).sum(axis=1)
        return np.where(den > 0, np.where(np.isinf(inv), 0.0, den / inv), np.nan)


#: What a generalised mean does with a missing child: skip it (rescale the weights) or give NA (COINr).
NA_POLICIES = ("skip", "propagate")


@AGGREGATORS.register("generalised", zh="广义（幂）平均",
                      checks={"p": _nonzero_power, "na": one_of(*NA_POLICIES)})
def generalised(x: np.ndarray, w: np.ndarray, *, p: float, na: str = "skip") -> np.ndarray:
    """Generalised (power) mean: ``(Σ w x^p / Σ w)^(1/p)``; p=1 arithmetic, p=−1 harmonic.

    ``p = 0`` is the geometric mean's limit: choose ``geometric`` for it. ``na="skip"`` skips a
    missing child and rescales the weights over the others; ``na="propagate"`` gives NA for a unit
    with a missing (weighted) child, as COINr's ``a_genmean`` does.

    References
    ----------
    COINr ``a_genmean``; OECD/JRC (2008) Handbook §6.2.
    """
    if p == 0:
        raise DataError("generalised mean: p = 0 is the geometric mean; choose aggregate 'geometric'")
    if na not in NA_POLICIES:
        raise DataError(f"generalised mean: na must be one of {', '.join(NA_POLICIES)}, got {na!r}")
    _nonneg(x, "generalised")
    xv, wm, den = _masked(x, w)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        powered = np.where(wm > 0, np.power(np.where(wm > 0, xv, 1.0), p), 0.0)
        m = (powered * wm).sum(axis=1) / den
        out = np.where(den > 0, np.power(m, 1.0 / p), np.nan)
    if na == "propagate":
        out = np.where((np.isnan(x) & (np.asarray(w) > 0)).any(axis=1), np.nan, out)
    return out


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
