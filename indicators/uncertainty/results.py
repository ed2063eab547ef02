"""The result of an uncertainty analysis: rank intervals, stability, Sobol indices, saved with
their assumptions (:class:`UncertaintyResult`, :func:`load_uncertainty`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, MethodologyError
from ..io import atomic_write_bytes, atomic_write_text
from ..outputs import write_csv
from .sampling import (
    Assumptions,
    _factors_of,
    load_assumptions,
    salib_problem,
)


@dataclass(frozen=True)
class UncertaintyResult:
    """Scores and ranks of every replication, with the nominal ones and the assumptions.

    Attributes
    ----------
    assumptions : Assumptions
    rows : MultiIndex (district, year) of the columns of ``scores`` and ``ranks``.
    nominal_scores, nominal_ranks : Series over ``rows`` (ranks 0 = not ranked).
    scores : ndarray (replications, rows) of index scores, or None if not kept.
    ranks : ndarray of int32 (replications, rows), within each year (1 = best, 0 = missing).
    timing : seconds for the data stage, the aggregation and ranking, and per replication.
    """

    assumptions: Assumptions
    rows: pd.MultiIndex
    nominal_scores: pd.Series
    nominal_ranks: pd.Series
    scores: np.ndarray | None
    ranks: np.ndarray
    timing: Mapping[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.ranks.shape[0]

    @property
    def years(self) -> np.ndarray:
        return self.rows.get_level_values("year").to_numpy()

    def rank_shift(self, year: int | None = None) -> np.ndarray:
        """Per replication: mean absolute rank shift against the nominal ranking.

        Averaged over the district-years ranked both nominally and in the replication (of one
        ``year`` if given). The output of the Sobol analysis (as in COINr).
        """
        cols = self._cols(year)
        r = self.ranks[:, cols].astype(np.float64)
        nom = self.nominal_ranks.to_numpy()[cols].astype(np.float64)
        ok = (r > 0) & (nom > 0)[None, :]
        diff = np.where(ok, np.abs(r - nom[None, :]), 0.0)
        return diff.sum(axis=1) / np.maximum(ok.sum(axis=1), 1)

    def _cols(self, year: int | None) -> np.ndarray:
        if year is None:
            return np.arange(len(self.rows))
        cols = np.flatnonzero(self.years == year)
        if not len(cols):
            raise DataError(f"no rows for year {year}; years are {sorted(set(self.years))}")
        return cols

    def rank_stats(self, k: int = 3, year: int | None = None) -> pd.DataFrame:
        """Per district-year: nominal rank, median, mean, 5th/95th percentile, share within ±k.

        Percentiles interpolate linearly (R's type 7, as COINr). ``within_k`` is the share of
        replications whose rank is within ``k`` places of the district's median rank. With scores
        kept, the nominal score and the 5th/50th/95th percentiles of the score are added.
        """
        cols = self._cols(year)
        r = self.ranks[:, cols].astype(np.float64)
        r[r == 0] = np.nan
        complete = ~np.isnan(r).any(axis=0)
        q = np.full((3, len(cols)), np.nan)
        mean = np.full(len(cols), np.nan)
        if complete.any():
            q[:, complete] = np.percentile(r[:, complete], [5, 50, 95], axis=0)
            mean[complete] = r[:, complete].mean(axis=0)
        part = ~complete & ~np.isnan(r).all(axis=0)
        if part.any():
            q[:, part] = np.nanpercentile(r[:, part], [5, 50, 95], axis=0)
            mean[part] = np.nanmean(r[:, part], axis=0)
        n_ranked = (~np.isnan(r)).sum(axis=0)
        within = (np.abs(r - q[1][None, :]) <= k).sum(axis=0) / np.maximum(n_ranked, 1)
        nom = self.nominal_ranks.to_numpy()[cols]
        out = pd.DataFrame({
            "nominal_rank": pd.array(np.where(nom > 0, nom, pd.NA), dtype="Int64"),
            "median_rank": q[1], "mean_rank": mean, "q05_rank": q[0], "q95_rank": q[2],
            "interval_width": q[2] - q[0], f"within_{k}": np.where(n_ranked > 0, within, np.nan),
            "n_ranked": n_ranked,
        }, index=self.rows[cols])
        if self.scores is not None:
            s = self.scores[:, cols]
            sq = np.full((3, len(cols)), np.nan)
            ok = ~np.isnan(s).all(axis=0)
            if ok.any():
                sq[:, ok] = np.nanpercentile(s[:, ok], [5, 50, 95], axis=0)
            out["nominal_score"] = self.nominal_scores.to_numpy()[cols]
            out["q05_score"], out["median_score"], out["q95_score"] = sq
        return out

    def summary(self, k: int = 3) -> pd.DataFrame:
        """Per year: how stable the ranking is.

        ``share_nominal_within_k``: districts whose nominal rank is within ±k of their median
        rank; ``share_interval_within_k``: districts whose 5–95 % rank interval lies within
        median ± k; ``mean_interval_width``, ``max_interval_width``; ``mean_rank_shift``: the
        mean over replications of :meth:`rank_shift` for the year.
        """
        rows = []
        for year in sorted(set(self.years)):
            st = self.rank_stats(k, year)
            st = st[st["nominal_rank"].notna() & st["median_rank"].notna()]
            if st.empty:
                continue
            near = (st["nominal_rank"].astype(float) - st["median_rank"]).abs() <= k
            tight = (st["q05_rank"] >= st["median_rank"] - k) & (st["q95_rank"] <= st["median_rank"] + k)
            rows.append({"year": int(year), "n_districts": len(st), f"share_nominal_within_{k}": float(near.mean()),
                         f"share_interval_within_{k}": float(tight.mean()),
                         "mean_interval_width": float(st["interval_width"].mean()),
                         "max_interval_width": float(st["interval_width"].max()),
                         "mean_rank_shift": float(self.rank_shift(int(year)).mean())})
        return pd.DataFrame(rows).set_index("year")

    def sensitivity(
        self,
        *,
        year: int | None = None,
        output: np.ndarray | None = None,
        n_boot: int = 1000,
        conf_level: float = 0.95,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """First-order and total Sobol indices per input, with bootstrap confidence intervals.

        The output is :meth:`rank_shift` (of one ``year`` if given) unless ``output`` gives one
        value per replication (e.g. one district's rank). SALib's estimators (Saltelli 2010 for
        first order, Jansen for total; ``analyze.sobol``); ``*_conf`` are half-widths of the
        bootstrap confidence interval at ``conf_level`` (``n_boot`` resamples, drawn with ``seed``
        so the table is reproducible).

        Raises
        ------
        MethodologyError
            The run is not a Sobol design.
        DataError
            The output does not vary across replications.

        References
        ----------
        Saltelli et al. (2010), https://doi.org/10.1016/j.cpc.2009.09.018; Jansen (1999),
        *Computer Physics Communications* 117, 35–43, https://doi.org/10.1016/S0010-4655(98)00154-4.
        """
        a = self.assumptions
        if a.design != "sobol":
            raise MethodologyError("sensitivity indices need a Sobol design (run with design='sobol')")
        y = self.rank_shift(year) if output is None else np.asarray(output, dtype=float)
        if y.shape != (self.n,):
            raise DataError(f"output must have one value per replication ({self.n}), got shape {y.shape}")
        if not np.isfinite(y).all():
            raise DataError("output has missing or infinite values")
        if np.ptp(y) == 0:
            raise DataError("the output does not vary across replications; every input has zero sensitivity "
                            "(are all inputs fixed?)")
        from SALib.analyze import sobol as sobol_analyze

        # SALib treats seed 0 as "no seed" (``if seed:``); map it to another fixed seed
        salib_seed = None if seed is None else (seed if seed else 2**31 - 1)
        si = sobol_analyze.analyze(salib_problem(_factors_of(a)), y, calc_second_order=False, num_resamples=n_boot,
                                   conf_level=conf_level, seed=salib_seed)
        return pd.DataFrame({"S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"], "ST_conf": si["ST_conf"]},
                            index=pd.Index(a.spec.names, name="input"))

    def save(self, folder: str | Path) -> Path:
        """Assumptions (replayable) plus ``ranks.npz`` (ranks, scores, nominal, rows) and ``rank_stats.csv``."""
        folder = self.assumptions.save(folder)
        buf = io.BytesIO()
        arrays = {"ranks": self.ranks, "nominal_ranks": self.nominal_ranks.to_numpy(dtype=np.int32),
                  "nominal_scores": self.nominal_scores.to_numpy(dtype=float),
                  "districts": np.asarray(self.rows.get_level_values("district"), dtype=str),
                  "years": self.years.astype(np.int64)}
        if self.scores is not None:
            arrays["scores"] = self.scores
        np.savez_compressed(buf, **arrays)
        atomic_write_bytes(folder / "ranks.npz", buf.getvalue())
        write_csv(self.rank_stats(), folder / "rank_stats.csv", index=True)
        atomic_write_text(folder / "timing.json", json.dumps(dict(self.timing), indent=2) + "\n")
        return folder


def load_uncertainty(folder: str | Path) -> UncertaintyResult:
    """Read what :meth:`UncertaintyResult.save` wrote (no recomputation)."""
    folder = Path(folder)
    a = load_assumptions(folder)
    with np.load(folder / "ranks.npz", allow_pickle=False) as z:
        rows = pd.MultiIndex.from_arrays([z["districts"].astype(object), z["years"]], names=["district", "year"])
        scores = z["scores"] if "scores" in z.files else None
        res = UncertaintyResult(a, rows, pd.Series(z["nominal_scores"], index=rows, name="index"),
                                pd.Series(z["nominal_ranks"], index=rows, name="rank"), scores, z["ranks"])
    timing_path = folder / "timing.json"
    timing = json.loads(timing_path.read_text()) if timing_path.exists() else {}
    return UncertaintyResult(res.assumptions, res.rows, res.nominal_scores, res.nominal_ranks, res.scores,
                             res.ranks, timing)
