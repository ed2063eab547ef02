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
    columns = {c: figures[c] for c in figures.columns}
    values: dict[str, pd.Series] = {}
    sources: dict[str, pd.Series] = {}
    for code in framework.indicators:
        node = framework.nodes[code]
        val, why = node.formula.evaluate(columns, figures.index)
        src = np.where(val.notna(), SOURCE_COUNTS, why.to_numpy()).astype(object)
        if node.reported and node.reported in columns:
            rep = columns[node.reported]
            use = val.isna() & rep.notna()
            val = val.where(~use, rep)
            src = np.where(use, SOURCE_REPORTED, src).astype(object)
        values[code] = val
        sources[code] = pd.Series(src, index=figures.index, dtype=object)
    return pd.DataFrame(values, index=figures.index), pd.DataFrame(sources, index=figures.index)
