"""Imputation of missing indicator values (before normalisation).

Registered in :data:`IMPUTERS`; each is ``func(df, ctx, **params) -> DataFrame`` filling NaNs of
the indicator table. Which cells were imputed is recorded by the pipeline in the result.

References: OECD/JRC (2008) Handbook §4 "Imputation of missing data"; COINr ``i_mean``,
``i_mean_grp``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from .errors import DataError
from .registry import Registry, number

IMPUTERS = Registry("imputer")


@dataclass(frozen=True)
class ImputeContext:
    """Per-row year and group (district grouping), aligned with the indicator table.

    ``attributes`` holds, per row, every column of the districts table (``group`` and any other
    grouping variable, e.g. COINr's ``EurAsia_group``), for imputers that group by one of them.
    """

    years: pd.Series
    groups: pd.Series
    districts: pd.Series
    attributes: pd.DataFrame | None = None


@IMPUTERS.register("none", zh="不插补，缺失值保持缺失")
def none(df: pd.DataFrame, ctx: ImputeContext) -> pd.DataFrame:
    """Leave missing values missing (aggregation then skips them or fails strictly)."""
    return df


@IMPUTERS.register("mean", zh="以当年各区均值插补")
def mean(df: pd.DataFrame, ctx: ImputeContext) -> pd.DataFrame:
    """Replace a missing value by the indicator's mean over the districts of the same year."""
    return df.fillna(df.groupby(ctx.years.to_numpy()).transform("mean"))


@IMPUTERS.register("group_mean", zh="以同组（同市）当年均值插补")
def group_mean(df: pd.DataFrame, ctx: ImputeContext, *, by: str = "group") -> pd.DataFrame:
    """Replace a missing value by the mean within the district's group in the same year.

    Groups come from the districts table: its ``group`` column (the submission's, e.g. the city)
    or, with ``by``, another grouping column (a COINr iMeta ``Group`` such as ``EurAsia_group``).
    As COINr's ``i_mean_grp(skip_f_na = TRUE)``: the mean is over the group's non-missing values,
    a value stays missing when its whole group is missing, and a district without a group (NA)
    is not imputed. An empty-string group is a group like any other.

    References: OECD/JRC (2008) Handbook §4 (unconditional mean substitution by group); COINr
    ``i_mean_grp``, Becker et al. (2022) *JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567.
    """
    if by == "group":
        groups = ctx.groups
    else:
        cols = [] if ctx.attributes is None else list(ctx.attributes.columns)
        if by not in cols:
            close = difflib.get_close_matches(by, cols, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DataError(f"group_mean: the districts table has no grouping column {by!r}{hint}; "
                            f"columns: {', '.join(map(str, cols)) or 'none'}")
        groups = ctx.attributes[by]
    keys = [ctx.years.to_numpy(), groups.to_numpy(dtype=object)]
    means = df.groupby(keys, dropna=True).transform("mean")  # rows without a group: NaN
    return df.fillna(means)


@IMPUTERS.register("last_year", zh="沿用本区最近一年的数值", checks={"max_gap": number(0, integer=True, optional=True)})
def last_year(df: pd.DataFrame, ctx: ImputeContext, *, max_gap: int | None = None) -> pd.DataFrame:
    """Carry the district's last available value forward (at most ``max_gap`` years back)."""
    order = pd.DataFrame({"d": ctx.districts.to_numpy(), "y": ctx.years.to_numpy()}, index=df.index)
    sorted_idx = order.sort_values(["d", "y"]).index
    s = df.loc[sorted_idx]
    filled = s.groupby(order.loc[sorted_idx, "d"].to_numpy()).ffill()
    if max_gap is not None:
        yrs = order.loc[sorted_idx, "y"]
        for col in s.columns:
            last_y = yrs.where(s[col].notna()).groupby(order.loc[sorted_idx, "d"].to_numpy()).ffill()
            filled[col] = filled[col].where((yrs - last_y) <= max_gap)
    return filled.reindex(df.index)
