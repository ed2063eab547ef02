"""Regenerate ``synthetic_offices.csv`` and its office → district table (示例数据, fictional offices).

Recipe, from the repository root::

    python data/submissions/make_synthetic_offices.py            # rewrite both files
    python data/submissions/make_synthetic_offices.py --check    # exit 1 if either is out of date

The offices belong to the fictional districts of ``synthetic_panel.csv`` (see
``indicators/synthetic_offices.py``). Output is byte-identical for the same code and seed
(tests/indicators/test_synthetic_offices.py checks the committed files). Every office is fictional.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUTPUT = HERE / "synthetic_offices.csv"
MAPPING = HERE / "synthetic_offices_districts.csv"

# Run as a plain script: make the checkout's packages importable before any installed copy.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indicators.synthetic import DEFAULT_SEED  # noqa: E402
from indicators.synthetic_offices import generate_offices  # noqa: E402


def build_csv_texts(seed: int = DEFAULT_SEED) -> tuple[str, str]:
    """CSV texts of the office submissions (wide, 2021-2024, with gaps) and of the office → district table."""
    figures, mapping = generate_offices(years=range(2021, 2025), seed=seed, gaps=True)
    return (figures.to_csv(index=False, lineterminator="\n"),
            mapping.to_csv(index=False, lineterminator="\n"))


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the two CSV files; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="office submissions CSV")
    parser.add_argument("--mapping", type=Path, default=MAPPING, help="office → district CSV")
    parser.add_argument("--check", action="store_true", help="only compare with the files")
    args = parser.parse_args(argv)
    texts = build_csv_texts(args.seed)
    status = 0
    for path, text in zip((args.output, args.mapping), texts, strict=True):
        data = text.encode("utf-8")
        if args.check:
            current = path.read_bytes() if path.exists() else b""
            if current != data:
                print(f"{path} is out of date; run python {Path(__file__).name}", file=sys.stderr)
                status = 1
            else:
                print(f"{path} is up to date")
            continue
        path.write_bytes(data)
        rows = data.count(b"\n") - 1
        print(f"wrote {path} ({rows} rows, {len(data):,} bytes)")
    return status


if __name__ == "__main__":
    sys.exit(main())
