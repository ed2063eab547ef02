"""``rolindex uncertainty``: rank uncertainty and Sobol sensitivity from the command line, and replay.

A run draws the assumptions of an uncertainty spec (``data/uncertainty/district_rol.yaml``),
scores every replication with the batched engine (:mod:`indicators.uncertainty`) and saves the
analysis — the assumptions (replayable), ranks, per district-year rank statistics, the per-year
summary and, for a Sobol design, the sensitivity indices — in one folder. ``--replay FOLDER``
re-scores a saved analysis from its assumptions and checks the ranks (and scores, when saved)
against the saved ones bit for bit: the way to reproduce a published uncertainty analysis.

The inputs are read as ``rolindex reproduce`` reads them (:mod:`evaluation.reproduce.inputs`):
submissions, a wide table, or a COINr coin (``--coinr-meta iMeta.csv``, the framework read
from iMeta), so COINr's own uncertainty runs can be replayed from the command line::

    rolindex uncertainty asem_iData.csv --coinr-meta asem_iMeta.csv -m coinr_example \
        --spec data/uncertainty/coinr_example.yaml -n 64 --seed 1 -o reports/asem/uncertainty
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from indicators import load_framework, load_methodology
from indicators.outputs import write_csv
from indicators.submission import validate

from .. import paths
from ..reproduce.inputs import add_input_arguments, inputs_from_args
from .options import add_framework, add_ledger_source, add_methodology, figures_from_args

HELP = ("蒙特卡洛排名区间与排名的 Sobol 敏感性；--replay 重跑已保存的分析并逐位核对 / Monte Carlo rank intervals "
        "and Sobol sensitivity of the ranking; --replay re-runs a saved analysis and checks it bit for bit")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The submissions, ``--framework``, ``--methodology``, the spec, design, seed, ``--replay`` and ``--out``."""
    p.add_argument("files", nargs="*", help="CSV or XLSX submissions, a wide table, or COINr's iData with "
                   "--coinr-meta (or --ledger … --year)")
    p.add_argument("--inputs", "-i", nargs="+", default=[], help="the input file(s), as for rolindex reproduce "
                   "(instead of giving them as arguments)")
    add_framework(p)
    p.set_defaults(framework=None)  # district_rol; with --coinr-meta, built from iMeta
    add_methodology(p)
    add_ledger_source(p, add_year=True)
    add_input_arguments(p, year=False)  # --year is the ledger's, and the year of tables without a year column
    for action in p._actions:
        if action.dest == "year":
            action.help = ("与 --ledger 同用：读取的年度；否则为无年份列的表格（如 COINr iData）的年份 / "
                           "with --ledger: "
                           "the year to read; else the year of tables without a year column (e.g. COINr's iData)")
    p.add_argument("--spec", default=str(paths.DATA / "uncertainty" / "district_rol.yaml"),
                   help="uncertainty spec YAML (default: %(default)s)")
    p.add_argument("-n", "--replications", type=int, default=1024,
                   help="Monte Carlo: replications; Sobol: base sample N, a power of 2 (default: %(default)s)")
    p.add_argument("--design", choices=("sobol", "montecarlo"), default="sobol",
                   help="sobol (Saltelli design: rank intervals and sensitivity indices) or montecarlo")
    p.add_argument("--seed", type=int, default=1, help="seed of the draws (default: %(default)s)")
    p.add_argument("-k", type=int, default=3, help="a rank counts as stable within ±k places (default: 3)")
    p.add_argument("--replay", metavar="FOLDER", help="re-run the analysis saved in FOLDER (its own spec, methodology "
                                                      "and draws; -m, --spec, -n ignored) and compare")
    p.add_argument("--out", "-o", help="folder for the analysis (default: reports/<framework>/uncertainty/...)")


def run(args: argparse.Namespace) -> int:
    """Run (or replay) an uncertainty analysis, save it, print the summary; exit 1 if a replay differs."""
    from indicators.uncertainty import load_uncertainty, replay, run_uncertainty

    fw, sub, kw = _inputs(args)  # errors (bilingual, naming file, row, column) exit 1 through evaluation.cli
    if args.replay:
        saved = load_uncertainty(args.replay)
        res = replay(args.replay, sub, fw, **kw)
        diff = _differences(saved, res)
        verdict = f"DIFFERENT from the saved analysis: {diff}" if diff else "identical ranks and scores, bit for bit"
        print(f"replayed {res.n:,} replications from {args.replay} in {res.timing['total_s']:.2f} s: {verdict}")
        if args.out:
            _save(res, Path(args.out), args.k)
        return 1 if diff else 0
    meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
    res = run_uncertainty(sub, fw, meth, args.spec, args.replications, design=args.design, seed=args.seed, **kw)
    out = Path(args.out) if args.out else (paths.REPORTS / fw.id / "uncertainty"
                                          / f"{Path(args.spec).stem}_{args.design}_{args.replications}_seed{args.seed}")
    print(f"{res.n:,} replications ({args.design}, seed {args.seed}) in {res.timing['total_s']:.2f} s")
    _save(res, out, args.k)
    return 0


def _inputs(args: argparse.Namespace) -> tuple[Any, Any, dict[str, Any]]:
    """The framework, the figures and the engine's keyword arguments (a COINr coin's districts table).

    ``--ledger`` gives submissions; files are read as ``rolindex reproduce`` reads them.
    """
    files = [*args.files, *args.inputs]
    if args.ledger is not None or args.as_of is not None:
        fw = load_framework(paths.resolve(args.framework, paths.FRAMEWORKS) if args.framework
                            else paths.DEFAULT_FRAMEWORK)
        sub = figures_from_args(args)
        validate(sub, fw).raise_if_errors()
        return fw, sub, {}
    if not files:
        from ..ledger.errors import LedgerError

        raise LedgerError("请给出数据文件或 --ledger … --year / give CSV/XLSX files or --ledger … --year")
    inputs = inputs_from_args(args, files, args.framework)
    kw = {"districts": inputs.districts} if inputs.districts is not None else {}
    return inputs.framework, inputs.figures, kw


def _save(res: Any, out: Path, k: int) -> None:
    """Save the analysis and its tables in ``out``; print the per-year summary and the sensitivity."""
    res.save(out)
    summary = res.summary(k=k)
    write_csv(summary, out / "summary.csv", index=True)
    print(f"\n排名稳健性 / rank robustness (within ±{k} places):")
    print(summary.round(3).to_string())
    if res.assumptions.design == "sobol":
        sens = res.sensitivity()
        write_csv(sens, out / "sensitivity.csv", index=True)
        print("\n敏感性 / sensitivity of the mean rank shift (Sobol first-order S1, total ST, 95 % intervals):")
        print(sens.round(3).to_string())
    latest = int(max(res.years))
    stats = res.rank_stats(k, latest).sort_values("interval_width", ascending=False, kind="stable").head(10)
    print(f"\n{latest}: 排名最不确定的区 / widest 5–95 % rank intervals")
    print(stats[["nominal_rank", "median_rank", "q05_rank", "q95_rank", "interval_width"]].to_string())
    print(f"\nwrote {out} (assumptions for --replay, ranks.npz, rank_stats.csv, summary.csv"
          + (", sensitivity.csv" if res.assumptions.design == "sobol" else "") + ")")


def _differences(saved: Any, res: Any) -> str:
    """What a replay does not reproduce of the saved rows, ranks and (when saved) scores; "" if nothing."""
    if not saved.rows.equals(res.rows):
        return f"district-years differ ({len(saved.rows)} saved, {len(res.rows)} now)"
    out = []
    if saved.ranks.shape != res.ranks.shape:
        return f"replications x district-years differ ({saved.ranks.shape} saved, {res.ranks.shape} now)"
    if (bad := int((saved.ranks != res.ranks).sum())):
        out.append(f"{bad:,} of {saved.ranks.size:,} ranks")
    if saved.scores is not None and res.scores is not None:
        same = (saved.scores == res.scores) | (np.isnan(saved.scores) & np.isnan(res.scores))
        if not same.all():
            dev = float(np.nanmax(np.abs(saved.scores - res.scores), initial=0.0))
            out.append(f"{int((~same).sum()):,} scores (max |difference| {dev:.3g})")
    return "; ".join(out)
