"""Normalisation: bring indicators in natural units onto a common 0–100 scale.

Every normaliser is registered in :data:`NORMALISERS` and called per indicator as
``func(x, ctx, **params) -> Normalised``. ``x`` holds the indicator's values in natural units for
every (district, year) row; ``ctx`` gives the indicator node (direction, goalposts, scoring rule),
the year of each row and the raw figures. Within-year methods (min-max, z-score, ranks) normalise
each year separately; goalposts (declared, or frozen from a base year) keep years comparable.
Learned quantities (goalposts frozen at a base year, targets) are returned so they can be fed
back as parameters and a later year scored exactly as the last one was.

References: OECD/JRC (2008) Handbook on Constructing Composite Indicators, §5 "Normalisation of
data"; WJP Rule of Law Index methodology (min-max on fixed 2015 goalposts).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConstantIndicatorWarning, DataError, MethodologyError
from .framework import Framework, Node
from .registry import Registry
from .scoring import SCORING_RULES

NORMALISERS = Registry("normaliser")


@dataclass(frozen=True)
class NormContext:
    """What a normaliser may look at besides the values themselves."""

    node: Node
    years: pd.Series
    figures: pd.DataFrame
    framework: Framework


@dataclass(frozen=True)
class Normalised:
    """A normaliser's output: scores, learned parameters, and reasons for values set missing."""

    values: pd.Series
    learned: Mapping[str, Any] = field(default_factory=dict)
    reasons: pd.Series | None = None


def _oriented(x: pd.Series, ctx: NormContext) -> pd.Series:
    return x * ctx.node.direction


def _check_codes(per_code: Mapping[str, Any] | None, what: str, ctx: NormContext) -> None:
    """A per-indicator parameter naming an unknown indicator is a typo, not something to ignore."""
    unknown = sorted(set(per_code or {}) - set(ctx.framework.indicators))
    if unknown:
        problems = []
        for code in unknown:
            close = difflib.get_close_matches(code, ctx.framework.indicators, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{what}: {code!r} is not an indicator of {ctx.framework.id}{hint}")
        raise MethodologyError(f"normaliser parameter {what!r} names unknown indicators", problems)


def _by_year(x: pd.Series, ctx: NormContext, by_year: bool = True):
    """Group by year, or (``by_year=False``) one group pooling every year."""
    keys = ctx.years.to_numpy() if by_year else np.zeros(len(x), dtype=int)
    return x.groupby(keys, sort=False)


def _check_scale(lower: float, upper: float, method: str) -> None:
    if not lower < upper:
        raise DataError(f"{method}: the output scale needs lower < upper, got lower={lower!r}, upper={upper!r}")


def _warn_constant(ctx: NormContext, const: pd.Series, what: str) -> None:
    yrs = sorted(set(ctx.years[const]))
    warnings.warn(
        f"indicator {ctx.node.code} is constant within year(s) {yrs}; {what} is undefined there "
        "(set goalposts or choose another normaliser for it)",
        ConstantIndicatorWarning, stacklevel=3,
    )


@NORMALISERS.register("minmax")
def minmax(
    x: pd.Series, ctx: NormContext, *, lower: float = 0.0, upper: float = 100.0, by_year: bool = True
) -> Normalised:
    """Min-max within each year onto [lower, upper]: ``(x − min) / (max − min)``.

    With ``by_year=False`` the minimum and maximum are taken over every year at once (a panel
    normalised "globally", COINr's ``Normalise(purse, global = TRUE)``, its default for panels); on
    a single year both are the same. A year (or panel) in which the indicator is constant cannot
    be min-maxed: its values become missing and a :class:`ConstantIndicatorWarning` says so (COINr
    does the same). References: Handbook §5; COINr ``n_minmax``, ``Normalise.purse``.
    """
    _check_scale(lower, upper, "minmax")
    xo = _oriented(x, ctx)
    g = _by_year(xo, ctx, by_year)
    lo, hi = g.transform("min"), g.transform("max")
    span = hi - lo
    const = (span == 0) & xo.notna()
    if const.any():
        _warn_constant(ctx, const, "min-max" if by_year else "min-max pooled over the years")
    out = (xo - lo) / span.where(span != 0) * (upper - lower) + lower
    why = "constant within year" if by_year else "constant over all years"
    reasons = pd.Series(np.where(const, why, None), index=x.index, dtype=object)
    return Normalised(out, {}, reasons)


@NORMALISERS.register("goalposts")
def goalposts(
    x: pd.Series,
    ctx: NormContext,
    *,
    base_year: int | None = None,
    freeze: str | list = "undeclared",
    bounds: Mapping[str, list] | None = None,
    clip: bool = True,
    lower: float = 0.0,
    upper: float = 100.0,
) -> Normalised:
    """Min-max on fixed goalposts: ``bounds`` given here, the framework's, or frozen at ``base_year``.

    Goalposts are in natural units ``[low, high]``; for a − indicator ``low`` scores 100. With
    ``base_year``, the indicators chosen by ``freeze`` (``"undeclared"``: those without framework
    goalposts; ``"all"``; or a list of codes) use the base year's min and max instead, returned as
    learned ``low``/``high`` so a later run can pass them back as ``bounds``.
    References: Handbook §5 (min-max); WJP freezes its 2015 min/max so years stay comparable.
    """
    _check_scale(lower, upper, "goalposts")
    code = ctx.node.code
    _check_codes(bounds, "bounds", ctx)
    if isinstance(freeze, list | tuple):
        _check_codes(dict.fromkeys(freeze), "freeze", ctx)
    if x.isna().all():
        return Normalised(x.astype(float), {"source": "no data"})
    if freeze not in ("undeclared", "all") and not isinstance(freeze, list | tuple):
        raise DataError(f"goalposts: freeze must be 'undeclared', 'all' or a list of codes, got {freeze!r}")
    frozen = base_year is not None and (
        freeze == "all"
        or (freeze == "undeclared" and ctx.node.goalposts is None)
        or (isinstance(freeze, list | tuple) and code in freeze)
    )
    if bounds and code in bounds:
        lo, hi = (float(v) for v in bounds[code])
        source = "methodology bounds"
    elif ctx.node.goalposts is not None and not frozen:
        lo, hi = ctx.node.goalposts
        source = "framework goalposts"
    elif frozen:
        base = x[ctx.years == base_year].dropna()
        if len(base) < 2 or base.min() == base.max():
            raise DataError(
                f"indicator {code}: cannot freeze goalposts at base year {base_year}: "
                f"{len(base)} value(s){' all equal' if len(base) >= 2 else ''}; declare goalposts "
                "in the framework or pass bounds"
            )
        lo, hi = float(base.min()), float(base.max())
        source = f"frozen at base year {base_year}"
    else:
        raise DataError(
            f"indicator {code} has no goalposts: declare them in the framework, pass "
            f"bounds={{'{code}': [low, high]}}, or set base_year to freeze them from the data"
        )
    if not lo < hi:
        raise DataError(f"indicator {code}: goalposts must satisfy low < high, got [{lo}, {hi}]")
    s = (x - lo) / (hi - lo)
    if ctx.node.direction < 0:
        s = 1.0 - s
    if clip:
        s = s.clip(0.0, 1.0)
    return Normalised(s * (upper - lower) + lower, {"low": lo, "high": hi, "source": source})


@NORMALISERS.register("zscore")
def zscore(
    x: pd.Series, ctx: NormContext, *, mean: float = 0.0, sd: float = 1.0, by_year: bool = True
) -> Normalised:
    """Standardise within each year: ``(x − mean_year) / sd_year * sd + mean`` (sample sd).

    ``by_year=False`` pools every year (COINr ``Normalise(purse, global = TRUE)``).
    References: Handbook §5 (standardisation); COINr ``n_zscore``.
    """
    if not sd > 0:
        raise DataError(f"zscore: sd must be positive, got {sd!r}")
    xo = _oriented(x, ctx)
    g = _by_year(xo, ctx, by_year)
    m, s = g.transform("mean"), g.transform("std")
    const = (s == 0) & xo.notna()
    if const.any():
        _warn_constant(ctx, const, "z-score" if by_year else "z-score pooled over the years")
    why = "constant within year" if by_year else "constant over all years"
    reasons = pd.Series(np.where(const, why, None), index=x.index, dtype=object)
    return Normalised((xo - m) / s.where(s > 0) * sd + mean, {}, reasons)


@NORMALISERS.register("identity")
def identity(x: pd.Series, ctx: NormContext) -> Normalised:
    """Pass-through for scores that are already normalised (e.g. WJP sub-factor scores on 0–1).

    The value is kept as it is, times the indicator's direction (COINr multiplies by the direction
    before every normalisation function), so declare already-oriented scores ``+``. The scores
    stay on their own scale: set the framework's ``scale`` (e.g. ``scale: 1``) to say which.
    References: Handbook §5; WJP Rule of Law Index methodology (sub-factor scores are published
    normalised to 0–1).
    """
    return Normalised(_oriented(x, ctx).astype(float), {"scale": ctx.framework.scale})


@NORMALISERS.register("rank")
def rank(x: pd.Series, ctx: NormContext) -> Normalised:
    """Rank within each year, 1 = worst (ties get the average rank), so higher is better.

    References: Handbook §5 (ranking).
    """
    return Normalised(_by_year(_oriented(x, ctx), ctx).rank(method="average"))


@NORMALISERS.register("percentile_rank")
def percentile_rank(x: pd.Series, ctx: NormContext) -> Normalised:
    """Percentile rank within each year on [0, 100]: ``100 * (rank − 1) / (n − 1)``.

    The worst district scores 0 and the best 100; ties share their average rank.
    """
    xo = _oriented(x, ctx)
    g = _by_year(xo, ctx)
    r = g.rank(method="average")
    n = g.transform("count")
    alone = (n == 1) & xo.notna()
    reasons = pd.Series(np.where(alone, "only one district with data in the year", None), index=x.index, dtype=object)
    return Normalised(100.0 * (r - 1) / (n - 1).where(n > 1), {}, reasons)


@NORMALISERS.register("distance_to_target")
def distance_to_target(
    x: pd.Series, ctx: NormContext, *, targets: Mapping[str, float] | None = None, cap: bool = True
) -> Normalised:
    """Distance to target within each year: ``100 * (x − min) / (target − min)``, capped at 100.

    With ``cap`` a value at or beyond the target scores 100 even when the year's minimum already
    meets the target (every district on target), where the ratio itself is undefined.

    The target comes from ``targets`` or the framework (``target``, else the scoring rule's
    ``target``). References: Handbook §5 (distance to a reference); COINr ``n_dist2targ``.
    """
    code = ctx.node.code
    _check_codes(targets, "targets", ctx)
    target = (targets or {}).get(code, ctx.node.target)
    if target is None and ctx.node.scoring is not None:
        target = ctx.node.scoring.get("target")
    if target is None:
        raise DataError(f"indicator {code} has no target: declare 'target' in the framework or pass targets")
    d = ctx.node.direction
    xo = _oriented(x, ctx)
    lo = _by_year(xo, ctx).transform("min")
    span = float(target) * d - lo
    s = (xo - lo) / span.where(span > 0)
    if cap:
        s = s.clip(upper=1.0).mask(xo >= float(target) * d, 1.0)
    return Normalised(100.0 * s, {"target": float(target)})


@NORMALISERS.register("scoring_rules")
def scoring_rules(x: pd.Series, ctx: NormContext) -> Normalised:
    """评分细则: apply the indicator's own scoring rule from the framework (see ``scoring.py``).

    A rule with ``due: YEAR`` scores years before YEAR as missing with reason "not yet due"; a rule
    with ``basis: FIGURE`` scores that raw figure (e.g. a count of absconders) instead of the rate.
    """
    spec = ctx.node.scoring
    if spec is None:
        raise DataError(f"indicator {ctx.node.code} has no 'scoring' rule in framework {ctx.framework.id}")
    params = {k: v for k, v in spec.items() if k not in ("rule", "due", "basis")}
    basis = spec.get("basis")
    values = ctx.figures[basis].reindex(x.index) if basis else x
    if basis:  # the rule scores the basis figure, but only where the indicator itself exists
        values = values.where(x.notna())
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    scores = SCORING_RULES.get(spec["rule"]).func(arr, ctx.node.direction, **params)
    out = pd.Series(scores, index=x.index, dtype=float)
    reasons = None
    due = spec.get("due")
    if due is not None:
        early = ctx.years < int(due)
        out = out.where(~early)
        reasons = pd.Series(np.where(early, f"not yet due (due {due})", None), index=x.index, dtype=object)
    return Normalised(out, {"rule": spec["rule"], **params}, reasons)
