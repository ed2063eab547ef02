"""Derive indicators from raw figures with the framework's formulas.

An indicator comes from its counts when every figure of its formula is present; otherwise from its
``reported`` rate when the framework names one and the district submitted it (never back-computing
a count nobody reported). The source table says, per cell, which was used or why it is missing
(``missing figure X``, ``zero denominator``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .framework import Framework

SOURCE_COUNTS = "counts"
SOURCE_REPORTED = "reported"


def derive_indicators(figures: pd.DataFrame, framework: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (values, sources): one column per indicator, rows as in ``figures`` (wide table)."""
    data = figures.to_numpy(dtype=float, na_value=np.nan)
    columns = {c: data[:, j] for j, c in enumerate(figures.columns)}
    n = len(figures)
    values: dict[str, np.ndarray] = {}
    sources: dict[str, np.ndarray] = {}
    for code in framework.indicators:
        node = framework.nodes[code]
        val, why = node.formula.evaluate_arrays(columns, n)
        have = ~np.isnan(val)
        src = np.where(have, SOURCE_COUNTS, why).astype(object)
        if node.reported and node.reported in columns:
            rep = columns[node.reported]
            use = ~have & ~np.isnan(rep)
            val = np.where(use, rep, val)
            src = np.where(use, SOURCE_REPORTED, src).astype(object)
        values[code] = val
        sources[code] = src
    codes = list(framework.indicators)
    return (pd.DataFrame(np.column_stack([values[c] for c in codes]) if codes else None, index=figures.index,
                         columns=codes),
            pd.DataFrame(np.column_stack([sources[c] for c in codes]) if codes else None, index=figures.index,
                         columns=codes, dtype=object))
