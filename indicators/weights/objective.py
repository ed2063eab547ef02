"""Objective (data-driven) weights: entropy, CRITIC, standard deviation, PCA; and their blend.

The pure functions (``entropy_weights``, ...) and their weighters registered in
:data:`~indicators.weights.WEIGHTERS` (``entropy``, ``critic``, ``sd``, ``pca``), which weight the
children of each parent at the chosen levels; at levels above the indicators a node's score is the
weighted arithmetic mean of its children under the weights learned below it.

Every function takes a data matrix as a DataFrame -- rows are units (districts, district-years),
columns are indicators already oriented so that higher is better -- and returns
``(weights, explain)``: a Series indexed by the columns, non-negative and summing to 1, and a dict
of the intermediate quantities worth reporting (entropy values, CRITIC standard deviations and
conflict, PCA loadings and variance explained). Learned weights can be stored and passed back as
fixed weights, so a later year can be scored with the weights of a base year.

Missing values (``missing=``):

``"complete"`` (default)
    listwise deletion: rows with any NaN are dropped first, so every quantity uses the same units;
``"pairwise"``
    each column's statistics use that column's non-missing values (entropy with ``k = 1/ln n_j``),
    and each correlation uses the rows where both columns are present.

PCA weights always use complete cases (a pairwise correlation matrix need not be positive
semi-definite). Infinite values, non-numeric columns, duplicate column names and too few rows
are errors; nothing is imputed or dropped silently beyond the documented policy.

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §6.1 (weights based
on PCA / factor analysis), https://doi.org/10.1787/9789264043466-en; Shannon (1948), *Bell Syst.
Tech. J.* 27, 379–423, https://doi.org/10.1002/j.1538-7305.1948.tb01338.x and Zeleny (1982),
*Multiple Criteria Decision Making*, McGraw-Hill (entropy weights); Diakoulaki, Mavrotas &
Papayannakis (1995), "Determining objective weights in multiple criteria problems: the CRITIC
method", *Computers & Operations Research* 22(7), 763–770,
https://doi.org/10.1016/0305-0548(94)00059-H.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, MethodologyError
from ..framework import Framework
from ..registry import Step
from ..tree import aggregate_many, compile_tree, weight_matrix
from .base import (
    WEIGHTERS,
    ExplainedWeights,
    Rest,
    rest_weights,
    weighted_levels,
    year_rows,
)

__all__ = ["combine", "critic", "critic_weights", "entropy", "entropy_weights", "pca", "pca_weights", "sd",
           "sd_weights"]

Missing = Literal["complete", "pairwise"]
_MISSING = ("complete", "pairwise")


def entropy_weights(
    df: pd.DataFrame, *, missing: Missing = "complete"
) -> tuple[pd.Series, dict[str, Any]]:
    """Entropy weights (熵权法): more dispersed indicators carry more information.

    ``p_ij = x_ij / Σ_i x_ij``, ``e_j = -k Σ_i p_ij ln p_ij`` with ``k = 1 / ln n`` and
    ``0 · ln 0 = 0``; diversity ``d_j = 1 - e_j``; ``w_j = d_j / Σ d_j``. A constant column has
    ``e_j = 1`` and weight 0. The result depends on the normalisation applied beforehand (p is
    invariant to rescaling a column, not to shifting it).

    Parameters
    ----------
    df : pandas.DataFrame
        Non-negative data, rows = units, columns = indicators.
    missing : {"complete", "pairwise"}
        Missing-value policy (module docstring).

    Returns
    -------
    weights : pandas.Series
    explain : dict
        ``entropy`` (e_j), ``diversity`` (d_j), ``n`` (units used per column), ``missing``.

    Raises
    ------
    DataError
        Negative values, a column summing to 0, fewer than 2 units, or every column constant.
    MethodologyError
        Unknown ``missing`` policy.

    References
    ----------
    Shannon (1948), https://doi.org/10.1002/j.1538-7305.1948.tb01338.x; Zeleny (1982),
    *Multiple Criteria Decision Making*, McGraw-Hill, ch. 7; OECD/JRC (2008) Handbook §6.1,
    https://doi.org/10.1787/9789264043466-en.
    """
    x = _prepare(df, missing, "entropy_weights", min_rows=2)
    problems = []
    for col in x.columns:
        v = x[col].dropna()
        if (v < 0).any():
            bad = list(v.index[v < 0][:5])
            problems.append(
                f"column {col!r}: {int((v < 0).sum())} negative value(s) (e.g. at {bad}); "
                "entropy weights need non-negative data (normalise to [0, 1] or [0, 100] first)"
            )
        elif v.sum() == 0:
            problems.append(f"column {col!r} sums to 0, so the shares p_ij are undefined")
    if problems:
        raise DataError("entropy_weights: invalid data", problems)
    e, n = {}, {}
    for col in x.columns:
        v = x[col].dropna().to_numpy()
        n[col] = v.size
        if v.max() == v.min():
            e[col] = 1.0
            continue
        p = v / v.sum()
        nz = p[p > 0]
        e[col] = float(-np.sum(nz * np.log(nz)) / math.log(v.size))
    entropy = pd.Series(e, name="entropy")
    d = (1.0 - entropy).rename("diversity")
    if d.sum() <= 0:
        raise DataError(
            "entropy_weights: every column is constant (all entropies are 1); no weights follow"
        )
    w = (d / d.sum()).rename("weight")
    return w, {"entropy": entropy, "diversity": d, "n": pd.Series(n, name="n"), "missing": missing}


def critic_weights(
    df: pd.DataFrame, *, missing: Missing = "complete"
) -> tuple[pd.Series, dict[str, Any]]:
    """CRITIC weights: contrast intensity (σ) times conflict with the other indicators.

    Each column is min-max normalised, ``z = (x - min) / (max - min)``; ``σ_j`` is the sample
    standard deviation of ``z_j`` and ``r_jk`` the Pearson correlation; ``C_j = σ_j Σ_k (1 - r_jk)``
    and ``w_j = C_j / Σ C_j``. (Using the population σ instead rescales every ``C_j`` by the same
    factor, so the weights do not depend on that choice.)

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = indicators (at least 2).
    missing : {"complete", "pairwise"}
        Missing-value policy (module docstring).

    Returns
    -------
    weights : pandas.Series
    explain : dict
        ``sigma`` (σ_j of the normalised data), ``conflict`` (Σ_k (1 - r_jk)), ``information``
        (C_j), ``correlation`` (DataFrame), ``n`` (units used per column), ``missing``.

    Raises
    ------
    DataError
        Constant columns, fewer than 3 units, a pair of columns without 3 shared units, or
        columns all perfectly correlated (no information to weigh).
    MethodologyError
        Unknown ``missing`` policy.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), *Computers & Operations Research* 22(7), 763–770,
    https://doi.org/10.1016/0305-0548(94)00059-H.
    """
    x = _prepare(df, missing, "critic_weights", min_rows=3, min_cols=2)
    _no_constant(x, "critic_weights", "CRITIC correlations are undefined")
    z = (x - x.min()) / (x.max() - x.min())
    sigma = z.std(ddof=1).rename("sigma")
    r = _correlation(z, "critic_weights")
    conflict = (1.0 - r).sum(axis=1).rename("conflict")
    info = (sigma * conflict).rename("information")
    if not info.sum() > 0:  # every pair perfectly correlated: no indicator adds information
        raise DataError("critic_weights: every indicator is perfectly correlated with every other (r = 1), so "
                        "CRITIC gives each 0 information and no weights; use equal or expert weights")
    w = (info / info.sum()).rename("weight")
    return w, {
        "sigma": sigma,
        "conflict": conflict,
        "information": info,
        "correlation": r,
        "n": x.notna().sum().rename("n"),
        "missing": missing,
    }


def sd_weights(
    df: pd.DataFrame, *, missing: Missing = "complete", minmax: bool = True
) -> tuple[pd.Series, dict[str, Any]]:
    """Standard-deviation weights: ``w_j ∝ σ_j``.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = indicators.
    missing : {"complete", "pairwise"}
        Missing-value policy (module docstring).
    minmax : bool, default True
        Min-max normalise each column first (as in CRITIC), so that σ does not depend on units.
        Set False when the data are already on one common scale and that scale should count.

    Returns
    -------
    weights : pandas.Series
    explain : dict
        ``sigma`` (sample σ_j of the data used), ``n``, ``missing``, ``minmax``.

    Raises
    ------
    DataError
        Fewer than 2 units, or every column constant.
    MethodologyError
        Unknown ``missing`` policy.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), https://doi.org/10.1016/0305-0548(94)00059-H
    (standard-deviation method, the contrast part of CRITIC); Zardari et al. (2015), *Weighting
    Methods and their Effects on Multi-Criteria Decision Making Model Outcomes in Water Resources
    Management*, SpringerBriefs in Water Science and Technology, Springer.
    """
    if not isinstance(minmax, bool):
        raise MethodologyError(f"sd_weights: minmax must be True or False, got {minmax!r}")
    x = _prepare(df, missing, "sd_weights", min_rows=2)
    if minmax:
        rng = x.max() - x.min()
        x = (x - x.min()) / rng.where(rng > 0, 1.0)  # constant columns -> 0, σ = 0
    sigma = x.std(ddof=1).rename("sigma")
    if sigma.sum() <= 0:
        raise DataError("sd_weights: every column is constant (all σ are 0); no weights follow")
    w = (sigma / sigma.sum()).rename("weight")
    return w, {
        "sigma": sigma,
        "n": x.notna().sum().rename("n"),
        "missing": missing,
        "minmax": minmax,
    }


def pca_weights(df: pd.DataFrame) -> tuple[pd.Series, dict[str, Any]]:
    """Weights from the first principal component of the correlation matrix.

    The columns are standardised (complete cases), the correlation matrix is decomposed and
    the first component's loadings ``l_j = v_j √λ1`` are taken; following the Handbook
    (§6.1, after Nicoletti et al. 2000) the weights are the *squared* loadings scaled to unit
    sum, ``w_j = l_j² / Σ l_k² = v_j²``. This is the Handbook procedure with one retained factor
    (no rotation); when indicators load on several factors, inspect ``explained`` and consider
    building the composite per factor. Squared loadings are positive even for an indicator that
    loads negatively, so those are listed in ``negative_loadings``.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = indicators (at least 2); rows with any NaN are dropped.

    Returns
    -------
    weights : pandas.Series
    explain : dict
        ``eigenvalues`` (Series PC1..PCm, descending), ``explained`` (share of variance per
        component), ``loadings`` (Series, PC1; sign chosen so that their sum is positive),
        ``negative_loadings`` (list), ``n`` (complete units used).

    Raises
    ------
    DataError
        Constant columns or fewer than 3 complete units.

    References
    ----------
    OECD/JRC (2008) Handbook §6.1 (PCA / factor analysis weights),
    https://doi.org/10.1787/9789264043466-en; Nicoletti, Scarpetta & Boylaud (2000), "Summary
    indicators of product market regulation", OECD Economics Department Working Paper 226.
    """
    x = _prepare(df, "complete", "pca_weights", min_rows=3, min_cols=2)
    _no_constant(x, "pca_weights", "the correlation matrix is undefined")
    values, vectors = pca_components(x.to_numpy())
    v1 = vectors[:, 0]
    loadings = pd.Series(v1 * math.sqrt(max(values[0], 0.0)), index=x.columns, name="PC1")
    w = pd.Series(v1**2 / np.sum(v1**2), index=x.columns, name="weight")
    names = [f"PC{i + 1}" for i in range(len(values))]
    return w, {
        "eigenvalues": pd.Series(values, index=names, name="eigenvalue"),
        "explained": pd.Series(values / values.sum(), index=names, name="explained"),
        "loadings": loadings,
        "negative_loadings": [c for c in x.columns if loadings[c] < 0],
        "n": len(x),
    }


def combine(
    w_subj: pd.Series,
    w_obj: pd.Series,
    *,
    alpha: float | None = None,
    method: Literal["additive", "multiplicative"] = "additive",
) -> tuple[pd.Series, dict[str, Any]]:
    """Blend subjective (e.g. AHP) and objective (e.g. entropy) weights.

    Both inputs are relative weights over the same labels, each rescaled to sum 1 first.
    ``"additive"``: ``w = α w_subj + (1 - α) w_obj`` (``alpha`` required, in [0, 1]).
    ``"multiplicative"``: ``w_j = w_subj,j w_obj,j / Σ_k w_subj,k w_obj,k`` (no ``alpha``).

    Parameters
    ----------
    w_subj, w_obj : pandas.Series
        Non-negative weights indexed by the same labels (any order; the result follows
        ``w_subj``).
    alpha : float, optional
        Share of the subjective weights (additive only).
    method : {"additive", "multiplicative"}

    Returns
    -------
    weights : pandas.Series
    explain : dict
        ``method``, ``alpha``, ``subjective`` and ``objective`` (rescaled inputs).

    Raises
    ------
    MethodologyError
        Bad ``alpha`` / ``method`` combination.
    DataError
        Different labels, negative or missing weights, weights summing to 0, or (multiplicative)
        no label with both weights positive.

    References
    ----------
    Ma, Fan & Huang (1999), "A subjective and objective integrated approach to determine
    attribute weights", *EJOR* 112(2), 397–404, https://doi.org/10.1016/S0377-2217(98)00141-6
    (linear blend); the multiplicative synthesis is the normalised product used widely in
    applied work (乘法合成归一化).
    """
    if method not in ("additive", "multiplicative"):
        raise MethodologyError(
            f"combine: unknown method {method!r}; choose 'additive' or 'multiplicative'"
        )
    if method == "additive":
        if alpha is None:
            raise MethodologyError("combine: method 'additive' requires alpha in [0, 1]")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
            raise MethodologyError(f"combine: alpha must be a number in [0, 1], got {alpha!r}")
    elif alpha is not None:
        raise MethodologyError(
            "combine: alpha has no effect with method 'multiplicative'; leave it unset"
        )
    ws = _weights_input(w_subj, "w_subj")
    wo = _weights_input(w_obj, "w_obj")
    if set(ws.index) != set(wo.index):
        raise DataError(
            "combine: w_subj and w_obj must cover the same labels",
            [
                f"only in w_subj: {sorted(map(str, set(ws.index) - set(wo.index)))}",
                f"only in w_obj: {sorted(map(str, set(wo.index) - set(ws.index)))}",
            ],
        )
    wo = wo.reindex(ws.index)
    if method == "additive":
        w = alpha * ws + (1.0 - alpha) * wo
    else:
        prod = ws * wo
        if prod.sum() <= 0:
            raise DataError("combine: no label has both weights positive; the product is all 0")
        w = prod / prod.sum()
    return w.rename("weight"), {"method": method, "alpha": alpha, "subjective": ws, "objective": wo}


def pca_components(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and eigenvectors (columns) of the correlation matrix of ``x``.

    Each eigenvector's sign is fixed so that its entries sum to a positive number (ties broken
    by the largest absolute entry being positive), which makes results reproducible.

    References
    ----------
    Jolliffe (2002), *Principal Component Analysis*, 2nd ed., Springer,
    https://doi.org/10.1007/b98835.
    """
    r = np.corrcoef(np.asarray(x, float), rowvar=False)
    values, vectors = np.linalg.eigh(r)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    for k in range(vectors.shape[1]):
        s = vectors[:, k].sum()
        if abs(s) < 1e-12:
            s = vectors[np.argmax(np.abs(vectors[:, k])), k]
        if s < 0:
            vectors[:, k] = -vectors[:, k]
    return values, vectors


# --------------------------------------------------------------------------------------------
# internals


def numeric_frame(df: pd.DataFrame, func: str) -> pd.DataFrame:
    """``df`` as floats; DataError listing non-numeric, infinite or duplicate columns."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{func}: expected a pandas DataFrame, got {type(df).__name__}")
    problems = []
    if df.columns.has_duplicates:
        dups = sorted(map(str, df.columns[df.columns.duplicated()]))
        problems.append(f"duplicate column names {dups}")
    for col in df.columns.unique():
        s = df[col]
        if isinstance(s, pd.DataFrame):
            continue
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            problems.append(f"column {col!r} is not numeric (dtype {s.dtype})")
        elif np.isinf(s.to_numpy(dtype=float, na_value=np.nan)).any():
            problems.append(f"column {col!r} has infinite values")
    if problems:
        raise DataError(f"{func}: invalid data", problems)
    return df.astype(float)


def _prepare(
    df: pd.DataFrame, missing: str, func: str, *, min_rows: int, min_cols: int = 1
) -> pd.DataFrame:
    if missing not in _MISSING:
        raise MethodologyError(
            f"{func}: unknown missing policy {missing!r}; choose 'complete' or 'pairwise'"
        )
    x = numeric_frame(df, func)
    if df.shape[1] < min_cols:
        raise DataError(f"{func}: needs at least {min_cols} column(s), got {df.shape[1]}")
    if missing == "complete":
        x = x.dropna(how="any")
        if len(x) < min_rows:
            raise DataError(
                f"{func}: {len(x)} complete row(s) after dropping rows with missing values; "
                f"needs at least {min_rows} (try missing='pairwise' or impute first)"
            )
    else:
        counts = x.notna().sum()
        short = [f"column {c!r} has {int(n)} value(s)" for c, n in counts.items() if n < min_rows]
        if short:
            raise DataError(f"{func}: needs at least {min_rows} values per column", short)
    return x


def _no_constant(x: pd.DataFrame, func: str, why: str) -> None:
    const = [c for c in x.columns if x[c].max() == x[c].min()]
    if const:
        raise DataError(
            f"{func}: constant column(s) {const}: {why}; drop them or use entropy/sd weights"
        )


def _correlation(z: pd.DataFrame, func: str) -> pd.DataFrame:
    r = z.corr(method="pearson", min_periods=3)
    if r.isna().to_numpy().any():
        pairs = [
            f"{a!r} and {b!r}"
            for i, a in enumerate(r.index)
            for b in r.columns[i + 1 :]
            if np.isnan(r.loc[a, b])
        ]
        raise DataError(f"{func}: correlation undefined (fewer than 3 shared units)", pairs)
    return r


def _weights_input(w: pd.Series, name: str) -> pd.Series:
    if not isinstance(w, pd.Series):
        raise DataError(f"combine: {name} must be a pandas Series, got {type(w).__name__}")
    if w.index.has_duplicates:
        raise DataError(f"combine: {name} has duplicate labels")
    try:
        v = w.astype(float)
    except (TypeError, ValueError):
        raise DataError(f"combine: {name} must be numeric") from None
    bad = [str(k) for k, val in v.items() if not math.isfinite(val) or val < 0]
    if bad:
        raise DataError(f"combine: {name} has missing, infinite or negative weights at {bad}")
    if v.sum() <= 0:
        raise DataError(f"combine: {name} sums to 0")
    return v / v.sum()


# -- the registered weighters -------------------------------------------------------------


def _objective(
    framework: Framework,
    data: pd.DataFrame,
    method: str,
    func: Callable[[pd.DataFrame], tuple[pd.Series, dict[str, Any]]],
    columns: Callable[[dict[str, Any]], dict[str, pd.Series]],
    levels: Sequence[int] | int,
    year: int | None,
    rest: str,
) -> ExplainedWeights:
    raw = rest_weights(framework, rest)
    lv = weighted_levels(levels, method)
    rows = year_rows(data, year, method)
    active = [c for c in framework.indicators if c in rows.columns]
    tree = compile_tree(framework, active)
    known = sorted({g.level - 1 for g in tree.groups})
    bad = [v for v in lv if v not in known]
    if bad:
        raise MethodologyError(f"weights {method}: no weighted nodes at level(s) {bad}; levels are {known}")
    x = rows[list(tree.indicators)].to_numpy(dtype=float)
    agg_steps = {lvl: Step("arithmetic") for lvl in tree.levels()}
    miss_steps = {lvl: Step("skip", {"min_coverage": 0.0}) for lvl in tree.levels()}
    node_rows: list[dict[str, Any]] = []
    group_rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for g in tree.groups:  # bottom-up: higher levels see the weights learned below them
        if g.level - 1 not in lv:
            continue
        if len(g.kids) == 1:
            raw[g.kids[0]] = 1.0
            node_rows.append({"node": g.kids[0], "parent": g.parent, "level": g.level - 1, "weight": 1.0})
            group_rows.append({"parent": g.parent, "n_children": 1, "note": "single child"})
            continue
        if all(k in rows.columns for k in g.kids):
            kid_df = rows[list(g.kids)]
        else:
            scores = aggregate_many(tree, x, weight_matrix(tree, raw), agg_steps, miss_steps, keep=g.kids)
            kid_df = pd.DataFrame({k: np.broadcast_to(scores[k], (1, len(rows)))[0] for k in g.kids},
                                  index=rows.index)
        try:
            w, info = func(kid_df)
        except (DataError, MethodologyError) as exc:
            problems.append(f"children of {g.parent}: {exc}")
            continue
        cols = columns(info)
        for k in g.kids:
            raw[k] = float(w[k])
            node_rows.append({"node": k, "parent": g.parent, "level": g.level - 1, "weight": float(w[k]),
                              **{name: float(s[k]) for name, s in cols.items()}})
        group_rows.append({"parent": g.parent, "n_children": len(g.kids), **_group_info(info)})
    if problems:
        raise DataError(f"weights {method}: cannot compute", problems)
    table = pd.DataFrame(node_rows).set_index("node")
    groups = pd.DataFrame(group_rows).set_index("parent")
    return ExplainedWeights(raw, {"method": method, "levels": lv, "year": year, "table": table,
                                  "groups": groups, "learned": raw.copy()})


def _group_info(info: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = info.get("n")
    if isinstance(n, pd.Series):
        out["n_units"] = int(n.min())
    elif n is not None:
        out["n_units"] = int(n)
    if "explained" in info:
        out["pc1_explained"] = float(info["explained"].iloc[0])
        out["pc1_eigenvalue"] = float(info["eigenvalues"].iloc[0])
        out["negative_loadings"] = ", ".join(info["negative_loadings"])
    return out


@WEIGHTERS.register("entropy", zh="熵权法")
def entropy(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    missing: str = "complete",
    rest: Rest = "expert",
) -> ExplainedWeights:
    """Entropy weights (熵权法) among the children of each parent at ``levels``.

    ``w_j ∝ 1 − e_j`` with ``e_j`` the Shannon entropy of the shares ``x_ij / Σ_i x_ij``
    (:func:`indicators.weights.objective.entropy_weights`); needs non-negative scores (any
    normaliser onto 0–100; not z-scores). Explain ``table``: entropy and diversity per node.

    References
    ----------
    Shannon (1948), https://doi.org/10.1002/j.1538-7305.1948.tb01338.x; Zeleny (1982), *Multiple
    Criteria Decision Making*, ch. 7; OECD/JRC (2008) Handbook §6.1.
    """
    return _objective(framework, data, "entropy", lambda d: entropy_weights(d, missing=missing),
                      lambda i: {"entropy": i["entropy"], "diversity": i["diversity"]}, levels, year, rest)


@WEIGHTERS.register("critic", zh="CRITIC 法（对比强度与冲突性）")
def critic(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    missing: str = "complete",
    rest: Rest = "expert",
) -> ExplainedWeights:
    """CRITIC weights: contrast (σ) times conflict (Σ 1 − r) among the children of each parent.

    See :func:`indicators.weights.objective.critic_weights`; constant children are an error.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), *Computers & Operations Research* 22(7),
    763–770, https://doi.org/10.1016/0305-0548(94)00059-H.
    """
    return _objective(framework, data, "critic", lambda d: critic_weights(d, missing=missing),
                      lambda i: {"sigma": i["sigma"], "conflict": i["conflict"], "information": i["information"]},
                      levels, year, rest)


@WEIGHTERS.register("sd", zh="标准差法")
def sd(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    missing: str = "complete",
    minmax: bool = True,
    rest: Rest = "expert",
) -> ExplainedWeights:
    """Standard-deviation weights ``w_j ∝ σ_j`` among the children of each parent.

    See :func:`indicators.weights.objective.sd_weights`.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), https://doi.org/10.1016/0305-0548(94)00059-H.
    """
    return _objective(framework, data, "sd", lambda d: sd_weights(d, missing=missing, minmax=minmax),
                      lambda i: {"sigma": i["sigma"]}, levels, year, rest)


@WEIGHTERS.register("pca", zh="主成分分析法")
def pca(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    rest: Rest = "expert",
) -> ExplainedWeights:
    """First-principal-component weights per group (squared loadings), with variance explained.

    See :func:`indicators.weights.objective.pca_weights`. Explain ``groups``: the share of
    variance the first component explains in each group and any negative loadings (an
    indicator pulling against its group); ``table``: loadings per node.

    References
    ----------
    OECD/JRC (2008) Handbook §6.1 (PCA / factor analysis weights),
    https://doi.org/10.1787/9789264043466-en; Nicoletti, Scarpetta & Boylaud (2000), OECD ECO
    Working Paper 226.
    """
    return _objective(framework, data, "pca", pca_weights, lambda i: {"loading": i["loadings"]},
                      levels, year, rest)

