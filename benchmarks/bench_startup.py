"""Start-up time of the ``rolindex`` commands and of ``import indicators`` (issue 12).

Each case runs ``--repeat`` times as a fresh subprocess (the way a user runs it), beside bare
``python -c pass`` in the same run, so the overhead over the interpreter itself is shown. Targets:

- ``rolindex --help`` < 0.3 s
- ``rolindex validate data/submissions/seed_districts.csv`` < 0.8 s
- ``import indicators`` < 0.4 s

Two yardsticks run in the same rounds (interleaved, so machine load hits every case alike): ``import
pandas`` — the floor under ``validate``, which reads submissions with pandas; ``rolindex`` can come in
under it, because it freezes the imported objects (``gc.freeze``) so the collections at exit skip
them, while bare ``import pandas`` pays ~0.1 s for them — and the naive way,
building every command's parser (which imports every command module, as the CLI did before it
became a table). The verdict compares the median wall time with the target. Run from the checkout::

    PYTHONPATH=$PWD python benchmarks/bench_startup.py --repeat 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (label, argv after the interpreter, target seconds or None)
CASES = (
    ("python -c pass", ["-c", "pass"], None),
    ("import pandas (floor under validate)", ["-c", "import pandas"], None),
    ("naive: build every command's parser", ["-c", "from evaluation.cli import build_parser; build_parser()"], None),
    ("import indicators", ["-c", "import indicators"], 0.4),
    ("rolindex --help", ["-m", "evaluation", "--help"], 0.3),
    ("rolindex validate seed_districts.csv", ["-m", "evaluation", "validate", "data/submissions/seed_districts.csv"],
     0.8),
)


def time_once(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run of ``python argv`` (output discarded; a failure stops the benchmark)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    """Time every case, print median/min/max, the overhead over bare Python and a verdict per target."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", "-n", type=int, default=7, help="runs per case (default: %(default)s)")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python caches bytecode; time that, not recompiling
    for _, argv, _ in CASES:  # warm the file cache and the .pyc files
        time_once(argv, env)
    times: dict[str, list[float]] = {label: [] for label, _, _ in CASES}
    for _ in range(args.repeat):  # interleaved rounds: load drift hits every case alike
        for label, argv, _ in CASES:
            times[label].append(time_once(argv, env))
    bare = statistics.median(times["python -c pass"])
    print(f"{sys.executable} ({sys.version.split()[0]}), {args.repeat} runs each, wall seconds\n")
    print(f"{'case':40s} {'median':>7s} {'min':>7s} {'max':>7s} {'over bare':>9s} {'target':>7s}  verdict")
    missed = 0
    for label, _, target in CASES:
        t = times[label]
        med = statistics.median(t)
        verdict = "" if target is None else ("met" if med < target else "NOT met")
        missed += verdict == "NOT met"
        print(f"{label:40s} {med:7.3f} {min(t):7.3f} {max(t):7.3f} {med - bare:9.3f} "
              f"{'' if target is None else f'< {target:.1f}':>7s}  {verdict}")
    med = {label: statistics.median(t) for label, t in times.items()}
    naive, floor = med[CASES[2][0]], med[CASES[1][0]]
    print(f"\nrolindex --help: {naive / med['rolindex --help']:.1f}× faster than the naive way; "
          f"validate = {med['rolindex validate seed_districts.csv'] / floor:.2f}× import pandas")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
