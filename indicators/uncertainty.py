"""Uncertainty and sensitivity analysis of an index: Monte Carlo ranks and Sobol indices.

Which methodology choices are uncertain is declared as a plain spec (:class:`UncertaintySpec`, a
list of inputs, YAML-able) over the methodology's public fields — never as paths into objects:

:class:`Choice`
    a methodology field (``impute``, ``treat``, ``normalise``, ``weights``, ``aggregate``,
    ``missing``, ``exclude``) takes one of several options, equally likely; ``aggregate`` and
    ``missing`` options may be limited to some levels. Indicator inclusion is a choice of
    ``exclude`` lists.
:class:`WeightNoise`
    multiplicative noise on the weights of some nodes, ``w · (1 + U(−noise, +noise))`` (COINr's
    ``get_noisy_weights``): fresh noise per replication (``sets: null``; one factor per node,
    grouped into one input for the Sobol analysis), or ``sets: k`` weight sets drawn once, of which
    each replication picks one (COINr's sensitivity vignette, a single discrete factor).

:func:`sample_assumptions` draws the replications (``design="montecarlo"``: independent uniform
draws; ``"sobol"``: Saltelli's design from SALib, ``N (d + 2)`` replications for ``d`` inputs)
and resolves them into an :class:`Assumptions` table (the option index of every choice and the
weight multiplier of every perturbed node, per replication). :func:`evaluate` scores every
replication; :func:`run_uncertainty` does both. Saving an :class:`Assumptions` (spec, nominal
methodology, design, seed and the resolved table, floats written exactly) lets anyone replay the
run bit for bit with :func:`replay`.

Vectorised: the data stages (imputation × treatment × normalisation) are computed once per
combination that occurs, with :func:`~indicators.build_index`; each combination's weights come
from the methodology's weighter on that data. Replications sharing their discrete choices are then
aggregated together by :func:`indicators.tree.aggregate_many` in chunks (arrays of shape
``(replications, rows)``) and ranked by sorting (:func:`indicators.tree.rank_within_years`). One
replication costs a tiny fraction of a pipeline rebuild (``benchmarks/bench_uncertainty.py``).
The engine's aggregation is the pipeline's operation for operation, so a replication whose
choices equal the nominal methodology reproduces the nominal index exactly; every run checks this
on the nominal methodology before it starts.

Imputation, treatment and normalisation act column by column (true of every registered method),
so the indicators that remain after an exclusion keep their values; only the weights (recomputed
by the weighter on the remaining columns) and the tree change.

Outputs (:class:`UncertaintyResult`): per district-year, the nominal rank, median and mean rank,
the 5th–95th percentile interval and the share of replications within ±k of the median
(:meth:`~UncertaintyResult.rank_stats`); per year, the share of districts whose nominal rank lies
within ±k of their median rank and whose 90 % interval lies within median ± k
(:meth:`~UncertaintyResult.summary`); for a Sobol design, first-order and total sensitivity
indices of the mean absolute rank shift against the nominal ranking, with bootstrap confidence
intervals (:meth:`~UncertaintyResult.sensitivity`, SALib's estimators).

References: Saisana, Saltelli & Tarantola (2005), "Uncertainty and sensitivity analysis
techniques as tools for the quality assessment of composite indicators", *JRSS A* 168(2),
307–323, https://doi.org/10.1111/j.1467-985X.2005.00350.x; Saltelli (2002), "Making best use of
model evaluations to compute sensitivity indices", *Computer Physics Communications* 145(2),
280–297, https://doi.org/10.1016/S0010-4655(02)00280-1; Saltelli, Annoni, Azzini, Campolongo,
Ratto & Tarantola (2010), "Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index", *Computer Physics Communications* 181(2), 259–270,
https://doi.org/10.1016/j.cpc.2009.09.018; OECD/JRC (2008), *Handbook on Constructing Composite
Indicators*, §7, https://doi.org/10.1787/9789264043466-en; Herman & Usher (2017), "SALib",
*JOSS* 2(9), 97, https://doi.org/10.21105/joss.00097; COINr ``get_sensitivity()``,
``get_noisy_weights()``, https://doi.org/10.21105/joss.04567.
"""

from __future__ import annotations

import difflib
import io
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .configfile import dump_config
from .errors import DataError, IndicatorsError, MethodologyError
from .framework import Framework, load_framework
from .io import atomic_write_bytes, atomic_write_text, read_yaml
from .methodology import Methodology, Step, as_methodology
from .outputs import write_csv
from .pipeline import build_index
from .tree import Tree, aggregate_many, compile_tree, rank_within_years, weight_matrix
from .weights import WEIGHTERS, split_explain

__all__ = [
    "Assumptions",
    "Choice",
    "UncertaintyResult",
    "UncertaintySpec",
    "WeightNoise",
    "evaluate",
    "load_assumptions",
    "load_uncertainty",
    "replay",
    "run_uncertainty",
    "sample_assumptions",
]

#: Methodology fields a :class:`Choice` can vary.
FIELDS = ("impute", "treat", "normalise", "weights", "aggregate", "missing", "exclude")
_DATA_FIELDS = ("impute", "treat", "normalise")
_LEVEL_FIELDS = ("aggregate", "missing")
Design = Literal["montecarlo", "sobol"]


# ------------------------------------------------------------------------------------------------
# the spec


@dataclass(frozen=True)
class Choice:
    """An uncertain methodology choice: ``field`` takes one of ``options``, equally likely.

    Parameters
    ----------
    name : str
        Label of the input in tables and charts.
    field : str
        One of :data:`FIELDS`.
    options : sequence
        Steps (a method name or ``{method, params}``) for the step fields; lists of indicator
        codes for ``exclude`` (``[]`` = keep every indicator).
    levels : sequence of int, optional
        For ``aggregate`` and ``missing``: the aggregate levels an option applies to (default:
        every level, replacing any per-level setting of the methodology).
    """

    name: str
    field: str
    options: tuple[Any, ...]
    levels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            close = difflib.get_close_matches(str(self.field), FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise MethodologyError(f"input {self.name!r}: unknown field {self.field!r}{hint}; "
                                   f"choose one of {', '.join(FIELDS)}")
        opts = tuple(self.options)
        if not opts:
            raise MethodologyError(f"input {self.name!r}: give at least one option")
        if self.field == "exclude":
            conv = []
            for o in opts:
                if isinstance(o, str) or not isinstance(o, Sequence):
                    raise MethodologyError(f"input {self.name!r}: exclude options are lists of indicator codes, "
                                           f"got {o!r}")
                conv.append(tuple(str(c) for c in o))
            opts = tuple(conv)
        else:
            opts = tuple(Step.from_any(o, f"input {self.name!r} option {i + 1}") for i, o in enumerate(opts))
        object.__setattr__(self, "options", opts)
        lv = tuple(int(v) for v in self.levels)
        if lv and self.field not in _LEVEL_FIELDS:
            raise MethodologyError(f"input {self.name!r}: levels only apply to aggregate and missing choices")
        object.__setattr__(self, "levels", lv)

    @classmethod
    def over_param(cls, name: str, field: str, method: str, param: str, values: Sequence[Any],
                   params: Mapping[str, Any] | None = None) -> Choice:
        """Options that differ in one parameter, e.g. winsorisation limits 1–5."""
        return cls(name, field, tuple(Step(method, {**dict(params or {}), param: v}) for v in values))

    def label(self, i: int) -> str:
        """Short text of option ``i`` for tables."""
        o = self.options[i]
        if self.field == "exclude":
            return "none" if not o else "−" + ",".join(o)
        ps = ", ".join(f"{k}={v}" for k, v in o.params.items())
        return f"{o.method}({ps})" if ps else o.method

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "field": self.field}
        out["options"] = [list(o) if self.field == "exclude" else o.to_dict() for o in self.options]
        if self.levels:
            out["levels"] = list(self.levels)
        return out


@dataclass(frozen=True)
class WeightNoise:
    """Multiplicative noise on weights: ``w · (1 + U(−noise, +noise))``, then rescaled per parent.

    Parameters
    ----------
    name : str
    noise : float
        Half-width of the relative perturbation, in [0, 1) (0.25 = ±25 %).
    levels : sequence of int
        Levels of the perturbed nodes (1 = indicators, 2 = dimensions, ...).
    parents : sequence of str
        Or: perturb the children of these aggregates (both may be given; the union is used).
    sets : int, optional
        ``None``: fresh noise for every replication and node. ``k``: draw ``k`` noisy weight sets
        once; each replication picks one (a single discrete factor, as in COINr).
    """

    name: str
    noise: float
    levels: tuple[int, ...] = ()
    parents: tuple[str, ...] = ()
    sets: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(int(v) for v in self.levels))
        object.__setattr__(self, "parents", tuple(str(p) for p in self.parents))
        if isinstance(self.noise, bool) or not isinstance(self.noise, int | float) or not 0 <= self.noise < 1:
            raise MethodologyError(f"input {self.name!r}: noise must be a number in [0, 1), got {self.noise!r}")
        if not self.levels and not self.parents:
            raise MethodologyError(f"input {self.name!r}: give the levels or parents whose weights are perturbed")
        if self.sets is not None and (isinstance(self.sets, bool) or not isinstance(self.sets, int)
                                      or self.sets < 1):
            raise MethodologyError(f"input {self.name!r}: sets must be a positive integer or null, got {self.sets!r}")

    def nodes(self, framework: Framework) -> list[str]:
        """Perturbed nodes, in framework order."""
        return [c for c, n in framework.nodes.items() if c != framework.root
                and (n.level in self.levels or n.parent in self.parents)]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "noise": self.noise}
        if self.levels:
            out["levels"] = list(self.levels)
        if self.parents:
            out["parents"] = list(self.parents)
        out["sets"] = self.sets
        return out


Input = Choice | WeightNoise


@dataclass(frozen=True)
class UncertaintySpec:
    """The uncertain inputs of an analysis (a plain list; converts to and from a dict / YAML)."""

    inputs: tuple[Input, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        names = [i.name for i in self.inputs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise MethodologyError(f"uncertainty spec: duplicate input names {dup}")
        if not self.inputs:
            raise MethodologyError("uncertainty spec: declare at least one input")

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": [i.to_dict() for i in self.inputs]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UncertaintySpec:
        """Build from ``{"inputs": [...]}``; a choice may give ``method``, ``param``, ``values``
        (and optional ``params``) instead of ``options``."""
        if not isinstance(data, Mapping) or set(data) - {"inputs"} or not isinstance(data.get("inputs"), list):
            raise MethodologyError("uncertainty spec: expected a mapping {inputs: [...]}")
        inputs: list[Input] = []
        problems = []
        for pos, item in enumerate(data["inputs"], start=1):
            try:
                inputs.append(_input_from_dict(item, pos))
            except MethodologyError as exc:
                problems.extend(exc.problems or [exc.summary])
        if problems:
            raise MethodologyError("uncertainty spec is invalid", problems)
        return cls(tuple(inputs))

    def to_yaml(self) -> str:
        return dump_config(self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> UncertaintySpec:
        """Read a YAML spec file."""
        path = Path(path)
        data = read_yaml(path, "uncertainty spec", MethodologyError)
        try:
            return cls.from_dict(data)
        except MethodologyError as exc:
            raise MethodologyError(f"{path.name}: {exc.summary}", exc.problems) from None

    def validate(self, framework: Framework, methodology: Methodology) -> None:
        """Check every option against its registry and the framework; raise listing all problems."""
        problems: list[str] = []
        levels = {n.level for n in framework.nodes.values() if not n.is_indicator}
        seen: dict[tuple[str, int | None], str] = {}
        for inp in self.inputs:  # one choice per field (per level for aggregate and missing)
            if not isinstance(inp, Choice):
                continue
            slots = ([(inp.field, lv) for lv in (inp.levels or sorted(levels))] if inp.field in _LEVEL_FIELDS
                     else [(inp.field, None)])
            clash = next(((seen[s], s) for s in slots if s in seen), None)
            if clash:
                where = f" at level {clash[1][1]}" if clash[1][1] is not None else ""
                problems.append(f"inputs {clash[0]!r} and {inp.name!r} both choose {inp.field}{where}; "
                                "merge their options into one choice")
            seen.update(dict.fromkeys(slots, inp.name))
        for inp in self.inputs:
            where = f"input {inp.name!r}"
            if isinstance(inp, WeightNoise):
                bad = [lv for lv in inp.levels if lv >= framework.max_level or lv < 1]
                if bad:
                    problems.append(f"{where}: no weighted nodes at level(s) {bad}; levels are "
                                    f"1..{framework.max_level - 1}")
                for p in inp.parents:
                    if p not in framework.nodes or framework.nodes[p].is_indicator:
                        problems.append(f"{where}: {p!r} is not an aggregate of {framework.id}")
                continue
            for lv in inp.levels:
                if lv not in levels:
                    problems.append(f"{where}: level {lv} has no aggregates; levels are {sorted(levels)}")
            for i, opt in enumerate(inp.options):
                if inp.field == "exclude":
                    unknown = [c for c in opt if c not in framework.indicators]
                    if unknown:
                        problems.append(f"{where} option {i + 1}: not indicators of {framework.id}: {unknown}")
                    continue
                trial = methodology.replace(**{inp.field: opt})
                try:
                    trial.validate(framework)
                except MethodologyError as exc:
                    problems.extend(f"{where} option {i + 1}: {p}" for p in (exc.problems or [exc.summary]))
        if problems:
            raise MethodologyError("uncertainty spec does not fit the framework and methodology", problems)


def _input_from_dict(item: Any, pos: int) -> Input:
    where = f"inputs[{pos}]"
    if not isinstance(item, Mapping) or "name" not in item:
        raise MethodologyError(f"{where}: each input is a mapping with a name")
    where = f"{where} ({item['name']!r})"
    if "noise" in item:
        allowed = {"name", "noise", "levels", "parents", "sets"}
        extra = sorted(set(item) - allowed)
        if extra:
            raise MethodologyError(f"{where}: unknown key(s) {extra}; a weight-noise input has {sorted(allowed)}")
        return WeightNoise(str(item["name"]), item["noise"], tuple(item.get("levels") or ()),
                           tuple(item.get("parents") or ()), item.get("sets"))
    allowed = {"name", "field", "options", "levels", "method", "param", "values", "params"}
    extra = sorted(set(item) - allowed)
    if extra:
        raise MethodologyError(f"{where}: unknown key(s) {extra}; a choice has {sorted(allowed)} "
                               "(or noise/levels/parents/sets for weight noise)")
    if "field" not in item:
        raise MethodologyError(f"{where}: a choice needs 'field' (one of {', '.join(FIELDS)})")
    if "options" in item:
        if {"method", "param", "values"} & set(item):
            raise MethodologyError(f"{where}: give either 'options' or 'method'/'param'/'values'")
        return Choice(str(item["name"]), str(item["field"]), tuple(item["options"] or ()),
                      tuple(item.get("levels") or ()))
    if not {"method", "param", "values"} <= set(item):
        raise MethodologyError(f"{where}: give 'options', or 'method', 'param' and 'values'")
    ch = Choice.over_param(str(item["name"]), str(item["field"]), str(item["method"]), str(item["param"]),
                           list(item["values"]), item.get("params"))
    return Choice(ch.name, ch.field, ch.options, tuple(item.get("levels") or ()))


# ------------------------------------------------------------------------------------------------
# sampling


@dataclass(frozen=True)
class Assumptions:
    """The resolved sample: one row per replication, everything needed to replay a run.

    Attributes
    ----------
    spec, methodology : the uncertain inputs and the nominal methodology.
    design : ``"montecarlo"`` or ``"sobol"``; ``n_base`` is SALib's N for a Sobol design.
    seed : the seed the sample was drawn with.
    table : DataFrame, one row per replication: for each choice the option index (column = input
        name); for weight noise with ``sets`` the set index; for fresh noise one multiplier
        column per node (``"<input>:<node>"``).
    weight_sets : per weight-noise input with ``sets``: DataFrame (set x node) of multipliers.
    framework : identity (id, version, content hash) of the framework it was drawn for.
    """

    spec: UncertaintySpec
    methodology: Methodology
    design: str
    seed: int | None
    table: pd.DataFrame
    weight_sets: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    n_base: int | None = None
    framework: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.table)

    def multipliers(self, inp: WeightNoise, framework: Framework) -> pd.DataFrame:
        """Per replication, the weight multiplier of each node ``inp`` perturbs."""
        nodes = inp.nodes(framework)
        if inp.sets is None:
            block = self.table[[f"{inp.name}:{c}" for c in nodes]]
            return pd.DataFrame(block.to_numpy(), columns=nodes, index=self.table.index)
        sets = self.weight_sets[inp.name]
        idx = self.table[inp.name].to_numpy()
        return pd.DataFrame(sets[nodes].to_numpy()[idx], columns=nodes, index=self.table.index)

    def methodology_for(self, r: int, framework: Framework) -> Methodology:
        """Replication ``r`` as an ordinary methodology, to rebuild it with the pipeline.

        Noisy weights become ``expert`` overrides (points × multiplier), so this needs a nominal
        methodology with ``expert`` weights when weights are perturbed.

        Raises
        ------
        MethodologyError
            Weight noise on a methodology whose weights are learned from the data.
        """
        meth = self.methodology
        row = self.table.iloc[int(r)]
        changes: dict[str, Any] = {}
        for inp in self.spec.inputs:
            if not isinstance(inp, Choice):
                continue
            opt = inp.options[int(row[inp.name])]
            if inp.field == "exclude":
                changes["exclude"] = tuple(opt)
            elif inp.field in _LEVEL_FIELDS:
                key = f"{inp.field}_levels"
                if inp.levels:
                    levels = dict(changes.get(key, getattr(meth, key)))
                    levels.update({lv: opt for lv in inp.levels})
                    changes[key] = levels
                else:
                    changes[inp.field] = opt
                    changes[key] = {}
            else:
                changes[inp.field] = opt
        noises = [i for i in self.spec.inputs if isinstance(i, WeightNoise)]
        if noises:
            step = changes.get("weights", meth.weights)
            if step.method != "expert":
                raise MethodologyError(f"replication {r}: noisy {step.method!r} weights depend on the data; only "
                                       "expert weights can be written as a methodology")
            points = {c: n.weight for c, n in framework.nodes.items() if c != framework.root}
            points.update(dict(step.params.get("overrides") or {}))
            for inp in noises:
                for node, v in self.multipliers(inp, framework).iloc[int(r)].items():
                    points[node] = points[node] * float(v)
            changes["weights"] = Step("expert", {"overrides": points})
        return meth.replace(name=f"{meth.name} / replication {r}", **changes)

    def labels(self) -> pd.DataFrame:
        """The table with each choice's option written out (for reading, not for replay)."""
        out = pd.DataFrame(index=self.table.index)
        for inp in self.spec.inputs:
            if isinstance(inp, Choice):
                out[inp.name] = [inp.label(int(i)) for i in self.table[inp.name]]
            elif inp.sets is not None:
                out[inp.name] = self.table[inp.name].map(lambda i: f"set {int(i)}")
        return out

    def save(self, folder: str | Path) -> Path:
        """Write ``uncertainty.yaml``, ``assumptions.csv`` and ``weight_sets_<k>.csv`` (exact floats)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": "rolindex-uncertainty-1",
            "design": self.design, "n": self.n, "n_base": self.n_base, "seed": self.seed,
            "framework": dict(self.framework),
            "spec": self.spec.to_dict(),
            "methodology": self.methodology.to_dict(),
            "weight_sets": {k: f"weight_sets_{i}.csv" for i, k in enumerate(self.weight_sets)},
        }
        atomic_write_text(folder / "uncertainty.yaml", dump_config(meta))
        _exact_csv(self.table, folder / "assumptions.csv", index_label="replication")
        for i, (_, df) in enumerate(self.weight_sets.items()):
            _exact_csv(df, folder / f"weight_sets_{i}.csv", index_label="set")
        return folder


def _exact_csv(df: pd.DataFrame, path: Path, index_label: str) -> Path:
    """Floats to the last bit (replayed bit for bit); text neutralised (:mod:`indicators.outputs`)."""
    return write_csv(df, path, index=True, float_format="%.17g", index_label=index_label)


def load_assumptions(folder: str | Path) -> Assumptions:
    """Read what :meth:`Assumptions.save` wrote."""
    folder = Path(folder)
    path = folder / "uncertainty.yaml"
    meta = read_yaml(path, "uncertainty file", MethodologyError)
    if not isinstance(meta, Mapping) or meta.get("format") != "rolindex-uncertainty-1":
        raise MethodologyError(f"{path}: not a rolindex uncertainty file (format rolindex-uncertainty-1)")
    spec = UncertaintySpec.from_dict(meta["spec"])
    table = pd.read_csv(folder / "assumptions.csv", index_col="replication")
    sets = {k: pd.read_csv(folder / f, index_col="set")
            for k, f in (meta.get("weight_sets") or {}).items()}
    if len(table) != meta["n"]:
        raise MethodologyError(f"{folder / 'assumptions.csv'}: {len(table)} replications, "
                               f"uncertainty.yaml says {meta['n']}")
    return Assumptions(spec, Methodology.from_dict(meta["methodology"]), meta["design"], meta["seed"], table,
                       sets, meta.get("n_base"), meta.get("framework") or {})


def _factors(spec: UncertaintySpec, framework: Framework) -> list[tuple[str, str]]:
    """(factor name, input name) for every unit-interval factor of the design."""
    out = []
    for inp in spec.inputs:
        if isinstance(inp, WeightNoise) and inp.sets is None:
            out.extend((f"{inp.name}:{c}", inp.name) for c in inp.nodes(framework))
        else:
            out.append((inp.name, inp.name))
    return out


def _factors_of(a: Assumptions) -> list[tuple[str, str]]:
    """The design's factors as recorded in a sample's table (no framework needed)."""
    out = []
    for inp in a.spec.inputs:
        if isinstance(inp, WeightNoise) and inp.sets is None:
            out.extend((c, inp.name) for c in a.table.columns if c.startswith(inp.name + ":"))
        else:
            out.append((inp.name, inp.name))
    return out


def salib_problem(factors: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The SALib problem: one unit-interval variable per factor, grouped by input."""
    problem: dict[str, Any] = {"num_vars": len(factors), "names": [f for f, _ in factors],
                               "bounds": [[0.0, 1.0]] * len(factors)}
    if any(f != g for f, g in factors):
        problem["groups"] = [g for _, g in factors]
    return problem


def sample_assumptions(
    spec: UncertaintySpec,
    framework: Framework,
    methodology: Methodology | Mapping[str, Any] | str | Path | None,
    n: int,
    *,
    design: Design = "montecarlo",
    seed: int | None = 0,
) -> Assumptions:
    """Draw ``n`` replications (Monte Carlo) or Saltelli's design with base ``n`` (Sobol).

    Parameters
    ----------
    spec : UncertaintySpec
    framework : Framework
    methodology : the nominal methodology (any form :func:`~indicators.build_index` accepts).
    n : int
        Monte Carlo: the number of replications. Sobol: SALib's base sample size ``N`` (a power
        of 2); the design has ``N (d + 2)`` replications for ``d`` inputs.
    design : {"montecarlo", "sobol"}
    seed : int, optional
        Seed of the uniform draws, the scrambled Sobol' sequence and the weight sets.

    Returns
    -------
    Assumptions

    Raises
    ------
    MethodologyError
        An invalid spec, ``n`` not positive (or not a power of 2 for Sobol), a Sobol design with
        fewer than two inputs, or an unknown design.

    References
    ----------
    Saltelli (2002), https://doi.org/10.1016/S0010-4655(02)00280-1; Saltelli et al. (2010),
    https://doi.org/10.1016/j.cpc.2009.09.018; SALib ``sample.sobol``.
    """
    meth = as_methodology(methodology)
    meth.validate(framework)
    spec.validate(framework, meth)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise MethodologyError(f"n must be a positive integer, got {n!r}")
    factors = _factors(spec, framework)
    if design == "montecarlo":
        u = np.random.default_rng(seed).random((int(n), len(factors)))
        n_base = None
    elif design == "sobol":
        if len(spec.inputs) < 2:
            raise MethodologyError("a Sobol design needs at least two inputs (use design='montecarlo' for one)")
        if n & (n - 1):
            lo = 1 << (int(n).bit_length() - 1)
            raise MethodologyError(f"Sobol design: n = {n} is not a power of 2 (the Sobol' sequence's "
                                   f"balance needs one); try {lo} or {2 * lo}")
        from SALib.sample import sobol as sobol_sample

        u = sobol_sample.sample(salib_problem(factors), int(n), calc_second_order=False, seed=seed)
        n_base = int(n)
    else:
        raise MethodologyError(f"unknown design {design!r}; choose 'montecarlo' or 'sobol'")
    cols: dict[str, np.ndarray] = {}
    sets: dict[str, pd.DataFrame] = {}
    j = 0
    for pos, inp in enumerate(spec.inputs):
        if isinstance(inp, Choice):
            cols[inp.name] = _to_index(u[:, j], len(inp.options))
            j += 1
        elif inp.sets is not None:
            nodes = inp.nodes(framework)
            rng = np.random.default_rng([0 if seed is None else int(seed), pos])
            draws = 1.0 + inp.noise * (2.0 * rng.random((inp.sets, len(nodes))) - 1.0)
            sets[inp.name] = pd.DataFrame(draws, columns=nodes, index=pd.RangeIndex(inp.sets, name="set"))
            cols[inp.name] = _to_index(u[:, j], inp.sets)
            j += 1
        else:
            for c in inp.nodes(framework):
                cols[f"{inp.name}:{c}"] = 1.0 + inp.noise * (2.0 * u[:, j] - 1.0)
                j += 1
    table = pd.DataFrame(cols, index=pd.RangeIndex(len(u), name="replication"))
    return Assumptions(spec, meth, design, seed, table, sets, n_base, framework.identity)


def _to_index(u: np.ndarray, k: int) -> np.ndarray:
    return np.minimum((u * k).astype(np.int64), k - 1)


# ------------------------------------------------------------------------------------------------
# evaluation


@dataclass(frozen=True)
class UncertaintyResult:
    """Scores and ranks of every replication, with the nominal ones and the assumptions.

    Attributes
    ----------
    assumptions : Assumptions
    rows : MultiIndex (district, year) of the columns of ``scores`` and ``ranks``.
    nominal_scores, nominal_ranks : Series over ``rows`` (ranks 0 = not ranked).
    scores : ndarray (replications, rows) of index scores, or None if not kept.
    ranks : ndarray of int32 (replications, rows), within each year (1 = best, 0 = missing).
    timing : seconds for the data stage, the aggregation and ranking, and per replication.
    """

    assumptions: Assumptions
    rows: pd.MultiIndex
    nominal_scores: pd.Series
    nominal_ranks: pd.Series
    scores: np.ndarray | None
    ranks: np.ndarray
    timing: Mapping[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.ranks.shape[0]

    @property
    def years(self) -> np.ndarray:
        return self.rows.get_level_values("year").to_numpy()

    def rank_shift(self, year: int | None = None) -> np.ndarray:
        """Per replication: mean absolute rank shift against the nominal ranking.

        Averaged over the district-years ranked both nominally and in the replication (of one
        ``year`` if given). The output of the Sobol analysis (as in COINr).
        """
        cols = self._cols(year)
        r = self.ranks[:, cols].astype(np.float64)
        nom = self.nominal_ranks.to_numpy()[cols].astype(np.float64)
        ok = (r > 0) & (nom > 0)[None, :]
        diff = np.where(ok, np.abs(r - nom[None, :]), 0.0)
        return diff.sum(axis=1) / np.maximum(ok.sum(axis=1), 1)

    def _cols(self, year: int | None) -> np.ndarray:
        if year is None:
            return np.arange(len(self.rows))
        cols = np.flatnonzero(self.years == year)
        if not len(cols):
            raise DataError(f"no rows for year {year}; years are {sorted(set(self.years))}")
        return cols

    def rank_stats(self, k: int = 3, year: int | None = None) -> pd.DataFrame:
        """Per district-year: nominal rank, median, mean, 5th/95th percentile, share within ±k.

        Percentiles interpolate linearly (R's type 7, as COINr). ``within_k`` is the share of
        replications whose rank is within ``k`` places of the district's median rank. With scores
        kept, the nominal score and the 5th/50th/95th percentiles of the score are added.
        """
        cols = self._cols(year)
        r = self.ranks[:, cols].astype(np.float64)
        r[r == 0] = np.nan
        complete = ~np.isnan(r).any(axis=0)
        q = np.full((3, len(cols)), np.nan)
        mean = np.full(len(cols), np.nan)
        if complete.any():
            q[:, complete] = np.percentile(r[:, complete], [5, 50, 95], axis=0)
            mean[complete] = r[:, complete].mean(axis=0)
        part = ~complete & ~np.isnan(r).all(axis=0)
        if part.any():
            q[:, part] = np.nanpercentile(r[:, part], [5, 50, 95], axis=0)
            mean[part] = np.nanmean(r[:, part], axis=0)
        n_ranked = (~np.isnan(r)).sum(axis=0)
        within = (np.abs(r - q[1][None, :]) <= k).sum(axis=0) / np.maximum(n_ranked, 1)
        nom = self.nominal_ranks.to_numpy()[cols]
        out = pd.DataFrame({
            "nominal_rank": pd.array(np.where(nom > 0, nom, pd.NA), dtype="Int64"),
            "median_rank": q[1], "mean_rank": mean, "q05_rank": q[0], "q95_rank": q[2],
            "interval_width": q[2] - q[0], f"within_{k}": np.where(n_ranked > 0, within, np.nan),
            "n_ranked": n_ranked,
        }, index=self.rows[cols])
        if self.scores is not None:
            s = self.scores[:, cols]
            sq = np.full((3, len(cols)), np.nan)
            ok = ~np.isnan(s).all(axis=0)
            if ok.any():
                sq[:, ok] = np.nanpercentile(s[:, ok], [5, 50, 95], axis=0)
            out["nominal_score"] = self.nominal_scores.to_numpy()[cols]
            out["q05_score"], out["median_score"], out["q95_score"] = sq
        return out

    def summary(self, k: int = 3) -> pd.DataFrame:
        """Per year: how stable the ranking is.

        ``share_nominal_within_k``: districts whose nominal rank is within ±k of their median
        rank; ``share_interval_within_k``: districts whose 5–95 % rank interval lies within
        median ± k; ``mean_interval_width``, ``max_interval_width``; ``mean_rank_shift``: the
        mean over replications of :meth:`rank_shift` for the year.
        """
        rows = []
        for year in sorted(set(self.years)):
            st = self.rank_stats(k, year)
            st = st[st["nominal_rank"].notna() & st["median_rank"].notna()]
            if st.empty:
                continue
            near = (st["nominal_rank"].astype(float) - st["median_rank"]).abs() <= k
            tight = (st["q05_rank"] >= st["median_rank"] - k) & (st["q95_rank"] <= st["median_rank"] + k)
            rows.append({"year": int(year), "n_districts": len(st), f"share_nominal_within_{k}": float(near.mean()),
                         f"share_interval_within_{k}": float(tight.mean()),
                         "mean_interval_width": float(st["interval_width"].mean()),
                         "max_interval_width": float(st["interval_width"].max()),
                         "mean_rank_shift": float(self.rank_shift(int(year)).mean())})
        return pd.DataFrame(rows).set_index("year")

    def sensitivity(
        self,
        *,
        year: int | None = None,
        output: np.ndarray | None = None,
        n_boot: int = 1000,
        conf_level: float = 0.95,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """First-order and total Sobol indices per input, with bootstrap confidence intervals.

        The output is :meth:`rank_shift` (of one ``year`` if given) unless ``output`` gives one
        value per replication (e.g. one district's rank). SALib's estimators (Saltelli 2010 for
        first order, Jansen for total; ``analyze.sobol``); ``*_conf`` are half-widths of the
        bootstrap confidence interval at ``conf_level`` (``n_boot`` resamples, drawn with ``seed``
        so the table is reproducible).

        Raises
        ------
        MethodologyError
            The run is not a Sobol design.
        DataError
            The output does not vary across replications.

        References
        ----------
        Saltelli et al. (2010), https://doi.org/10.1016/j.cpc.2009.09.018; Jansen (1999),
        *Computer Physics Communications* 117, 35–43, https://doi.org/10.1016/S0010-4655(98)00154-4.
        """
        a = self.assumptions
        if a.design != "sobol":
            raise MethodologyError("sensitivity indices need a Sobol design (run with design='sobol')")
        y = self.rank_shift(year) if output is None else np.asarray(output, dtype=float)
        if y.shape != (self.n,):
            raise DataError(f"output must have one value per replication ({self.n}), got shape {y.shape}")
        if not np.isfinite(y).all():
            raise DataError("output has missing or infinite values")
        if np.ptp(y) == 0:
            raise DataError("the output does not vary across replications; every input has zero sensitivity "
                            "(are all inputs fixed?)")
        from SALib.analyze import sobol as sobol_analyze

        # SALib treats seed 0 as "no seed" (``if seed:``); map it to another fixed seed
        salib_seed = None if seed is None else (seed if seed else 2**31 - 1)
        si = sobol_analyze.analyze(salib_problem(_factors_of(a)), y, calc_second_order=False, num_resamples=n_boot,
                                   conf_level=conf_level, seed=salib_seed)
        return pd.DataFrame({"S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]},
                            index=pd.Index(a.spec.names, name="input"))

    def save(self, folder: str | Path) -> Path:
        """Assumptions (replayable) plus ``ranks.npz`` (ranks, scores, nominal, rows) and ``rank_stats.csv``."""
        folder = self.assumptions.save(folder)
        buf = io.BytesIO()
        arrays = {"ranks": self.ranks, "nominal_ranks": self.nominal_ranks.to_numpy(dtype=np.int32),
                  "nominal_scores": self.nominal_scores.to_numpy(dtype=float),
                  "districts": np.asarray(self.rows.get_level_values("district"), dtype=str),
                  "years": self.years.astype(np.int64)}
        if self.scores is not None:
            arrays["scores"] = self.scores
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(folder / "ranks.npz", buf.getvalue())
        write_csv(self.rank_stats(), folder / "rank_stats.csv", index=True)
        atomic_write_text(folder / "timing.json", json.dumps(dict(self.timing), indent=2) + "\n")
        return folder


def load_uncertainty(folder: str | Path) -> UncertaintyResult:
    """Read what :meth:`UncertaintyResult.save` wrote (no recomputation)."""
    folder = Path(folder)
    a = load_assumptions(folder)
    with np.load(folder / "ranks.npz", allow_pickle=False) as z:
        rows = pd.MultiIndex.from_arrays([z["districts"].astype(object), z["years"]], names=["district", "year"])
        scores = z["scores"] if "scores" in z.files else None
        res = UncertaintyResult(a, rows, pd.Series(z["nominal_scores"], index=rows, name="index"),
                                pd.Series(z["nominal_ranks"], index=rows, name="rank"), scores, z["ranks"])
    timing_path = folder / "timing.json"
    timing = json.loads(timing_path.read_text()) if timing_path.exists() else {}
    return UncertaintyResult(res.assumptions, res.rows, res.nominal_scores, res.nominal_ranks, res.scores,
                             res.ranks, timing)


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
        unknown = set(meth.to_dict()) - _KNOWN_KEYS
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
            from .impute import ImputeContext

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
        from .impute import IMPUTERS
        from .normalise import normalise_all
        from .treat_step import TREATMENTS

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
                out = aggregate_many(tree, xv, w[sl], agg_steps, miss_steps)[tree.root]
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
    nom = aggregate_many(tree0, x0.to_numpy(dtype=float), weight_matrix(tree0, raw0), agg0, miss0)[tree0.root][0]
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

