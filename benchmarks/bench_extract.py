"""Extraction against the hand-made gold set: precision, recall, verbatim quotes, time per report.

Reads the seed reports from ``../shared/seeds`` and the gold table ``tests/indicators/extract/gold.csv``
(figures a careful reader finds in seeds 000, 001, 002 and 004, and hard negatives; see
``indicators/extract/gold.py`` for the scoring rules). Then times a synthetic 30-page report (the
seeds' paragraphs shuffled with their numbers perturbed, ~1,500 characters a page) with the
one-pass matcher and with the naive way — one pass over the report per figure — in the same run.

Targets (issue 11): precision ≥ 95 %, recall ≥ 90 %, quotes 100 % verbatim, a 30-page report < 1 s.

Run from the repository root::

    python benchmarks/bench_extract.py [--seeds ../shared/seeds] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.extract import extract_text  # noqa: E402
from indicators.extract.gold import read_gold, read_sentences, score_document, total  # noqa: E402
from indicators.extract.vocabulary import Vocabulary  # noqa: E402
from indicators.framework import load_framework  # noqa: E402

FRAMEWORK = ROOT / "data" / "frameworks" / "district_rol.yaml"
GOLD = ROOT / "tests" / "indicators" / "extract" / "gold.csv"
PAGE = 1500


def synthetic_report(texts: list[str], pages: int = 30, seed: int = 0) -> str:
    """Paragraphs of the seeds, shuffled, numbers perturbed (same digit count), to ``pages`` pages."""
    rng = random.Random(seed)
    paragraphs = [p for t in texts for p in t.split("\n") if p.strip()]
    out: list[str] = []
    size = 0
    while size < pages * PAGE:
        p = rng.choice(paragraphs)
        p = re.sub(r"\d+", lambda m: str(rng.randint(10 ** (len(m.group()) - 1), 10 ** len(m.group()) - 1))
                   if len(m.group()) < 4 or not m.group().startswith("20") else m.group(), p)
        out.append(p)
        size += len(p) + 1
    return "\n".join(out)


def best_time(func, repeat: int) -> float:
    """Best wall time of ``repeat`` calls (seconds)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    seeds = Path(args.seeds)
    if not seeds.is_dir():
        print(f"seed folder {seeds} not found; pass --seeds", file=sys.stderr)
        return 2
    fw = load_framework(FRAMEWORK)
    vocab = Vocabulary.from_framework(fw)
    gold = read_gold(GOLD)
    documents = sorted({g.document for g in gold})
    texts = {}
    scores = []
    print(f"{'document':24s} {'gold':>4s} {'prop':>4s} {'TP':>3s} {'FP':>3s} {'flagNeg':>7s} "
          f"{'precision':>9s} {'recall':>7s} {'verbatim':>8s} {'ms':>7s}")
    for doc in documents:
        text = (seeds / f"{doc}.txt").read_text(encoding="utf-8")
        texts[doc] = text
        seconds = best_time(lambda t=text: extract_text(t, fw, vocabulary=vocab), args.repeat)
        ex = extract_text(text, fw, vocabulary=vocab)
        s = score_document(doc, text, ex.proposals, gold)
        s.seconds = seconds
        scores.append(s)
        print(f"{doc:24s} {s.gold:4d} {s.proposals:4d} {s.tp:3d} {s.fp:3d} {s.flagged_negatives:7d} "
              f"{s.precision:9.1%} {s.recall:7.1%} {s.verbatim_share:8.1%} {seconds * 1000:7.1f}")
    o = total(scores)
    print(f"{'overall':24s} {o.gold:4d} {o.proposals:4d} {o.tp:3d} {o.fp:3d} {o.flagged_negatives:7d} "
          f"{o.precision:9.1%} {o.recall:7.1%} {o.verbatim_share:8.1%} {o.seconds / len(scores) * 1000:7.1f} (mean)")
    strict = o.tp / o.proposals if o.proposals else 1.0
    print(f"strict precision (flagged negatives counted as wrong): {strict:.1%}")
    for w in o.wrong:
        print(f"  wrong:  {w}")
    for m in o.missed:
        print(f"  missed: {m}")

    print("\nheld-out sentences (written in other words than the seeds, district report of 2023):")
    for name, label in (("heldout.csv", "vocabulary extended after its first run"),
                        ("heldout_untuned.csv", "never tuned on")):
        cases, rows = read_sentences(GOLD.parent / name)
        h = total(score_document(c, t, extract_text(t, fw, year=2023, vocabulary=vocab).proposals, rows)
                  for c, t in cases.items())
        print(f"  {name:22s} gold {h.gold:3d}  TP {h.tp:3d}  FP {h.fp:2d}  flagged negatives {h.flagged_negatives:2d}  "
              f"precision {h.precision:6.1%}  recall {h.recall:6.1%}  verbatim {h.verbatim_share:6.1%}  ({label})")
        for m in h.missed:
            print(f"    missed: {m}")
        for w in h.wrong:
            print(f"    wrong:  {w}")

    report = synthetic_report(list(texts.values()))
    pages = len(report) / PAGE
    fast = best_time(lambda: extract_text(report, fw, vocabulary=vocab), args.repeat)
    singles = [Vocabulary((v,), {u: (v,) for u in (("%",) if v.is_rate else v.units)}) for v in vocab.figures]

    def naive() -> None:  # one pass over the report per figure
        for single in singles:
            extract_text(report, fw, vocabulary=single)

    slow = best_time(naive, max(1, args.repeat // 2))
    print(f"\nsynthetic report: {len(report):,} characters = {pages:.0f} pages of {PAGE}")
    print(f"  one pass (indexed by measure word): {fast * 1000:8.1f} ms   target < 1000 ms")
    print(f"  naive (one pass per figure, {len(singles)} figures): {slow * 1000:8.1f} ms   "
          f"ratio {slow / fast:.1f}x")
    ok = o.precision >= 0.95 and o.recall >= 0.90 and o.verbatim_share == 1.0 and fast < 1.0
    print(f"\ntargets met: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
