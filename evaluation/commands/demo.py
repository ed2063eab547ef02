"""``rolindex demo``: the main job on the shipped sample data — scores and every district report."""

from __future__ import annotations

import argparse

from indicators import build_index, load_framework, load_methodology

from .. import paths
from . import rollup_options
from .options import add_methodology
from .score import score_files

HELP = ("在示例数据上完整运行：得分与各区报告 / "
        "the main job on the shipped sample data: scores and every district report")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--methodology`` and ``--workers``."""
    add_methodology(p)
    p.add_argument("--workers", "-j", type=int, help="worker processes for the reports (default: the cores)")
    p.add_argument("--no-cycle", action="store_true",
                   help="不演示年度流程 / skip the assessment cycle (forms, intake, editions) of the synthetic "
                        "districts")


_DEMO_TITLES = {
    "seed_districts": "真实数据摘录：静安区、光明区 / Seed districts: Jing'an, Guangming (real figures)",
    "synthetic_panel": "合成面板：16 个虚构区 / Synthetic panel: 16 fictional districts (synthetic data)",
}


def run(args: argparse.Namespace) -> int:
    """The main job on the shipped samples: validate, score, print the rankings, then every report.

    For each sample (seed-derived districts, synthetic panel) and every year in it, the district
    reports, index page and score table go to ``reports/<sample>/<framework>/<year>/``, and
    ``reports/index.html`` links every year's index page. The synthetic panel's reports also show
    the rank uncertainty under ``data/uncertainty/district_rol.yaml`` (a Sobol design). The
    judicial-office sample is scored and rolled up to its districts (CSV under
    ``reports/judicial_office_std/``). Then, unless ``--no-cycle``, the assessment cycle on the
    synthetic districts (:mod:`evaluation.cycle_demo`) in ``reports/cycle/``.
    """
    import contextlib

    from ..batch.engine import default_workers
    from ..report.run import run_reports, shared_local_cluster, write_landing_page
    from ..report.store import load_result

    status = 0
    sections = []
    scheduler = None
    with contextlib.ExitStack() as stack:
        for name, path in paths.SAMPLE_SUBMISSIONS.items():
            out = paths.REPORTS / "district_rol" / f"scores_{name}.csv"
            print(f"\n=== {name}: {path.relative_to(paths.ROOT)} ===")
            scored = score_files([str(path)], str(paths.DEFAULT_FRAMEWORK), args.methodology, out, None, name)
            status |= scored
            if scored:
                continue
            meth = load_methodology(paths.resolve(args.methodology, paths.METHODOLOGIES))
            years = load_result(path, paths.DEFAULT_FRAMEWORK, meth).years
            print(f"\n--- {name}: district reports for {', '.join(map(str, years))} ---", flush=True)
            if scheduler is None and args.workers != 0:  # one local cluster of warm kernels for all
                scheduler = stack.enter_context(shared_local_cluster(args.workers or default_workers()))
            # rank uncertainty for the panel (16 districts a year); the seed districts are too few to rank
            spec = paths.DATA / "uncertainty" / "district_rol.yaml" if name == "synthetic_panel" else None
            outcomes = run_reports(years, path, paths.DEFAULT_FRAMEWORK, meth, out=paths.REPORTS / name,
                                   workers=args.workers, scheduler=scheduler, uncertainty=spec)
            for o in outcomes:
                print(o.summary())
                status |= o.exit_code
            sections.append((f"{_DEMO_TITLES.get(name, name)} — {path.name}", outcomes))
        if not args.no_cycle:  # forms out, intake, publish v1, a correction, v2 (reports/cycle/)
            from ..cycle_demo import run_cycle

            status |= run_cycle(paths.REPORTS / "cycle", workers=args.workers, scheduler=scheduler)
    status |= _demo_offices()
    if sections:
        landing = write_landing_page(sections, paths.REPORTS / "index.html")
        print("\nOpen in a browser:")
        print(f"  {landing}   (every data set and year)")
        for _, outcomes in sections:
            latest = max(outcomes, key=lambda o: o.year)
            print(f"  {latest.index_page}   ({latest.framework} {latest.year}, {len(latest.reports)} report(s))")
    return status


def _demo_offices() -> int:
    """The second framework on its synthetic offices: office scores and the district roll-up (CSV).

    Scored with the 评分细则 (``scoring_rules``); the ~190 office rankings are not printed, only the
    latest year's district roll-up.
    """
    from indicators.submission import read_figures, validate

    print(f"\n=== synthetic_offices: {paths.OFFICE_SAMPLE.relative_to(paths.ROOT)} ===")
    fw = load_framework(paths.OFFICE_FRAMEWORK)
    sub = read_figures(paths.OFFICE_SAMPLE)
    validate(sub, fw).raise_if_errors()
    opts = rollup_options.RollupOptions(paths.OFFICE_MAPPING)
    mapping = rollup_options.read_checked(sub, opts)
    result = build_index(sub, fw, load_methodology(paths.METHODOLOGIES / "scoring_rules.yaml"), validate=False)
    out = paths.REPORTS / fw.id / "scores_synthetic_offices.csv"
    result.to_csv(out)
    print(f"wrote {out} ({len(result.index)} office-years)")
    rollup_options.write_rollup(result, mapping, opts, out, [max(result.years)])
    return 0
