"""Weighting methods researchers can defend, registered in :data:`~indicators.weights.WEIGHTERS`.

Each entry wraps an already-tested pure function and returns
:class:`~indicators.weights.ExplainedWeights`, so what it learned lands in
``IndexResult.explain["weights"]``:

``ahp``
    层次分析法: pairwise judgements per parent from a file (:mod:`indicators.ahp`), principal
    eigenvector, CI/CR with a named warning above the threshold, several experts combined by the
    geometric mean.
``entropy``, ``critic``, ``sd``, ``pca``
    熵权法, CRITIC, standard-deviation and first-principal-component weights
    (:mod:`indicators.objective_weights`) among the children of each parent at the chosen levels.
``combined``
    a subjective and an objective method blended within each parent,
    ``α · subjective + (1 − α) · objective`` (or their normalised product).
``optimised``
    the weights of one level whose correlations with the index match target importances or
    whose total is largest (:func:`indicators.importance.optimise_weights`).

Data-driven methods see the normalised indicator table (every district-year, or one ``year``).
At levels above the indicators, a node's score is the weighted arithmetic mean of its children
under the weights learned below it (missing values skipped). Nodes at levels a method does not
weight take ``rest`` weights (the framework's expert points, or equal). Every explain carries
``learned``: the raw weights, which can be frozen and fed back as
``{method: expert, params: {overrides: ...}}`` so a later year is weighted as a base year was.

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §6.1,
https://doi.org/10.1787/9789264043466-en; Saaty (1980), *The Analytic Hierarchy Process*,
McGraw-Hill; Shannon (1948), https://doi.org/10.1002/j.1538-7305.1948.tb01338.x; Diakoulaki,
Mavrotas & Papayannakis (1995), https://doi.org/10.1016/0305-0548(94)00059-H; Becker et al. (2017),
https://doi.org/10.1016/j.ecolind.2017.03.056.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .ahp import ahp_weights, group_judgements, load_judgements
from .errors import DataError, JudgementError, MethodologyError
from .framework import Framework
from .importance import optimise_weights
from .objective_weights import combine, critic_weights, entropy_weights, pca_weights, sd_weights
from .registry import Step
from .tree import aggregate_many, compile_tree, weight_matrix
from .weights import WEIGHTERS, ExplainedWeights, normalise_within_parents, split_explain

__all__ = ["ahp", "combined", "critic", "entropy", "optimised", "pca", "resolve_data_path", "sd"]

#: The project root (where ``data/`` lives): relative judgement paths are also looked up here.
PROJECT_ROOT = Path(__file__).resolve().parents[1]

Rest = Literal["expert", "equal"]


def resolve_data_path(path: str | Path, what: str) -> Path:
    """A file named in a methodology: as given (relative to the working directory), else
    relative to the project root, so ``data/judgements/x.yaml`` works from anywhere."""
    p = Path(path)
    if p.is_file():
        return p
    if not p.is_absolute() and (PROJECT_ROOT / p).is_file():
        return PROJECT_ROOT / p
    tried = [str(p)] + ([] if p.is_absolute() else [str(PROJECT_ROOT / p)])
    raise MethodologyError(f"{what}: file {str(path)!r} not found (tried {', '.join(tried)})")


def _rest(framework: Framework, rest: str) -> pd.Series:
    if rest == "expert":
        return pd.Series({c: n.weight for c, n in framework.nodes.items() if c != framework.root}, dtype=float)
    if rest == "equal":
        return pd.Series(1.0, index=[c for c in framework.nodes if c != framework.root])
    raise MethodologyError(f"weights: rest must be 'expert' or 'equal', got {rest!r}")


def _rows(data: pd.DataFrame, year: int | None, method: str) -> pd.DataFrame:
    if year is None:
        return data
    if "year" not in (data.index.names or []):
        raise DataError(f"weights {method}: year={year} needs data indexed by (district, year)")
    years = data.index.get_level_values("year")
    if year not in set(years):
        raise DataError(f"weights {method}: no rows for year {year}; years are {sorted(set(years))}")
    return data[years == year]


def _levels(levels: Sequence[int] | int, method: str) -> list[int]:
    lv = [levels] if isinstance(levels, int) else list(levels)
    if not lv or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in lv):
        raise MethodologyError(f"weights {method}: levels must be integers >= 1 (1 = indicators), got {levels!r}")
    return sorted(set(lv))


def _objective(
    framework: Framework,
    data: pd.DataFrame,
    method: str,
    func: Callable[[pd.DataFrame], tuple[pd.Series, dict[str, Any]]],
    columns: Callable[[dict[str, Any]], dict[str, pd.Series]],
    levels: Sequence[int] | int,
    year: int | None,
    rest: str,
) -> ExplainedWeights:
    raw = _rest(framework, rest)
    lv = _levels(levels, method)
    rows = _rows(data, year, method)
    active = [c for c in framework.indicators if c in rows.columns]
    tree = compile_tree(framework, active)
    known = sorted({g.level - 1 for g in tree.groups})
    bad = [v for v in lv if v not in known]
    if bad:
        raise MethodologyError(f"weights {method}: no weighted nodes at level(s) {bad}; levels are {known}")
    x = rows[list(tree.indicators)].to_numpy(dtype=float)
    agg_steps = {lvl: Step("arithmetic") for lvl in tree.levels()}
    miss_steps = {lvl: Step("skip", {"min_coverage": 0.0}) for lvl in tree.levels()}
    node_rows: list[dict[str, Any]] = []
    group_rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for g in tree.groups:  # bottom-up: higher levels see the weights learned below them
        if g.level - 1 not in lv:
            continue
        if len(g.kids) == 1:
            raw[g.kids[0]] = 1.0
            node_rows.append({"node": g.kids[0], "parent": g.parent, "level": g.level - 1, "weight": 1.0})
            group_rows.append({"parent": g.parent, "n_children": 1, "note": "single child"})
            continue
        if all(k in rows.columns for k in g.kids):
            kid_df = rows[list(g.kids)]
        else:
            scores = aggregate_many(tree, x, weight_matrix(tree, raw), agg_steps, miss_steps, keep=g.kids)
            kid_df = pd.DataFrame({k: np.broadcast_to(scores[k], (1, len(rows)))[0] for k in g.kids},
                                  index=rows.index)
        try:
            w, info = func(kid_df)
        except (DataError, MethodologyError) as exc:
            problems.append(f"children of {g.parent}: {exc}")
            continue
        cols = columns(info)
        for k in g.kids:
            raw[k] = float(w[k])
            node_rows.append({"node": k, "parent": g.parent, "level": g.level - 1, "weight": float(w[k]),
                              **{name: float(s[k]) for name, s in cols.items()}})
        group_rows.append({"parent": g.parent, "n_children": len(g.kids), **_group_info(info)})
    if problems:
        raise DataError(f"weights {method}: cannot compute", problems)
    table = pd.DataFrame(node_rows).set_index("node")
    groups = pd.DataFrame(group_rows).set_index("parent")
    return ExplainedWeights(raw, {"method": method, "levels": lv, "year": year, "table": table,
                                  "groups": groups, "learned": raw.copy()})


def _group_info(info: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = info.get("n")
    if isinstance(n, pd.Series):
        out["n_units"] = int(n.min())
    elif n is not None:
        out["n_units"] = int(n)
    if "explained" in info:
        out["pc1_explained"] = float(info["explained"].iloc[0])
        out["pc1_eigenvalue"] = float(info["eigenvalues"].iloc[0])
        out["negative_loadings"] = ", ".join(info["negative_loadings"])
    return out


@WEIGHTERS.register("entropy", zh="熵权法")
def entropy(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    missing: str = "complete",
    rest: Rest = "expert",
) -> ExplainedWeights:
    """Entropy weights (熵权法) among the children of each parent at ``levels``.

    ``w_j ∝ 1 − e_j`` with ``e_j`` the Shannon entropy of the shares ``x_ij / Σ_i x_ij``
    (:func:`indicators.objective_weights.entropy_weights`); needs non-negative scores (any
    normaliser onto 0–100; not z-scores). Explain ``table``: entropy and diversity per node.

    References
    ----------
    Shannon (1948), https://doi.org/10.1002/j.1538-7305.1948.tb01338.x; Zeleny (1982), *Multiple
    Criteria Decision Making*, ch. 7; OECD/JRC (2008) Handbook §6.1.
    """
    return _objective(framework, data, "entropy", lambda d: entropy_weights(d, missing=missing),
                      lambda i: {"entropy": i["entropy"], "diversity": i["diversity"]}, levels, year, rest)


@WEIGHTERS.register("critic", zh="CRITIC 法（对比强度与冲突性）")
def critic(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    missing: str = "complete",
    rest: Rest = "expert",
) -> ExplainedWeights:
    """CRITIC weights: contrast (σ) times conflict (Σ 1 − r) among the children of each parent.

    See :func:`indicators.objective_weights.critic_weights`; constant children are an error.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), *Computers & Operations Research* 22(7),
    763–770, https://doi.org/10.1016/0305-0548(94)00059-H.
    """
    return _objective(framework, data, "critic", lambda d: critic_weights(d, missing=missing),
                      lambda i: {"sigma": i["sigma"], "conflict": i["conflict"], "information": i["information"]},
                      levels, year, rest)


@WEIGHTERS.register("sd", zh="标准差法")
def sd(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    missing: str = "complete",
    minmax: bool = True,
    rest: Rest = "expert",
) -> ExplainedWeights:
    """Standard-deviation weights ``w_j ∝ σ_j`` among the children of each parent.

    See :func:`indicators.objective_weights.sd_weights`.

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), https://doi.org/10.1016/0305-0548(94)00059-H.
    """
    return _objective(framework, data, "sd", lambda d: sd_weights(d, missing=missing, minmax=minmax),
                      lambda i: {"sigma": i["sigma"]}, levels, year, rest)


@WEIGHTERS.register("pca", zh="主成分分析法")
def pca(
    framework: Framework,
    data: pd.DataFrame,
    *,
    levels: Sequence[int] | int = (1,),
    year: int | None = None,
    rest: Rest = "expert",
) -> ExplainedWeights:
    """First-principal-component weights per group (squared loadings), with variance explained.

    See :func:`indicators.objective_weights.pca_weights`. Explain ``groups``: the share of
    variance the first component explains in each group and any negative loadings (an
    indicator pulling against its group); ``table``: loadings per node.

    References
    ----------
    OECD/JRC (2008) Handbook §6.1 (PCA / factor analysis weights),
    https://doi.org/10.1787/9789264043466-en; Nicoletti, Scarpetta & Boylaud (2000), OECD ECO
    Working Paper 226.
    """
    return _objective(framework, data, "pca", pca_weights, lambda i: {"loading": i["loadings"]},
                      levels, year, rest)


@WEIGHTERS.register("ahp", zh="层次分析法（专家两两比较）")
def ahp(
    framework: Framework,
    data: pd.DataFrame,
    *,
    judgements: str,
    cr_threshold: float = 0.1,
    rest: Rest = "expert",
) -> ExplainedWeights:
    """AHP (层次分析法): principal-eigenvector weights from a pairwise-judgement file per parent.

    ``judgements`` is a YAML/CSV judgement file (format in :mod:`indicators.ahp`), relative to
    the working directory or the project root (e.g. ``data/judgements/district_dimensions.yaml``).
    Each entry's ``items`` must be exactly the children of its ``parent``; parents without an
    entry take ``rest`` weights. Several experts are combined by the element-wise geometric mean
    before the eigenvector is taken; each expert's own consistency is reported too. A matrix with
    CR > ``cr_threshold`` raises :class:`~indicators.errors.InconsistentJudgementsWarning`
    naming the file, parent and expert. Explain ``consistency``: n, λmax, CI, RI, CR per parent
    and expert (``expert = "group"`` for the geometric mean).

    References
    ----------
    Saaty (1980), *The Analytic Hierarchy Process*, McGraw-Hill; Saaty (1990), *EJOR* 48(1), 9–26,
    https://doi.org/10.1016/0377-2217(90)90057-I; Aczél & Saaty (1983),
    https://doi.org/10.1016/0022-2496(83)90028-7 (geometric mean of judgements).
    """
    path = resolve_data_path(judgements, "weights ahp: judgements")
    entries = load_judgements(path)
    raw = _rest(framework, rest)
    problems = []
    for parent, j in entries.items():
        if parent not in framework.nodes or framework.nodes[parent].is_indicator:
            problems.append(f"{path}: parent {parent!r} is not an aggregate of framework {framework.id}")
            continue
        kids = set(framework.children(parent))
        if set(j.items) != kids:
            problems.append(
                f"{path}: parent {parent!r}: items {list(j.items)} must be exactly its children "
                f"{list(framework.children(parent))} (missing {sorted(kids - set(j.items))}, "
                f"unknown {sorted(set(j.items) - kids)})")
    if problems:
        raise JudgementError("weights ahp: judgements do not match the framework", problems)
    cons_rows = []
    node_rows = []
    for parent, j in entries.items():
        where = f"{path}, parent {parent!r}"
        experts = dict(j.experts)
        results = {}
        for name, m in experts.items():
            label = name or "single"
            results[label] = ahp_weights(m, cr_threshold=cr_threshold,
                                         where=f"{where}{', expert ' + repr(name) if name else ''}: ")
        if len(experts) > 1:
            results["group"] = ahp_weights(group_judgements(experts), cr_threshold=cr_threshold,
                                           where=f"{where}, geometric mean of {len(experts)} experts: ")
        final = results["group"] if len(experts) > 1 else results["single"]
        for label, r in results.items():
            cons_rows.append({"parent": parent, "expert": label, **r.explain()})
        for item, w in final.weights.items():
            raw[item] = float(w)
            node_rows.append({"node": item, "parent": parent, "weight": float(w),
                              **{f"weight_{lab}": float(r.weights[item]) for lab, r in results.items()
                                 if lab not in ("single", "group")}})
    return ExplainedWeights(raw, {
        "method": "ahp", "judgements": str(path), "consistency": pd.DataFrame(cons_rows),
        "table": pd.DataFrame(node_rows).set_index("node"), "learned": raw.copy(),
    })


@WEIGHTERS.register("combined", zh="主客观组合赋权")
def combined(
    framework: Framework,
    data: pd.DataFrame,
    *,
    subjective: str | Mapping[str, Any],
    objective: str | Mapping[str, Any],
    alpha: float | None = 0.5,
    method: Literal["additive", "multiplicative"] = "additive",
) -> ExplainedWeights:
    """Subjective and objective weights blended within each parent (主客观组合赋权).

    ``subjective`` and ``objective`` are weight steps (a name, or ``{method, params}``), e.g.
    ``{method: ahp, params: {judgements: ...}}`` and ``{method: entropy}``. Each is rescaled within
    every parent, then ``α · w_subj + (1 − α) · w_obj`` (``method="additive"``) or the normalised
    product (``"multiplicative"``, no α) — :func:`indicators.objective_weights.combine`.

    References
    ----------
    Ma, Fan & Huang (1999), *EJOR* 112(2), 397–404, https://doi.org/10.1016/S0377-2217(98)00141-6.
    """
    parts = {}
    for role, spec in (("subjective", subjective), ("objective", objective)):
        step = Step.from_any(spec, f"weights.{role}")
        if step.method == "combined":
            raise MethodologyError(f"weights.{role}: cannot nest 'combined'")
        weighter = WEIGHTERS.get(step.method)
        raw, info = split_explain(weighter.func(framework, data, **weighter.bind(step.params,
                                                                                   where=f"weights.{role}: ")))
        parts[role] = (step, raw, info)
    active = set(compile_tree(framework, [c for c in framework.indicators if c in data.columns]).nodes)
    active.discard(framework.root)
    ws = normalise_within_parents(framework, parts["subjective"][1], active)
    wo = normalise_within_parents(framework, parts["objective"][1], active)
    raw = _rest(framework, "expert")
    rows = []
    for parent in framework.aggregates:
        kids = [c for c in framework.children(parent) if c in active]
        if not kids:
            continue
        w, _ = combine(ws[kids], wo[kids], alpha=alpha if method == "additive" else None, method=method)
        for k in kids:
            raw[k] = float(w[k])
            rows.append({"node": k, "parent": parent, "subjective": float(ws[k]), "objective": float(wo[k]),
                         "weight": float(w[k])})
    return ExplainedWeights(raw, {
        "method": "combined", "alpha": alpha, "combine": method, "table": pd.DataFrame(rows).set_index("node"),
        "subjective": {"step": parts["subjective"][0].to_dict(), **parts["subjective"][2]},
        "objective": {"step": parts["objective"][0].to_dict(), **parts["objective"][2]},
        "learned": raw.copy(),
    })


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
    rows = _rows(data, year, "optimised")
    raw, info = optimise_weights(framework, rows, level=level, base=_rest(framework, rest), target=target,
                                 optype=optype, estimator=estimator, maxiter=maxiter)
    return ExplainedWeights(raw, {**info, "year": year, "learned": raw.copy()})

