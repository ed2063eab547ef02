"""Reproduce published scores: recompute an index, compare it node by node, explain, report.

An academic who wants to check a published index gives its framework, its methodology, its inputs
and the published scores (any levels: indicators, pillars, the index). :func:`reproduce` compares
the recomputed scores of every node the published table holds, for every unit-year it holds,
and returns a :class:`Reproduction`: per cell, node, level and year the absolute differences,
the cells outside the tolerance, rank agreement (identical ranks, Spearman's rho, Kendall's tau)
and, when it fails, :class:`Finding` s that explain the usual causes:

- **rounded inputs** — inputs stored with few decimals (WJP's 2012 sub-factors have 2);
- **rounded published values** — a table shown to 2 decimals can only agree to 0.005;
- **tie rules** — ranks that differ only among tied scores (min, average or first ranks; or
  scores that look tied at the published precision);
- **missing-data policy** — scores present on one side only, or differences only where
  indicators are missing (skipping and rescaling weights vs imputing; coverage thresholds);
- **normalisation year grouping** — min-max or z-scores within each year vs over the pooled panel
  (COINr normalises a purse "globally" by default), found by rebuilding with the other choice.

:func:`write_report` writes the report files (``nodes.csv`` — the per-node differences —,
``differences.csv``, ``ranks.csv``, ``scores.csv``, ``summary.md``, ``provenance.json``);
:func:`plot_differences` and :func:`effective_weight_table` are for notebooks
(``notebooks/reproduce.ipynb``). The ``rolindex reproduce`` command wraps all of it; its inputs
are read by :mod:`.inputs` (submissions, wide tables, COINr coins), which ``rolindex uncertainty``
shares.

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, Step 10 ("links to
other indicators") and §7 (robustness), https://doi.org/10.1787/9789264043466-en; Becker et al.
(2022), COINr, *JOSS* 7(78), 4567, https://doi.org/10.21105/joss.04567 (``compare_coins()``);
World Justice Project (2024), *Rule of Law Index* methodology; Kendall (1938), *Biometrika* 30,
81–93, https://doi.org/10.1093/biomet/30.1-2.81; Spearman (1904), *Am. J. Psychol.* 15, 72–101.
"""

from __future__ import annotations

from .compare import reproduce
from .output import (
    effective_weight_summary,
    effective_weight_table,
    findings_table,
    overview,
    plot_differences,
    summary_markdown,
    verdict,
    write_report,
)
from .read import MAX_DECIMALS, STATUSES, UNIT_COLUMNS, YEAR_COLUMNS, ReproductionError, Table, decimals, read_table
from .result import CAUSES_ZH, Finding, Reproduction
from .wjp import WJP_FRAMEWORK, WJP_METHODOLOGY, WJP_YEAR_TOLERANCE, read_wjp, reproduce_wjp

__all__ = [
    "CAUSES_ZH",
    "MAX_DECIMALS",
    "STATUSES",
    "UNIT_COLUMNS",
    "WJP_FRAMEWORK",
    "WJP_METHODOLOGY",
    "WJP_YEAR_TOLERANCE",
    "YEAR_COLUMNS",
    "Finding",
    "Reproduction",
    "ReproductionError",
    "Table",
    "decimals",
    "effective_weight_summary",
    "effective_weight_table",
    "findings_table",
    "overview",
    "plot_differences",
    "read_table",
    "read_wjp",
    "reproduce",
    "reproduce_wjp",
    "summary_markdown",
    "verdict",
    "write_report",
]
