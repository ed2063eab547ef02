"""Unit screening: drop district-years with too little data (or too many zeros) before scoring them.

Registered in :data:`SCREENS`; each is ``func(df, **params) -> DataFrame``, the data summary of
every row (COINr's ``DataSummary``): ``n_missing``, ``n_zero``, ``n_missing_or_zero``,
``data_availability`` (share of indicators present), ``non_zero`` (share of the present values
that are not 0), ``low_data``, ``low_non_zero``, ``low_data_or_zero`` and ``included``. The
pipeline removes the rows that are not included and keeps the summary in ``explain["screen"]``.

Where screening happens is the ``stage`` parameter: ``"before_impute"`` (default; the handbook's
order: a unit with too little data is not imputed at all, nor does it feed group means) or
``"after_impute"`` (the order of COINr's ``build_example_coin()``, whose screen therefore removes
nothing).

References: OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, Step 3 (missing data);
COINr ``Screen()`` and ``get_data_avail()``, Becker et al. (2022) *JOSS* 7(78), 4567,
https://doi.org/10.21105/joss.04567.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import MethodologyError
from .registry import Registry, number

__all__ = ["SCREENS", "STAGES", "data_availability"]

SCREENS = Registry("screen")
STAGES = ("before_impute", "after_impute")
_CRITERIA = {"missing": "low_data", "zeros": "low_non_zero", "both": "low_data_or_zero"}


def data_availability(df: pd.DataFrame) -> pd.DataFrame:
    """Per row: missing and zero counts, data availability and the share of non-zero values.

    ``data_availability = 1 − n_missing / n_columns``; ``non_zero = 1 − n_zero / n_present``
    (NaN when nothing is present). References: COINr ``get_data_avail.data.frame()``.
    """
    x = df.to_numpy(dtype=float)
    n_missing = np.isnan(x).sum(axis=1)
    n_zero = (x == 0).sum(axis=1)
    n_cols = x.shape[1]
    present = n_cols - n_missing
    with np.errstate(invalid="ignore", divide="ignore"):
        non_zero = np.where(present > 0, 1.0 - n_zero / present, np.nan)
    return pd.DataFrame({
        "n_missing": n_missing, "n_zero": n_zero, "n_missing_or_zero": n_missing + n_zero,
        "data_availability": 1.0 - n_missing / n_cols if n_cols else np.nan, "non_zero": non_zero,
    }, index=df.index)


@SCREENS.register("none", zh="不筛查")
def none(df: pd.DataFrame, *, stage: str = "before_impute") -> pd.DataFrame:
    """No screening: every district-year is scored."""
    _check_stage(stage)
    out = data_availability(df)
    out["included"] = True
    return out


def _share(name: str):
    def check(v: object) -> str | None:
        if number(0, 1)(v) is None:
            return None
        return f"须为 [0, 1] 内的比例 / {name} must be a share in [0, 1], got {v!r}"

    return check


def _criterion(by: object) -> str | None:
    if isinstance(by, str) and by in _CRITERIA:
        return None
    return f"须为 {', '.join(_CRITERIA)} 之一 / by must be one of {', '.join(_CRITERIA)}, got {by!r}"


@SCREENS.register("coverage", zh="剔除数据可得性过低的区年", checks={
    "min_coverage": _share("min_coverage"), "min_non_zero": _share("min_non_zero"), "by": _criterion})
def coverage(
    df: pd.DataFrame,
    *,
    min_coverage: float = 2 / 3,
    min_non_zero: float = 0.05,
    by: str = "missing",
    stage: str = "before_impute",
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> pd.DataFrame:
    """Drop district-years whose data availability (or share of non-zero values) is too low.

    Parameters
    ----------
    df : DataFrame
        Indicators, rows (district, year).
    min_coverage : float, default 2/3
        COINr's ``dat_thresh``: a row is ``low_data`` when its share of indicators present is
        below it.
    min_non_zero : float, default 0.05
        COINr's ``nonzero_thresh``: ``low_non_zero`` when the share of non-zero values among the
        present ones is below it.
    by : {"missing", "zeros", "both"}
        Which flag removes a row (COINr ``unit_screen`` ``"byNA"``, ``"byzeros"``,
        ``"byNAandzeros"``).
    stage : {"before_impute", "after_impute"}
        Where the pipeline screens (see the module docstring).
    include, exclude : sequence of district codes
        Forced inclusion or exclusion, overriding the rule (COINr's ``Force``).

    References
    ----------
    COINr ``Screen.data.frame()``; Handbook (2008) Step 3.
    """
    _check_stage(stage)
    problems = []
    for name, v in (("min_coverage", min_coverage), ("min_non_zero", min_non_zero)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            problems.append(f"{name} must be a share in [0, 1], got {v!r}")
    if by not in _CRITERIA:
        problems.append(f"by must be one of {', '.join(_CRITERIA)}, got {by!r}")
    both = sorted(set(include) & set(exclude))
    if both:
        problems.append(f"district(s) both included and excluded: {', '.join(both)}")
    districts = set(df.index.get_level_values("district"))
    for name, codes in (("include", include), ("exclude", exclude)):
        unknown = sorted(set(codes) - districts)
        if unknown:
            problems.append(f"{name}: unknown district(s) {', '.join(map(str, unknown))}")
    if problems:
        raise MethodologyError("screen 'coverage': invalid parameters", problems)
    out = data_availability(df)
    out["low_data"] = out["data_availability"] < min_coverage
    out["low_non_zero"] = out["non_zero"] < min_non_zero
    out["low_data_or_zero"] = out["low_data"] | out["low_non_zero"]
    keep = ~out[_CRITERIA[by]]
    d = df.index.get_level_values("district")
    keep[d.isin(list(include))] = True
    keep[d.isin(list(exclude))] = False
    out["included"] = keep
    return out


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise MethodologyError(f"screen: stage must be one of {', '.join(STAGES)}, got {stage!r}")
