"""Presenting a reproduction: tables, the differences plot, ``summary.md`` and the report files."""

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import IndexResult
from indicators.framework import Framework
from indicators.io import atomic_write_text
from indicators.outputs import write_csv

from .result import Reproduction, tree_order

#: Floats in the CSV files: 17 significant digits, so every double reads back exactly.
_FLOAT = "%.17g"


# ---------------------------------------------------------------------------------------------
# presenting
# ---------------------------------------------------------------------------------------------
def effective_weight_table(result: IndexResult, lang: str = "en") -> pd.DataFrame:
    """Each indicator's weight within its parent, its parent's weight, and its effective weight.

    Equal weights at every level are not equal effective weights: in WJP's index a factor with 3
    sub-factors gives each 1/8 × 1/3 = 1/24 of the overall score, one with 8 sub-factors 1/64, so
    an Order & Security sub-factor weighs 64/24 ≈ 2.7 times a Fundamental Rights one.
    ``relative`` is the effective weight over the smallest; ``vs_equal`` over the equal share
    1/n of n indicators. References: Handbook (2008) §6 (weights); Paruolo, Saisana & Saltelli
    (2013), "Ratings and rankings: voodoo or science?", *JRSS A* 176(3), 609–634,
    https://doi.org/10.1111/j.1467-985X.2012.01059.x.
    """
    fw = result.framework
    eff = result.effective_weights
    rows = []
    for code in eff.index:
        node = fw.nodes[code]
        path = fw.path(code)
        rows.append({
            "indicator": code, "name": fw.label(code, lang), "parent": node.parent,
            "parent_name": fw.label(node.parent, lang) if node.parent else "",
            "siblings": len([c for c in fw.children(node.parent) if c in result.weights.index]),
            "weight_in_parent": float(result.weights[code]),
            "parent_weight": float(np.prod([result.weights[c] for c in path[1:-1]])) if len(path) > 2 else 1.0,
            "effective_weight": float(eff[code]),
        })
    out = pd.DataFrame(rows)
    out["relative"] = out["effective_weight"] / out["effective_weight"].min()
    out["vs_equal"] = out["effective_weight"] * len(out)
    return out


def effective_weight_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per parent of :func:`effective_weight_table`: children, each one's effective weight.

    ``relative`` is a child's effective weight over the smallest in the index: for WJP the three
    Order & Security sub-factors are 2.67 each against Fundamental Rights' eight at 1.
    """
    g = table.groupby("parent", sort=False)
    out = pd.DataFrame({
        "name": g["parent_name"].first(),
        "indicators": g.size(),
        "parent_weight": g["parent_weight"].first(),
        "effective_weight_each": g["effective_weight"].mean(),
        "relative": g["relative"].mean(),
        "total": g["effective_weight"].sum(),
    })
    return out.reset_index()


def findings_table(rep: Reproduction) -> pd.DataFrame:
    """The findings as a table (cause, explains, evidence and advice, Chinese and English)."""
    cols = ["cause", "explains", "evidence_zh", "evidence", "advice_zh", "advice"]
    return pd.DataFrame([{"cause": f.label, "explains": f.explains, "evidence_zh": f.evidence_zh,
                          "evidence": f.evidence, "advice_zh": f.advice_zh, "advice": f.advice}
                         for f in rep.findings], columns=cols)


def verdict(rep: Reproduction) -> tuple[str, str]:
    """The verdict line, Chinese and English, with the counts of :attr:`Reproduction.counts`.

    Every count is of the same population — a value is a (node, unit, year) cell with a number on
    at least one side — and the line says so and how many cells are empty on both sides.
    """
    c = rep.counts
    tol = f"{rep.tolerance:g}" + "".join(f", {y}: {t:g}" for y, t in sorted(rep.year_tolerance.items()))
    empty_zh = f"；另有 {c['both_missing']} 个单元格两边均无数值，不计入" if c["both_missing"] else ""
    empty_en = f"; {c['both_missing']} cells empty on both sides are not counted" if c["both_missing"] else ""
    if rep.ok:
        return (f"已复现：全部 {c['values']} 个值均在容差（{tol}）之内{empty_zh}。",
                f"reproduced: all {c['values']} values agree within the tolerance ({tol}){empty_en}.")
    bad = c["outside"] + c["one_side"]
    return (f"未复现：{c['values']} 个值中有 {bad} 个不一致（{c['outside']} 个超出容差，{c['one_side']} 个仅一边有值；"
            f"容差 {tol}），最大差 {rep.max_abs_difference:.3g}{empty_zh}。",
            f"NOT reproduced: {bad} of {c['values']} values disagree ({c['outside']} outside the tolerance, "
            f"{c['one_side']} present on one side only; tolerance {tol}); largest difference "
            f"{rep.max_abs_difference:.3g}{empty_en}.")


def overview(rep: Reproduction) -> pd.DataFrame:
    """One row: reproduced or not, the counts (:attr:`Reproduction.counts`), largest difference, tolerance."""
    c = rep.counts
    return pd.DataFrame([{
        "reproduced": rep.ok,
        "values": c["values"],
        "agree": c["agree"],
        "disagree": c["outside"] + c["one_side"],
        "both_missing": c["both_missing"],
        "max_abs_difference": rep.max_abs_difference,
        "tolerance": rep.tolerance,
        "year_tolerance": ", ".join(f"{y}: {t:g}" for y, t in sorted(rep.year_tolerance.items())) or "–",
        "framework": f"{rep.result.framework.id} {rep.result.framework.version}",
        "methodology": rep.result.methodology.name,
    }])


def plot_differences(rep: Reproduction, *, floor: float = 1e-17):
    """Two panels: the largest |difference| per year and level, and a node × year heat map.

    Left, one line per level with the tolerance (dashed); right, the largest absolute difference
    of every aggregate (every node when only indicators are published) in every year, coloured on
    a log scale and written in each cell. Differences of exactly 0 are drawn at ``floor``. Labels
    are bilingual, Chinese first (the CJK font of mplfonts is registered). Returns the Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    from ..report.charts import setup_fonts  # matplotlib: only when plotting

    setup_fonts()
    d = rep.differences.dropna(subset=["abs_difference"])
    fw = rep.result.framework
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1, 1.5]})
    level_names = {fw.max_level: "总分 / overall", 1: "指标 / indicators"}
    for level, g in d.groupby("level", sort=False):
        m = g.groupby("year")["abs_difference"].max().clip(lower=floor)
        ax1.plot(m.index, m.to_numpy(), marker="o", label=level_names.get(level, f"第{level}层 / level {level}"))
    tol = d.groupby("year")["tolerance"].max()
    ax1.step(tol.index, tol.to_numpy(), where="mid", color="crimson", linestyle="--", label="容差 / tolerance")
    ax1.set_yscale("log")
    ax1.set_xlabel("年份 / year")
    ax1.set_ylabel("最大绝对差 / max |difference|")
    ax1.set_title("按年份与层级 / by year and level")
    ax1.legend(fontsize=8)

    nodes = [c for c in tree_order(fw) if c in set(d["node"]) and fw.nodes[c].level > 1] or \
        [c for c in tree_order(fw) if c in set(d["node"])]
    grid = (d[d["node"].isin(nodes)].pivot_table(index="node", columns="year", values="abs_difference",
                                                  aggfunc="max").reindex(nodes).clip(lower=floor))
    im = ax2.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="viridis",
                    norm=LogNorm(vmin=floor, vmax=max(float(np.nanmax(grid.to_numpy())), floor * 10)))
    ax2.set_xticks(range(grid.shape[1]), [str(y) for y in grid.columns], rotation=45, fontsize=8)
    ax2.set_yticks(range(grid.shape[0]), list(grid.index), fontsize=8)
    if grid.size <= 400:
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                v = grid.iat[i, j]
                if not np.isnan(v):
                    ax2.text(j, i, "0" if v <= floor else f"{v:.0e}", ha="center", va="center", fontsize=6.5,
                             color="white" if v < 1e-8 else "black")
    fig.colorbar(im, ax=ax2, label="最大绝对差 / max |difference|")
    ax2.set_title("按节点与年份 / by node and year")
    fig.suptitle(f"{_fw_name(fw)}: 复现差异 / reproduction differences")
    fig.tight_layout()
    return fig


def _fw_name(fw: Framework) -> str:
    return fw.zh if fw.zh == fw.en else f"{fw.zh} / {fw.en}"


def _md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return "–"
        if isinstance(v, float | np.floating):
            return format(float(v), floatfmt)
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _commit_note(commit: str | None) -> str:
    """``commit abc…`` for the summary; empty when the code did not run from a git checkout."""
    return f"(commit {commit})" if commit else ""


def summary_markdown(rep: Reproduction, max_rows: int = 50) -> str:
    """The Markdown summary written as ``summary.md``."""
    fw = rep.result.framework
    prov = rep.provenance
    zh, en = verdict(rep)
    en = en.partition(": ")[2]
    head = f"**{'Reproduced' if rep.ok else 'Not reproduced'}**: {en}"
    lines = [
        f"# 复现报告 / Reproduction report — {_fw_name(fw)}", "", zh, "", head, "",
        "计数口径：一个值是两边至少一边有数值的（节点，单位，年份）单元格；值 = 一致 + 超出容差 + 仅一边有值。 / "
        "Counts: a value is a (node, unit, year) cell with a number on at least one side; "
        "n_values = n_agree + n_outside + n_missing_one_side (n_both_missing apart).", "",
        "## Inputs and provenance", "",
        _md_table(pd.DataFrame([
            ("framework", f"{fw.id} {fw.version} (sha256 {fw.content_hash[:16]}…)"),
            ("methodology", f"{prov['methodology']['name']} (sha256 {prov['methodology']['content_hash'][:16]}…)"),
            *[(f"input {k}", f"sha256 {v}") for k, v in prov.get("inputs", {}).items()],
            ("published", f"{rep.published.file} (sha256 {rep.published.sha256 or '–'})"),
            ("rolindex", " ".join(x for x in (prov.get("version", ""), _commit_note(prov.get("commit"))) if x)),
            ("licence", prov.get("licence", "")),
            ("environment", ", ".join(f"{k} {v}" for k, v in prov.get("environment", {}).items())),
            ("built", prov.get("created", "")), ("compared", prov.get("compared", "")),
        ], columns=["item", "value"])), "",
        "## By level", "", _md_table(rep.levels), "",
        "## By year", "", _md_table(rep.years), "",
        "## By node (nodes.csv)", "",
        _md_table(rep.nodes.drop(columns=["name_zh"]), ".4g"), "",
    ]
    if not rep.outside.empty:
        shown = rep.outside.head(max_rows)
        lines += [f"## Values that disagree ({len(rep.outside)}; first {len(shown)}, all in differences.csv)", "",
                  _md_table(shown[["node", "level", "district", "year", "published", "recomputed", "difference",
                                   "tolerance", "status"]], ".10g"), ""]
    if rep.findings:
        lines += ["## Why it differs", ""]
        for f in rep.findings:
            said = " ".join(x for x in (f.evidence_zh, f.evidence) if x)
            advice = " ".join(x for x in (f.advice_zh, f.advice) if x)
            lines += [f"- **{f.label}**{'（可解释这些差异 / explains these differences）' if f.explains else ''}: "
                      f"{said} *{advice}*"]
        lines.append("")
    lines += ["Ranks: 1 = best, ties share the best rank, ranked on unrounded scores within each year. "
              "Spearman and Kendall (tau-b) compare published and recomputed scores of the units present on "
              "both sides.", ""]
    return "\n".join(lines)


def write_report(rep: Reproduction, out: str | Path) -> dict[str, Path]:
    """Write the reproduction report into folder ``out``; return ``{name: path}``.

    ``nodes.csv`` (per node: max/mean absolute difference, values outside, rank agreement),
    ``differences.csv`` (every compared value), ``ranks.csv`` (rank agreement per node and
    year), ``scores.csv`` (the recomputed scores of every node: byte-identical when rerun on the
    same inputs), ``summary.md`` and ``provenance.json`` (package version, framework and
    methodology hashes, input and published file hashes, times).
    """
    out = Path(out)
    res = rep.result
    scores = res.node_scores()
    scores = scores[[c for c in tree_order(res.framework) if c in scores.columns]].reset_index()

    def csv(df: pd.DataFrame, name: str) -> Path:  # text neutralised for spreadsheets (indicators.outputs)
        return write_csv(df, out / name, float_format=_FLOAT)

    files = {
        "nodes": csv(rep.nodes, "nodes.csv"),
        "differences": csv(rep.differences, "differences.csv"),
        "ranks": csv(rep.ranks, "ranks.csv"),
        "scores": csv(scores, "scores.csv"),
        "summary": atomic_write_text(out / "summary.md", summary_markdown(rep)),
        "provenance": atomic_write_text(out / "provenance.json", json.dumps(
            _plain(rep.provenance), ensure_ascii=False, indent=2, sort_keys=True) + "\n"),
    }
    return files


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj
