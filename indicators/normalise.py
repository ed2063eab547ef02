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

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConstantIndicatorWarning, DataError, MethodologyError, did_you_mean
from .framework import Framework, Node
from .registry import Registry, Step
from .scoring import SCORING_RULES

NORMALISERS = Registry("normaliser")


@dataclass(frozen=True)
class NormContext:
    """What a normaliser may look at besides the values themselves."""

    node: Node
    years: pd.Series
    figures: pd.DataFrame
    framework: Framework
    districts: pd.Series | None = None  # district of each row (normalisers relative to a reference district)


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
            hint = did_you_mean(code, ctx.framework.indicators)
            problems.append(f"{what}: {code!r} is not an indicator of {ctx.framework.id}{hint}")
        raise MethodologyError(f"normaliser parameter {what!r} names unknown indicators", problems)


def _by_year(x: pd.Series, ctx: NormContext, by_year: bool = True):
    """Group by year, or (``by_year=False``) one group pooling every year."""
    keys = ctx.years.to_numpy() if by_year else np.zeros(len(x), dtype=int)
    return x.groupby(keys, sort=False)


def _check_scale(lower: float, upper: float, method: str) -> None:
    if not lower < upper:
        raise DataError(f"{method}: the output scale needs lower < upper, got lower={lower!r}, upper={upper!r}")


def _warn_constant(ctx: NormContext, const: np.ndarray, what: str, stacklevel: int = 3) -> None:
    yrs = sorted(set(ctx.years[np.asarray(const)]))
    warnings.warn(
        f"indicator {ctx.node.code} is constant within year(s) {yrs}; {what} is undefined there "
        "(set goalposts or choose another normaliser for it)",
        ConstantIndicatorWarning, stacklevel=stacklevel,
    )


def _groups(keys: np.ndarray | None) -> list[slice | np.ndarray]:
    """Row selections of each group: one slice when there is a single group (the common case)."""
    if keys is None or len(keys) == 0 or (keys == keys[0]).all():
        return [slice(None)]
    return [keys == k for k in pd.unique(keys)]


def _group_keys(ctx: NormContext, by_year: bool) -> np.ndarray | None:
    return ctx.years.to_numpy() if by_year else None


def minmax_values(v: np.ndarray, keys: np.ndarray | None, lower: float = 0.0, upper: float = 100.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Min-max of oriented values within groups of ``keys`` (columns of a 2-D array each on their own).

    Returns the scores and where a group is constant (score undefined). The one arithmetic of
    :func:`minmax` and of its whole-table form, so both give the same bits.
    """
    v2 = v.reshape(len(v), -1)
    lo, hi = np.full_like(v2, np.nan), np.full_like(v2, np.nan)
    for g in _groups(keys):
        block = v2[g]
        have = ~np.isnan(block).all(axis=0)  # all-missing columns stay missing (nanmin would warn)
        lo_g, hi_g = np.full(block.shape[1], np.nan), np.full(block.shape[1], np.nan)
        lo_g[have], hi_g[have] = np.nanmin(block[:, have], axis=0), np.nanmax(block[:, have], axis=0)
        lo[g], hi[g] = lo_g, hi_g
    lo, hi = lo.reshape(v.shape), hi.reshape(v.shape)
    span = hi - lo
    const = (span == 0) & ~np.isnan(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (v - lo) / np.where(span != 0, span, np.nan) * (upper - lower) + lower
    return out, const


def zscore_values(v: np.ndarray, keys: np.ndarray | None, mean: float = 0.0, sd: float = 1.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Z-scores (sample sd) of oriented values within groups of ``keys``; also where sd is 0.

    A 2-D array gets each column's 1-D statistics: columns without missing values are reduced as
    contiguous rows of the transpose, which numpy sums exactly as a 1-D array (tested bit for bit);
    the others one by one.
    """
    v2 = v.reshape(len(v), -1)
    m, s = np.full_like(v2, np.nan), np.full_like(v2, np.nan)
    for g in _groups(keys):
        block = v2[g]
        gaps = np.isnan(block).any(axis=0)
        full = np.flatnonzero(~gaps)
        if full.size and len(block):
            t = np.ascontiguousarray(block[:, full].T)
            m_g, s_g = np.full(block.shape[1], np.nan), np.full(block.shape[1], np.nan)
            m_g[full] = t.mean(axis=1)
            if t.shape[1] > 1:  # equal values have sd 0 exactly, whatever the rounding of their mean
                s_g[full] = np.where(t.max(axis=1) == t.min(axis=1), 0.0, t.std(axis=1, ddof=1))
            m[g], s[g] = m_g, s_g  # columns with gaps: next
        for j in np.flatnonzero(gaps):
            vals = block[:, j][~np.isnan(block[:, j])]
            if vals.size:
                m[g, j] = vals.mean()
            if vals.size > 1:
                s[g, j] = 0.0 if vals.max() == vals.min() else vals.std(ddof=1)
    m, s = m.reshape(v.shape), s.reshape(v.shape)
    const = (s == 0) & ~np.isnan(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (v - m) / np.where(s > 0, s, np.nan) * sd + mean
    return out, const


def _minmax_table(x: np.ndarray, keys: np.ndarray | None, *, lower: float = 0.0, upper: float = 100.0,
                  by_year: bool = True) -> tuple[np.ndarray, np.ndarray]:
    _check_scale(lower, upper, "minmax")
    return minmax_values(x, keys if by_year else None, lower, upper)


def _zscore_table(x: np.ndarray, keys: np.ndarray | None, *, mean: float = 0.0, sd: float = 1.0,
                  by_year: bool = True) -> tuple[np.ndarray, np.ndarray]:
    if not sd > 0:
        raise DataError(f"zscore: sd must be positive, got {sd!r}")
    return zscore_values(x, keys if by_year else None, mean, sd)


def _from_values(x: pd.Series, ctx: NormContext, out: np.ndarray, const: np.ndarray, method: str,
                 by_year: bool) -> Normalised:
    """Wrap a within-group normaliser's arrays: warn about constant groups, give their reason."""
    if const.any():
        _warn_constant(ctx, const, method if by_year else f"{method} pooled over the years", stacklevel=4)
    why = "constant within year" if by_year else "constant over all years"
    reasons = pd.Series(np.where(const, why, None), index=x.index, dtype=object)
    return Normalised(pd.Series(out, index=x.index, name=x.name), {}, reasons)


@dataclass(frozen=True)
class NormalisedTable:
    """Every indicator normalised: scores, what each normaliser learned, reasons for missing scores."""

    values: dict[str, np.ndarray]
    learned: dict[str, dict[str, Any]]
    reasons: dict[str, np.ndarray]  # only indicators with a reason somewhere


def normalise_all(
    treated: pd.DataFrame,
    years: pd.Series,
    figures: pd.DataFrame,
    framework: Framework,
    default: Step,
    overrides: Mapping[str, Step],
    codes: list[str],
    districts: pd.Series | None = None,
) -> NormalisedTable:
    """Normalise the columns ``codes`` of ``treated``: ``default`` unless ``overrides`` names one.

    A normaliser registered with a whole-table form (``table=``, e.g. min-max, z-score) normalises
    every column it applies to at once with the same arithmetic; a column constant in some year
    goes through the normaliser itself (its warning and reasons). Others run column by column.
    Whatever the normaliser, a score before the indicator's ``due`` year is missing ("not yet
    due"). Rows of ``treated``, ``years`` and ``figures`` must align (flat indexes are fastest).
    """
    bound: dict[str, tuple[Any, dict[str, Any]]] = {}  # binding inspects signatures: once per step

    def method_of(code: str) -> tuple[Any, dict[str, Any], Step]:
        step = overrides.get(code, default)
        key = code if code in overrides else ""
        if key not in bound:
            method = NORMALISERS.get(step.method)
            bound[key] = (method, method.bind(step.params))
        return (*bound[key], step)

    values: dict[str, np.ndarray] = {}
    learned: dict[str, dict[str, Any]] = {}
    reasons: dict[str, np.ndarray] = {}
    plain = [c for c in codes if c not in overrides]
    method, params, step = method_of(plain[0]) if plain else (None, {}, default)
    table = method.meta.get("table") if method is not None else None
    if table is not None:
        directions = np.array([framework.nodes[c].direction for c in plain], dtype=float)
        xo = treated[plain].to_numpy(dtype=float, na_value=np.nan) * directions
        out, const = table(xo, years.to_numpy(), **params)
        for j, c in enumerate(plain):
            if not const[:, j].any():
                values[c] = out[:, j]
                learned[c] = {"method": step.method}
    for code in codes:
        if code in values:
            continue
        method, params, step = method_of(code)
        ctx = NormContext(framework.nodes[code], years, figures, framework, districts)
        res = method.func(treated[code], ctx, **params)
        values[code] = res.values.to_numpy(dtype=float)
        learned[code] = {"method": step.method, **dict(res.learned)}
        if res.reasons is not None:
            why = res.reasons.to_numpy(dtype=object)
            if pd.notna(why).any():
                reasons[code] = why
    _not_yet_due(framework, codes, years.to_numpy(), values, reasons)
    return NormalisedTable(values, learned, reasons)


def _not_yet_due(framework: Framework, codes: list[str], years: np.ndarray, values: dict[str, np.ndarray],
                 reasons: dict[str, np.ndarray]) -> None:
    """An indicator with ``due: YEAR`` is missing before YEAR, whatever the normaliser ("not yet due").

    An office cannot fail a requirement that did not exist yet (framework brief); without this, a
    min-max or goalposts score would count an unmet, not-yet-due target as a failure. (A scoring
    rule's own ``due`` applies only under ``scoring_rules``.)
    """
    for code in codes:
        due = framework.nodes[code].due
        if due is None:
            continue
        early = years < due
        if not early.any():
            continue
        values[code] = np.where(early, np.nan, values[code])
        why = reasons.get(code, np.full(len(years), None, dtype=object)).copy()
        why[early] = f"not yet due (due {due})"
        reasons[code] = why


@NORMALISERS.register("minmax", zh="按当年各区最小值和最大值线性换算", table=_minmax_table)
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
    v = x.to_numpy(dtype=float, na_value=np.nan) * ctx.node.direction
    out, const = minmax_values(v, _group_keys(ctx, by_year), lower, upper)
    return _from_values(x, ctx, out, const, "min-max", by_year)


@NORMALISERS.register("goalposts", zh="按固定阈值（上下限）线性换算为 0–100 分")
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


@NORMALISERS.register("zscore", zh="按当年均值和标准差标准化", table=_zscore_table)
def zscore(
    x: pd.Series, ctx: NormContext, *, mean: float = 0.0, sd: float = 1.0, by_year: bool = True
) -> Normalised:
    """Standardise within each year: ``(x − mean_year) / sd_year * sd + mean`` (sample sd).

    ``by_year=False`` pools every year (COINr ``Normalise(purse, global = TRUE)``).
    References: Handbook §5 (standardisation); COINr ``n_zscore``.
    """
    if not sd > 0:
        raise DataError(f"zscore: sd must be positive, got {sd!r}")
    v = x.to_numpy(dtype=float, na_value=np.nan) * ctx.node.direction
    out, const = zscore_values(v, _group_keys(ctx, by_year), mean, sd)
    return _from_values(x, ctx, out, const, "z-score", by_year)


@NORMALISERS.register("identity", zh="不换算，沿用原值")
def identity(x: pd.Series, ctx: NormContext) -> Normalised:
    """Pass-through for scores that are already normalised (e.g. WJP sub-factor scores on 0–1).

    The value is kept as it is, times the indicator's direction (COINr multiplies by the direction
    before every normalisation function), so declare already-oriented scores ``+``. The scores
    stay on their own scale: set the framework's ``scale`` (e.g. ``scale: 1``) to say which.
    References: Handbook §5; WJP Rule of Law Index methodology (sub-factor scores are published
    normalised to 0–1).
    """
    return Normalised(_oriented(x, ctx).astype(float), {"scale": ctx.framework.scale})


_TIES = ("average", "min", "max", "first", "dense")


def _check_ties(ties: str, method: str) -> None:
    if ties not in _TIES:
        raise MethodologyError(f"{method}: ties must be one of {', '.join(_TIES)}, got {ties!r}")


@NORMALISERS.register("rank", zh="按当年排名赋分")
def rank(x: pd.Series, ctx: NormContext, *, ties: str = "average") -> Normalised:
    """Rank within each year, 1 = worst, so higher is better; tied values share the ``ties`` rank.

    ``ties="min"`` is COINr's ``n_rank`` (R's ``rank(ties.method = "min")``).
    References: Handbook §5 (ranking); COINr ``n_rank``.
    """
    _check_ties(ties, "rank")
    return Normalised(_by_year(_oriented(x, ctx), ctx).rank(method=ties))


@NORMALISERS.register("borda", zh="按当年排名计博达分（最差为 0）")
def borda(x: pd.Series, ctx: NormContext, *, ties: str = "min") -> Normalised:
    """Borda score within each year: the rank minus 1, so the worst district scores 0.

    References: COINr ``n_borda`` (``rank(x, ties.method = "min") - 1``); Handbook §5.
    """
    _check_ties(ties, "borda")
    return Normalised(_by_year(_oriented(x, ctx), ctx).rank(method=ties) - 1.0)


@NORMALISERS.register("percentile_rank", zh="按当年百分位赋分（0–100）")
def percentile_rank(x: pd.Series, ctx: NormContext, *, ties: str = "average", scale: float = 100.0
                    ) -> Normalised:
    """Percentile rank within each year on [0, ``scale``]: ``scale * (rank − 1) / (n − 1)``.

    The worst district scores 0 and the best ``scale``; ties share their ``ties`` rank (COINr's
    ``n_prank`` is ``ties="min", scale=1``). References: Handbook §5; COINr ``n_prank``.
    """
    _check_ties(ties, "percentile_rank")
    xo = _oriented(x, ctx)
    g = _by_year(xo, ctx)
    r = g.rank(method=ties)
    n = g.transform("count")
    alone = (n == 1) & xo.notna()
    reasons = pd.Series(np.where(alone, "only one district with data in the year", None), index=x.index, dtype=object)
    return Normalised(scale * (r - 1) / (n - 1).where(n > 1), {}, reasons)


@NORMALISERS.register("fracmax", zh="按占当年最大值的比例赋分")
def fracmax(x: pd.Series, ctx: NormContext, *, scale: float = 100.0) -> Normalised:
    """Fraction of the year's maximum: ``scale * x / max``, for + indicators where 0 means none.

    A − indicator has no meaningful "share of the best" (COINr negates it first, which turns the
    ratio upside down), so it is refused; a year whose maximum is not positive is missing, with a
    reason. References: COINr ``n_fracmax`` (``scale=1``); Handbook §5 (distance to the leader).
    """
    if ctx.node.direction < 0:
        raise MethodologyError(f"fracmax: indicator {ctx.node.code} is − (lower is better), so a share of the "
                               "maximum does not rank it; use minmax, dist2max or goalposts for it")
    xo = x.astype(float)
    top = _by_year(xo, ctx).transform("max")
    bad = (top <= 0) & xo.notna()
    reasons = pd.Series(np.where(bad, "maximum of the year is not positive", None), index=x.index, dtype=object)
    return Normalised(scale * xo / top.where(top > 0), {}, reasons)


@NORMALISERS.register("dist2max", zh="按与当年最优值的距离赋分")
def dist2max(x: pd.Series, ctx: NormContext, *, scale: float = 100.0) -> Normalised:
    """Distance to the year's best value: ``scale * (1 − (max − x) / (max − min))``.

    Algebraically min-max onto [0, ``scale``], computed COINr's way so COINr's numbers reproduce
    to the last digit. A year in which the indicator is constant is missing, with a reason.
    References: COINr ``n_dist2max`` (``scale=1``); Handbook §5.
    """
    xo = _oriented(x, ctx)
    g = _by_year(xo, ctx)
    lo, hi = g.transform("min"), g.transform("max")
    const = (hi == lo) & xo.notna()
    if const.any():
        _warn_constant(ctx, const.to_numpy(), "distance to the maximum")
    reasons = pd.Series(np.where(const, "constant within year", None), index=x.index, dtype=object)
    return Normalised(scale * (1 - (hi - xo) / (hi - lo).where(hi != lo)), {}, reasons)


@NORMALISERS.register("dist2ref", zh="按与参照区当年数值的距离赋分")
def dist2ref(x: pd.Series, ctx: NormContext, *, reference: str, cap: bool = False, scale: float = 100.0
             ) -> Normalised:
    """Distance to a reference district's value in the same year: ``scale * (1 − (ref − x) / (ref − min))``.

    The reference district scores ``scale`` and the year's worst 0; with ``cap`` a district
    better than the reference scores ``scale`` too. Where the reference has no value (or equals
    the year's minimum) the year is missing, with a reason.
    References: COINr ``n_dist2ref`` (by position ``iref``; here by district code, ``scale=1``).
    """
    if ctx.districts is None:
        raise MethodologyError("dist2ref needs the district of each row (NormContext.districts)")
    names = pd.Series(np.asarray(ctx.districts), index=x.index)
    if not (names == reference).any():
        hint = did_you_mean(reference, pd.unique(names))
        raise MethodologyError(f"dist2ref: reference district {reference!r} is not in the data{hint}")
    xo = _oriented(x, ctx)
    years = pd.Series(ctx.years.to_numpy(), index=x.index)
    ref_by_year = xo[names == reference].groupby(years[names == reference]).first()
    ref = years.map(ref_by_year).astype(float)
    lo = _by_year(xo, ctx).transform("min")
    span = ref - lo
    y = 1 - (ref - xo) / span.where(span != 0)
    if cap:
        y = y.where(~(y > 1), 1.0)
    why = np.where(xo.notna() & ref.isna(), f"reference district {reference} has no value in the year",
                   np.where(xo.notna() & (span == 0), f"reference district {reference} has the year's minimum", None))
    return Normalised(scale * y, {"reference": reference}, pd.Series(why, index=x.index, dtype=object))


@NORMALISERS.register("distance_to_target", zh="按与目标值的距离赋分")
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


@NORMALISERS.register("scoring_rules", zh="按各指标评分细则打分")
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
