"""Outlier treatment: skew/kurtosis check, winsorisation, log fallback (COINr ``Treat()`` default).

An indicator *fails* the check only when both ``|skew| >= skew_thresh`` and
``kurt >= kurt_thresh`` (skew and excess kurtosis are the sample-adjusted "type 2" estimators of
e1071 / Excel, missing values removed). A failing indicator is winsorised one extreme at a time:
when the current skew is >= 0 every point equal to the maximum takes the largest remaining value,
otherwise every point equal to the minimum takes the smallest remaining value; the check is
repeated after each step. Winsorisation stops when the indicator passes or when the number of
winsorised points reaches ``winmax`` (tied points move together and each counts, so the count can
overshoot ``winmax`` by the size of the last tie). If the indicator still fails, the winsorised
values are discarded and the *original* column is log-transformed,
``log(x - min + 0.01 * (max - min))``.

This reproduces COINr's ``Treat()`` with its defaults (``f1 = winsorise``, ``f2 = log_CT``,
``f_pass = check_SkewKurt``, ``combine_treat = FALSE``), checked against COINr's outputs for the
ASEM example (``tests/indicators/test_treat.py``).

Two cases COINr leaves undefined are explicit here: a constant column is returned unchanged with a
:class:`~indicators.errors.ConstantIndicatorWarning` (status ``"constant"``), and a winsorisation
step that would make the column constant is not taken (the log fallback follows).

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.5 and Step 3
(outliers), https://doi.org/10.1787/9789264043466-en; Becker, Caperna, Del Sorbo, Norlén,
Papadimitriou & Saisana (2022), "COINr: an R package for developing composite indicators",
*JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567 (vignette "Outlier treatment");
Joanes & Gill (1998), "Comparing measures of sample skewness and kurtosis", *The Statistician*
47(1), 183–189, https://doi.org/10.1111/1467-9884.00122 (estimators G1, G2).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .errors import ConstantIndicatorWarning, DataError, MethodologyError

__all__ = ["passes_skew_kurt", "skew_kurt", "treat_columns", "treat_frame", "treat_series"]

#: Columns of the long table of treated points returned by :func:`treat_frame`.
POINT_COLUMNS = ["column", "label", "original", "treated", "treatment"]

_MIN_N = 4  # kurtosis G2 needs n >= 4


def skew_kurt(x: ArrayLike) -> tuple[float, float]:
    """Sample skewness and excess kurtosis, e1071 "type 2" (Excel ``SKEW`` / ``KURT``).

    With ``d = x - mean(x)``, ``m2 = Σd²/n``, ``g1 = (Σd³/n) / m2^1.5`` and
    ``g2 = (Σd⁴/n) / m2² - 3``::

        G1 = g1 * sqrt(n (n - 1)) / (n - 2)
        G2 = ((n + 1) g2 + 6) (n - 1) / ((n - 2)(n - 3))

    Parameters
    ----------
    x : array-like of float
        Values; NaN are removed first.

    Returns
    -------
    (float, float)
        ``(G1, G2)``; both NaN when the non-missing values are all equal.

    Raises
    ------
    DataError
        If fewer than 4 values are non-missing, or a value is infinite.

    References
    ----------
    Joanes & Gill (1998), *The Statistician* 47(1), 183–189, https://doi.org/10.1111/1467-9884.00122
    (G1, G2 = "type 2" of R package e1071, used by COINr).
    """
    v = _clean(x, where="skew_kurt")
    return _skew_kurt(v)


def passes_skew_kurt(
    skew: float, kurt: float, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> bool:
    """The COINr pass rule: ``|skew| < skew_thresh or kurt < kurt_thresh``.

    NaN skew/kurtosis (a constant column) counts as passing: there is nothing to treat.

    References
    ----------
    COINr ``check_SkewKurt()``; Becker et al. (2022), https://doi.org/10.21105/joss.04567.
    """
    if math.isnan(skew) or math.isnan(kurt):
        return True
    return bool(abs(skew) < skew_thresh or kurt < kurt_thresh)


def treat_series(
    x: pd.Series, *, winmax: int | None = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> tuple[pd.Series, dict[str, Any]]:
    """Treat one indicator for outliers as COINr's ``Treat()`` does by default.

    Parameters
    ----------
    x : pandas.Series
        Numeric values of one indicator; NaN are left in place and ignored by the statistics.
    winmax : int or None, default 5
        Maximum number of points to winsorise (``None``: no limit). Ties can overshoot it.
    skew_thresh : float, default 2.0
        Absolute skewness threshold of the pass rule.
    kurt_thresh : float, default 3.5
        Excess kurtosis threshold of the pass rule.

    Returns
    -------
    treated : pandas.Series
        Same index and name as ``x``.
    details : dict
        ``status`` (``"passed"``, ``"winsorised"``, ``"log"`` or ``"constant"``); ``n`` (non-missing
        values); ``pass_before``, ``skew_before``, ``kurt_before``; the winsorisation attempt:
        ``n_winsorised`` (points changed by it, COINr's ``winsorise.nwin``; 0 when not attempted),
        ``pass_winsorised``, ``skew_winsorised``, ``kurt_winsorised`` (NaN / None when not
        attempted); the returned series: ``pass_after``, ``skew_after``, ``kurt_after``;
        ``winsorised`` (Series: label -> original value of each point winsorised in the returned
        series; empty after a log fallback); ``points`` (DataFrame ``label, original, treated,
        treatment`` with treatment ``"winhi"``, ``"winlo"`` or ``"log"``).

    Raises
    ------
    DataError
        Non-numeric or infinite values, or fewer than 4 non-missing values.
    MethodologyError
        Invalid ``winmax`` or thresholds.

    Warns
    -----
    ConstantIndicatorWarning
        When the non-missing values are all equal (returned unchanged, status ``"constant"``).

    References
    ----------
    OECD/JRC (2008) Handbook §1.5, https://doi.org/10.1787/9789264043466-en; COINr ``Treat()``,
    ``winsorise()``, ``log_CT()``, Becker et al. (2022) *JOSS* 7(78) 4567,
    https://doi.org/10.21105/joss.04567.
    """
    _check_params(winmax, skew_thresh, kurt_thresh)
    if not isinstance(x, pd.Series):
        raise DataError(f"treat_series: expected a pandas Series, got {type(x).__name__}")
    where = f"indicator {x.name!r}"
    values = _clean(x, where=where)
    return _treat(x, values, winmax, skew_thresh, kurt_thresh, where)


def treat_frame(
    df: pd.DataFrame,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat every column of ``df`` with :func:`treat_series`.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows are units, columns are numeric indicators.
    winmax, skew_thresh, kurt_thresh
        As in :func:`treat_series`, applied to every column.

    Returns
    -------
    treated : pandas.DataFrame
        Same shape, index and columns as ``df``.
    details : pandas.DataFrame
        One row per column (index = column names) with the scalar entries of the per-column
        details (``status``, ``n``, ``pass_before`` ... ``kurt_after``).
    points : pandas.DataFrame
        Long table of treated points, columns :data:`POINT_COLUMNS`
        (``column, label, original, treated, treatment``).

    Raises
    ------
    DataError
        Listing every column that cannot be treated (non-numeric, infinite, too few values).

    References
    ----------
    COINr ``Treat.data.frame()``; Becker et al. (2022), https://doi.org/10.21105/joss.04567.
    """
    _check_params(winmax, skew_thresh, kurt_thresh)
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"treat_frame: expected a pandas DataFrame, got {type(df).__name__}")
    problems: list[str] = []
    cleaned: dict[Any, np.ndarray] = {}
    for col in df.columns:
        try:
            cleaned[col] = _clean(df[col], where=f"column {col!r}")
        except DataError as exc:
            problems.extend(exc.problems or [exc.summary])
    if problems:
        raise DataError("treat_frame: columns cannot be treated", problems)

    names = list(df.columns)
    X = np.column_stack([cleaned[c] for c in names]) if names else np.empty((len(df), 0))
    out, rows, pts = treat_columns(X, names, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    treated_df = pd.DataFrame(out, index=df.index, columns=df.columns)
    details = pd.DataFrame(rows, index=pd.Index(names, name="column"))
    if len(pts["row"]):
        points = pd.DataFrame({"column": pts["column"], "label": list(df.index[pts["row"]]),
                               "original": pts["original"], "treated": pts["treated"],
                               "treatment": pts["treatment"]}, columns=POINT_COLUMNS)
    else:
        points = pd.DataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS})
    return treated_df, details, points


def treat_columns(
    X: np.ndarray,
    names: list[Any],
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    stacklevel: int = 4,
) -> tuple[np.ndarray, list[dict[str, Any]], dict[str, np.ndarray]]:
    """Treat each column of a float matrix (each with at least 4 finite values; checked by the caller).

    The numpy core of :func:`treat_frame` and of the pipeline's ``winsorise`` step: per-column
    Series and DataFrames would cost more than the arithmetic. Returns the treated matrix, one
    details dict per column, and the changed points as arrays ``row, column, original, treated,
    treatment``.
    """
    out = np.empty_like(X, dtype=float)
    rows = []
    parts: dict[str, list] = {"row": [], "column": [], "original": [], "treated": [], "treatment": []}
    full = np.flatnonzero(~np.isnan(X).any(axis=0))  # most columns: first check for all at once
    first = dict(zip(full.tolist(), _skew_kurt_rows(np.ascontiguousarray(X[:, full].T)), strict=True))
    for j, col in enumerate(names):
        v = np.ascontiguousarray(X[:, j])
        out[:, j], det, mask, kinds = _treat_array(v, winmax, skew_thresh, kurt_thresh, f"{col!r}",
                                                   stacklevel=stacklevel + 1, first=first.get(j))
        rows.append(det)
        if mask.any():
            hit = np.flatnonzero(mask)
            parts["row"].append(hit)
            parts["column"].append(np.full(hit.size, col, dtype=object))
            parts["original"].append(v[hit])
            parts["treated"].append(out[hit, j])
            parts["treatment"].append(kinds[hit])
    empty = {"row": np.empty(0, dtype=np.int64), "column": np.empty(0, dtype=object),
             "original": np.empty(0), "treated": np.empty(0), "treatment": np.empty(0, dtype=object)}
    pts = {k: np.concatenate(v) if v else empty[k] for k, v in parts.items()}
    return out, rows, pts


# --------------------------------------------------------------------------------------------
# internals


def _check_params(winmax: int | None, skew_thresh: float, kurt_thresh: float) -> None:
    problems = []
    if winmax is not None and (
        isinstance(winmax, bool) or not isinstance(winmax, (int, np.integer)) or winmax < 0
    ):
        problems.append(f"winmax must be a non-negative integer or None, got {winmax!r}")
    for name, val in (("skew_thresh", skew_thresh), ("kurt_thresh", kurt_thresh)):
        if isinstance(val, bool) or not isinstance(val, (int, float, np.number)):
            problems.append(f"{name} must be a number, got {val!r}")
        elif not math.isfinite(val):
            problems.append(f"{name} must be finite, got {val!r}")
    if not problems and skew_thresh <= 0:
        problems.append(f"skew_thresh must be positive, got {skew_thresh!r}")
    if problems:
        raise MethodologyError("invalid treatment parameters", problems)


def _clean(x: ArrayLike, *, where: str) -> np.ndarray:
    """Float array of ``x`` (NaN kept); DataError when non-numeric, infinite or n < 4."""
    if isinstance(x, pd.Series) and not (
        pd.api.types.is_numeric_dtype(x.dtype) and not pd.api.types.is_bool_dtype(x.dtype)
    ):
        raise DataError(f"{where}: values must be numeric, got dtype {x.dtype}")
    try:
        if isinstance(x, pd.Series):
            v = x.to_numpy(dtype=float, na_value=np.nan)
        else:
            v = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: values must be numeric ({exc})") from None
    if np.isinf(v).any():
        raise DataError(f"{where}: {int(np.isinf(v).sum())} infinite value(s); only finite or NaN")
    n = int((~np.isnan(v)).sum())
    if n < _MIN_N:
        raise DataError(
            f"{where}: {n} non-missing value(s); skewness and kurtosis need at least {_MIN_N}"
        )
    return v


def _skew_kurt(v: np.ndarray) -> tuple[float, float]:
    v = v[~np.isnan(v)]
    n = v.size
    if v.max() == v.min():
        return math.nan, math.nan
    d = v - v.mean()
    with np.errstate(over="ignore", under="ignore"):
        sums = float(np.sum(d**2)), float(np.sum(d**3)), float(np.sum(d**4))
    if not _sums_usable(sums):  # powers of tiny or huge deviations under/overflow: rescale (scale-free stats)
        d = d / np.abs(d).max()
        sums = float(np.sum(d**2)), float(np.sum(d**3)), float(np.sum(d**4))
    return _skew_kurt_from(n, *sums)


def _sums_usable(sums: tuple[float, float, float]) -> bool:
    return sums[0] ** 2 > 0 and all(math.isfinite(x) for x in sums) and math.isfinite(sums[0] ** 2)


def _skew_kurt_from(n: int, s2: float, s3: float, s4: float) -> tuple[float, float]:
    """G1 and G2 from the sums of squared, cubed and fourth-power deviations."""
    g1 = math.sqrt(n) * s3 / s2**1.5
    g2 = n * s4 / s2**2 - 3.0
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return skew, kurt


def _skew_kurt_rows(t: np.ndarray) -> list[tuple[float, float]]:
    """:func:`_skew_kurt` of every row of a C-contiguous matrix without missing values, at once.

    numpy reduces each contiguous row with the same pairwise summation as a 1-D array, so the
    sums (and the statistics) are the per-column ones bit for bit (tested); the scalar formulas
    then run in Python floats exactly as in :func:`_skew_kurt`.
    """
    n = t.shape[1]
    d = t - t.mean(axis=1, keepdims=True)
    const = t.max(axis=1) == t.min(axis=1)
    with np.errstate(all="ignore"):
        sums = [np.sum(d**2, axis=1), np.sum(d**3, axis=1), np.sum(d**4, axis=1)]
    out = []
    for i in range(len(t)):
        row = float(sums[0][i]), float(sums[1][i]), float(sums[2][i])
        out.append((math.nan, math.nan) if const[i] else
                   _skew_kurt_from(n, *row) if _sums_usable(row) else _skew_kurt(t[i]))
    return out


def _treat(
    x: pd.Series,
    v: np.ndarray,
    winmax: int | None,
    skew_thresh: float,
    kurt_thresh: float,
    where: str,
) -> tuple[pd.Series, dict[str, Any]]:
    """:func:`_treat_array` with pandas results: the treated Series and details with points."""
    out, det, mask, kinds = _treat_array(v, winmax, skew_thresh, kurt_thresh, where, stacklevel=4)
    treated = pd.Series(out, index=x.index, name=x.name)
    win = mask if det["status"] == "winsorised" else np.zeros_like(mask)
    det["winsorised"] = pd.Series(v[win], index=x.index[win], name=x.name, dtype=float)
    det["points"] = pd.DataFrame(
        {
            "label": list(x.index[mask]),
            "original": v[mask],
            "treated": out[mask],
            "treatment": kinds[mask],
        },
        columns=["label", "original", "treated", "treatment"],
    )
    return treated, det


def _treat_array(
    v: np.ndarray,
    winmax: int | None,
    skew_thresh: float,
    kurt_thresh: float,
    where: str,
    stacklevel: int = 4,
    first: tuple[float, float] | None = None,
) -> tuple[np.ndarray, dict[str, Any], np.ndarray, np.ndarray]:
    """Treat one column of floats: (treated values, scalar details, changed-point mask, their kinds).

    ``first``: the column's skew and kurtosis when already known (:func:`_skew_kurt_rows`)."""

    def check(arr: np.ndarray) -> tuple[bool, float, float]:
        s, k = _skew_kurt(arr)
        return passes_skew_kurt(s, k, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh), s, k

    ok = ~np.isnan(v)
    if first is None:
        pass0, s0, k0 = check(v)
    else:
        s0, k0 = first
        pass0 = passes_skew_kurt(s0, k0, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    det: dict[str, Any] = {
        "status": "passed",
        "n": int(ok.sum()),
        "pass_before": pass0,
        "skew_before": s0,
        "kurt_before": k0,
        "n_winsorised": 0,
        "pass_winsorised": None,
        "skew_winsorised": math.nan,
        "kurt_winsorised": math.nan,
        "pass_after": pass0,
        "skew_after": s0,
        "kurt_after": k0,
    }
    if math.isnan(s0):
        warnings.warn(
            f"{where}: all {int(ok.sum())} non-missing values are equal; returned untreated",
            ConstantIndicatorWarning,
            stacklevel=stacklevel,
        )
        det["status"] = "constant"
    elif not pass0:
        w, nwin, (pass1, s1, k1) = _winsorise(v, winmax, check, (pass0, s0, k0))
        det.update(n_winsorised=nwin, pass_winsorised=pass1, skew_winsorised=s1, kurt_winsorised=k1)
        if pass1:
            det.update(status="winsorised", pass_after=pass1, skew_after=s1, kurt_after=k1)
            mask = ok & (w != v)
            return w, det, mask, np.where(w < v, "winhi", "winlo").astype(object)
        lo, hi = np.nanmin(v), np.nanmax(v)
        out = np.log(v - lo + 0.01 * (hi - lo))
        pass2, s2, k2 = check(out)
        det.update(status="log", pass_after=pass2, skew_after=s2, kurt_after=k2)
        return out, det, ok, np.full(v.shape, "log", dtype=object)
    return v.copy(), det, np.zeros(v.shape, dtype=bool), np.full(v.shape, "winlo", dtype=object)


def _winsorise(v: np.ndarray, winmax: int | None, check, first: tuple[bool, float, float]
               ) -> tuple[np.ndarray, int, tuple[bool, float, float]]:
    """Winsorise one extreme at a time until ``check`` passes or ``winmax`` points are changed.

    ``first`` is ``check(v)``; returns the winsorised values, the points changed and their check."""
    w = v.copy()
    ok = ~np.isnan(w)
    nwin = 0
    passing, s, k = first
    while not passing and (winmax is None or nwin < winmax):
        vals = w[ok]
        if s >= 0:  # s: the skew of the current w (from the last check)
            extreme = vals.max()
            rest = vals[vals != extreme]
            replacement = rest.max()
        else:
            extreme = vals.min()
            rest = vals[vals != extreme]
            replacement = rest.min()
        if rest.max() == rest.min():  # the step would leave a constant column: do not take it
            break
        w[ok & (w == extreme)] = replacement
        nwin = int(np.sum(w[ok] != v[ok]))
        passing, s, k = check(w)
    return w, nwin, (passing, s, k)
