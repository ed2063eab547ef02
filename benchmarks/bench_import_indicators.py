"""Benchmark: wall time of ``import indicators`` (target < 0.4 s), against bare ``python -c pass``.

``import indicators`` loads the package and its errors; the public names (``build_index``,
``load_framework``…) load on first use (PEP 562), so the full library's cost — what a script that
scores pays — is timed as well (``from indicators import build_index, load_framework``).

Each statement runs in a fresh interpreter ``--repeat`` times; the best and median wall times are
printed with the ratio to ``python -c pass`` and to ``import pandas`` (the floor: the library needs
pandas), all in the same run. The naive way — the library with SciPy's optimiser imported at the
top, as before heavy imports moved into the functions that use them — is timed too. Machine load
inflates every figure alike; compare the ratios. Bytecode is cached as in a normal install (in a
temporary ``PYTHONPYCACHEPREFIX``, warmed by one untimed run, even where ``PYTHONDONTWRITEBYTECODE``
is set), so the figures do not include compiling the sources.

Run: ``.venv/bin/python benchmarks/bench_import_indicators.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATEMENTS = {
    "python -c pass": "pass",
    "import pandas": "import numpy, pandas",
    "import indicators": "import indicators",
    "full: from indicators import build_index…": "from indicators import build_index, load_framework",
    "naive: full + scipy.optimize, yaml": "from indicators import build_index, load_framework; "
                                         "import scipy.optimize, scipy.interpolate, yaml",
    "naive: eager package (all names at import)": "import indicators; from indicators import *",
}


def _env(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": cache}


def wall(code: str, repeat: int, cache: str) -> list[float]:
    """Wall seconds of ``python -c code`` in fresh interpreters, ``repeat`` times (after one warm-up)."""
    env = _env(cache)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        run(args.repeat, cache)


def run(repeat: int, cache: str) -> None:
    """Time every statement and print the table."""
    heavy = subprocess.run([sys.executable, "-c", "import sys, indicators; print(sorted(m for m in "
                            "('scipy', 'scipy.optimize', 'SALib', 'openpyxl', 'yaml', 'matplotlib') "
                            "if m in sys.modules))"], capture_output=True, text=True, check=True,
                           env=_env(cache), cwd=ROOT).stdout.strip()
    times = {label: wall(code, repeat, cache) for label, code in STATEMENTS.items()}
    base, pandas = min(times["python -c pass"]), min(times["import pandas"])
    print(f"{'statement':42s} {'best s':>8s} {'median s':>9s} {'× pass':>7s} {'× pandas':>9s}")
    for label, t in times.items():
        print(f"{label:42s} {min(t):8.3f} {statistics.median(t):9.3f} {min(t) / base:7.1f} {min(t) / pandas:9.2f}")
    own = min(times["full: from indicators import build_index…"]) - pandas
    naive = min(times["naive: full + scipy.optimize, yaml"]) - pandas
    eager = min(times["naive: eager package (all names at import)"])
    print(f"import indicators: {min(times['import indicators']):.3f} s vs {eager:.3f} s for an eager package "
          f"({eager / min(times['import indicators']):.1f}×)")
    print(f"full library on top of pandas: {own:.3f} s (naive way: {naive:.3f} s, "
          f"{naive / own if own > 0 else float('inf'):.1f}× as much); target import indicators < 0.4 s: "
          f"{'met' if min(times['import indicators']) < 0.4 else 'not met on this machine now'}")
    print(f"heavy modules loaded by `import indicators`: {heavy or 'none'}")


if __name__ == "__main__":
    main()
