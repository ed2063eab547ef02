"""Batched aggregation: score a framework tree under many weight sets at once.

The pipeline (:func:`indicators.build_index`) aggregates one weight set; uncertainty analysis,
weight tuning and weight optimisation need the same aggregation for thousands of weight sets on
the same normalised data. :func:`compile_tree` turns a framework (and the set of active
indicators) into index arrays once; :func:`aggregate_many` then evaluates every aggregate for a
batch of ``R`` raw weight vectors, with arrays of shape ``(R, n_rows)`` per node, and
:func:`rank_within_years` ranks each replication within each year by sorting, without pandas.

Exactness: the arithmetic is the pipeline's, operation for operation. Raw weights are rescaled
within each parent by a sequential sum in the framework's child order (as
:func:`indicators.weights.normalise_within_parents`). A subtree whose weights are the same in
the whole batch is aggregated by calling the registered aggregator exactly as the pipeline does.
Otherwise the four built-in aggregators and the two built-in missing-data policies run column by
column on ``(R, n_rows)`` arrays (no ``(R, n_rows, n_children)`` block is formed), repeating each
formula of :mod:`indicators.aggregate` and summing over children in numpy's own pairwise order
(:func:`pairwise_sum`), so every weight set's scores equal the pipeline's bit for bit (tested
against ``build_index`` for every aggregator and policy; every uncertainty run re-checks its
nominal index). Any other registered method is called once per weight set (same results, slower).

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §6 (aggregation)
and §7 (uncertainty analysis: many re-aggregations under alternative weights),
https://doi.org/10.1787/9789264043466-en.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .aggregate import (
    AGGREGATORS,
    MISSING_POLICIES,
    _no_zero,
    arithmetic,
    generalised,
    geometric,
    harmonic,
    name_units,
)
from .errors import DataError, MethodologyError, NonPositiveScoresError
from .framework import Framework
from .registry import Step

__all__ = ["Group", "Tree", "aggregate_many", "compile_tree", "level_steps", "pairwise_sum", "rank_within_years",
           "upper_tree", "weight_matrix"]



@dataclass(frozen=True)
class Group:
    """One aggregate and its active children (positions in :attr:`Tree.nodes`)."""

    parent: str
    level: int
    kids: tuple[str, ...]
    kid_pos: np.ndarray


@dataclass(frozen=True)
class Tree:
    """A framework's active tree as index arrays.

    Attributes
    ----------
    framework : the framework.
    indicators : active indicator codes in framework order (the columns of the data matrix).
    nodes : indicators first, then the active aggregates bottom-up; the root is last.
    position : code -> position in ``nodes``.
    groups : one :class:`Group` per active aggregate, bottom-up (children before parents).
    """

    framework: Framework
    indicators: tuple[str, ...]
    nodes: tuple[str, ...]
    position: Mapping[str, int]
    groups: tuple[Group, ...]

    @property
    def root(self) -> str:
        """Code of the index."""
        return self.framework.root

    def levels(self) -> list[int]:
        """Levels that have aggregates (2 = dimensions in a three-level framework)."""
        return sorted({g.level for g in self.groups})


def compile_tree(framework: Framework, active: Iterable[str] | None = None) -> Tree:
    """Compile the active part of ``framework`` (as the pipeline does with ``exclude``).

    Parameters
    ----------
    framework : Framework
    active : iterable of str, optional
        Active indicator codes (default: every indicator). An aggregate is active when at least
        one of its children is.

    Raises
    ------
    MethodologyError
        An unknown indicator code, or no active indicator at all.
    """
    if active is None:
        act = set(framework.indicators)
    else:
        act = set(active)
        unknown = sorted(act - set(framework.indicators))
        if unknown:
            raise MethodologyError(f"not indicators of {framework.id}: {unknown}")
    indicators = tuple(c for c in framework.indicators if c in act)
    if not indicators:
        raise MethodologyError(f"no active indicator left in framework {framework.id}")
    active_nodes = set(indicators)
    for parent in framework.aggregates:  # bottom-up
        if any(c in active_nodes for c in framework.children(parent)):
            active_nodes.add(parent)
    aggs = tuple(p for p in framework.aggregates if p in active_nodes)
    nodes = indicators + aggs
    position = {c: i for i, c in enumerate(nodes)}
    groups = []
    for parent in aggs:
        kids = tuple(c for c in framework.children(parent) if c in active_nodes)
        groups.append(Group(parent, framework.nodes[parent].level, kids,
                            np.array([position[k] for k in kids], dtype=np.intp)))
    return Tree(framework, indicators, nodes, position, tuple(groups))


def upper_tree(tree: Tree, level: int) -> Tree:
    """The part of ``tree`` from the aggregates at ``level + 1`` up, as a tree of its own.

    Its "indicators" (leaves) are the children of those aggregates that are not themselves among
    them (the nodes at ``level``, and any shallower leaf of an unbalanced tree). Scoring the
    leaves once and then only the upper tree is how weights at one level are varied cheaply.
    """
    groups = [g for g in tree.groups if g.level >= level + 1]
    if not groups:
        raise MethodologyError(f"no aggregates above level {level}")
    parents = {g.parent for g in groups}
    leaves = tuple(dict.fromkeys(k for g in groups for k in g.kids if k not in parents))
    nodes = leaves + tuple(g.parent for g in groups)
    position = {c: i for i, c in enumerate(nodes)}
    new = tuple(Group(g.parent, g.level, g.kids, np.array([position[k] for k in g.kids], dtype=np.intp))
                for g in groups)
    return Tree(tree.framework, leaves, nodes, position, new)


def weight_matrix(tree: Tree, raw: pd.Series | Mapping[str, float]) -> np.ndarray:
    """A ``(1, len(tree.nodes))`` raw weight row from a weighter's Series (root column = 1).

    Raises
    ------
    MethodologyError
        If an active non-root node has no weight.
    """
    row = np.ones((1, len(tree.nodes)))
    missing = []
    raw = raw.to_dict() if isinstance(raw, pd.Series) else raw  # a dict lookup per node, not a Series one
    for i, code in enumerate(tree.nodes):
        if code == tree.root:
            continue
        try:
            row[0, i] = float(raw[code])
        except KeyError:
            missing.append(code)
    if missing:
        raise MethodologyError(f"weights: no weight for node(s) {missing}")
    return row


class LevelSteps(Protocol):
    """What :func:`level_steps` reads of a methodology (a :class:`~indicators.methodology.Methodology`)."""

    aggregate: Step
    aggregate_levels: Mapping[int, Step]
    missing: Step
    missing_levels: Mapping[int, Step]


def level_steps(meth: LevelSteps, tree: Tree) -> tuple[dict[int, Step], dict[int, Step]]:
    """The aggregation and missing-data step of each level, as the methodology sets them."""
    agg = {lvl: meth.aggregate_levels.get(lvl, meth.aggregate) for lvl in tree.levels()}
    miss = {lvl: meth.missing_levels.get(lvl, meth.missing) for lvl in tree.levels()}
    return agg, miss


def aggregate_many(
    tree: Tree,
    x: np.ndarray,
    weights: np.ndarray,
    aggregate: Mapping[int, Step],
    missing: Mapping[int, Step],
    *,
    keep: Sequence[str] | None = None,
    units: Sequence[Any] | None = None,
) -> dict[str, np.ndarray]:
    """Aggregate normalised indicators bottom-up under ``R`` raw weight sets at once.

    Parameters
    ----------
    tree : Tree
        From :func:`compile_tree`.
    x : ndarray, shape (n_rows, len(tree.indicators))
        Normalised indicator scores (NaN = missing), columns in ``tree.indicators`` order.
    weights : ndarray, shape (R, len(tree.nodes))
        Raw (non-negative) weights per node, one row per weight set; rescaled within each parent.
    aggregate, missing : mapping of level -> Step
        Aggregator and missing-data policy per aggregate level (see :func:`level_steps`).
    keep : sequence of str, optional
        Codes whose scores to return (default: the root only). Indicators are returned as
        ``(1, n_rows)``.
    units : sequence, optional
        A label per row (e.g. the (district, year) index), named by the error a geometric or
        harmonic mean raises on a zero or negative score (default: row numbers).

    Returns
    -------
    dict of str to ndarray
        ``(R, n_rows)`` per kept aggregate; ``(1, n_rows)`` when its subtree's weights are the
        same in every row of ``weights`` (broadcastable against the others).

    Raises
    ------
    MethodologyError
        Weights of the wrong shape, a parent whose children weigh 0 in some weight set, or an
        unknown method.
    DataError
        From an aggregator (e.g. a geometric mean of negative scores), naming the parent.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(tree.indicators):
        raise MethodologyError(f"data must be (n_rows, {len(tree.indicators)}), got {x.shape}")
    if w.ndim != 2 or w.shape[1] != len(tree.nodes):
        raise MethodologyError(f"weights must be (R, {len(tree.nodes)}), got {w.shape}")
    keep = (tree.root,) if keep is None else tuple(keep)
    n = x.shape[0]
    values: dict[int, np.ndarray] = {i: x[:, i][None, :] for i in range(len(tree.indicators))}
    # a node's value varies across the batch only if a weight in its subtree does
    varies = {i: False for i in range(len(tree.indicators))}
    w_varies = (w != w[:1]).any(axis=0) if w.shape[0] > 1 else np.zeros(w.shape[1], dtype=bool)
    methods: dict[int, tuple[Any, dict, Any, dict]] = {}
    for g in tree.groups:
        kids = g.kid_pos
        wk = w[:, kids]
        total = wk[:, 0].copy()
        for j in range(1, len(kids)):  # sequential, as normalise_within_parents' sum()
            total = total + wk[:, j]
        bad = ~(total > 0)
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise MethodologyError(
                f"{g.parent}: children {', '.join(g.kids)} have total weight {total[r]:g} in weight set {r}"
            )
        wn = wk / total[:, None]
        pos = tree.position[g.parent]
        if g.level not in methods:  # look up and bind each level's methods once
            step_a, step_m = aggregate[g.level], missing[g.level]
            agg, miss = AGGREGATORS.get(step_a.method), MISSING_POLICIES.get(step_m.method)
            methods[g.level] = (agg, agg.bind(step_a.params), miss, miss.bind(step_m.params))
        agg, pa, miss, pm = methods[g.level]
        batch = bool(w_varies[kids].any()) or any(varies[k] for k in kids)
        varies[pos] = batch
        if not batch:  # one weight set for this subtree: exactly the pipeline's call
            xs = np.column_stack([values[k][0] for k in kids])
            wv = wn[0]
            try:
                out = agg.func(xs, wv, **pa)
            except DataError as exc:
                raise name_units(exc, g.parent, g.level, units, xs, g.kids) from None
            ok = miss.func(~np.isnan(xs), wv, **pm)
            values[pos] = np.where(ok, out, np.nan)[None, :]
            continue
        r_count = w.shape[0]
        cols = [values[k] for k in kids]  # each (1, n) or (R, n)
        wcols = [wn[:, j:j + 1] for j in range(len(kids))]  # each (R, 1)
        batched = _BATCHED.get(agg.func)
        try:
            if batched is not None:
                out = batched(cols, wcols, **pa)
            else:  # a method without a batched form: one weight set at a time, exactly as the pipeline
                out = np.stack([agg.func(np.column_stack([np.broadcast_to(c, (r_count, n))[r] for c in cols]),
                                         wn[r], **pa) for r in range(r_count)])
        except DataError as exc:
            same = all(np.shape(c)[0] == 1 for c in cols)  # children's values common to every weight set
            xs = np.column_stack([np.broadcast_to(c, (1, n))[0] for c in cols]) if same else None
            raise name_units(exc, g.parent, g.level, units, xs, g.kids) from None
        ok = _missing_ok(miss, pm, cols, wcols, wn, r_count, n)
        values[pos] = np.where(ok, out, np.nan)
    out_map = {}
    for code in keep:
        if code not in tree.position:
            raise MethodologyError(f"keep: {code!r} is not an active node")
        out_map[code] = values[tree.position[code]]
    return out_map


def pairwise_sum(cols: Sequence[np.ndarray]) -> np.ndarray:
    """``Σ cols`` in the order numpy's ``sum(axis=-1)`` adds a row of ``len(cols)`` numbers.

    numpy sums fewer than 8 numbers left to right from 0, and up to 128 numbers with eight
    interleaved partial sums combined as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``,
    then the remainder left to right. Repeating that order on whole columns gives the same bits
    as ``np.column_stack(cols).sum(axis=1)`` without forming the stacked array.
    """
    k = len(cols)
    if k > 128:  # pragma: no cover - numpy recurses here; no framework has 129 children
        raise MethodologyError(f"an aggregate has {k} children; batched aggregation supports up to 128")
    if k < 8:
        res = 0.0 + cols[0]
        for c in cols[1:]:
            res = res + c
        return res
    r = list(cols[:8])
    i = 8
    while i + 8 <= k:
        r = [r[j] + cols[i + j] for j in range(8)]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for c in cols[i:]:
        res = res + c
    return res


def _masked_cols(cols, wcols):
    """Per child: present mask, value with NaN -> 0 (``xv``), value with NaN -> 1 (``x1``), masked
    weight ``wm``; and the weight total ``den``. A child present in every row keeps its weight as
    an ``(R, 1)`` column, and ``xv``/``x1`` keep the child's own shape (``(1, n)`` for indicators),
    so the expensive element-wise work (log, power) is done once per child, not per weight set.
    The values are those of :func:`indicators.aggregate._masked`, element for element."""
    present = [~np.isnan(c) for c in cols]
    wm = [w if p.all() else np.where(p, w, 0.0) for p, w in zip(present, wcols, strict=True)]
    xv = [np.where(p, c, 0.0) for p, c in zip(present, cols, strict=True)]
    x1 = [np.where(p, c, 1.0) for p, c in zip(present, cols, strict=True)]
    return xv, x1, wm, pairwise_sum(wm)


def _where_positive(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``where(w > 0, v, 0)``, keeping ``v``'s (smaller) shape when every weight is positive."""
    return v if (w > 0).all() else np.where(w > 0, v, 0.0)


def _nonneg_cols(cols, what: str) -> None:
    lo = min(float(np.nanmin(c, initial=0.0)) for c in cols)
    if lo < 0:
        rows = np.zeros(max(c.shape[-1] for c in cols), dtype=bool)
        for c in cols:
            rows |= (c < 0).any(axis=0)
        raise NonPositiveScoresError(
            f"{what} aggregation needs non-negative scores, found {lo:.4g}; "
            "use a normaliser onto a positive scale (e.g. minmax lower=1) or the arithmetic mean",
            rows=np.flatnonzero(rows))


def _zero_rows(cols, wcols) -> np.ndarray:
    """Rows where a child scores 0 with a positive weight in some weight set (as the per-set check)."""
    n = max(c.shape[-1] for c in cols)
    rows = np.zeros(n, dtype=bool)
    for c, w in zip(cols, wcols, strict=True):
        rows |= ((c == 0) & (w > 0)).any(axis=0)
    return rows


def _arithmetic_b(cols, wcols):
    xv, _, wm, den = _masked_cols(cols, wcols)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, pairwise_sum([x * w for x, w in zip(xv, wm, strict=True)]) / den, np.nan)


def _geometric_b(cols, wcols, *, zeros: str = "error"):
    # aggregate.geometric: logs = where(wm > 0, log(where(wm > 0, xv, 1)), 0); wm > 0 implies present
    _nonneg_cols(cols, "geometric")
    _no_zero(_zero_rows(cols, wcols), "geometric", zeros)
    _, x1, wm, den = _masked_cols(cols, wcols)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = [_where_positive(w, np.log(x)) for x, w in zip(x1, wm, strict=True)]
        return np.where(den > 0, np.exp(pairwise_sum([lg * w for lg, w in zip(logs, wm, strict=True)]) / den), np.nan)


def _harmonic_b(cols, wcols, *, zeros: str = "error"):
    _nonneg_cols(cols, "harmonic")
    _no_zero(_zero_rows(cols, wcols), "harmonic", zeros)
    _, x1, wm, den = _masked_cols(cols, wcols)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = pairwise_sum([np.where(w > 0, w / x, 0.0) for x, w in zip(x1, wm, strict=True)])
        return np.where(den > 0, np.where(np.isinf(inv), 0.0, den / inv), np.nan)


def _generalised_b(cols, wcols, *, p: float, na: str = "skip"):
    if p == 0:
        raise DataError("generalised mean: p = 0 is the geometric mean; choose aggregate 'geometric'")
    _nonneg_cols(cols, "generalised")
    _, x1, wm, den = _masked_cols(cols, wcols)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        powered = [_where_positive(w, np.power(x, p)) for x, w in zip(x1, wm, strict=True)]
        m = pairwise_sum([q * w for q, w in zip(powered, wm, strict=True)]) / den
        out = np.where(den > 0, np.power(m, 1.0 / p), np.nan)
    if na == "propagate":  # aggregate.generalised: NA where a child with positive weight is missing
        gap = np.zeros(np.broadcast_shapes(*(np.shape(c) for c in cols), *(np.shape(w) for w in wcols)), dtype=bool)
        for c, w in zip(cols, wcols, strict=True):
            gap = gap | (np.isnan(c) & (w > 0))
        out = np.where(gap, np.nan, out)
    return out


#: Column-wise forms of the built-in aggregators (same formulas, same summation order).
_BATCHED = {arithmetic: _arithmetic_b, geometric: _geometric_b, harmonic: _harmonic_b,
            generalised: _generalised_b}


def _missing_ok(miss, params, cols, wcols, wn, r_count: int, n: int) -> np.ndarray:
    from .aggregate import skip, strict

    present = [~np.isnan(c) for c in cols]
    if miss.func is strict:
        out = present[0]
        for p in present[1:]:
            out = out & p
        return out
    if miss.func is skip and params["by"] in ("count", "weight"):
        anyp = present[0]
        for p in present[1:]:
            anyp = anyp | p
        if params["by"] == "count":
            share = pairwise_sum([p.astype(float) for p in present]) / len(present)
        else:
            share = pairwise_sum([p * w for p, w in zip(present, wcols, strict=True)]) / pairwise_sum(wcols)
        return anyp & (share >= params["min_coverage"] - 1e-12)
    full = [np.broadcast_to(p, (r_count, n)) for p in present]
    return np.stack([miss.func(np.column_stack([f[r] for f in full]), wn[r], **params) for r in range(r_count)])


def rank_within_years(scores: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Rank every row of ``scores`` within each year: 1 = highest, ties share the best rank.

    Parameters
    ----------
    scores : ndarray, shape (R, n_rows)
    years : ndarray, shape (n_rows,)
        Year of each column.

    Returns
    -------
    ndarray of int32, shape (R, n_rows)
        Ranks as pandas' ``rank(method="min", ascending=False)`` within each year; 0 where the
        score is missing.
    """
    scores = np.asarray(scores, dtype=float)
    out = np.zeros(scores.shape, dtype=np.int32)
    for year in np.unique(years):
        cols = np.flatnonzero(years == year)
        sub = -scores[:, cols]  # NaN sorts last
        order = np.argsort(sub, axis=1, kind="stable")
        srt = np.take_along_axis(sub, order, axis=1)
        new = np.ones(srt.shape, dtype=bool)
        new[:, 1:] = srt[:, 1:] != srt[:, :-1]
        pos = np.arange(1, len(cols) + 1, dtype=np.int32)[None, :]
        r_sorted = np.maximum.accumulate(np.where(new, pos, 0), axis=1).astype(np.int32)
        ranks = np.empty_like(r_sorted)
        np.put_along_axis(ranks, order, r_sorted, axis=1)
        ranks[np.isnan(sub)] = 0
        out[:, cols] = ranks
    return out
