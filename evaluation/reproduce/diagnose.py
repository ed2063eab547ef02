"""Why a reproduction differs: rounded inputs or published values, ties, missing data, year grouping."""

import json

import numpy as np
import pandas as pd

from indicators import IndexResult, Methodology

from .read import decimals
from .result import Finding, Reproduction, min_rank


# ---------------------------------------------------------------------------------------------
# diagnosis
# ---------------------------------------------------------------------------------------------
def diagnose(rep: Reproduction, rebuild, recompare) -> list[Finding]:
    out: list[Finding] = []
    bad = rep.outside
    outside = bad[bad["status"] == "outside"]
    out += _rounded_inputs(rep, outside)
    out += _rounded_published(rep, outside)
    out += _missing_policy(rep, bad, outside)
    out += _ties(rep)
    if rebuild is not None and not bad.empty:
        out += _probes(rep, rebuild, recompare)
    covered = np.zeros(len(outside), dtype=bool)
    for f in out:
        if f.explains and f.scope is not None:
            hit = np.ones(len(outside), dtype=bool)
            for key, value in f.scope.items():
                hit &= (outside[key] == value).to_numpy()
            covered |= hit
    rest = outside[~covered]
    if not rest.empty:
        worst = rest.loc[rest["abs_difference"].idxmax()]
        lowest = int(rest["level"].min())
        at_lowest = sorted(set(rest.loc[rest["level"] == lowest, "node"]))
        out.append(Finding(
            "unexplained differences",
            f"{len(rest)} values differ by more than the tolerance without a cause found above; the largest at "
            f"{worst['node']} (level {worst['level']}) {worst['district']} {worst['year']}: "
            f"{worst['abs_difference']:.3g}. Differences start at level {lowest} "
            f"({len(at_lowest)} nodes: {', '.join(at_lowest[:12])}{' …' if len(at_lowest) > 12 else ''}).",
            "Check, from that level up: the inputs and formulas (denomination, imputation, outlier treatment) "
            "and the normaliser and its goalposts and directions for indicators; weights (see the "
            "effective-weight table) and the aggregation formula per level for aggregates.",
        ))
    return out


def _input_columns(result: IndexResult) -> list[str]:
    fw = result.framework
    figs: list[str] = []
    for code in result.normalised.columns:
        node = fw.nodes[code]
        for f in (node.formula.figures if node.formula else ()):
            if f not in figs and f in result.figures.columns:
                figs.append(f)
    return figs


def _rounded_inputs(rep: Reproduction, outside: pd.DataFrame) -> list[Finding]:
    res = rep.result
    figs = _input_columns(res)
    out = []
    if not figs:
        return out
    by_year = res.figures[figs].groupby(level="year")
    for year, frame in by_year:
        ds = [decimals(frame[c]) for c in figs if frame[c].notna().any()]
        frac = [d for d in ds if d is not None and d > 0]
        if not ds or any(d is None for d in ds) or not frac:
            continue  # some column unrounded, or only whole numbers (counts)
        d = max(ds)
        if d > 4:
            continue
        here = outside[outside["year"] == year]
        bound = 0.5 * 10.0**-d
        identity = all(res.methodology.normalise_overrides.get(c, res.methodology.normalise).method == "identity"
                       for c in res.normalised.columns)
        if here.empty:
            continue
        mx = float(here["abs_difference"].max())
        within = identity and mx <= bound * (1 + 1e-9)
        bound_txt = (f" With pass-through indicators and weighted means, rounding to {d} decimals moves a score "
                     f"by at most 0.5e-{d} = {bound:g}; the largest difference in {year} is {mx:.3g}"
                     f"{' — within that bound' if within else ''}." if identity else "")
        out.append(Finding(
            "rounded inputs",
            f"The inputs of {year} are stored rounded to at most {d} decimals ({len(ds)} input columns); "
            f"{len(here)} values of {year} differ by more than the tolerance.{bound_txt}",
            f"Start from unrounded inputs for {year}, or accept a tolerance of {bound:g} for it "
            f"(--year-tolerance {year}={bound:g}).",
            explains=within, scope={"year": year},
        ))
    return out


def _rounded_published(rep: Reproduction, outside: pd.DataFrame) -> list[Finding]:
    out = []
    for _, row in rep.nodes.iterrows():
        d = row["published_decimals"]
        if pd.isna(d) or d > 4:
            continue
        here = outside[outside["node"] == row["node"]]
        if here.empty:
            continue
        bound = 0.5 * 10.0 ** -int(d)
        within = bool((here["abs_difference"] <= bound * (1 + 1e-9)).all())
        out.append(Finding(
            "rounded published values",
            f"Published {row['node']} values are rounded to {int(d)} decimals, so they can agree with unrounded "
            f"scores only to {bound:g}; {len(here)} of them differ by more than the tolerance"
            f"{', all within ' + format(bound, 'g') if within else ''}.",
            "Compare against unrounded published values if the publisher has them, or set the tolerance to "
            f"{bound:g} for this table; ranks of rounded scores tie where the unrounded ones do not.",
            explains=within, scope={"node": row["node"]},
        ))
    return out


def _missing_policy(rep: Reproduction, bad: pd.DataFrame, outside: pd.DataFrame) -> list[Finding]:
    out = []
    res = rep.result
    mr = bad[bad["status"] == "missing recomputed"]
    mp = bad[bad["status"] == "missing published"]
    meth = res.methodology
    if not mr.empty:
        absent = ~mr.set_index(["district", "year"]).index.isin(res.index.index)
        ind = mr[mr["level"] == 1]
        agg = mr[mr["level"] > 1]
        where = f" ({int(absent.sum())} for unit-years missing from the inputs or screened out)" if absent.any() else ""
        if not ind.empty:
            out.append(Finding(
                "missing-data policy",
                f"{len(ind)} published indicator values have no recomputed value: the inputs lack them"
                f"{where}; indicators: {', '.join(sorted(set(ind['node']))[:10])}.",
                f"The publisher imputed them (this methodology imputes with {meth.impute.method!r}): choose the "
                "same imputation (mean, group_mean with the publisher's grouping, last_year).",
                explains=True,
            ))
        if not agg.empty:
            out.append(Finding(
                "missing-data policy",
                f"{len(agg)} published aggregate values have no recomputed value{where}; nodes: "
                f"{', '.join(sorted(set(agg['node']))[:10])}.",
                f"The methodology's missing-data policy ({meth.missing.method} {dict(meth.missing.params)}) or "
                "screen drops scores the publisher computed from fewer children: lower min_coverage, or impute.",
                explains=True,
            ))
    if not mp.empty:
        out.append(Finding(
            "missing-data policy",
            f"{len(mp)} values are recomputed where the publisher has none; nodes: "
            f"{', '.join(sorted(set(mp['node']))[:10])}.",
            "The publisher requires more data per aggregate (a coverage threshold such as COINr's dat_thresh, "
            "or a strict policy): raise min_coverage or choose missing: strict.",
            explains=True,
        ))
    if not outside.empty:
        has_missing = res.indicators.isna()
        fw = res.framework
        kids = {code: [c for c in res.normalised.columns if code in fw.path(c)] for code in set(outside["node"])}
        rows_missing = []
        for code, d, y in zip(outside["node"], outside["district"], outside["year"], strict=True):
            key = (d, y)
            rows_missing.append(bool(key in has_missing.index and has_missing.loc[key, kids[code]].any()))
        share_bad = float(np.mean(rows_missing))
        share_all = float(has_missing.any(axis=1).mean())
        if share_bad == 1.0 and share_all < 1.0:
            out.append(Finding(
                "missing-data policy",
                f"Every one of the {len(outside)} values outside the tolerance is a unit-year with a missing "
                f"indicator under that node, while only {share_all:.0%} of unit-years have one.",
                "The publisher handles missing values differently: it may impute them (mean, group mean) where "
                "this methodology skips them and rescales the weights, or the reverse.",
                explains=True, scope={},
            ))
    return out


def _ties(rep: Reproduction) -> list[Finding]:
    r = rep.ranks
    bad = r[r["identical"] < 1]
    if bad.empty:
        return []
    pub = rep.published.values
    ours = rep.result.node_scores()
    tied_only = True
    examples = []
    n_mismatch = 0
    our_ranks = rep.result.node_ranks()
    outside = rep.outside
    for _, row in bad.iterrows():
        code, year = row["node"], row["year"]
        if ((outside["node"] == code) & (outside["year"] == year)).any():
            continue  # ranks follow scores that differ: not a matter of ties
        sel = pub.index.get_level_values("year") == year
        p = pub.loc[sel, code]
        o = ours.reindex(p.index)[code]
        both = p.notna() & o.notna()
        p, o = p[both], o[both]
        if row["ranks_from"] == "published ranks":
            orank = our_ranks[code].reindex(p.index).astype(float)
            prank = rep.published_ranks.values[code].reindex(p.index).astype(float)
        else:
            orank, prank = min_rank(o), min_rank(p)
        tol = rep.year_tolerance.get(int(year), rep.tolerance)
        for unit in p.index[(orank != prank).to_numpy()]:
            n_mismatch += 1
            near = (np.abs(p - p[unit]) <= tol).sum() > 1 or (np.abs(o - o[unit]) <= tol).sum() > 1
            tied_only &= bool(near)
            if len(examples) < 3:
                examples.append(f"{code} {year} {unit[0]}: rank {int(orank[unit])} vs {int(prank[unit])}")
    if n_mismatch == 0:
        return []
    return [Finding(
        "tie rules",
        f"{n_mismatch} ranks differ ({'; '.join(examples)})"
        f"{', all among scores tied within the tolerance' if tied_only else ''}.",
        "rolindex ranks ties with the best shared rank (R's ties.method = 'min', as COINr). Publishers that use "
        "average or first ranks, or whose tables round scores so that distinct values look tied (or break ties "
        "by digits the table does not show), differ exactly there.",
        explains=tied_only, scope=None,
    )]


def _probes(rep: Reproduction, rebuild, recompare) -> list[Finding]:
    meth = rep.result.methodology
    base = rep.max_abs_difference
    variants: list[tuple[str, str, Methodology]] = []
    years = rep.result.years
    norm = meth.normalise
    if norm.method in ("minmax", "zscore") and len(years) > 1:
        by_year = bool(norm.params.get("by_year", True))
        variants.append((
            "normalisation year grouping",
            "normalising over all years pooled" if by_year else "normalising within each year",
            meth.replace(normalise={"method": norm.method, "params": {**dict(norm.params), "by_year": not by_year}}),
        ))
    miss = meth.missing
    if miss.method == "skip" and float(miss.params.get("min_coverage", 0.0)) > 0:
        variants.append(("missing-data policy", "aggregating whatever children are present (min_coverage 0)",
                         meth.replace(missing={"method": "skip", "params": {"min_coverage": 0.0}})))
    elif miss.method == "skip":
        variants.append(("missing-data policy", "requiring every child (missing: strict)",
                         meth.replace(missing="strict")))
    elif miss.method == "strict":
        variants.append(("missing-data policy", "aggregating whatever children are present (skip, min_coverage 0)",
                         meth.replace(missing={"method": "skip", "params": {"min_coverage": 0.0}})))
    out = []
    for cause, what, variant in variants:
        try:
            alt = recompare(rebuild(variant), rep.published, tolerance=rep.tolerance,
                            year_tolerance=rep.year_tolerance)
        except Exception as exc:  # a probe that cannot run says so instead of hiding the report
            out.append(Finding(cause, f"Rebuilding with {what} failed: {exc}", "", False))
            continue
        if alt.ok or alt.max_abs_difference < 0.5 * base or len(alt.outside) < 0.5 * len(rep.outside):
            out.append(Finding(
                cause,
                f"Rebuilding with {what} leaves {len(alt.outside)} values disagreeing instead of "
                f"{len(rep.outside)} (largest difference {alt.max_abs_difference:.3g} instead of {base:.3g}).",
                "The published index was most likely computed that way; change the methodology accordingly "
                f"({json.dumps(variant.to_dict().get('normalise' if 'normalis' in cause else 'missing'))}).",
                explains=alt.ok, scope={},
            ))
    return out
