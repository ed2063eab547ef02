"""Outlier treatment step (registry :data:`TREATMENTS`), applied to indicators before normalising.

``func(df, **params) -> (treated DataFrame, details DataFrame)``, or a 3-tuple whose third item is
the long table of treated points (``district, year, indicator, original, treated, treatment``).
The pipeline keeps the details in ``explain["treat"]`` and the points in ``explain["treated_points"]``.

References: OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, §1.5 and Step 3
(outliers), https://doi.org/10.1787/9789264043466-en; COINr ``Treat()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, MethodologyError, did_you_mean
from .registry import Registry, number, one_of
from .treat import _MIN_N, treat_columns

TREATMENTS = Registry("treatment")

#: Columns of the details table: one row per (year, indicator).
DETAIL_COLUMNS = ["year", "indicator", "status", "n", "pass_before", "skew_before", "kurt_before", "n_winsorised",
                  "pass_winsorised", "skew_winsorised", "kurt_winsorised", "pass_after", "skew_after", "kurt_after"]

#: Columns of the treated-points table.
POINT_COLUMNS = ["district", "year", "indicator", "original", "treated", "treatment"]


@TREATMENTS.register("none", zh="不做异常值处理")
def none(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """No outlier treatment."""
    return df, pd.DataFrame()


@TREATMENTS.register("winsorise", zh="偏度和峰度均超标的指标逐点缩尾，仍不达标则取对数", checks={
    "winmax": number(0, integer=True, optional=True), "skew_thresh": number(0), "kurt_thresh": number(0),
    "by_year": one_of(True, False)})
def winsorise(
    df: pd.DataFrame,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    by_year: bool = True,
    per_indicator: Mapping[str, Mapping[str, Any] | None] | None = None,
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
    per_indicator : mapping, optional
        Settings for single indicators (COINr's ``indiv_specs``): ``{code: {winmax: 2}}`` changes
        ``winmax``, ``skew_thresh`` or ``kurt_thresh`` for that indicator; ``{code: null}`` leaves
        it untreated (status ``not treated``).

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
    names = list(df.columns)
    base = {"winmax": winmax, "skew_thresh": skew_thresh, "kurt_thresh": kurt_thresh}
    settings = _settings_per_column(names, base, per_indicator)
    X = df.to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(X)
    if inf.any():
        raise DataError("winsorise: indicators have infinite values", [
            f"indicator {df.columns[j]!r}: {int(inf[:, j].sum())} infinite value(s); only finite or missing"
            for j in np.flatnonzero(inf.any(axis=0))])
    years = df.index.get_level_values("year").to_numpy()
    blocks = [(y, years == y) for y in pd.unique(years)] if by_year else [("all", slice(None))]
    if len(blocks) == 1:
        blocks = [(blocks[0][0], slice(None))]
    out = X.copy()
    details, point_parts = [], []
    for year, rows in blocks:
        block = X[rows]
        counts = (~np.isnan(block)).sum(axis=0)
        by_col: dict[int, dict[str, Any]] = {}
        for params, cols in _column_groups(settings):
            if params is None:  # not treated for this indicator
                by_col.update({j: {"status": "not treated"} for j in cols})
                continue
            # fewer than 4 values: skew and kurtosis undefined, left as is
            ok = np.array([j for j in cols if counts[j] >= _MIN_N], dtype=np.intp)
            treated, dets, pts = treat_columns(block[:, ok], [names[j] for j in ok], **params)
            sub = out[rows]
            sub[:, ok] = treated
            out[rows] = sub
            by_col.update(zip(ok.tolist(), dets, strict=True))
            if len(pts["row"]):
                row_index = df.index[np.flatnonzero(rows) if isinstance(rows, np.ndarray) else np.arange(len(df))]
                at = row_index[pts["row"]]
                point_parts.append(pd.DataFrame({
                    "district": at.get_level_values("district"), "year": at.get_level_values("year"),
                    "indicator": pts["column"], "original": pts["original"], "treated": pts["treated"],
                    "treatment": pts["treatment"]}))
        for j, name in enumerate(names):
            det = by_col.get(j, {"status": "too few values"})
            details.append({"year": year, "indicator": name, **det, "n": int(counts[j])})
    treated = pd.DataFrame(out, index=df.index, columns=df.columns)
    details_df = pd.DataFrame(details, columns=DETAIL_COLUMNS)
    points = (pd.concat(point_parts, ignore_index=True) if point_parts
              else pd.DataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS}))
    return treated, details_df, points


def _settings_per_column(names: list[str], base: dict[str, Any],
                         per_indicator: Mapping[str, Mapping[str, Any] | None] | None) -> list[dict | None]:
    """Each column's treatment parameters (None: not treated); unknown codes or keys are errors."""
    problems = []
    for code, spec in (per_indicator or {}).items():
        if code not in names:
            problems.append(f"per_indicator: {code!r} is not an active indicator{did_you_mean(code, names)}")
        elif spec is not None and (not isinstance(spec, Mapping) or set(spec) - set(base)):
            bad = sorted(set(spec) - set(base)) if isinstance(spec, Mapping) else spec
            problems.append(f"per_indicator: {code}: expected a mapping of {', '.join(base)} or null, got {bad!r}")
    if problems:
        raise MethodologyError("winsorise: invalid per-indicator settings", problems)
    out: list[dict | None] = []
    for name in names:
        spec = (per_indicator or {}).get(name, {})
        out.append(None if spec is None else {**base, **spec})
    return out


def _column_groups(settings: list[dict | None]) -> list[tuple[dict | None, list[int]]]:
    """Columns sharing the same parameters, in first-seen order (one numpy pass per group)."""
    groups: dict[str, tuple[dict | None, list[int]]] = {}
    for j, params in enumerate(settings):
        key = repr(sorted(params.items())) if params is not None else "None"
        groups.setdefault(key, (params, []))[1].append(j)
    return list(groups.values())
