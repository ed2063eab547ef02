"""Regenerate ``synthetic_panel.csv``, the demo panel of fictional districts (示例数据).

Recipe, from the repository root::

    python data/submissions/make_synthetic.py            # rewrite the file
    python data/submissions/make_synthetic.py --check    # exit 1 if the file is out of date

The output is byte-identical for the same code and seed (tests/indicators/test_synthetic.py
checks that the committed file matches). Every district in it is fictional.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUTPUT = HERE / "synthetic_panel.csv"

# Run as a plain script: make the checkout's packages importable before any installed copy.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indicators.synthetic import DEFAULT_SEED, RATE_FIGURES, generate_panel  # noqa: E402


def build_csv_text(seed: int = DEFAULT_SEED) -> str:
    """The CSV text of the default demo panel (16 districts, 2019-2024, with gaps).

    Values are written like the seed submissions: counts as integers, rates as percentages with
    their sign (the generator's fraction 0.9803 becomes ``98.03%``), so the ``unit`` column
    (``%``) and the value never disagree.
    """
    panel = generate_panel(n_districts=16, years=range(2019, 2025), seed=seed, gaps=True)
    is_rate = panel["figure"].isin(RATE_FIGURES).to_numpy()
    values = panel["value"].to_numpy()
    panel["value"] = [
        f"{v * 100:.10g}%" if rate else f"{v:.12g}" for v, rate in zip(values, is_rate, strict=True)
    ]
    return panel.to_csv(index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the synthetic panel CSV; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="CSV file to write")
    parser.add_argument("--check", action="store_true", help="only compare with the file")
    args = parser.parse_args(argv)
    data = build_csv_text(args.seed).encode("utf-8")
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != data:
            print(f"{args.output} is out of date; run python {Path(__file__).name}",
                  file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_bytes(data)
    rows = data.count(b"\n") - 1
    print(f"wrote {args.output} ({rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
