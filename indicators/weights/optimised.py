"""Optimised weights: the weights of one level whose importances match targets or whose total is largest.

See :func:`indicators.importance.optimise_weights`; References: Becker et al. (2017),
https://doi.org/10.1016/j.ecolind.2017.03.056.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from ..framework import Framework
from ..importance import optimise_weights
from .base import (
    WEIGHTERS,
    ExplainedWeights,
    Rest,
    rest_weights,
    year_rows,
)


@WEIGHTERS.register("optimised", zh="按目标重要性优化的权重")
def optimised(
    framework: Framework,
    data: pd.DataFrame,
    *,
    level: int = 2,
    target: str | Mapping[str, float] = "equal",
    optype: Literal["balance", "infomax"] = "balance",
    estimator: Literal["pearson", "r2", "eta2"] = "pearson",
    year: int | None = None,
    rest: Rest = "expert",
    maxiter: int | None = None,
) -> ExplainedWeights:
    """Optimised weights at one level: importances match ``target`` or their total is largest.

    See :func:`indicators.importance.optimise_weights`: the index is aggregated by weighted
    arithmetic means (as in Becker et al. 2017 and COINr's ``get_opt_weights``); the other
    levels keep ``rest`` weights. Explain ``table``: target, obtained importance share and weight.

    References
    ----------
    Becker, Saisana, Paruolo & Vandecasteele (2017), *Ecological Indicators* 80, 12–22,
    https://doi.org/10.1016/j.ecolind.2017.03.056.
    """
    rows = year_rows(data, year, "optimised")
    raw, info = optimise_weights(framework, rows, level=level, base=rest_weights(framework, rest), target=target,
                                 optype=optype, estimator=estimator, maxiter=maxiter)
    return ExplainedWeights(raw, {**info, "year": year, "learned": raw.copy()})


