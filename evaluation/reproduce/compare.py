"""Comparing recomputed with published scores: per cell, node, level and year, and ranks."""

import datetime as _dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from indicators import IndexResult, Methodology

from .diagnose import diagnose
from .read import ReproductionError, Table, decimals
from .result import Reproduction, tree_order, year_runs


# ---------------------------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------------------------
def reproduce(
    result: IndexResult,
    published: Table,
    *,
    tolerance: float = 1e-9,
    year_tolerance: Mapping[int, float] | None = None,
    published_ranks: Table | None = None,
    rebuild: Callable[[Methodology], IndexResult] | None = None,
) -> Reproduction:
    """Compare a recomputed result with published scores; diagnose what differs.

    Parameters
    ----------
    result : IndexResult
        The recomputation (``build_index``).
    published : Table
        Published scores (:func:`read_table` with ``wanted`` = node codes). Indicator columns are
        compared with the normalised indicators, aggregate columns with the aggregates.
    tolerance : float, default 1e-9
        Largest absolute difference accepted.
    year_tolerance : mapping, optional
        ``{year: tolerance}`` overriding ``tolerance`` (e.g. ``{2012: 5e-3}`` for WJP's rounded
        2012 inputs).
    published_ranks : Table, optional
        Published ranks (same layout); compared with the recomputed ranks (ties share the best
        rank). Without it, ranks of the published scores are computed the same way.
    rebuild : callable, optional
        ``methodology -> IndexResult`` on the same inputs; used, when values differ, to test the
        other normalisation year grouping and missing-data policy.

    Returns
    -------
    Reproduction

    Raises
    ------
    ReproductionError
        When a published column is not a node of the framework or no unit-year matches.
    """
    fw = result.framework
    year_tolerance = {int(k): float(v) for k, v in (year_tolerance or {}).items()}
    problems = [f"published column {c!r} is not a node of framework {fw.id}" for c in published.values.columns
                if c not in fw.nodes]
    ours_all = result.node_scores()
    if not problems and not published.values.index.isin(ours_all.index).any():
        problems.append("no unit-year of the published table is in the recomputed result "
                        f"(published e.g. {list(published.values.index[:3])}, recomputed e.g. "
                        f"{list(ours_all.index[:3])}); check the unit and year columns")
    if problems:
        raise ReproductionError("published scores cannot be matched to the framework", problems)

    codes = [c for c in tree_order(fw) if c in published.values.columns]
    pub = published.values[codes]
    ours = ours_all.reindex(index=pub.index, columns=codes)
    diff = _differences(fw, pub, ours, tolerance, year_tolerance)
    ranks = _rank_agreement(fw, pub, ours, result, published_ranks)
    nodes = _node_summary(fw, diff, pub, ranks)
    levels = _group_summary(diff, "level")
    years = _group_summary(diff, "year")
    rep = Reproduction(result, published, float(tolerance), year_tolerance, diff, nodes, levels, years, ranks,
                       (), {}, published_ranks)
    findings = tuple(diagnose(rep, rebuild, reproduce)) if (not rep.ok or (ranks["identical"] < 1).any()) else ()
    provenance = {
        **dict(result.provenance),
        "published": {"file": published.file, "sha256": published.sha256},
        "published_ranks": (None if published_ranks is None
                            else {"file": published_ranks.file, "sha256": published_ranks.sha256}),
        "tolerance": float(tolerance),
        "year_tolerance": {str(k): v for k, v in sorted(year_tolerance.items())},
        "compared": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return Reproduction(result, published, float(tolerance), year_tolerance, diff, nodes, levels, years, ranks,
                        findings, provenance, published_ranks)


def _differences(fw, pub: pd.DataFrame, ours: pd.DataFrame, tolerance: float,
                 year_tolerance: Mapping[int, float]) -> pd.DataFrame:
    n_rows = len(pub)
    years = pub.index.get_level_values("year").to_numpy()
    tol_row = np.array([year_tolerance.get(int(y), tolerance) for y in years], dtype=float)
    parts = []
    for code in pub.columns:
        p = pub[code].to_numpy(dtype=float)
        o = ours[code].to_numpy(dtype=float)
        d = o - p
        a = np.abs(d)
        pm, om = np.isnan(p), np.isnan(o)
        status = np.where(pm & om, "both missing", np.where(om, "missing recomputed", np.where(
            pm, "missing published", np.where(a <= tol_row, "ok", "outside"))))
        parts.append(pd.DataFrame({
            "node": code, "level": fw.nodes[code].level,
            "district": pub.index.get_level_values("district"), "year": years,
            "published": p, "recomputed": o, "difference": d, "abs_difference": a,
            "tolerance": tol_row, "status": status,
        }, index=pd.RangeIndex(n_rows)))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["level", "node", "year", "district"], ascending=[False, True, True, True],
                           kind="mergesort", key=lambda s: s.map(_node_key(fw)) if s.name == "node" else s
                           ).reset_index(drop=True)


def _node_key(fw):
    order = {c: i for i, c in enumerate(tree_order(fw))}
    return lambda c: order.get(c, len(order))


def _rank_agreement(fw, pub: pd.DataFrame, ours: pd.DataFrame, result: IndexResult,
                    published_ranks: Table | None) -> pd.DataFrame:
    rows = []
    our_ranks = result.node_ranks()
    given = published_ranks.values if published_ranks is not None else None
    for year, p_year in pub.groupby(level="year", sort=True):
        o_year = ours.loc[p_year.index]
        for code in pub.columns:
            p, o = p_year[code], o_year[code]
            both = (p.notna() & o.notna()).to_numpy()
            n = int(both.sum())
            row = {"node": code, "level": fw.nodes[code].level, "year": int(year), "n": n,
                   "identical": np.nan, "spearman": np.nan, "kendall": np.nan, "ranks_from": "published scores"}
            pv, ov = p.to_numpy(dtype=float)[both], o.to_numpy(dtype=float)[both]
            if n >= 1:
                if given is not None and code in given.columns:
                    keys = p.index[both]
                    pr = given[code].reindex(keys).to_numpy(dtype=float)
                    orank = our_ranks[code].reindex(keys).to_numpy(dtype=float)
                    row["identical"] = float((pr == orank).mean())
                    row["ranks_from"] = "published ranks"
                else:
                    same = stats.rankdata(-pv, method="min") == stats.rankdata(-ov, method="min")
                    row["identical"] = float(same.mean())
            if n >= 3 and np.ptp(pv) > 0 and np.ptp(ov) > 0:
                row["spearman"] = float(stats.spearmanr(pv, ov).statistic)
                row["kendall"] = float(stats.kendalltau(pv, ov).statistic)
            elif n >= 2:
                eq = bool((stats.rankdata(-pv, method="min") == stats.rankdata(-ov, method="min")).all())
                row["spearman"] = row["kendall"] = 1.0 if eq else np.nan
            rows.append(row)
    out = pd.DataFrame(rows, columns=["node", "level", "year", "n", "identical", "spearman", "kendall",
                                      "ranks_from"])
    order = {c: i for i, c in enumerate(pub.columns)}
    return out.sort_values(["node", "year"], key=lambda s: s.map(order) if s.name == "node" else s,
                           kind="mergesort").reset_index(drop=True)


def _node_summary(fw, diff: pd.DataFrame, pub: pd.DataFrame, ranks: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for code in pub.columns:
        d = diff[diff["node"] == code]
        r = ranks[ranks["node"] == code]
        weights = r["n"].where(r["identical"].notna(), 0)
        rows.append({
            "node": code, "level": fw.nodes[code].level, "name_zh": fw.nodes[code].zh, "name_en": fw.nodes[code].en,
            "n_published": int(pub[code].notna().sum()),
            **_counts(d["status"]),
            "n_missing_recomputed": int((d["status"] == "missing recomputed").sum()),
            "n_missing_published": int((d["status"] == "missing published").sum()),
            "max_abs_difference": d["abs_difference"].max(skipna=True),
            "mean_abs_difference": d["abs_difference"].mean(skipna=True),
            "published_decimals": decimals(pub[code]),
            "identical_ranks": (float((r["identical"].fillna(0) * weights).sum() / weights.sum())
                                if weights.sum() else np.nan),
            "spearman_min": r["spearman"].min(skipna=True),
            "kendall_min": r["kendall"].min(skipna=True),
        })
    out = pd.DataFrame(rows)
    out["published_decimals"] = out["published_decimals"].astype("Int64")
    return out


def _counts(status: pd.Series) -> dict[str, int]:
    """The counts of :attr:`Reproduction.counts` for some cells: ``n_values`` (a number on at least one
    side) = ``n_agree`` + ``n_outside`` + ``n_missing_one_side``; ``n_both_missing`` apart."""
    n = status.value_counts()
    agree, outside = int(n.get("ok", 0)), int(n.get("outside", 0))
    one = int(n.get("missing recomputed", 0)) + int(n.get("missing published", 0))
    return {"n_values": agree + outside + one, "n_agree": agree, "n_outside": outside,
            "n_missing_one_side": one, "n_both_missing": int(n.get("both missing", 0))}


def _group_summary(diff: pd.DataFrame, by: str) -> pd.DataFrame:
    """Counts, largest and mean difference and the tolerance per level or per year.

    Per year the tolerance is a number; per level it names the tolerance of each year, e.g.
    ``1e-12 (2014–2024); 0.005 (2012)``, because a level spans years with different tolerances.
    """
    all_years = sorted(set(diff["year"]))
    rows = []
    for key, g in diff.groupby(by, sort=True):
        rows.append({by: key, **_counts(g["status"]),
                     "max_abs_difference": g["abs_difference"].max(),
                     "mean_abs_difference": g["abs_difference"].mean(),
                     "tolerance": (float(g["tolerance"].max()) if by == "year"
                                   else tolerance_text(g, all_years))})
    out = pd.DataFrame(rows)
    if by == "level":
        out = out.sort_values("level", ascending=False, kind="mergesort")
    return out.reset_index(drop=True)


def tolerance_text(diff: pd.DataFrame, all_years: list[int]) -> str:
    """The tolerance of each year of ``diff``: ``1e-12 (2014–2024); 0.005 (2012)``, one tolerance alone.

    Years are written as runs over ``all_years`` (the years compared), so 2014–2024 means every
    compared year from 2014 to 2024 even when 2018 is absent from the data.
    """
    per_year = diff.groupby("year")["tolerance"].max()
    if per_year.nunique() <= 1:
        return format(float(per_year.iloc[0]), "g") if len(per_year) else ""
    parts = []
    for tol, years in sorted(per_year.groupby(per_year).groups.items(), key=lambda kv: min(kv[1])):
        parts.append((len(years), f"{float(tol):g} ({year_runs(years, all_years)})"))
    return "; ".join(p for _, p in sorted(parts, key=lambda x: -x[0]))
