"""Scoring every replication: the data stage (impute → treat → normalise, once per distinct choice)
and batched aggregation under every weight set (:func:`evaluate`, :func:`run_uncertainty`, :func:`replay`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, IndicatorsError, MethodologyError
from ..framework import Framework, load_framework
from ..methodology import Methodology, Step
from ..pipeline import build_index
from ..tree import Tree, aggregate_many, compile_tree, rank_within_years, weight_matrix
from ..weights import WEIGHTERS, split_explain
from .results import UncertaintyResult
from .sampling import (
    Assumptions,
    load_assumptions,
    sample_assumptions,
)
from .spec import (
    _DATA_FIELDS,
    _LEVEL_FIELDS,
    Choice,
    Design,
    UncertaintySpec,
    WeightNoise,
)

#: Methodology keys the fast data stage knows; any other (a step added to the pipeline later)
#: makes ``data_stage="auto"`` use full pipeline builds. Fixed steps before imputation
#: (denominate, screen) are taken from a pipeline build, so they need no code here.
_KNOWN_KEYS = {"name", "description", "impute", "treat", "normalise", "weights", "aggregate", "missing",
               "normalise_overrides", "aggregate_levels", "missing_levels", "grades", "exclude",
               "denominate", "screen"}


def _key(step: Step) -> str:
    return json.dumps(step.to_dict(), sort_keys=True, default=str)


class _DataStage:
    """Normalised indicator tables for methodology variants, each computed once and cached.

    ``fast``: the fixed steps up to imputation come from one pipeline build (its ``indicators``,
    the input of imputation; its imputed and treated tables for the nominal steps); the
    registered imputer and treatment then run once per combination and the normalisers as the
    pipeline runs them (:func:`~indicators.normalise.normalise_all`). ``pipeline``: one full build
    per variant.
    """

    def __init__(self, figures: Any, fw: Framework, meth: Methodology, nominal: Any,
                 common_excl: tuple[str, ...], mode: str, varied: set[str], build_kwargs: Mapping[str, Any]) -> None:
        if mode not in ("auto", "fast", "pipeline"):
            raise MethodologyError(f"data_stage must be 'auto', 'fast' or 'pipeline', got {mode!r}")
        unknown = set(meth.to_dict()) - _KNOWN_KEYS - {"grading"}  # grading decides grades, not scores
        if meth.unsubmitted.method == "redistribute":  # the default: what the fast stage computes
            unknown.discard("unsubmitted")
        screen_after = meth.screen.method != "none" and meth.screen.params.get("stage") == "after_impute"
        why = (f"the methodology step(s) {sorted(unknown)}" if unknown else
               "varying the imputation with a screen after imputing" if screen_after and "impute" in varied else "")
        if mode == "auto":
            mode = "pipeline" if why else "fast"
        elif mode == "fast" and why:
            raise MethodologyError(f"data_stage='fast' cannot handle {why}; use data_stage='pipeline'")
        self.mode = mode
        self.figures, self.fw, self.meth, self.nominal = figures, fw, meth, nominal
        self.build_kwargs = dict(build_kwargs)
        self.active = [c for c in fw.indicators if c not in common_excl]
        self.common_excl = common_excl
        self._cache: dict[tuple[str, ...], pd.DataFrame] = {}
        if mode == "fast":
            from ..impute import ImputeContext

            base = nominal if list(nominal.normalised.columns) == self.active else build_index(
                figures, fw, meth.replace(exclude=common_excl), **self.build_kwargs)
            self.base = base
            idx = base.indicators.index
            self.years = pd.Series(idx.get_level_values("year").astype(int), index=idx)
            dnames = pd.Series(idx.get_level_values("district"), index=idx)
            groups = pd.Series(base.districts["group"].reindex(dnames.to_numpy()).to_numpy(), index=idx)
            attributes = base.districts.reindex(dnames.to_numpy()).set_axis(idx)
            self.ctx = ImputeContext(self.years, groups, dnames, attributes)
            self.derived = base.indicators[self.active]
            self.flat_years = pd.Series(self.years.to_numpy())
            self.flat_figures = base.figures.reset_index(drop=True)
            self.flat_districts = pd.Series(dnames.to_numpy())
            self._cache[(_key(meth.impute),)] = base.imputed[self.active]
            self._cache[(_key(meth.impute), _key(meth.treat))] = base.treated[self.active]

    def normalised(self, m: Methodology) -> pd.DataFrame:
        """The normalised table (active indicators of the common exclusion) under ``m``'s steps."""
        if self.mode == "pipeline":
            key = (_key(m.impute), _key(m.treat), _key(m.normalise))
            if key not in self._cache:
                built = build_index(self.figures, self.fw, m.replace(exclude=self.common_excl), **self.build_kwargs)
                self._cache[key] = built.normalised
            return self._cache[key]
        from ..impute import IMPUTERS
        from ..normalise import normalise_all
        from ..treat_step import TREATMENTS

        k1 = (_key(m.impute),)
        if k1 not in self._cache:
            imp = IMPUTERS.get(m.impute.method)
            self._cache[k1] = imp.func(self.derived, self.ctx, **imp.bind(m.impute.params))
        k2 = (*k1, _key(m.treat))
        if k2 not in self._cache:
            tr = TREATMENTS.get(m.treat.method)
            self._cache[k2] = tr.func(self._cache[k1], **tr.bind(m.treat.params))[0]
        k3 = (*k2, _key(m.normalise), json.dumps({c: s.to_dict() for c, s in m.normalise_overrides.items()},
                                                  sort_keys=True, default=str))
        if k3 in self._cache:
            return self._cache[k3]
        treated = self._cache[k2]
        normed = normalise_all(treated.reset_index(drop=True), self.flat_years, self.flat_figures, self.fw,
                               m.normalise, m.normalise_overrides, self.active, self.flat_districts)
        out = normed.values
        self._cache[k3] = pd.DataFrame(np.column_stack([out[c] for c in self.active]), index=treated.index,
                                       columns=self.active)
        return self._cache[k3]

    def check(self, meth: Methodology) -> None:
        """The nominal variant must equal the pipeline's normalised data exactly."""
        ours = self.normalised(meth)
        ref = self.nominal.normalised
        cols = list(ref.columns)
        if not ours.index.equals(ref.index) or not all(c in ours.columns for c in cols) or not np.array_equal(
                ours[cols].to_numpy(dtype=float), ref.to_numpy(dtype=float), equal_nan=True):
            raise IndicatorsError(
                f"internal check failed: the {self.mode} data stage does not reproduce the pipeline's normalised "
                "data for the nominal methodology; run with data_stage='pipeline' and please report")


@dataclass
class _Variant:
    """One data-stage combination: normalised data; per exclusion set its tree, data and base weights."""

    normalised: pd.DataFrame
    trees: dict[tuple[str, ...], Tree] = field(default_factory=dict)
    data: dict[tuple[str, ...], pd.DataFrame] = field(default_factory=dict)
    arrays: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)
    base: dict[tuple[int, tuple[str, ...]], np.ndarray] = field(default_factory=dict)


def evaluate(
    figures: Any,
    framework: Framework | str | Path,
    assumptions: Assumptions,
    *,
    keep_scores: bool = True,
    chunk_cells: int = 250_000,
    check_nominal: bool = True,
    data_stage: Literal["auto", "fast", "pipeline"] = "auto",
    districts: pd.DataFrame | None = None,
) -> UncertaintyResult:
    """Score and rank every replication of ``assumptions`` (the replay entry point).

    Parameters
    ----------
    figures : anything :func:`~indicators.build_index` accepts.
    framework : Framework or path.
    assumptions : Assumptions
        From :func:`sample_assumptions` or :func:`load_assumptions`.
    keep_scores : bool
        Keep the (replications x rows) score matrix (ranks are always kept).
    chunk_cells : int
        Cells per aggregation block (replications x rows x children): small blocks stay in the
        processor's cache.
    check_nominal : bool
        Check that the data stage and the engine reproduce the pipeline's nominal normalised data
        and index exactly (cheap).
    data_stage : {"auto", "fast", "pipeline"}
        How the data variants are computed. ``"pipeline"``: one :func:`~indicators.build_index`
        per variant (robust, slow). ``"fast"``: indicators are derived once; the registered imputer
        and treatment run once per combination; min-max and z-score normalise whole tables at
        once (the same arithmetic as the registered normalisers; others run per column as in the
        pipeline). ``"auto"``: fast unless the methodology has steps this module does not know.
    districts : DataFrame, optional
        The districts table, as :func:`~indicators.build_index` takes it with wide figures (e.g.
        the grouping variables of a COINr coin, for group-mean imputation).

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    MethodologyError, DataError
        Invalid assumptions for this framework, or a replication that cannot be computed (e.g.
        a geometric mean of negative z-scores), naming the choices of the failing replications.
    IndicatorsError
        If the nominal check fails (a bug, not a user error).
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    a = assumptions
    if a.framework and a.framework.get("content_hash") not in (None, fw.content_hash):
        raise MethodologyError(f"the assumptions were drawn for framework {a.framework.get('id')} "
                               f"{a.framework.get('version')} (hash {a.framework.get('content_hash', '')[:12]}), "
                               f"not {fw.id} {fw.version} (hash {fw.content_hash[:12]})")
    spec, meth = a.spec, a.methodology
    spec.validate(fw, meth)
    t0 = time.perf_counter()
    build_kwargs = {} if districts is None else {"districts": districts}
    nominal = build_index(figures, fw, meth, **build_kwargs)
    rows = nominal.index.index
    years = rows.get_level_values("year").to_numpy()
    choices = [i for i in spec.inputs if isinstance(i, Choice)]
    noises = [i for i in spec.inputs if isinstance(i, WeightNoise)]
    table = a.table
    R = len(table)
    codes = {c.name: table[c.name].to_numpy().astype(np.int64) for c in choices}
    for c in choices:
        bad = (codes[c.name] < 0) | (codes[c.name] >= len(c.options))
        if bad.any():
            raise MethodologyError(f"assumptions: input {c.name!r} has option index {int(codes[c.name][bad][0])} "
                                   f"outside 0..{len(c.options) - 1}")

    # data variants: one per (impute, treat, normalise) combination that occurs
    data_choices = [c for c in choices if c.field in _DATA_FIELDS]
    excl_choices = [c for c in choices if c.field == "exclude"]
    if len(excl_choices) > 1:
        raise MethodologyError("declare at most one exclude choice (list combined exclusions as its options)")
    all_excl = [set(o) for c in excl_choices for o in c.options] or [set(meth.exclude)]
    common_excl = tuple(c for c in fw.indicators if all(c in s for s in all_excl))
    t_nominal = time.perf_counter() - t0
    stage = _DataStage(figures, fw, meth, nominal, common_excl, data_stage, {c.field for c in choices},
                       build_kwargs)
    if check_nominal:
        stage.check(meth)
    data_key = np.stack([codes[c.name] for c in data_choices], axis=1) if data_choices else np.zeros((R, 0), int)
    variants: dict[tuple[int, ...], _Variant] = {}
    for key in sorted({tuple(int(v) for v in row) for row in data_key}):
        m = meth.replace(**{c.field: c.options[k] for c, k in zip(data_choices, key, strict=True)})
        variants[key] = _Variant(stage.normalised(m))
    t_data = time.perf_counter() - t0 - t_nominal

    # group replications by everything discrete; within a group only the weights differ
    group_cols = [c.name for c in choices]
    if group_cols:
        key_matrix = np.stack([codes[c] for c in group_cols], axis=1)
        uniq, inverse = np.unique(key_matrix, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
    else:
        uniq, inverse = np.zeros((1, 0), dtype=np.int64), np.zeros(R, dtype=np.int64)
    mult = []
    for n in noises:
        m = a.multipliers(n, fw)
        mult.append((list(m.columns), m.to_numpy(dtype=float)))
    scores = np.empty((R, len(rows)))
    t1 = time.perf_counter()
    for gi, gkey in enumerate(uniq):
        members = np.flatnonzero(inverse == gi)
        pick = dict(zip(group_cols, (int(v) for v in gkey), strict=True))
        dkey = tuple(pick[c.name] for c in data_choices)
        var = variants[dkey]
        excl = tuple(excl_choices[0].options[pick[excl_choices[0].name]]) if excl_choices else tuple(meth.exclude)
        w_choice = next((c for c in choices if c.field == "weights"), None)
        w_step = w_choice.options[pick[w_choice.name]] if w_choice else meth.weights
        w_idx = pick[w_choice.name] if w_choice else -1
        if excl not in var.trees:
            var.trees[excl] = compile_tree(fw, [c for c in fw.indicators if c not in excl])
            var.data[excl] = var.normalised[list(var.trees[excl].indicators)]
        tree = var.trees[excl]
        x = var.data[excl]
        if (w_idx, excl) not in var.base:
            weighter = WEIGHTERS.get(w_step.method)
            raw, _ = split_explain(weighter.func(fw, x, **weighter.bind(w_step.params)))
            var.base[(w_idx, excl)] = weight_matrix(tree, raw)
        base = var.base[(w_idx, excl)]
        agg_steps, miss_steps = _level_steps(meth, tree, choices, pick)
        w = np.repeat(base, len(members), axis=0)
        for nodes, m in mult:
            for j, node in enumerate(nodes):
                if node in tree.position:
                    w[:, tree.position[node]] *= m[members, j]
        xv = var.arrays.setdefault(excl, x.to_numpy(dtype=float))
        kmax = max((len(g.kids) for g in tree.groups), default=1)
        step = max(1, int(chunk_cells // max(1, len(rows) * kmax)))
        for s0 in range(0, len(members), step):
            sl = slice(s0, s0 + step)
            try:
                out = aggregate_many(tree, xv, w[sl], agg_steps, miss_steps, units=x.index)[tree.root]
            except (DataError, MethodologyError) as exc:
                desc = "; ".join(f"{c.name} = {c.label(pick[c.name])}" for c in choices)
                raise type(exc)(f"replications with {desc or 'the nominal choices'}: {exc.summary}",
                                exc.problems) from None
            scores[members[sl]] = out
    ranks = np.empty((R, len(rows)), dtype=np.int32)
    step = max(1, int(chunk_cells // max(1, len(rows))))
    for s0 in range(0, R, step):
        ranks[s0:s0 + step] = rank_within_years(scores[s0:s0 + step], years)
    t_engine = time.perf_counter() - t1

    # nominal through the same engine: the reference for rank shifts, checked against the pipeline
    tree0 = compile_tree(fw, [c for c in fw.indicators if c not in meth.exclude])
    weighter = WEIGHTERS.get(meth.weights.method)
    x0 = nominal.normalised[list(tree0.indicators)]
    raw0, _ = split_explain(weighter.func(fw, x0, **weighter.bind(meth.weights.params)))
    agg0, miss0 = _level_steps(meth, tree0, [], {})
    nom = aggregate_many(tree0, x0.to_numpy(dtype=float), weight_matrix(tree0, raw0), agg0, miss0,
                         units=x0.index)[tree0.root][0]
    if check_nominal:
        ref = nominal.index.to_numpy(dtype=float)
        if not np.array_equal(nom, ref, equal_nan=True):
            dev = np.nanmax(np.abs(nom - ref), initial=0.0)
            raise IndicatorsError("internal check failed: the batched engine does not reproduce the pipeline's "
                                  f"nominal index bit for bit (max deviation {dev:.3g}); please report")
    nom_ranks = rank_within_years(nom[None, :], years)[0]
    total = time.perf_counter() - t0
    timing = {"nominal_build_s": t_nominal, "data_stage_s": t_data, "data_stage_mode": stage.mode,
              "engine_s": t_engine, "total_s": total, "replications": R,
              "per_replication_s": total / max(R, 1), "engine_per_replication_s": t_engine / max(R, 1),
              "data_variants": len(variants), "groups": len(uniq)}
    return UncertaintyResult(a, rows, pd.Series(nom, index=rows, name="index"),
                             pd.Series(nom_ranks, index=rows, name="rank"), scores if keep_scores else None,
                             ranks, timing)


def _level_steps(meth: Methodology, tree: Tree, choices: Sequence[Choice], pick: Mapping[str, int]):
    agg = {lvl: meth.aggregate_levels.get(lvl, meth.aggregate) for lvl in tree.levels()}
    miss = {lvl: meth.missing_levels.get(lvl, meth.missing) for lvl in tree.levels()}
    for c in choices:
        if c.field not in _LEVEL_FIELDS:
            continue
        target = agg if c.field == "aggregate" else miss
        opt = c.options[pick[c.name]]
        for lvl in (c.levels or tree.levels()):
            if lvl in target:
                target[lvl] = opt
    return agg, miss


def run_uncertainty(
    figures: Any,
    framework: Framework | str | Path,
    methodology: Methodology | Mapping[str, Any] | str | Path | None,
    spec: UncertaintySpec | Mapping[str, Any] | str | Path,
    n: int,
    *,
    design: Design = "montecarlo",
    seed: int | None = 0,
    **kwargs: Any,
) -> UncertaintyResult:
    """Draw the assumptions and evaluate them: the whole analysis in one call.

    See :func:`sample_assumptions` (``n``, ``design``, ``seed``) and :func:`evaluate` (keyword
    arguments such as ``keep_scores``, ``data_stage``, ``districts`` are passed on).
    ``spec`` may be an :class:`UncertaintySpec`, its dict, or a YAML path.

    Examples
    --------
    >>> spec = UncertaintySpec.from_dict({"inputs": [
    ...     {"name": "normalisation", "field": "normalise",
    ...      "options": [{"method": "minmax", "params": {"lower": 1, "upper": 100}},
    ...                  {"method": "zscore", "params": {"mean": 10, "sd": 2}}]},
    ...     {"name": "weights", "noise": 0.25, "levels": [2]},
    ...     {"name": "aggregation", "field": "aggregate", "options": ["arithmetic", "geometric"]}]})
    >>> res = run_uncertainty(figures, fw, meth, spec, 1024, design="sobol")  # doctest: +SKIP
    >>> res.rank_stats().head(); res.sensitivity()                            # doctest: +SKIP
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    if isinstance(spec, Mapping):
        spec = UncertaintySpec.from_dict(spec)
    elif isinstance(spec, str | Path):
        spec = UncertaintySpec.load(spec)
    a = sample_assumptions(spec, fw, methodology, n, design=design, seed=seed)
    return evaluate(figures, fw, a, **kwargs)


def replay(folder: str | Path, figures: Any, framework: Framework | str | Path, **kwargs: Any) -> UncertaintyResult:
    """Re-run a saved analysis from its assumptions (``folder`` as written by ``save``)."""
    return evaluate(figures, framework, load_assumptions(folder), **kwargs)


