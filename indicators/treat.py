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

__all__ = ["passes_skew_kurt", "skew_kurt", "treat_frame", "treat_series"]

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

    treated = {}
    rows = {}
    point_tables = []
    for col in df.columns:
        out, det = _treat(df[col], cleaned[col], winmax, skew_thresh, kurt_thresh, f"{col!r}")
        treated[col] = out
        rows[col] = {k: v for k, v in det.items() if k not in ("winsorised", "points")}
        pts = det["points"]
        if len(pts):
            point_tables.append(pts.assign(column=col)[POINT_COLUMNS])
    treated_df = pd.DataFrame(treated, index=df.index, columns=df.columns)
    details = pd.DataFrame.from_dict(rows, orient="index")
    details.index.name = "column"
    if point_tables:
        points = pd.concat(point_tables, ignore_index=True)
    else:
        points = pd.DataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS})
    return treated_df, details, points


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
    s2 = float(np.sum(d**2))
    g1 = math.sqrt(n) * float(np.sum(d**3)) / s2**1.5
    g2 = n * float(np.sum(d**4)) / s2**2 - 3.0
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return skew, kurt


def _treat(
    x: pd.Series,
    v: np.ndarray,
    winmax: int | None,
    skew_thresh: float,
    kurt_thresh: float,
    where: str,
) -> tuple[pd.Series, dict[str, Any]]:
    def check(arr: np.ndarray) -> tuple[bool, float, float]:
        s, k = _skew_kurt(arr)
        return passes_skew_kurt(s, k, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh), s, k

    ok = ~np.isnan(v)
    pass0, s0, k0 = check(v)
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
    out = v.copy()
    if math.isnan(s0):
        warnings.warn(
            f"{where}: all {int(ok.sum())} non-missing values are equal; returned untreated",
            ConstantIndicatorWarning,
            stacklevel=3,
        )
        det["status"] = "constant"
    elif not pass0:
        w, nwin = _winsorise(v, winmax, check)
        pass1, s1, k1 = check(w)
        det.update(n_winsorised=nwin, pass_winsorised=pass1, skew_winsorised=s1, kurt_winsorised=k1)
        if pass1:
            out = w
            det.update(status="winsorised", pass_after=pass1, skew_after=s1, kurt_after=k1)
        else:
            lo, hi = np.nanmin(v), np.nanmax(v)
            out = np.log(v - lo + 0.01 * (hi - lo))
            pass2, s2, k2 = check(out)
            det.update(status="log", pass_after=pass2, skew_after=s2, kurt_after=k2)

    treated = pd.Series(out, index=x.index, name=x.name)
    if det["status"] == "log":
        mask = ok
        kinds = np.full(v.shape, "log", dtype=object)
    else:
        mask = ok & (out != v)
        kinds = np.where(out < v, "winhi", "winlo").astype(object)
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


def _winsorise(v: np.ndarray, winmax: int | None, check) -> tuple[np.ndarray, int]:
    """Winsorise one extreme at a time until ``check`` passes or ``winmax`` points are changed."""
    w = v.copy()
    ok = ~np.isnan(w)
    nwin = 0
    passing = False
    while not passing and (winmax is None or nwin < winmax):
        s, _ = _skew_kurt(w)
        vals = w[ok]
        if s >= 0:
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
        passing = check(w)[0]
    return w, nwin
