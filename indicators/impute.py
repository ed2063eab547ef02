"""Imputation of missing indicator values (before normalisation).

Registered in :data:`IMPUTERS`; each is ``func(df, ctx, **params) -> DataFrame`` filling NaNs of
the indicator table. Which cells were imputed is recorded by the pipeline in the result.

References: OECD/JRC (2008) Handbook §4 "Imputation of missing data"; COINr ``i_mean``,
``i_mean_grp``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .registry import Registry

IMPUTERS = Registry("imputer")


@dataclass(frozen=True)
class ImputeContext:
    """Per-row year and group (district grouping), aligned with the indicator table."""

    years: pd.Series
    groups: pd.Series
    districts: pd.Series


@IMPUTERS.register("none")
def none(df: pd.DataFrame, ctx: ImputeContext) -> pd.DataFrame:
    """Leave missing values missing (aggregation then skips them or fails strictly)."""
    return df


@IMPUTERS.register("mean")
def mean(df: pd.DataFrame, ctx: ImputeContext) -> pd.DataFrame:
    """Replace a missing value by the indicator's mean over the districts of the same year."""
    return df.fillna(df.groupby(ctx.years.to_numpy()).transform("mean"))


@IMPUTERS.register("group_mean")
def group_mean(df: pd.DataFrame, ctx: ImputeContext) -> pd.DataFrame:
    """Replace a missing value by the mean within the district's group in the same year.

    Groups come from the submission's ``group`` column (e.g. the city). References: COINr
    ``i_mean_grp``.
    """
    keys = [ctx.years.to_numpy(), ctx.groups.fillna("").to_numpy()]
    return df.fillna(df.groupby(keys).transform("mean"))


@IMPUTERS.register("last_year")
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
