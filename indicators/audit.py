"""Statistical audit helpers: indicator statistics, Cronbach's alpha, correlation flags, PCA.

These are the checks the JRC runs when auditing a composite indicator: distribution and outliers
of each indicator (with the same skew/kurtosis rule as :mod:`indicators.treat`), internal
consistency of a group (Cronbach's alpha), how each indicator relates to its parent aggregate
(negative or weak correlations mean it does not pull with the group; very high correlations
between two indicators mean double counting), and whether a group is one-dimensional (PCA).

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, Step 4
(multivariate analysis) and §7, https://doi.org/10.1787/9789264043466-en; Saisana, Saltelli &
Tarantola (2005), "Uncertainty and sensitivity analysis techniques as tools for the quality
assessment of composite indicators", *JRSS A* 168(2), 307–323,
https://doi.org/10.1111/j.1467-985X.2005.00350.x; Becker et al. (2022), COINr, *JOSS* 7(78),
4567, https://doi.org/10.21105/joss.04567 (``get_stats()``, ``get_cronbach()``,
``get_corr_flags()``, ``get_PCA()``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, MethodologyError
from .treat import _skew_kurt, passes_skew_kurt
from .weights.objective import numeric_frame as _numeric_frame
from .weights.objective import pca_components

__all__ = [
    "CorrelationFlags",
    "correlation_flags",
    "cronbach_alpha",
    "indicator_stats",
    "pca_summary",
]


def indicator_stats(
    df: pd.DataFrame, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> pd.DataFrame:
    """Descriptive statistics of each indicator, with the outlier flag of the treatment rule.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = numeric indicators.
    skew_thresh, kurt_thresh : float
        The outlier rule of :func:`indicators.treat.passes_skew_kurt`.

    Returns
    -------
    pandas.DataFrame
        One row per column: ``n`` (non-missing), ``coverage`` (share non-missing), ``mean``,
        ``sd`` (sample), ``min``, ``max``, ``skew`` and ``kurtosis`` (e1071 type 2, excess;
        NaN with fewer than 4 values or a constant column), ``outlier`` (nullable boolean:
        True when ``|skew| >= skew_thresh`` and ``kurtosis >= kurt_thresh``; NA when undefined).

    Raises
    ------
    DataError
        Non-numeric or infinite columns.

    References
    ----------
    OECD/JRC (2008) Handbook Step 3–4; COINr ``get_stats()``,
    https://doi.org/10.21105/joss.04567.
    """
    x = _numeric_frame(df, "indicator_stats")
    rows = {}
    for col in x.columns:
        v = x[col].to_numpy()
        ok = v[~np.isnan(v)]
        n = ok.size
        if n >= 4:
            s, k = _skew_kurt(ok)
        else:
            s = k = math.nan
        outlier: Any = (
            pd.NA
            if math.isnan(s)
            else not passes_skew_kurt(s, k, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        )
        rows[col] = {
            "n": n,
            "coverage": n / len(v) if len(v) else math.nan,
            "mean": ok.mean() if n else math.nan,
            "sd": ok.std(ddof=1) if n > 1 else math.nan,
            "min": ok.min() if n else math.nan,
            "max": ok.max() if n else math.nan,
            "skew": s,
            "kurtosis": k,
            "outlier": outlier,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["outlier"] = out["outlier"].astype("boolean")
    out["n"] = out["n"].astype(int)
    out.index.name = "indicator"
    return out


def cronbach_alpha(df: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``df`` (complete cases).

    ``α = k / (k - 1) · (1 - Σ_i σ²_i / σ²_total)`` where ``σ²_i`` is the variance of column
    ``i`` and ``σ²_total`` the variance of the row sums (sample variances; the ratio does not
    depend on the denominator).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = the k items of one group (k >= 2); rows with NaN are dropped.

    Returns
    -------
    float

    Raises
    ------
    DataError
        Fewer than 2 columns or 2 complete rows, or row sums with zero variance.

    References
    ----------
    Cronbach (1951), "Coefficient alpha and the internal structure of tests", *Psychometrika*
    16(3), 297–334, https://doi.org/10.1007/BF02310555; OECD/JRC (2008) Handbook Step 4.
    """
    x = _numeric_frame(df, "cronbach_alpha").dropna(how="any")
    k = x.shape[1]
    if k < 2:
        raise DataError(f"cronbach_alpha: needs at least 2 columns, got {k}")
    if len(x) < 2:
        raise DataError(f"cronbach_alpha: {len(x)} complete row(s); needs at least 2")
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        raise DataError("cronbach_alpha: the row sums are constant, so alpha is undefined")
    return float(k / (k - 1) * (1.0 - x.var(ddof=1).sum() / total))


@dataclass(frozen=True)
class CorrelationFlags:
    """Result of :func:`correlation_flags`."""

    #: One row per indicator: ``parent``, ``r`` (with the parent), ``n``, ``negative``, ``weak``.
    indicators: pd.DataFrame
    #: Indicator pairs in the same parent with ``|r| > collinear``: ``parent``, ``indicator_a``,
    #: ``indicator_b``, ``r``, ``n``.
    pairs: pd.DataFrame


def correlation_flags(
    df: pd.DataFrame,
    parent_scores: pd.Series | pd.DataFrame,
    *,
    parents: Mapping[str, str] | None = None,
    weak: float = 0.3,
    collinear: float = 0.9,
) -> CorrelationFlags:
    """Flag indicators that correlate negatively or weakly with their parent, and collinear pairs.

    Pearson correlations use the units where both series are present (pairwise).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = indicators.
    parent_scores : pandas.Series or pandas.DataFrame
        The parent aggregate(s), indexed like ``df``. A Series is the parent of every column;
        a DataFrame has one column per parent and needs ``parents``.
    parents : mapping, optional
        Indicator -> parent column of ``parent_scores`` (required with a DataFrame).
    weak : float, default 0.3
        ``|r| < weak`` with the parent is flagged as weak.
    collinear : float, default 0.9
        Pairs of indicators under the same parent with ``|r| > collinear`` are listed.

    Returns
    -------
    CorrelationFlags

    Raises
    ------
    DataError
        Non-numeric data, indexes that do not match, an indicator without a parent, a parent
        missing from ``parent_scores``, or a correlation that is undefined (constant series or
        fewer than 3 shared units).
    MethodologyError
        Thresholds outside [0, 1].

    References
    ----------
    OECD/JRC (2008) Handbook Step 4; COINr ``get_corr_flags()``,
    https://doi.org/10.21105/joss.04567; Saisana et al. (2005),
    https://doi.org/10.1111/j.1467-985X.2005.00350.x.
    """
    for name, val in (("weak", weak), ("collinear", collinear)):
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not 0 <= val <= 1:
            raise MethodologyError(f"correlation_flags: {name} must be in [0, 1], got {val!r}")
    x = _numeric_frame(df, "correlation_flags")
    if isinstance(parent_scores, pd.Series):
        if parents is not None:
            raise MethodologyError(
                "correlation_flags: 'parents' is only used when parent_scores is a DataFrame"
            )
        pname = str(parent_scores.name) if parent_scores.name is not None else "parent"
        scores = pd.DataFrame({pname: parent_scores})
        mapping = {c: pname for c in x.columns}
    elif isinstance(parent_scores, pd.DataFrame):
        if parents is None:
            raise MethodologyError(
                "correlation_flags: with a DataFrame of parent scores, pass parents= "
                "(indicator -> parent column)"
            )
        scores = parent_scores
        problems = [
            f"indicator {c!r} has no parent in 'parents'" for c in x.columns if c not in parents
        ]
        problems += [
            f"parent {p!r} (of {c!r}) is not a column of parent_scores"
            for c, p in parents.items()
            if c in x.columns and p not in scores.columns
        ]
        if problems:
            raise DataError("correlation_flags: parents do not match", problems)
        mapping = {c: parents[c] for c in x.columns}
    else:
        raise DataError(
            "correlation_flags: parent_scores must be a pandas Series or DataFrame, "
            f"got {type(parent_scores).__name__}"
        )
    scores = _numeric_frame(scores, "correlation_flags (parent_scores)")
    missing = x.index.difference(scores.index)
    if len(missing):
        raise DataError(
            f"correlation_flags: {len(missing)} unit(s) of df have no parent score, "
            f"e.g. {list(missing[:5])}"
        )
    scores = scores.loc[x.index]

    problems: list[str] = []
    ind_rows = []
    for col in x.columns:
        r, n = _pearson(x[col], scores[mapping[col]])
        if math.isnan(r):
            problems.append(
                f"indicator {col!r} vs parent {mapping[col]!r}: correlation undefined "
                f"({n} shared units; constant series or fewer than 3 units)"
            )
        ind_rows.append(
            {
                "indicator": col,
                "parent": mapping[col],
                "r": r,
                "n": n,
                "negative": r < 0,
                "weak": abs(r) < weak,
            }
        )
    pair_rows = []
    for parent in dict.fromkeys(mapping.values()):
        members = [c for c in x.columns if mapping[c] == parent]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                r, n = _pearson(x[a], x[b])
                if not math.isnan(r) and abs(r) > collinear:
                    pair_rows.append(
                        {"parent": parent, "indicator_a": a, "indicator_b": b, "r": r, "n": n}
                    )
    if problems:
        raise DataError("correlation_flags: undefined correlations", problems)
    indicators = pd.DataFrame(ind_rows).set_index("indicator")
    pairs = pd.DataFrame(pair_rows, columns=["parent", "indicator_a", "indicator_b", "r", "n"])
    return CorrelationFlags(indicators=indicators, pairs=pairs)


def pca_summary(df: pd.DataFrame) -> dict[str, Any]:
    """Principal components of the correlation matrix of ``df`` (complete cases).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows = units, columns = the indicators of one group (at least 2).

    Returns
    -------
    dict
        ``n`` (complete units used), ``eigenvalues`` (Series PC1..PCm, descending),
        ``explained`` (share of variance per component), ``cumulative`` (cumulative share),
        ``first_share`` (share of PC1), ``loadings`` (DataFrame indicators x components,
        eigenvector times √eigenvalue, each component's sign set so its loadings sum positive).

    Raises
    ------
    DataError
        Fewer than 2 columns or 3 complete rows, or a constant column.

    References
    ----------
    OECD/JRC (2008) Handbook Step 4 §4.1 (PCA), https://doi.org/10.1787/9789264043466-en;
    Jolliffe (2002), *Principal Component Analysis*, https://doi.org/10.1007/b98835.
    """
    x = _numeric_frame(df, "pca_summary").dropna(how="any")
    if x.shape[1] < 2:
        raise DataError(f"pca_summary: needs at least 2 columns, got {x.shape[1]}")
    if len(x) < 3:
        raise DataError(f"pca_summary: {len(x)} complete row(s); needs at least 3")
    const = [c for c in x.columns if x[c].max() == x[c].min()]
    if const:
        raise DataError(f"pca_summary: constant column(s) {const}; correlations are undefined")
    values, vectors = pca_components(x.to_numpy())
    names = [f"PC{i + 1}" for i in range(len(values))]
    explained = pd.Series(values / values.sum(), index=names, name="explained")
    loadings = pd.DataFrame(
        vectors * np.sqrt(np.clip(values, 0.0, None)), index=x.columns, columns=names
    )
    return {
        "n": len(x),
        "eigenvalues": pd.Series(values, index=names, name="eigenvalue"),
        "explained": explained,
        "cumulative": explained.cumsum().rename("cumulative"),
        "first_share": float(explained.iloc[0]),
        "loadings": loadings,
    }


# --------------------------------------------------------------------------------------------
# internals


def _pearson(a: pd.Series, b: pd.Series) -> tuple[float, int]:
    both = a.notna().to_numpy() & b.notna().to_numpy()
    n = int(both.sum())
    if n < 3:
        return math.nan, n
    u, v = a.to_numpy()[both], b.to_numpy()[both]
    if u.max() == u.min() or v.max() == v.min():
        return math.nan, n
    return float(np.corrcoef(u, v)[0, 1]), n
