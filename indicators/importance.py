"""Weights versus importance: do the nominal weights do what the authors intend?

A nominal weight is a statement of intent; what an indicator actually contributes to its
aggregate depends also on its variance and its correlations with the other indicators. Following
Paruolo, Saisana & Saltelli (2013) and Becker et al. (2017), the *importance* of a component
``x_i`` for an aggregate ``y`` is measured by its first-order sensitivity index, the Pearson
correlation ratio

    S_i = η²_i = Var(E[y | x_i]) / Var(y),

which equals the squared Pearson correlation ``r²`` when ``E[y | x_i]`` is linear in ``x_i``.
This module estimates it three ways (``estimator``):

``"pearson"``
    the correlation ``r`` itself (what COINr's ``get_opt_weights`` balances);
``"r2"``
    ``r²``, the first-order effect under linearity;
``"eta2"``
    ``η²`` with ``E[y | x_i]`` estimated by a penalised cubic smoothing spline whose penalty is
    chosen by generalised cross-validation (``scipy.interpolate.make_smoothing_spline``), or by
    the group means when ``x_i`` takes fewer than :data:`ETA2_MIN_DISTINCT` distinct values (the
    correlation ratio of a categorical variable, exact).

:func:`importance_table` sets them beside the nominal and effective weights of a built index;
:func:`optimise_weights` finds the weights of one level whose normalised importances match target
importances (``optype="balance"``) or whose total importance is largest (``"infomax"``), the
optimisation of Becker et al. (2017) as implemented linearly by COINr's ``get_opt_weights``.

References: Paruolo, Saisana & Saltelli (2013), "Ratings and rankings: voodoo or science?",
*JRSS A* 176(3), 609–634, https://doi.org/10.1111/j.1467-985X.2012.01059.x; Becker, Saisana,
Paruolo & Vandecasteele (2017), "Weights and importance in composite indicators: Closing the
gap", *Ecological Indicators* 80, 12–22, https://doi.org/10.1016/j.ecolind.2017.03.056; Pearson
(1903/1905) on the correlation ratio; Wahba (1990), *Spline Models for Observational Data*, SIAM
(smoothing splines, GCV); OECD/JRC (2008) Handbook §6 and §7,
https://doi.org/10.1787/9789264043466-en; COINr ``get_opt_weights()``, ``get_eff_wts()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import DataError, MethodologyError
from .framework import Framework
from .registry import Step
from .tree import aggregate_many, compile_tree, upper_tree, weight_matrix

__all__ = [
    "ETA2_MIN_DISTINCT",
    "correlation_ratio",
    "importance",
    "importance_table",
    "optimise_weights",
]

Estimator = Literal["pearson", "r2", "eta2"]
_ESTIMATORS = ("pearson", "r2", "eta2")

#: Below this many distinct values, E[y | x] is estimated by group means (exact correlation ratio).
ETA2_MIN_DISTINCT = 10


def correlation_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """First-order effect ``η² = Var(E[y|x]) / Var(y)`` of ``x`` on ``y`` (complete pairs).

    ``E[y | x]`` is the mean of ``y`` within each distinct value of ``x`` when ``x`` has fewer
    than :data:`ETA2_MIN_DISTINCT` distinct values, else a penalised cubic smoothing spline of
    ``y`` on ``x`` (penalty by generalised cross-validation, ties weighted by their counts). The
    result is clipped to [0, 1].

    Raises
    ------
    DataError
        Fewer than 3 complete pairs, or ``y`` constant.

    References
    ----------
    Becker et al. (2017), https://doi.org/10.1016/j.ecolind.2017.03.056 (main effect as
    importance, estimated by a smoothed regression); Wahba (1990), *Spline Models for
    Observational Data*, SIAM.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 3:
        raise DataError(f"correlation_ratio: {len(x)} complete pair(s); needs at least 3")
    vy = y.var()
    if vy == 0:
        raise DataError("correlation_ratio: y is constant, so its variance cannot be apportioned")
    ux, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    means = np.bincount(inv, weights=y) / counts
    if len(ux) < ETA2_MIN_DISTINCT:
        fitted = means[inv]
    else:
        from scipy.interpolate import make_smoothing_spline  # heavy: imported where used

        spline = make_smoothing_spline(ux, means, w=counts.astype(float))
        fitted = spline(ux)[inv]
    return float(min(max(fitted.var() / vy, 0.0), 1.0))


def importance(children: pd.DataFrame, target: pd.Series | np.ndarray, estimator: Estimator = "r2") -> pd.Series:
    """Importance of each column of ``children`` for ``target`` (pairwise complete rows).

    Parameters
    ----------
    children : pandas.DataFrame
        Rows = units, columns = components (indicators, dimensions).
    target : Series or array
        The aggregate (parent or index), aligned with the rows.
    estimator : {"pearson", "r2", "eta2"}
        See the module docstring.

    Returns
    -------
    pandas.Series

    Raises
    ------
    MethodologyError
        Unknown estimator.
    DataError
        A column or the target constant, or fewer than 3 complete pairs.

    References
    ----------
    Paruolo, Saisana & Saltelli (2013), https://doi.org/10.1111/j.1467-985X.2012.01059.x;
    Becker et al. (2017), https://doi.org/10.1016/j.ecolind.2017.03.056.
    """
    if estimator not in _ESTIMATORS:
        raise MethodologyError(f"importance: unknown estimator {estimator!r}; choose one of {list(_ESTIMATORS)}")
    y = np.asarray(target, dtype=float)
    out = {}
    problems = []
    for col in children.columns:
        x = children[col].to_numpy(dtype=float)
        if estimator == "eta2":
            try:
                out[col] = correlation_ratio(x, y)
            except DataError as exc:
                problems.append(f"{col}: {exc}")
            continue
        ok = ~(np.isnan(x) | np.isnan(y))
        if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            problems.append(f"{col}: correlation undefined ({int(ok.sum())} complete pairs, or a constant series)")
            continue
        r = float(np.corrcoef(x[ok], y[ok])[0, 1])
        out[col] = r if estimator == "pearson" else r * r
    if problems:
        raise DataError("importance: cannot estimate", problems)
    return pd.Series(out, name=estimator, dtype=float)


def importance_table(
    result: Any,
    *,
    level: int = 1,
    against: Literal["parent", "index"] = "parent",
    year: int | None = None,
    estimators: tuple[str, ...] = ("pearson", "r2", "eta2"),
) -> pd.DataFrame:
    """Nominal weights, effective weights and correlation-based importance, side by side.

    For every node at ``level`` (1 = indicators, 2 = dimensions, ...): its ``weight`` within its
    parent, its ``effective_weight`` in the index (product of weights along its path), the mean
    share of the index it ``contributes`` (arithmetic aggregation), and its importance for its
    parent (``against="parent"``) or for the index, by each estimator. ``importance_share`` is
    the last estimator's value rescaled to sum 1 within each parent, directly comparable with
    ``weight``; ``ratio`` = importance_share / weight (1 = the weight does what it says; Becker et
    al. 2017 flag large departures).

    Parameters
    ----------
    result : IndexResult
    level : int
        Level of the weighted nodes.
    against : {"parent", "index"}
    year : int, optional
        Restrict to one year (default: every row, pooled).
    estimators : tuple of str
        Any of "pearson", "r2", "eta2"; the last one gives ``importance_share``.

    Returns
    -------
    pandas.DataFrame
        Indexed by node code.

    References
    ----------
    Becker et al. (2017), https://doi.org/10.1016/j.ecolind.2017.03.056; Paruolo et al. (2013),
    https://doi.org/10.1111/j.1467-985X.2012.01059.x; COINr ``get_eff_wts()``.
    """
    fw: Framework = result.framework
    if not estimators:
        raise MethodologyError("importance_table: give at least one estimator")
    scores = result.node_scores()
    if year is not None:
        years = scores.index.get_level_values("year")
        if year not in set(years):
            raise DataError(f"importance_table: no rows for year {year}; years are {sorted(set(years))}")
        scores = scores[years == year]
    nodes = [c for c in result.weights.index if fw.nodes[fw.nodes[c].parent].level - 1 == level]
    if not nodes:
        levels = sorted({fw.nodes[fw.nodes[c].parent].level - 1 for c in result.weights.index})
        raise MethodologyError(f"importance_table: no weighted nodes at level {level}; levels are {levels}")
    eff = {}
    for code in nodes:
        w = 1.0
        for node in fw.path(code)[1:]:
            w *= float(result.weights[node])
        eff[code] = w
    table = pd.DataFrame({
        "parent": [fw.nodes[c].parent for c in nodes],
        "weight": [float(result.weights[c]) for c in nodes],
        "effective_weight": [eff[c] for c in nodes],
    }, index=pd.Index(nodes, name="node"))
    contrib = _contribution_share(result, nodes, scores.index)
    table["contribution_share"] = contrib
    for est in estimators:
        vals = {}
        for parent, grp in table.groupby("parent", sort=False):
            target = scores[fw.root] if against == "index" else scores[parent]
            vals.update(importance(scores[list(grp.index)], target, est).to_dict())
        table[est] = pd.Series(vals)
    last = table[estimators[-1]].clip(lower=0)
    table["importance_share"] = last / last.groupby(table["parent"]).transform("sum")
    table["ratio"] = table["importance_share"] / table["weight"]
    return table


def _contribution_share(result: Any, nodes: list[str], rows: pd.Index) -> pd.Series:
    fw = result.framework
    contrib = result.contributions.loc[rows]
    index = result.index.loc[rows]
    out = {}
    for code in nodes:
        leaves = [c for c in contrib.columns if code in fw.path(c)]
        share = contrib[leaves].sum(axis=1) / index
        out[code] = float(share.mean())
    return pd.Series(out)


def optimise_weights(
    framework: Framework,
    data: pd.DataFrame,
    *,
    level: int,
    base: pd.Series,
    target: str | Mapping[str, float] = "equal",
    optype: Literal["balance", "infomax"] = "balance",
    estimator: Estimator = "pearson",
    maxiter: int | None = None,
    tol: float = 1e-10,
) -> tuple[pd.Series, dict[str, Any]]:
    """Optimised weights at one level (Becker et al. 2017; COINr ``get_opt_weights``).

    The index is aggregated from ``data`` by weighted arithmetic means (missing values skipped);
    the weights of the nodes at ``level`` are varied, all others stay at ``base``. For each
    weighted node ``i`` the importance ``s_i`` for the index is estimated (``estimator``) and
    normalised, ``ŝ_i = s_i / Σ s``.

    ``optype="balance"`` minimises ``Σ (ŝ_i − t_i)²`` with ``t`` the normalised target
    importances (``"equal"``, or a mapping node -> relative importance); ``"infomax"`` maximises
    the total importance ``Σ s_i``. Weights are parametrised as ``exp(θ)`` (positive), one
    parameter fixed per parent (weights are relative within a parent), and the objective is
    minimised by Nelder–Mead from the target (balance) or from ``base`` (infomax).

    Parameters
    ----------
    framework : Framework
    data : pandas.DataFrame
        Normalised indicator scores (rows = units, columns = indicators of ``framework``).
    level : int
        Level of the weighted nodes (1 = indicators, 2 = dimensions, ...).
    base : pandas.Series
        Raw weights of every node (those at ``level`` are the infomax start).
    target : "equal" or mapping
    optype : {"balance", "infomax"}
    estimator : {"pearson", "r2", "eta2"}
        COINr balances Pearson correlations; Becker et al. balance first-order effects.
    maxiter : int, optional
        Nelder–Mead iterations (default 400 per free parameter).
    tol : float
        Absolute tolerance on the objective and on θ.

    Returns
    -------
    weights : pandas.Series
        ``base`` with the level's weights replaced by the optimum (each parent's summing to 1).
    explain : dict
        ``table`` (node, parent, target, obtained importance share, weight), ``objective``,
        ``converged``, ``iterations``, ``message``, ``optype``, ``estimator``.

    Raises
    ------
    MethodologyError
        Bad level, target, optype or estimator.
    DataError
        Undefined correlations (a constant component).

    References
    ----------
    Becker, Saisana, Paruolo & Vandecasteele (2017), "Weights and importance in composite
    indicators: Closing the gap", *Ecological Indicators* 80, 12–22,
    https://doi.org/10.1016/j.ecolind.2017.03.056; COINr ``get_opt_weights()``.
    """
    if optype not in ("balance", "infomax"):
        raise MethodologyError(f"optimised weights: optype must be 'balance' or 'infomax', got {optype!r}")
    if estimator not in _ESTIMATORS:
        raise MethodologyError(f"optimised weights: unknown estimator {estimator!r}; choose one of {list(_ESTIMATORS)}")
    active = [c for c in framework.indicators if c in data.columns]
    tree = compile_tree(framework, active)
    groups = [g for g in tree.groups if g.level - 1 == level]
    if not groups:
        levels = sorted({g.level - 1 for g in tree.groups})
        raise MethodologyError(f"optimised weights: no weighted nodes at level {level}; levels are {levels}")
    nodes = [k for g in groups for k in g.kids]
    t = _target(target, nodes) if optype == "balance" else None
    x = data[list(tree.indicators)].to_numpy(dtype=float)
    w0 = weight_matrix(tree, base)
    agg = {lvl: Step("arithmetic") for lvl in tree.levels()}
    miss = {lvl: Step("skip", {"min_coverage": 0.0}) for lvl in tree.levels()}
    up = upper_tree(tree, level)
    leaf_scores = aggregate_many(tree, x, w0, agg, miss, keep=up.indicators)
    leaves = np.column_stack([np.broadcast_to(leaf_scores[k], (1, x.shape[0]))[0] for k in up.indicators])
    w_up = weight_matrix(up, base)
    agg_up = {lvl: agg[lvl] for lvl in up.levels()}
    miss_up = {lvl: miss[lvl] for lvl in up.levels()}
    comp = pd.DataFrame(leaves[:, [up.position[k] for k in nodes]], columns=nodes)
    fast = estimator != "eta2" and not comp.isna().to_numpy().any()
    cm = comp.to_numpy() - comp.to_numpy().mean(axis=0)
    cnorm = np.sqrt((cm**2).sum(axis=0))
    if fast and (cnorm == 0).any():
        const = [k for k, c in zip(nodes, cnorm, strict=True) if c == 0]
        raise DataError(f"optimised weights: constant component(s) {const}: correlations are undefined")
    cols = [up.position[k] for k in nodes]
    # free parameters: all but the first child of each parent (weights are relative within it)
    offsets = np.cumsum([0] + [len(g.kids) for g in groups])
    free_idx = [offsets[gi] + j for gi, g in enumerate(groups) for j in range(1, len(g.kids))]

    def weights_of(theta: np.ndarray) -> np.ndarray:
        logw = np.zeros(len(nodes))
        logw[free_idx] = theta
        w = np.exp(logw - logw.max())
        for gi in range(len(groups)):
            sl = slice(offsets[gi], offsets[gi + 1])
            w[sl] = w[sl] / w[sl].sum()
        return w

    def shares(theta: np.ndarray) -> np.ndarray:
        w = w_up.copy()
        w[0, cols] = weights_of(theta)
        index = aggregate_many(up, leaves, w, agg_up, miss_up)[up.root][0]
        if fast and not np.isnan(index).any():  # Pearson r of every component at once
            yc = index - index.mean()
            r = (cm * yc[:, None]).sum(axis=0) / (cnorm * np.sqrt((yc**2).sum()))
            return r if estimator == "pearson" else r * r
        return importance(comp, index, estimator).to_numpy()

    def objective(theta: np.ndarray) -> float:
        s = shares(theta)
        if optype == "infomax":
            return -float(s.sum())
        s_norm = s / s.sum()
        return float(np.sum((s_norm - t) ** 2))

    if optype == "balance":
        start_w = t.copy()
    else:
        start_w = np.array([float(base[k]) for k in nodes])
    theta0 = []
    for gi in range(len(groups)):
        sl = start_w[offsets[gi]:offsets[gi + 1]]
        if (sl <= 0).any():
            sl = np.where(sl <= 0, 1e-6, sl)
        theta0.extend(np.log(sl[1:] / sl[0]))
    theta0 = np.asarray(theta0, dtype=float)
    n_free = len(theta0)
    if n_free == 0:
        raise MethodologyError(f"optimised weights: every parent at level {level + 1} has a single child")
    from scipy import optimize  # heavy: imported where used

    res = optimize.minimize(
        objective, theta0, method="Nelder-Mead",
        options={"xatol": tol, "fatol": tol, "maxiter": maxiter or 400 * n_free, "adaptive": n_free > 2},
    )
    w_opt = weights_of(res.x)
    s = shares(res.x)
    out = base.astype(float).copy()
    for k, v in zip(nodes, w_opt, strict=True):
        out[k] = v
    table = pd.DataFrame({
        "parent": [framework.nodes[k].parent for k in nodes],
        "target": t if t is not None else np.nan,
        "obtained": s / s.sum(),
        estimator: s,
        "weight": w_opt,
    }, index=pd.Index(nodes, name="node"))
    return out, {
        "method": "optimised", "optype": optype, "estimator": estimator, "level": level,
        "table": table, "objective": float(res.fun), "converged": bool(res.success),
        "iterations": int(res.nit), "message": str(res.message),
    }


def _target(target: str | Mapping[str, float], nodes: list[str]) -> np.ndarray:
    if isinstance(target, str):
        if target != "equal":
            raise MethodologyError(f"optimised weights: target must be 'equal' or a mapping node -> importance, "
                                   f"got {target!r}")
        t = np.ones(len(nodes))
    elif isinstance(target, Mapping):
        missing = [k for k in nodes if k not in target]
        extra = [k for k in target if k not in nodes]
        if missing or extra:
            raise MethodologyError("optimised weights: target must give every weighted node", [
                *(f"missing target for {k}" for k in missing),
                *(f"{k!r} is not a weighted node at this level; nodes: {nodes}" for k in extra)])
        t = np.array([float(target[k]) for k in nodes])
    else:
        raise MethodologyError(f"optimised weights: target must be 'equal' or a mapping, got {type(target).__name__}")
    if not np.all(np.isfinite(t)) or (t < 0).any() or t.sum() <= 0:
        raise MethodologyError(f"optimised weights: target importances must be non-negative and not all 0, got {t}")
    return t / t.sum()
