"""Benchmark: uncertainty analysis — COINr's ASEM sensitivity design, and 2,850 districts.

Part 1, COINr's ASEM example (51 units, 49 indicators, indicator -> pillar -> sub-index -> index),
read with ``indicators.coinr.read_coinr`` and built with ``data/methodologies/coinr_example.yaml``
(COINr's ``build_example_coin()``: denominate, group-mean imputation, screen, winsorise, min-max,
arithmetic mean; pipeline (a) of ``../shared/data/coinr-asem/README.md``, checked against COINr's
own imputed data and index here), with the design of COINr's sensitivity vignette — 4 inputs:

- winsorisation limit ``winmax`` 1–5 (COINr default treatment);
- normalisation min-max onto [1, 100] vs z-score (mean 10, sd 2);
- 100 noisy weight sets, ±25 % at levels 2 and 3 (pillars, sub-indexes);
- arithmetic vs geometric mean at every level.

Run at N = 1,000 and 10,000 Monte Carlo replications (and a Sobol design). COINr needs ~0.11 s
per replication on this machine (N = 1,000 in 110 s, measured with COINr 1.1.14). The naive way
in this project — a full ``build_index`` per replication with the replication's methodology — is
timed in the same run on a few replications, and its scores must equal the engine's bit for bit.

Part 2, the district framework (28 indicators, 6 dimensions) on 2,850 synthetic districts (one
year): 10,000 replications with fresh ±25 % weight noise on every indicator and dimension weight,
two normalisations, two imputations and two aggregations (target: under 60 s), again against a
full rebuild per replication measured on a few.

Each ASEM design runs ``--repeats`` times (default 7) and the median is reported, with the spread
(the first run, which also pays one-off imports, is one of the seven).

Run: ``.venv/bin/python benchmarks/bench_uncertainty.py [--naive 20] [--repeats 7] [--skip-districts]``
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import paths
from indicators import Methodology, Step, build_index, load_framework, load_methodology
from indicators.coinr import read_coinr
from indicators.errors import ConstantIndicatorWarning
from indicators.framework import Framework
from indicators.synthetic import generate_scale
from indicators.uncertainty import Assumptions, Choice, UncertaintySpec, WeightNoise, evaluate, sample_assumptions

ASEM = paths.ROOT.parent / "shared" / "data" / "coinr-asem"
COINR_S_PER_REP = 0.11  # COINr 1.1.14, this machine: get_sensitivity N = 1,000 in 110 s

# --------------------------------------------------------------------------------------------
# ASEM: COINr's example coin, pipeline (a)


def load_asem(folder: Path = ASEM) -> tuple[Framework, pd.DataFrame, pd.DataFrame, Methodology]:
    """The ASEM coin (COINr's iData/iMeta via ``indicators.coinr``) and COINr's example methodology."""
    coin = read_coinr(folder / "asem_iData.csv", folder / "asem_iMeta.csv")
    meth = load_methodology(paths.METHODOLOGIES / "coinr_example.yaml")
    return coin.framework, coin.figures, coin.districts, meth


def asem_checks(fw: Framework, figures: pd.DataFrame, districts: pd.DataFrame, meth: Methodology) -> str:
    """Our pipeline (a) against COINr's own outputs."""
    res = build_index(figures, fw, meth, districts=districts)
    golden = pd.read_csv(ASEM / "a_example_imputed.csv").set_index("uCode")
    ours = res.imputed.droplevel("year")[golden.columns].loc[golden.index]
    d_imp = float(np.nanmax(np.abs(ours.to_numpy() - golden.to_numpy())))
    agg = pd.read_csv(ASEM / "a_example_aggregated.csv").set_index("uCode")["Index"]
    d_idx = float(np.max(np.abs(res.index.droplevel("year").loc[agg.index].to_numpy() - agg.to_numpy())))
    return f"pipeline (a) vs COINr: imputed data max |diff| {d_imp:.1e}; index max |diff| {d_idx:.1e}"


def coinr_vignette_spec() -> UncertaintySpec:
    """COINr's sensitivity vignette (4 inputs)."""
    return UncertaintySpec((
        Choice.over_param("winsorisation", "treat", "winsorise", "winmax", [1, 2, 3, 4, 5]),
        Choice("normalisation", "normalise", (Step("minmax", {"lower": 1, "upper": 100}),
                                              Step("zscore", {"mean": 10, "sd": 2}))),
        WeightNoise("weights", 0.25, levels=(2, 3), sets=100),
        Choice("aggregation", "aggregate", ("arithmetic", "geometric")),
    ))


# --------------------------------------------------------------------------------------------
# the naive way: one full pipeline build per replication


def naive(wide: pd.DataFrame, fw: Framework, a: Assumptions, n: int, districts: pd.DataFrame | None
          ) -> tuple[float, np.ndarray]:
    """Seconds per replication of a full rebuild, and the first ``n`` replications' index."""
    out = []
    t0 = time.perf_counter()
    for r in range(n):
        out.append(build_index(wide, fw, a.methodology_for(r, fw), districts=districts).index.to_numpy())
    return (time.perf_counter() - t0) / n, np.vstack(out)


def run(label: str, wide: pd.DataFrame, fw: Framework, a: Assumptions, n_naive: int,
        districts: pd.DataFrame | None = None, repeats: int = 1):
    """Time ``evaluate`` (the median of ``repeats`` runs, all printed) and compare with COINr and naive."""
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = evaluate(wide, fw, a, keep_scores=True, districts=districts)
        runs.append((time.perf_counter() - t0, res))
    runs.sort(key=lambda r: r[0])
    wall, res = runs[len(runs) // 2]
    per = wall / a.n
    spread = (f" (median of {repeats} runs; min {runs[0][0]:.3f} s, max {runs[-1][0]:.3f} s)"
              if repeats > 1 else "")
    line = (f"{label}: {a.n:>6,} replications in {wall:6.3f} s = {per * 1e3:7.3f} ms/replication{spread}\n"
            f"    stages: reference build {res.timing['nominal_build_s']:.3f} s, data stage "
            f"{res.timing['data_stage_s']:.3f} s for {res.timing['data_variants']} variants, aggregation+ranking "
            f"{res.timing['engine_s']:.3f} s")
    print(line)
    if fw.id == "asem":
        marginal = res.timing["engine_s"] / a.n
        print(f"    vs COINr {COINR_S_PER_REP} s/replication: {COINR_S_PER_REP / per:,.0f}x faster "
              f"(target >= 1,000x: {'met' if COINR_S_PER_REP / per >= 1000 else 'NOT met'}; "
              f"marginal cost of a replication {marginal * 1e3:.4f} ms: {COINR_S_PER_REP / marginal:,.0f}x)")
    if n_naive:
        per_naive, idx = naive(wide, fw, a, n_naive, districts)
        same = np.array_equal(idx, res.scores[:n_naive], equal_nan=True)
        diff = float(np.nanmax(np.abs(idx - res.scores[:n_naive])))
        print(f"    vs naive full build_index per replication ({per_naive * 1e3:.1f} ms, measured on {n_naive}): "
              f"{per_naive / per:,.0f}x faster; identical scores: {same} (max |diff| {diff:.1e})")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--naive", type=int, default=20, help="replications rebuilt the naive way (0 = skip)")
    ap.add_argument("--repeats", type=int, default=7, help="runs of each ASEM design; the median is reported")
    ap.add_argument("--districts", type=int, default=2850)
    ap.add_argument("--skip-districts", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore", ConstantIndicatorWarning)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")

    fw, wide, districts, nominal = load_asem()
    print(f"\nASEM: {wide.shape[0]} units x {len(fw.indicators)} indicators; "
          f"{asem_checks(fw, wide, districts, nominal)}")
    spec = coinr_vignette_spec()
    for n in (1_000, 10_000):
        a = sample_assumptions(spec, fw, nominal, n, design="montecarlo", seed=1)
        run(f"ASEM Monte Carlo N={n:,}", wide, fw, a, args.naive if n == 1_000 else 0, districts, args.repeats)
    a = sample_assumptions(spec, fw, nominal, 2048, design="sobol", seed=1)
    res = run("ASEM Sobol N=2,048 (x6)", wide, fw, a, 0, districts, args.repeats)
    print(res.sensitivity(n_boot=500).round(3).to_string())
    print(res.summary(k=3).round(3).to_string())

    if args.skip_districts:
        return
    dfw = load_framework(paths.DEFAULT_FRAMEWORK)
    long = generate_scale(args.districts, 1, seed=7)
    dwide = long.pivot_table(index=["district", "year"], columns="figure", values="value", observed=True)
    meth = load_methodology(paths.DEFAULT_METHODOLOGY)
    dspec = UncertaintySpec((
        Choice("normalisation", "normalise", (Step("goalposts", {"clip": True}),
                                              Step("minmax", {"lower": 1, "upper": 100}))),
        Choice("imputation", "impute", ("none", "mean")),
        WeightNoise("weights", 0.25, levels=(1, 2)),
        # goalposts with clipping give zero scores: the geometric mean scores such units 0 (zeros: zero)
        Choice("aggregation", "aggregate", ("arithmetic", Step("geometric", {"zeros": "zero"}))),
    ))
    print(f"\ndistricts: {args.districts:,} synthetic districts x 1 year, district framework "
          f"({len(dfw.indicators)} indicators); fresh noise on {len(dspec.inputs[2].nodes(dfw))} weights")
    a = sample_assumptions(dspec, dfw, meth, 10_000, design="montecarlo", seed=1)
    res = run("districts Monte Carlo N=10,000", dwide, dfw, a, min(args.naive, 5))
    print(f"    target 10,000 replications < 60 s: {'met' if res.timing['total_s'] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
