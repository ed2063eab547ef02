"""Outlier treatment step (registry :data:`TREATMENTS`), applied to indicators before normalising.

``func(df, **params) -> (treated DataFrame, details DataFrame)``, or a 3-tuple whose third item is
the long table of treated points (``district, year, indicator, original, treated, treatment``).
The pipeline keeps the details in ``explain["treat"]`` and the points in ``explain["treated_points"]``.

References: OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, §1.5 and Step 3
(outliers), https://doi.org/10.1787/9789264043466-en; COINr ``Treat()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError
from .registry import Registry
from .treat import _MIN_N, treat_columns

TREATMENTS = Registry("treatment")

#: Columns of the details table: one row per (year, indicator).
DETAIL_COLUMNS = ["year", "indicator", "status", "n", "pass_before", "skew_before", "kurt_before", "n_winsorised",
                  "pass_winsorised", "skew_winsorised", "kurt_winsorised", "pass_after", "skew_after", "kurt_after"]

#: Columns of the treated-points table.
POINT_COLUMNS = ["district", "year", "indicator", "original", "treated", "treatment"]


@TREATMENTS.register("none")
def none(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """No outlier treatment."""
    return df, pd.DataFrame()


@TREATMENTS.register("winsorise")
def winsorise(
    df: pd.DataFrame,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    by_year: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Winsorise skewed, heavy-tailed indicators (COINr ``Treat()`` default) with a log fallback.

    An indicator fails when ``|skew| >= skew_thresh`` and ``kurtosis >= kurt_thresh``; it is then
    winsorised one extreme at a time, up to ``winmax`` points, and if it still fails its original
    values are log-transformed, ``log(x − min + 0.01 (max − min))`` (see :mod:`indicators.treat`).

    Parameters
    ----------
    df : DataFrame
        Indicators, rows indexed by (district, year).
    winmax : int or None, default 5
        Maximum number of points winsorised per indicator (ties move together).
    skew_thresh, kurt_thresh : float
        Thresholds of the pass rule (COINr defaults 2 and 3.5).
    by_year : bool, default True
        Treat each year separately (COINr treats each coin of a purse on its own); ``False``
        pools every year.

    Returns
    -------
    treated, details, points
        ``details`` has one row per (year, indicator): status (``passed``, ``winsorised``,
        ``log``, ``constant``, or ``too few values`` when fewer than 4 values are present and
        skewness and kurtosis are undefined: left untreated), skew and kurtosis before and after, points winsorised;
        ``points`` one row per changed value (treatment ``winhi``, ``winlo`` or ``log``).

    References
    ----------
    COINr ``Treat()``, ``winsorise()``, ``log_CT()``, ``check_SkewKurt()``; Becker et al. (2022)
    *JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567; Handbook (2008) §1.5.
    """
    X = df.to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(X)
    if inf.any():
        raise DataError("winsorise: indicators have infinite values", [
            f"indicator {df.columns[j]!r}: {int(inf[:, j].sum())} infinite value(s); only finite or missing"
            for j in np.flatnonzero(inf.any(axis=0))])
    names = list(df.columns)
    years = df.index.get_level_values("year").to_numpy()
    blocks = [(y, years == y) for y in pd.unique(years)] if by_year else [("all", slice(None))]
    if len(blocks) == 1:
        blocks = [(blocks[0][0], slice(None))]
    out = X.copy()
    details, point_parts = [], []
    for year, rows in blocks:
        block = X[rows]
        counts = (~np.isnan(block)).sum(axis=0)
        ok = np.flatnonzero(counts >= _MIN_N)  # fewer values: skew and kurtosis undefined, left as is
        treated, dets, pts = treat_columns(block[:, ok], [names[j] for j in ok], winmax=winmax,
                                           skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        sub = out[rows]
        sub[:, ok] = treated
        out[rows] = sub
        by_col = dict(zip(ok.tolist(), dets, strict=True))
        for j, name in enumerate(names):
            det = by_col.get(j, {"status": "too few values"})
            details.append({"year": year, "indicator": name, **det, "n": int(counts[j])})
        if len(pts["row"]):
            row_index = df.index[np.flatnonzero(rows) if isinstance(rows, np.ndarray) else np.arange(len(df))]
            at = row_index[pts["row"]]
            point_parts.append(pd.DataFrame({
                "district": at.get_level_values("district"), "year": at.get_level_values("year"),
                "indicator": pts["column"], "original": pts["original"], "treated": pts["treated"],
                "treatment": pts["treatment"]}))
    treated = pd.DataFrame(out, index=df.index, columns=df.columns)
    details_df = pd.DataFrame(details, columns=DETAIL_COLUMNS)
    points = (pd.concat(point_parts, ignore_index=True) if point_parts
              else pd.DataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS}))
    return treated, details_df, points
