"""The changelog of an edition against the previous one: figures, scores and ranks, reports re-issued.

Built from the two frozen archives (``figures.csv`` and ``scores.csv`` of each), so it says exactly
what differs between what was published then and now; who changed a figure and when comes from the
ledger (the submission or 复核 review that decided the new value).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..fileio import atomic_write_text

#: Score differences below this are rounding noise, not a change (as :mod:`evaluation.ledger.diff`).
TOLERANCE = 1e-9


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _same_value(a: str, b: str) -> bool:
    if a == b:
        return True
    x, y = pd.to_numeric(pd.Series([a, b]), errors="coerce")
    return bool(pd.notna(x) and pd.notna(y) and x == y)


def figure_changes(old: Path, new: Path, provenance: pd.DataFrame) -> list[dict[str, Any]]:
    """Figures changed, added or removed between two ``figures.csv``, with who decided the new value and when.

    ``provenance`` is indexed by (district, figure) with ``who, when, file, reason``; a removed
    figure takes the district's row under figure ``""`` (its current submission).
    """
    a = _read(old).set_index(["district", "figure"])["value"]
    b = _read(new).set_index(["district", "figure"])["value"]
    out = []
    for key in sorted(set(a.index) | set(b.index)):
        before, after = a.get(key), b.get(key)
        if before is not None and after is not None and _same_value(before, after):
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        src = key if key in provenance.index else (key[0], "")
        who = provenance.loc[src].to_dict() if src in provenance.index else {}
        out.append({"district": key[0], "figure": key[1], "old": before or "", "new": after or "", "change": change,
                    "who": who.get("who", ""), "when": who.get("when", ""), "file": who.get("file", ""),
                    "reason": who.get("reason", "")})
    return out


def _num(v: str) -> float | None:
    x = pd.to_numeric(v, errors="coerce")
    return None if pd.isna(x) else float(x)


def score_changes(old: Path, new: Path, dims: Sequence[str], changed: set[str]) -> list[dict[str, Any]]:
    """Districts whose index, rank or a dimension score moved (also those whose own figures did not change)."""
    a = _read(old).set_index("district")
    b = _read(new).set_index("district")
    out = []
    for d in sorted(set(a.index) | set(b.index)):
        ra = a.loc[d] if d in a.index else None
        rb = b.loc[d] if d in b.index else None

        def get(r, c):
            return None if r is None or c not in r else _num(r[c])

        moved = {}
        for c in ("index", "rank", *dims):
            x, y = get(ra, c), get(rb, c)
            if (x is None) != (y is None) or (x is not None and abs(x - y) > TOLERANCE):
                moved[c] = (x, y)
        if not moved:
            continue
        r0, r1 = get(ra, "rank"), get(rb, "rank")
        i0, i1 = get(ra, "index"), get(rb, "index")
        out.append({
            "district": d, "index_old": i0, "index_new": i1,
            "index_delta": None if i0 is None or i1 is None else i1 - i0,
            "rank_old": None if r0 is None else int(r0), "rank_new": None if r1 is None else int(r1),
            "rank_move": None if r0 is None or r1 is None else int(r0 - r1),
            "dimensions": {c: list(v) for c, v in moved.items() if c not in ("index", "rank")},
            "figures_changed": d in changed,
        })
    return out


def build(year: int, number: int, previous: int, as_of: str, old: Path, new: Path, dims: Sequence[str],
          provenance: pd.DataFrame, reissued: Sequence[str], carried: Mapping[str, int]) -> dict[str, Any]:
    """The changelog of edition ``number`` against ``previous`` (folders ``old`` and ``new``) as a JSON-ready dict."""
    figs = figure_changes(old / "figures.csv", new / "figures.csv", provenance)
    scores = score_changes(old / "scores.csv", new / "scores.csv", dims, {f["district"] for f in figs})
    return {"year": int(year), "edition": int(number), "previous": int(previous), "as_of": as_of,
            "figures": figs, "scores": scores,
            "reports": {"reissued": sorted(reissued), "carried": {d: int(n) for d, n in sorted(carried.items())}}}


def _f(v: Any, digits: int = 2) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def _cell(v: Any) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def markdown(log: Mapping[str, Any]) -> str:
    """The changelog as Markdown, bilingual headings (Chinese first)."""
    y, n, p = log["year"], log["edition"], log["previous"]
    out = [f"# {y} 年第 {n} 版更正说明 / Changelog of the {y} edition v{n} (against v{p})", "",
           f"数据截至 / figures as of: {log['as_of']} (UTC)", "",
           f"## 数据更正 / Figures changed ({len(log['figures'])})", ""]
    if log["figures"]:
        out += ["| 区 district | 指标 figure | 原值 old | 新值 new | 变化 change | 提交或复核人 who | 时间 when "
                "| 文件 file | 理由 reason |",
                "|---|---|---|---|---|---|---|---|---|"]
        out += [f"| {_cell(f['district'])} | {_cell(f['figure'])} | {_cell(f['old'])} | {_cell(f['new'])} | "
                f"{f['change']} | {_cell(f['who'])} | {_cell(f['when'])} | {_cell(f['file'])} | {_cell(f['reason'])} |"
                for f in log["figures"]]
    else:
        out.append("（无 / none）")
    out += ["", f"## 得分与排名变动 / Scores and ranks moved ({len(log['scores'])})", ""]
    if log["scores"]:
        out += ["| 区 district | 指数 index old → new | 排名 rank old → new | 名次 move | 本区数据 own figures |",
                "|---|---|---|---|---|"]
        for s in log["scores"]:
            own = "已更正 / changed" if s["figures_changed"] else "未变 / unchanged"
            move = "–" if s["rank_move"] is None else f"{s['rank_move']:+d}"
            out.append(f"| {_cell(s['district'])} | {_f(s['index_old'])} → {_f(s['index_new'])} | "
                       f"{s['rank_old'] or '–'} → {s['rank_new'] or '–'} | {move} | {own} |")
    else:
        out.append("（无 / none）")
    rep = log["reports"]
    out += ["", "## 报告 / Reports", "",
            f"重新出具 / re-issued in v{n} ({len(rep['reissued'])}): " + (", ".join(rep["reissued"]) or "–"), "",
            f"沿用 / carried over unchanged ({len(rep['carried'])}): "
            + (", ".join(f"{d} (v{k})" for d, k in rep["carried"].items()) or "–"), ""]
    return "\n".join(out)


def write(folder: Path, log: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``changelog.json`` and ``changelog.md`` into ``folder`` atomically."""
    j = atomic_write_text(folder / "changelog.json", json.dumps(log, ensure_ascii=False, indent=2) + "\n")
    m = atomic_write_text(folder / "changelog.md", markdown(log))
    return j, m
