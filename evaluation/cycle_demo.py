"""The yearly assessment cycle on the synthetic districts, as ``rolindex demo`` shows it.

Forms out (``rolindex template``), forms filled from the synthetic panel (one district's with
planted mistakes), intake with feedback, the district's fix and re-intake, scores from the ledger,
a report preview, edition v1 frozen as of the close of returns (``publish --as-of``); then a
district's correction after publication and edition v2 with its changelog. Every step prints the
command an evaluation team would type and what happened; the end lists the files to open. All
data is fictional (``data/districts/synthetic_districts.csv`` and ``data/submissions/synthetic_panel.csv``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import paths
from .fileio import atomic_write_text

#: The year the demo collects (the synthetic panel's figures of that year fill the forms).
YEAR = 2024
#: The district whose return carries the planted mistakes, and the mistakes.
MISTAKEN = "sample_03"
#: The correction sent after v1: district, figure, corrected value (police referrals under-counted by 473,
#: so the share answered falls). sample_05 drops one place below sample_10 (index 64.58 -> 61.22) and no
#: peer median moves, so v2 re-issues those two reports and carries the other 14 over from v1 (measured;
#: a correction that moves a peer median re-issues every report).
CORRECTION = ("sample_05", "police_referrals", 5204.0)


def _cmd(argv: list[str]) -> int:
    """Print and run one ``rolindex`` command; return its exit code."""
    from .cli import main

    shown = " ".join(a if " " not in a else repr(a) for a in argv)
    print(f"\n$ rolindex {shown}", flush=True)
    return main(argv)


def _step(n: int, zh: str, en: str) -> None:
    print(f"\n━━ [{n}/9] {zh} / {en}", flush=True)


def _form_of(forms: Path, district: str) -> Path:
    hits = sorted(forms.glob(f"*{district}*.xlsx"))
    if len(hits) != 1:
        raise FileNotFoundError(f"expected one form of {district} in {forms}, found {len(hits)}")
    return hits[0]


def _close_of_returns(led: str) -> dt.datetime:
    """The close of returns: the last return received, to the next whole second (UTC), once that second has passed."""
    from .ledger import open_ledger
    from .ledger.store import submissions_table
    from .ledger.timeutil import now

    with open_ledger(led, create=False) as ledger:
        last = submissions_table(ledger)["received_at"].max().to_pydatetime()
    closed = last.replace(microsecond=0) + dt.timedelta(seconds=1)
    time.sleep(max(0.0, (closed - now()).total_seconds()))  # an as-of bound is never later than now
    return closed


def run_cycle(base: str | Path = paths.REPORTS / "cycle", *, workers: int | None = None,
              scheduler: Any = None, districts: Sequence[str] | None = None) -> int:
    """Run the cycle in ``base`` (emptied first: it is the demo's own folder); return 0 when every step went as planned.

    The planted mistakes make the first intake exit 1 on purpose (``sample_03`` rejected); any
    other unexpected exit code makes the result 1. ``districts`` limits the cycle to some of the
    synthetic districts (they must include ``sample_03`` and ``sample_05``; the tests use four).
    """
    from indicators import load_framework

    from .editions import publish
    from .forms.filling import DEMO_MISTAKES, fill_form, fill_from_panel, panel_values

    t0 = time.perf_counter()
    base = Path(base)
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    led = str(base / "ledger.sqlite")
    register = paths.DATA / "districts" / "synthetic_districts.csv"
    if districts is not None:
        import pandas as pd

        table = pd.read_csv(register, dtype=str, keep_default_na=False)
        register = base / "districts.csv"
        atomic_write_text(register, table[table["district"].isin(districts)].to_csv(index=False,
                                                                                    lineterminator="\n"))
    panel = paths.SUBMISSIONS / "synthetic_panel.csv"
    fw = load_framework(paths.DEFAULT_FRAMEWORK)
    y = str(YEAR)
    bad = 0
    print(f"\n=== 年度评估流程 / the assessment cycle: synthetic districts, {YEAR} -> {base} ===")

    _step(1, "区名册与填报表下发", "register the districts, forms out")
    bad |= _cmd(["districts", "import", str(register), "--ledger", led, "--recorded-by", "评估组 / evaluation team"])
    bad |= _cmd(["template", "--year", y, "--districts", str(register), "--out", str(base / "forms"),
                 "--deadline", f"{YEAR + 1}-01-31", "--contact", "评估组 / evaluation team"])

    _step(2, "各区填报（sample_03 的表有错误）", f"districts fill their forms ({MISTAKEN}'s has mistakes)")
    forms = sorted((base / "forms").glob("*.xlsx"))
    fill_from_panel(forms, fw, panel, YEAR, mistakes={MISTAKEN: DEMO_MISTAKES[MISTAKEN]}, out=base / "returns")
    print(f"{len(forms)} forms filled from the synthetic panel into {base / 'returns'}; planted in {MISTAKEN}: "
          f"{', '.join(DEMO_MISTAKES[MISTAKEN])}")

    _step(3, "收取报送并逐区反馈", "intake with feedback per district")
    code = _cmd(["intake", str(base / "returns"), "--ledger", led, "--year", y, "--submitted-by",
                 "各区司法局 / district bureaus", "--out", str(base / "feedback"), "--workers", "1"])
    print(f"(exit {code}: {MISTAKEN} rejected as planned; its feedback marks every problem on its cell)")
    bad |= code != 1

    _step(4, f"{MISTAKEN} 更正后重新报送", f"{MISTAKEN} fixes its form, re-intake")
    fixed = fill_from_panel([_form_of(base / "forms", MISTAKEN)], fw, panel, YEAR, out=base / "returns_fixed")
    bad |= _cmd(["intake", str(fixed[MISTAKEN]), "--ledger", led, "--year", y, "--submitted-by", f"{MISTAKEN}",
                 "--out", str(base / "feedback_fixed"), "--workers", "1"])

    _step(5, "从台账计算得分", "score from the ledger")
    bad |= _cmd(["score", "--ledger", led, "--year", y, "-o", str(base / f"scores_{YEAR}.csv")])

    _step(6, "报告预览（一个区）", "a report preview (one district)")
    bad |= _cmd(["report", "--ledger", led, "--year", y, "--districts", MISTAKEN, "-o", str(base / "preview"),
                 "--workers", "0", "--no-progress"])

    _step(7, "截止后发布第 1 版", "publish edition v1 with the figures as of the close of returns")
    closed = _close_of_returns(led)
    print(f"\n$ rolindex publish --ledger {led} --year {y} -o {base} --by 评估组 --as-of {closed:%Y-%m-%dT%H:%M:%S}")
    v1 = publish(led, YEAR, out=base, created_by="评估组 / evaluation team", workers=workers, scheduler=scheduler,
                 as_of=closed)
    print(v1.summary())

    _step(8, "发布后某区更正数据", "a district sends a correction after publication")
    district, figure, value = CORRECTION
    values = dict(panel_values(panel, fw, YEAR)[district])
    print(f"{district}: {figure} {values[figure]:g} -> {value:g} (corrected return)")
    values[figure] = value
    corrected = fill_form(_form_of(base / "forms", district), values, fw,
                          out=base / "corrections" / f"{district}_{YEAR}_corrected.xlsx")
    bad |= _cmd(["intake", str(corrected), "--ledger", led, "--year", y, "--submitted-by", f"{district} 更正",
                 "--out", str(base / "feedback_corrections"), "--workers", "1"])

    _step(9, "发布第 2 版（附更正说明）", "publish edition v2 with its changelog")
    print(f"\n$ rolindex publish --ledger {led} --year {y} -o {base} --note '{district} 更正'")
    v2 = publish(led, YEAR, out=base, created_by="评估组 / evaluation team", note=f"{district} 更正 / corrected",
                 workers=workers, scheduler=scheduler)
    print(v2.summary())
    bad |= _cmd(["diff", "--ledger", led, "--year", y, "--from", "v1", "--to", "v2", "-o",
                 str(base / "diff_v1_v2.csv")])
    print(f"\n流程完成，用时 {time.perf_counter() - t0:.0f} 秒 / cycle done in {time.perf_counter() - t0:.0f} s. "
          "Open:")
    print(f"  {v2.folder / 'index.html'}   (v2 index page)")
    print(f"  {v2.folder / 'changelog.md'}   (what changed from v1)")
    print(f"  {v1.folder}   (v1, untouched)")
    print(f"  {base / 'feedback'}   (feedback workbooks; {MISTAKEN}'s marks its mistakes)")
    return 1 if bad else 0
