"""The result of :func:`indicators.build_index`: a passive, immutable record of every stage.

Plain DataFrames indexed by (district, year); no plotting here (that lives in ``evaluation/``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .framework import Framework
from .methodology import Methodology


@dataclass(frozen=True)
class IndexResult:
    """Every stage of an index build, scores at every level, ranks, weights and contributions.

    Attributes
    ----------
    figures : raw figures, wide (one column per figure id).
    indicators : indicator values in natural units (divided by their denominators when the
        methodology denominates), before imputation.
    indicator_source : per cell, ``counts`` / ``reported`` / ``imputed`` or why it is missing.
    imputed, treated : indicator values after imputation and after outlier treatment.
    normalised : indicator scores on 0–100.
    scores : every aggregate node (dimensions …, and the index) on 0–100.
    index, ranks, grades : the index, its rank within each year (1 = best, ties share the best
        rank, ranked on unrounded scores) and grade band (zh, en).
    weights : each node's weight within its parent (sums to 1 per parent).
    effective_weights : each indicator's nominal weight in the index (product along its path).
    contributions : each indicator's contribution to each row's index (rows sum to the index).
    coverage : indicators present (before imputation) per row, count and weighted share.
    grading : per row, ``graded`` (the methodology's grading rule is met) and, when not, the
        reason (``reason_zh``, ``reason_en``; such rows are 不评定等次 and not ranked);
        ``indicators_used`` (indicators with data that count in the index: every aggregate above
        them is scored — fewer than ``coverage.indicators_present`` when a dimension lacks data),
        ``dimensions_scored`` of ``dimensions_total``.
    explain : learned or diagnostic tables: ``normalise`` (goalposts used), ``denominate`` (one
        row per indicator divided), ``screen`` (data availability of every district-year and
        whether it was kept), ``impute`` (every imputed cell and its value), ``treat`` (skewness,
        kurtosis and status per year and indicator), ``treated_points`` (every winsorised or
        log-transformed value, before and after).
    provenance : package version, framework and methodology identity, input hashes, versions of
        Python and the numerical stack (``environment``), time.
    """

    framework: Framework
    methodology: Methodology
    districts: pd.DataFrame
    figures: pd.DataFrame
    indicators: pd.DataFrame
    indicator_source: pd.DataFrame
    imputed: pd.DataFrame
    treated: pd.DataFrame
    normalised: pd.DataFrame
    scores: pd.DataFrame
    index: pd.Series
    ranks: pd.Series
    grades: pd.DataFrame
    weights: pd.Series
    effective_weights: pd.Series
    contributions: pd.DataFrame
    coverage: pd.DataFrame
    explain: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    grading: pd.DataFrame | None = None

    @property
    def stages(self) -> dict[str, pd.DataFrame]:
        """Named intermediate data sets, in pipeline order."""
        return {
            "raw": self.figures, "derived": self.indicators, "imputed": self.imputed,
            "treated": self.treated, "normalised": self.normalised, "aggregated": self.scores,
        }

    @property
    def years(self) -> list[int]:
        """Years present in the result (a fresh list; found once, as a report asks per cell)."""
        return list(self._years)

    @functools.cached_property
    def _years(self) -> tuple[int, ...]:
        return tuple(sorted(self.index.index.unique(level="year").tolist()))

    def node_scores(self) -> pd.DataFrame:
        """Scores of every node: normalised indicators and aggregates side by side."""
        return pd.concat([self.normalised, self.scores], axis=1)

    def node_ranks(self) -> pd.DataFrame:
        """Rank of every node within each year: normalised indicators and aggregates.

        1 = best (highest score), ties share the best rank, missing scores stay missing — COINr's
        ``rank(-x, ties.method = "min", na.last = "keep")``. Ranked on unrounded scores.
        """
        ranks = self.node_scores().groupby(level="year").rank(method="min", ascending=False)
        return ranks.astype("Int64")

    def table(self) -> pd.DataFrame:
        """The result table: one row per district-year, index, rank, grade, dimension scores."""
        fw = self.framework
        dims = [c for c in fw.children(fw.root) if c in self.scores.columns]
        out = pd.DataFrame(index=self.index.index)
        out["district_name"] = self.districts["district_name"].reindex(
            out.index.get_level_values("district")
        ).to_numpy()
        out["index"] = self.index
        out["rank"] = self.ranks
        out["n_ranked"] = self.ranks.groupby(level="year").transform("count")
        out["grade_zh"] = self.grades["zh"]
        out["grade_en"] = self.grades["en"]
        if self.grading is not None:
            out["graded"] = self.grading["graded"]
            out["grade_reason"] = (self.grading["reason_zh"] + " / " + self.grading["reason_en"]).where(
                ~self.grading["graded"] & (self.grading["reason_zh"] != ""), "")
        for d in dims:
            out[d] = self.scores[d]
        out["coverage"] = self.coverage["coverage"]
        out["weighted_coverage"] = self.coverage["weighted_coverage"]
        if self.grading is not None:
            out["indicators_used"] = self.grading["indicators_used"]
        return out.reset_index()

    def ranking(self, year: int) -> pd.DataFrame:
        """The year's table sorted by rank (best first)."""
        t = self.table()
        t = t[t["year"] == year]
        return t.sort_values(["rank", "district"], na_position="last").reset_index(drop=True)

    def to_csv(self, path: str | Path) -> Path:
        """Write :meth:`table` as UTF-8 CSV atomically; identical inputs give identical bytes.

        Text (district codes and names, grades) is neutralised so a spreadsheet never runs it as a
        formula (:mod:`indicators.outputs`); numbers are written unchanged.
        """
        from .outputs import write_csv

        return write_csv(self.table(), Path(path))

    def to_xlsx(self, path: str | Path) -> Path:
        """Write :meth:`table` as an XLSX workbook (sheet ``scores``) atomically; text cells are strings."""
        from .outputs import write_xlsx

        return write_xlsx({"scores": self.table()}, Path(path))
