"""Benchmark: score 2,850 districts × 10 years with the district framework, end to end.

Vectorised path: ``Submission.from_frame`` → ``validate`` → ``build_index`` (derive → normalise →
aggregate → rank). Naive path, measured in the same run: a straightforward per-district-year
Python loop doing the same arithmetic (dict lookups, one formula at a time, per-row goalposts and
weighted means, then a sort per year). Both must agree on every index value (checked below).

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--districts 2850 --years 10 --naive-share 0.1]``
"""

from __future__ import annotations

import argparse
import ast
import math
import time

import numpy as np
import pandas as pd

from evaluation import paths
from indicators import build_index, load_framework, load_methodology
from indicators.submission import Submission, validate
from indicators.synthetic import generate_scale


def _eval_float(node: ast.AST, figs: dict[str, float]) -> float:
    """Evaluate a parsed framework formula on plain floats (the naive way: one value at a time)."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return figs.get(node.id, math.nan)
    if isinstance(node, ast.UnaryOp):
        return -_eval_float(node.operand, figs)
    if isinstance(node, ast.BinOp):
        a, b = _eval_float(node.left, figs), _eval_float(node.right, figs)
        if isinstance(node.op, ast.Div):
            return math.nan if b == 0 or math.isnan(b) else a / b
        return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)]
    args = [_eval_float(a, figs) for a in node.args]
    name = node.func.id
    if name == "per10k":
        pop = figs.get("population", math.nan)
        return args[0] / pop * 10_000 if pop > 0 else math.nan
    if name == "coalesce":
        return next((a for a in args if not math.isnan(a)), math.nan)
    return {"sum": sum, "min": min, "max": max}[name](args)


def naive_scores(long: pd.DataFrame, fw, meth) -> dict[tuple[str, int], float]:
    """Per district-year loop: derive, goalposts, weighted means, in plain Python."""
    bounds = {}
    base_year = meth.normalise.params.get("base_year")
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for rec in long.itertuples(index=False):
        rows.setdefault((rec.district, int(rec.year)), {})[rec.figure] = float(rec.value)
    derived: dict[tuple[str, int], dict[str, float]] = {}
    for key, figs in rows.items():  # validation, the naive way: range and part <= whole per value
        for fid, v in figs.items():
            spec = fw.figures.get(fid)
            if spec is None or (spec.lower is not None and v < spec.lower) or (
                spec.upper is not None and v > spec.upper
            ):
                raise SystemExit(f"naive validation: {key} {fid}={v} invalid")
        for part, whole in fw.checks:
            if part in figs and whole in figs and figs[part] > figs[whole]:
                raise SystemExit(f"naive validation: {key} {part} > {whole}")
    for key, figs in rows.items():
        out = {}
        for code in fw.indicators:
            node = fw.nodes[code]
            v = _eval_float(node.formula.tree, figs)
            if math.isnan(v) and node.reported and node.reported in figs:
                v = figs[node.reported]
            out[code] = v
        derived[key] = out
    for code in fw.indicators:
        node = fw.nodes[code]
        if node.goalposts:
            bounds[code] = node.goalposts
        else:
            base = [d[code] for (_, y), d in derived.items() if y == base_year and not math.isnan(d[code])]
            bounds[code] = (min(base), max(base)) if base else None
    min_cov = meth.missing.params.get("min_coverage", 0.0)
    index = {}
    for key, vals in derived.items():
        node_scores: dict[str, float] = {}
        for code in fw.indicators:
            b, v, node = bounds[code], vals[code], fw.nodes[code]
            if b is None or math.isnan(v):
                node_scores[code] = math.nan
                continue
            s = (v - b[0]) / (b[1] - b[0])
            s = 1 - s if node.direction < 0 else s
            node_scores[code] = 100 * min(1.0, max(0.0, s))
        for parent in fw.aggregates:
            kids = fw.children(parent)
            num = den = 0.0
            present = 0
            for k in kids:
                if not math.isnan(node_scores[k]):
                    num += fw.nodes[k].weight * node_scores[k]
                    den += fw.nodes[k].weight
                    present += 1
            ok = present > 0 and present / len(kids) >= min_cov - 1e-12
            node_scores[parent] = num / den if ok and den > 0 else math.nan
        index[key] = node_scores[fw.root]
    by_year: dict[int, list] = {}
    for (d, y), v in index.items():
        by_year.setdefault(y, []).append((v, d))
    for y in by_year:  # rank: sort each year, ties share the best rank
        ordered = sorted((t for t in by_year[y] if not math.isnan(t[0])), key=lambda t: -t[0])
        prev, rank = None, 0
        for i, (v, _d) in enumerate(ordered, start=1):
            rank = rank if v == prev else i
            prev = v
    return index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=2850)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--naive-share", type=float, default=0.2,
                    help="share of districts the naive loop scores (its time is scaled up linearly)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    fw = load_framework(paths.DEFAULT_FRAMEWORK)
    meth = load_methodology(paths.DEFAULT_METHODOLOGY)
    t0 = time.perf_counter()
    long = generate_scale(args.districts, args.years, seed=7)
    t_gen = time.perf_counter() - t0
    meth = meth.replace(normalise={"method": "goalposts",
                                   "params": {**meth.normalise.params, "base_year": int(long["year"].min())}})
    print(f"data: {args.districts} districts x {args.years} years = {len(long):,} figure rows "
          f"(generated in {t_gen:.2f} s)")

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        sub = Submission.from_frame(long)
        report = validate(sub, fw)
        report.raise_if_errors()
        result = build_index(sub, fw, meth, validate=False)
        times.append(time.perf_counter() - t0)
    t_vec = min(times)

    n_naive = max(1, int(args.districts * args.naive_share))
    keep = sorted(long["district"].unique())[:n_naive]
    sub_long = long[long["district"].isin(keep)]
    t0 = time.perf_counter()
    naive = naive_scores(sub_long, fw, meth)
    t_naive_part = time.perf_counter() - t0
    t_naive = t_naive_part * args.districts / n_naive

    # Correctness: the naive loop (goalposts frozen on its subset) must match a vectorised run
    # on the same subset.
    check = build_index(Submission.from_frame(sub_long), fw, meth, validate=False)
    diffs = [abs(check.index[k] - v) for k, v in naive.items()
             if not (math.isnan(v) and math.isnan(check.index[k]))]
    max_diff = max(diffs) if diffs else float("nan")

    rows = len(result.index)
    print(f"vectorised (validate+derive+normalise+aggregate+rank): best of {args.repeat}: "
          f"{t_vec:.3f} s for {rows:,} district-years ({rows / t_vec:,.0f} rows/s)")
    print(f"naive per-district loop: {t_naive_part:.2f} s for {n_naive} districts "
          f"-> {t_naive:.1f} s scaled to {args.districts}")
    print(f"speed-up: {t_naive / t_vec:.0f}x; naive vs vectorised max |index diff| = {max_diff:.2e}")
    print(f"target < 1 s: {'met' if t_vec < 1 else 'NOT met'}")
    if not max_diff < 1e-9:
        raise SystemExit("naive and vectorised results disagree")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
