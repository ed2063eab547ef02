"""Sampling the uncertain inputs: Monte Carlo or Saltelli (SALib) designs resolved into an
:class:`Assumptions` table (option index of every choice, weight multiplier of every node per replication).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..configfile import dump_config
from ..errors import MethodologyError
from ..framework import Framework
from ..io import atomic_write_text, read_yaml
from ..methodology import Methodology, Step, as_methodology
from ..outputs import write_csv
from .spec import (
    _LEVEL_FIELDS,
    Choice,
    Design,
    UncertaintySpec,
    WeightNoise,
)


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

