"""Outlier treatment step (registry :data:`TREATMENTS`), applied to indicators before normalising.

``func(df, **params) -> (treated DataFrame, details DataFrame)``, or a 3-tuple whose third item is
the long table of treated points (``district, year, indicator, original, treated, treatment``).
The pipeline keeps the details in ``explain["treat"]`` and the points in ``explain["treated_points"]``.

References: OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, §1.5 and Step 3
(outliers), https://doi.org/10.1787/9789264043466-en; COINr ``Treat()``.
"""

from __future__ import annotations

import pandas as pd

from .registry import Registry
from .treat import _MIN_N, treat_frame

TREATMENTS = Registry("treatment")

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
    years = df.index.get_level_values("year") if by_year else pd.Index([None] * len(df))
    treated_parts, detail_parts, point_parts = [], [], []
    for year in pd.unique(years):
        block = df[years == year] if by_year else df
        labels = pd.Index(range(len(block)))
        counts = block.notna().sum()
        few = [c for c in block.columns if counts[c] < _MIN_N]  # nothing to test: left as is
        ok = [c for c in block.columns if c not in few]
        treated, details, points = treat_frame(block[ok].set_axis(labels), winmax=winmax,
                                               skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        treated = pd.concat([treated, block[few].set_axis(labels)], axis=1)[list(block.columns)]
        treated_parts.append(treated.set_axis(block.index))
        details = details.reindex(list(block.columns)).reset_index(names="indicator")
        details.loc[details["indicator"].isin(few), ["status", "n"]] = ["too few values", 0]
        for c in few:
            details.loc[details["indicator"] == c, "n"] = int(counts[c])
        details["n"] = details["n"].astype(int)
        details.insert(0, "year", year if by_year else "all")
        detail_parts.append(details)
        if len(points):
            rows = block.index[points["label"].to_numpy(dtype=int)]
            point_parts.append(pd.DataFrame({
                "district": rows.get_level_values("district"), "year": rows.get_level_values("year"),
                "indicator": points["column"].to_numpy(), "original": points["original"].to_numpy(dtype=float),
                "treated": points["treated"].to_numpy(dtype=float),
                "treatment": points["treatment"].to_numpy(),
            }))
    treated = pd.concat(treated_parts).reindex(df.index) if treated_parts else df
    details = pd.concat(detail_parts, ignore_index=True) if detail_parts else pd.DataFrame()
    points = (pd.concat(point_parts, ignore_index=True) if point_parts
              else pd.DataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS}))
    return treated, details, points
