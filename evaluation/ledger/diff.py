"""What changed between two states of the ledger: figures, indicator and dimension scores, index, every rank.

Both states are rebuilt from the ledger (:func:`~evaluation.ledger.store.figures_from_ledger` as of
each point) and scored with :func:`indicators.build_index` under the same framework and
methodology, so a district whose own figures did not change still shows its rank moving when
others' corrections push it up or down (normalisation and ranks are relative).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .db import Ledger
from .store import current_figures

#: Score differences below this are rounding noise, not a change.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class LedgerDiff:
    """The changes of one year between ``before`` and ``after`` (labels as the user gave them).

    ``figures``: district, figure, before, after (values as written; empty when absent), change
    (``changed``/``added``/``removed``). ``indicators`` and ``dimensions``: district, node, before,
    after, delta — only rows that changed. ``index``: every district with index before/after,
    delta, rank before/after, ``rank_move`` (positive = moved up) and ``figures_changed``.
    """

    year: int
    before: str
    after: str
    figures: pd.DataFrame
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    index: pd.DataFrame


def _score(ledger: Ledger, year: int, as_of: dt.datetime | None, framework, methodology):
    from indicators import build_index
    from indicators.submission import Submission

    cur = current_figures(ledger, year, as_of, framework.id)
    if cur.empty:
        return cur, None
    frame = cur[["district", "year", "figure", "value", "district_name", "group", "unit"]].copy()
    result = build_index(Submission.from_frame(frame, name=f"ledger {year}"), framework, methodology, validate=False)
    return cur, result


def _node_changes(before: pd.DataFrame | None, after: pd.DataFrame | None, year: int, cols) -> pd.DataFrame:
    def long(t):
        if t is None:
            return pd.Series(dtype=float)
        t = t.xs(year, level="year")[[c for c in cols if c in t.columns]]
        s = t.stack(future_stack=True)
        s.index.names = ["district", "node"]
        return s

    b, a = long(before), long(after)
    both = pd.concat({"before": b, "after": a}, axis=1)
    both["delta"] = both["after"] - both["before"]
    changed = (both["delta"].abs() > TOLERANCE) | (both["before"].isna() != both["after"].isna())
    return both[changed].reset_index()


def diff(ledger: Ledger, year: int, framework, methodology, before: dt.datetime | None,
         after: dt.datetime | None, labels: tuple[str, str] = ("before", "after")) -> LedgerDiff:
    """Compare ``year`` as of ``before`` with as of ``after`` (``None`` = now)."""
    cur_b, res_b = _score(ledger, year, before, framework, methodology)
    cur_a, res_a = _score(ledger, year, after, framework, methodology)
    fb = cur_b.set_index(["district", "figure"])["value"] if len(cur_b) else pd.Series(dtype=object)
    fa = cur_a.set_index(["district", "figure"])["value"] if len(cur_a) else pd.Series(dtype=object)
    figs = pd.concat({"before": fb, "after": fa}, axis=1)
    figs.index.names = ["district", "figure"]
    pb = cur_b.set_index(["district", "figure"])["parsed"] if len(cur_b) else pd.Series(dtype=float)
    pa = cur_a.set_index(["district", "figure"])["parsed"] if len(cur_a) else pd.Series(dtype=float)
    parsed = pd.concat({"b": pb, "a": pa}, axis=1).reindex(figs.index)
    same = (parsed["b"].astype(float) == parsed["a"].astype(float)) | (figs["before"] == figs["after"])
    figs = figs[~same.fillna(False).to_numpy(bool)].copy()
    figs["change"] = np.where(figs["before"].isna(), "added", np.where(figs["after"].isna(), "removed", "changed"))
    figs = figs.fillna({"before": "", "after": ""}).reset_index()
    fw = framework
    dims = list(fw.children(fw.root))
    indicators = _node_changes(res_b.normalised if res_b else None, res_a.normalised if res_a else None, year,
                               list(fw.indicators))
    dimensions = _node_changes(res_b.scores if res_b else None, res_a.scores if res_a else None, year, dims)

    def idx(res):
        if res is None:
            return pd.DataFrame(columns=["index", "rank"], dtype=float)
        t = pd.DataFrame({"index": res.index, "rank": res.ranks.astype("Float64")}).xs(year, level="year")
        return t

    ib, ia = idx(res_b), idx(res_a)
    table = pd.concat({"before": ib, "after": ia}, axis=1)
    table.columns = [f"{b}_{a}" if a == "rank" else f"index_{b}" for b, a in table.columns]
    table = table.rename(columns={"before_rank": "rank_before", "after_rank": "rank_after"})
    table["delta"] = table["index_after"] - table["index_before"]
    table["rank_move"] = (table["rank_before"] - table["rank_after"]).astype("Int64")
    table["figures_changed"] = table.index.isin(set(figs["district"]))
    table.index.name = "district"
    table = table.reset_index().sort_values(["rank_after", "district"], na_position="last", kind="stable")
    table = table[["district", "index_before", "index_after", "delta", "rank_before", "rank_after", "rank_move",
                   "figures_changed"]].reset_index(drop=True)
    for c in ("rank_before", "rank_after"):
        table[c] = table[c].astype("Int64")
    return LedgerDiff(year, labels[0], labels[1], figs, indicators, dimensions, table)


def render(d: LedgerDiff) -> str:
    """The diff as text, bilingual headings, every district's rank (unchanged figures marked)."""
    out = [f"{d.year} 年变化 / changes in {d.year}: {d.before} → {d.after}"]
    out.append(f"\n数据 / figures ({len(d.figures)} changed):")
    out.append(d.figures.to_string(index=False) if len(d.figures) else "  (none)")
    for title, t in (("指标得分 / indicator scores", d.indicators), ("维度得分 / dimension scores", d.dimensions)):
        out.append(f"\n{title} ({len(t)} changed):")
        out.append(t.to_string(index=False, float_format=lambda v: f"{v:.4f}") if len(t) else "  (none)")
    t = d.index.copy()
    t["note"] = np.where(~t["figures_changed"] & (t["rank_move"].fillna(0) != 0),
                         "名次变动但数据未变 / rank moved, own figures unchanged",
                         np.where(t["figures_changed"], "数据已更正 / figures changed", ""))
    out.append("\n指数与排名 / index and rank (every district):")
    out.append(t.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return "\n".join(out)
