"""Outlier treatment step (registry :data:`TREATMENTS`), applied to indicators before normalising.

``func(df, **params) -> (treated DataFrame, details DataFrame)``.
"""

from __future__ import annotations

import pandas as pd

from .registry import Registry

TREATMENTS = Registry("treatment")


@TREATMENTS.register("none")
def none(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """No outlier treatment."""
    return df, pd.DataFrame()
