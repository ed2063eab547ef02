"""Benchmark: weight-tuning widget, time per slider move (target < 100 ms for 50 districts).

A slider move re-aggregates the cached dimension scores for the current weights and for every
noise draw of the uncertainty band, re-ranks, and re-renders the ranking table and the score chart
(HTML/SVG strings in ipywidgets). Measured headless by setting slider values as a user would; the
browser's own redraw is not included. The naive way — a full ``build_index`` with the new weights
per move — is timed in the same run.

Run: ``.venv/bin/python benchmarks/bench_tuning.py [--districts 50 --moves 40]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from evaluation import paths
from evaluation.tuning import WeightTuner
from indicators import build_index, load_framework, load_methodology
from indicators.synthetic import generate_panel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=50)
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument("--band", type=int, default=200, help="noise draws of the uncertainty band")
    args = ap.parse_args()
    fw = load_framework(paths.DEFAULT_FRAMEWORK)
    meth = load_methodology(paths.DEFAULT_METHODOLOGY)
    panel = generate_panel(n_districts=args.districts, years=range(2019, 2025), seed=3)
    tuner = WeightTuner(panel, fw, meth, n_band=args.band)
    sliders = tuner.sliders
    rng = np.random.default_rng(0)
    times = []
    for _ in range(args.moves):
        d = tuner.dimensions[int(rng.integers(len(tuner.dimensions)))]
        t0 = time.perf_counter()
        sliders[d].value = float(rng.integers(0, 100))
        times.append(time.perf_counter() - t0)
    t = np.array(times) * 1e3
    print(f"{args.districts} districts, year {tuner.year}, band of {args.band} noise draws: per slider move "
          f"median {np.median(t):.1f} ms, 95th percentile {np.percentile(t, 95):.1f} ms, max {t.max():.1f} ms")
    t0 = time.perf_counter()
    for _ in range(5):
        build_index(panel, fw, tuner.methodology())
    naive = (time.perf_counter() - t0) / 5 * 1e3
    print(f"naive full build_index per move: {naive:.0f} ms ({naive / np.median(t):.0f}x slower)")
    print(f"target < 100 ms per move: {'met' if np.percentile(t, 95) < 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
