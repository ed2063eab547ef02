"""Denomination: divide indicators by another figure (GDP, population, area …) before imputing.

What an indicator *may* be divided by is part of what is measured, so a framework declares it per
indicator (``denominator: population``; COINr's iMeta ``Denominator`` column). Whether it *is*
divided is a methodology choice — COINr's example pipeline denominates, its "raw" pipeline does
not — so it is a methodology step, registered in :data:`DENOMINATORS`:

- ``none`` (default): leave indicators as their formulas give them;
- ``declared``: divide every indicator with a declared denominator by that figure, optionally
  overriding or cancelling denominators per indicator (``by``) and scaling the denominator
  (``scale_factor``, ``scale_factors``).

Each method is ``func(indicators, figures, framework, **params) -> Denominated``. Where the
denominator is missing the result is missing (reason ``missing denominator X``); where it is 0 the
result is missing too (reason ``zero denominator X``) — COINr would return ±Inf or NaN there,
which no later step can use.

References: OECD/JRC (2008) *Handbook on Constructing Composite Indicators*, Step 1 ("scaling
extensive variables by size") and §5; COINr ``Denominate()`` (``x / (denominator / ScaleFactor)``),
Becker et al. (2022) *JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import MethodologyError
from .framework import Framework
from .registry import Registry

__all__ = ["DENOMINATORS", "Denominated", "denominators_used"]

DENOMINATORS = Registry("denominator")

#: Columns of :attr:`Denominated.details`.
DETAIL_COLUMNS = ["indicator", "denominator", "scale_factor", "n_divided", "n_missing_denominator",
                  "n_zero_denominator"]


@dataclass(frozen=True)
class Denominated:
    """A denominator's output: the indicator table, one row per divided indicator, reasons.

    ``reasons`` has the indicator table's shape: ``None`` where nothing was lost, otherwise why a
    value that existed before became missing (``missing denominator GDP``).
    """

    values: pd.DataFrame
    details: pd.DataFrame
    reasons: pd.DataFrame


@DENOMINATORS.register("none", zh="不做分母换算")
def none(indicators: pd.DataFrame, figures: pd.DataFrame, framework: Framework) -> Denominated:
    """No denomination: indicators as their formulas give them."""
    return Denominated(indicators, pd.DataFrame(columns=DETAIL_COLUMNS),
                       pd.DataFrame(None, index=indicators.index, columns=indicators.columns, dtype=object))


@DENOMINATORS.register("declared", zh="按框架规定的分母换算（如每万人）")
def declared(
    indicators: pd.DataFrame,
    figures: pd.DataFrame,
    framework: Framework,
    *,
    by: Mapping[str, str | None] | None = None,
    scale_factor: float = 1.0,
    scale_factors: Mapping[str, float] | None = None,
) -> Denominated:
    """Divide by the framework's declared denominators: ``x / (denominator / scale_factor)``.

    Parameters
    ----------
    indicators : DataFrame
        Indicator values (one column per indicator), rows (district, year).
    figures : DataFrame
        Raw figures, same rows; denominators are looked up here.
    framework : Framework
        Declares each indicator's ``denominator``.
    by : mapping, optional
        Per-indicator overrides: ``{code: figure}`` uses another figure, ``{code: None}`` leaves
        that indicator undivided.
    scale_factor : float, default 1
        COINr's ``ScaleFactor``: the denominator is divided by it first (e.g. 1000 turns a
        population in persons into "per thousand").
    scale_factors : mapping, optional
        Per-indicator scale factors overriding ``scale_factor``.

    Returns
    -------
    Denominated
        Values, one detail row per divided indicator (counts of values divided and lost) and the
        reason of each value lost.

    References
    ----------
    COINr ``Denominate.data.frame()``; Handbook (2008) Step 1.
    """
    plan = denominators_used(framework, list(indicators.columns), by=by, figures=figures.columns)
    factors = dict(scale_factors or {})
    problems = []
    for code, f in {"(global)": scale_factor, **factors}.items():
        if isinstance(f, bool) or not isinstance(f, int | float) or not np.isfinite(f) or f == 0:
            problems.append(f"scale factor of {code} must be a finite non-zero number, got {f!r}")
    for code in factors:
        if code not in plan:
            problems.append(f"scale_factors: {code!r} is not a denominated indicator; "
                            f"denominated: {', '.join(plan) or 'none'}")
    if problems:
        raise MethodologyError("denominate 'declared': invalid parameters", problems)
    if not figures.index.equals(indicators.index):
        figures = figures.reindex(indicators.index)
    cols = list(indicators.columns)
    values = indicators.to_numpy(dtype=float, copy=True)
    reasons = np.full(values.shape, None, dtype=object)
    rows = []
    for code, fig in plan.items():
        j = cols.index(code)
        factor = float(factors.get(code, scale_factor))
        den = figures[fig].to_numpy(dtype=float, na_value=np.nan) / factor
        x = values[:, j]
        present = ~np.isnan(x)
        missing = present & np.isnan(den)
        zero = present & (den == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            values[:, j] = np.where(zero, np.nan, x / den)
        reasons[missing, j] = f"missing denominator {fig}"
        reasons[zero, j] = f"zero denominator {fig}"
        rows.append({"indicator": code, "denominator": fig, "scale_factor": factor,
                     "n_divided": int((present & ~missing & ~zero).sum()),
                     "n_missing_denominator": int(missing.sum()), "n_zero_denominator": int(zero.sum())})
    return Denominated(pd.DataFrame(values, index=indicators.index, columns=indicators.columns),
                       pd.DataFrame(rows, columns=DETAIL_COLUMNS),
                       pd.DataFrame(reasons, index=indicators.index, columns=indicators.columns))


def denominators_used(
    framework: Framework,
    indicators: list[str] | None = None,
    *,
    by: Mapping[str, str | None] | None = None,
    figures=None,
) -> dict[str, str]:
    """``{indicator: denominator figure}`` for the ``declared`` method (framework + overrides).

    Raises
    ------
    MethodologyError
        Listing every override naming an unknown indicator or figure, and every denominator
        missing from ``figures`` (when given).
    """
    codes = list(framework.indicators if indicators is None else indicators)
    plan = {c: framework.nodes[c].denominator for c in codes if framework.nodes[c].denominator}
    problems = []
    for code, fig in (by or {}).items():
        if code not in framework.indicators:
            close = difflib.get_close_matches(str(code), framework.indicators, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"by: {code!r} is not an indicator of {framework.id}{hint}")
            continue
        if fig is None:
            plan.pop(code, None)
        elif fig not in framework.figures:
            close = difflib.get_close_matches(str(fig), framework.figures, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"by: {code} -> {fig!r} is not a declared figure of {framework.id}{hint}")
        elif code in codes:
            plan[code] = str(fig)
    if figures is not None:
        have = set(figures)
        for code, fig in plan.items():
            if fig not in have:
                problems.append(f"{code}: denominator figure {fig!r} is not in the figures table")
    if problems:
        raise MethodologyError("denominate: invalid denominators", problems)
    return plan
