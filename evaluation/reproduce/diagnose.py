"""Why a reproduction differs: rounded inputs or published values, ties, missing data, year grouping."""

import ast
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators import IndexResult, Methodology

from .read import decimals
from .result import Finding, Reproduction, min_rank, year_runs

#: Inputs with at most this many decimals (and some fraction) count as stored rounded.
ROUNDED_MAX_DECIMALS = 4


# ---------------------------------------------------------------------------------------------
# diagnosis
# ---------------------------------------------------------------------------------------------
def diagnose(rep: Reproduction, rebuild, recompare) -> list[Finding]:
    out: list[Finding] = []
    bad = rep.outside
    outside = bad[bad["status"] == "outside"]
    rounding = rounded_input_years(rep)
    mismatches = _rank_mismatches(rep)
    by_rounding = [m for m in mismatches if m.year in rounding and rounding[m.year].swaps(m)]
    out += _rounded_inputs(rep, outside, rounding, by_rounding)
    out += _rounded_published(rep, outside)
    out += _missing_policy(rep, bad, outside)
    out += _ties(rep, [m for m in mismatches if m not in by_rounding and not m.values_differ])
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
            evidence_zh=f"{len(rest)} 个值超出容差，上述原因均不能解释；最大差在 {worst['node']}"
                        f"（第 {worst['level']} 层）{worst['district']} {worst['year']}："
                        f"{worst['abs_difference']:.3g}。"
                        f"差异始于第 {lowest} 层（{len(at_lowest)} 个节点：{', '.join(at_lowest[:12])}"
                        f"{' …' if len(at_lowest) > 12 else ''}）。",
            advice_zh="请从该层向上核对：指标的输入与公式（分母、插补、离群值处理）、标准化方法及其目标值和方向；"
                      "汇总节点的权重（见有效权重表）与各层的汇总公式。",
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


@dataclass(frozen=True)
class Rounding:
    """A year whose inputs are stored rounded, and how far that rounding can move the scores.

    ``bound`` = 0.5·10^-decimals, the most rounding moves an input. ``propagates`` is True when the
    pipeline passes inputs through and takes weighted arithmetic means (no denomination, imputation,
    treatment; identity normalisation of bare-figure indicators; arithmetic aggregation at every
    level): a weighted mean of inputs each off by at most ``bound`` is off by at most ``bound``, so
    then no score of the year can differ by more. ``max_difference`` is the largest |difference|
    of the year's compared values.
    """

    year: int
    decimals: int
    n_columns: int
    bound: float
    propagates: bool
    max_difference: float
    unrounded_years: tuple[int, ...] = ()

    @property
    def within(self) -> bool:
        """Every difference of the year is within the bound the rounding propagates."""
        return self.propagates and not math.isnan(self.max_difference) and \
            self.max_difference <= self.bound * (1 + 1e-9)

    def swaps(self, m: "_Mismatch") -> bool:
        """A rank difference this rounding accounts for: the unit's published score is within twice the
        year's largest difference of another's (each off by up to that much, the two can swap)."""
        return self.within and m.gap <= 2 * self.max_difference * (1 + 1e-9)


def passes_rounding_through(result: IndexResult) -> bool:
    """True when each score is a weighted arithmetic mean of inputs taken as they are (see :class:`Rounding`)."""
    meth, fw = result.methodology, result.framework
    if any(getattr(meth, k).method != "none" for k in ("denominate", "impute", "treat")):
        return False
    for code in result.normalised.columns:
        formula = fw.nodes[code].formula
        if (meth.normalise_overrides.get(code, meth.normalise).method != "identity" or formula is None
                or not isinstance(formula.tree, ast.Name)):
            return False
    levels = {n.level for n in fw.nodes.values() if n.level > 1}
    return all(meth.aggregate_levels.get(lvl, meth.aggregate).method == "arithmetic" for lvl in levels)


def rounded_input_years(rep: Reproduction) -> dict[int, Rounding]:
    """The years whose inputs all carry at most :data:`ROUNDED_MAX_DECIMALS` decimals (some with a
    fraction: whole-number counts are not "rounded"), read from the inputs themselves."""
    res = rep.result
    figs = _input_columns(res)
    if not figs:
        return {}
    propagates = passes_rounding_through(res)
    diff = rep.differences
    found: dict[int, Rounding] = {}
    unrounded: list[int] = []
    for year, frame in res.figures[figs].groupby(level="year"):
        ds = [decimals(frame[c]) for c in figs if frame[c].notna().any()]
        if not ds:
            continue
        if any(d is None for d in ds):
            unrounded.append(int(year))
            continue
        d = max(ds)
        if d == 0 or d > ROUNDED_MAX_DECIMALS:
            continue
        here = diff.loc[diff["year"] == year, "abs_difference"]
        found[int(year)] = Rounding(int(year), d, len(ds), 0.5 * 10.0**-d, propagates,
                                    float(here.max()) if here.notna().any() else math.nan)
    return {y: Rounding(**{**r.__dict__, "unrounded_years": tuple(unrounded)}) for y, r in found.items()}


def _rounded_inputs(rep: Reproduction, outside: pd.DataFrame, rounding: dict[int, Rounding],
                    by_rounding: list["_Mismatch"]) -> list[Finding]:
    out = []
    all_years = sorted(set(rep.differences["year"]))
    for year, r in sorted(rounding.items()):
        here = outside[outside["year"] == year]
        ranks = [m for m in by_rounding if m.year == year]
        if here.empty and not ranks:
            continue
        d, b, mx = r.decimals, r.bound, r.max_difference
        tol = rep.year_tolerance.get(year, rep.tolerance)
        others = year_runs(r.unrounded_years, all_years) if r.unrounded_years else ""
        en = [f"The inputs of {year} are stored rounded to at most {d} decimals ({r.n_columns} input columns)"
              + (f"; those of {others} are not rounded." if others else ".")]
        zh = [f"{year} 年的输入值最多只保留 {d} 位小数（{r.n_columns} 个输入列）"
              + (f"；{others} 年的输入值未经舍入。" if others else "。")]
        if r.propagates:
            en.append(f"Rounding moves an input by at most 0.5e-{d} = {b:g}; with pass-through indicators and "
                      f"weighted arithmetic means at every level no score moves by more. The largest difference "
                      f"in {year} is {mx:.3g}" + (" — within that bound." if r.within else
                                                 " — beyond that bound: rounding is not the only cause."))
            zh.append(f"舍入使每个输入值最多变动 0.5×10^-{d} = {b:g}；指标沿用原值、各层均为加权算术平均时，任何得分"
                      f"的变动都不会更大。{year} 年的最大差为 {mx:.3g}"
                      + ("，在此界限之内。" if r.within else "，超出此界限：舍入并非唯一原因。"))
        else:
            en.append("The pipeline is not pass-through indicators and weighted arithmetic means, so the "
                      "rounding's effect on the scores has no simple bound here.")
            zh.append("该方法并非沿用原值加加权算术平均，舍入对得分的影响没有简单的界限。")
        if not here.empty:
            en.append(f"{len(here)} values of {year} lie outside its tolerance {tol:g}.")
            zh.append(f"{year} 年有 {len(here)} 个值超出其容差 {tol:g}。")
        if ranks:
            ex = "; ".join(m.example for m in ranks[:3])
            en.append(f"{len(ranks)} ranks of {year} differ ({ex}), each between units whose published scores are "
                      f"at most 2 × {mx:.3g} apart, which differences of up to {mx:.3g} can swap: the rounded "
                      "inputs, not tie rules.")
            zh.append(f"{year} 年有 {len(ranks)} 个排名不同（{ex}），"
                      f"均发生在发布得分相差不超过 2 × {mx:.3g} 的单位之间，最多 {mx:.3g} 的差异足以使其互换名次："
                      "原因是输入值经舍入，而非并列排名规则。")
        explains = r.within
        out.append(Finding(
            "rounded inputs", " ".join(en),
            f"Start from unrounded inputs for {year}, or accept a tolerance of {b:g} for it "
            f"(--year-tolerance {year}={b:g}) and expect its ranks to differ where scores are that close.",
            explains=explains, scope={"year": year}, evidence_zh="".join(zh),
            advice_zh=f"请改用 {year} 年未经舍入的输入值，或对该年接受 {b:g} 的容差（--year-tolerance {year}={b:g}），"
                      "并预期得分如此接近处排名会有不同。",
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
            evidence_zh=f"发布的 {row['node']} 值只保留 {int(d)} 位小数，与未经舍入的得分最多只能一致到 {bound:g}；"
                        f"其中 {len(here)} 个超出容差{'，均在 ' + format(bound, 'g') + ' 之内' if within else ''}。",
            advice_zh=f"如发布方有未经舍入的值，请与之比较；或对该表取 {bound:g} 的容差。"
                      "舍入后的得分会在未舍入时并不相同处并列。",
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
        where_zh = f"（其中 {int(absent.sum())} 个所在的单位年份不在输入中或被筛除）" if absent.any() else ""
        if not ind.empty:
            out.append(Finding(
                "missing-data policy",
                f"{len(ind)} published indicator values have no recomputed value: the inputs lack them"
                f"{where}; indicators: {', '.join(sorted(set(ind['node']))[:10])}.",
                f"The publisher imputed them (this methodology imputes with {meth.impute.method!r}): choose the "
                "same imputation (mean, group_mean with the publisher's grouping, last_year).",
                explains=True,
                evidence_zh=f"{len(ind)} 个已发布的指标值没有复算值：输入中缺少这些值{where_zh}；指标："
                            f"{', '.join(sorted(set(ind['node']))[:10])}。",
                advice_zh=f"发布方对其作了插补（本方法的插补为 {meth.impute.method!r}）：请选用同样的插补"
                          "（mean、按发布方分组的 group_mean、last_year）。",
            ))
        if not agg.empty:
            out.append(Finding(
                "missing-data policy",
                f"{len(agg)} published aggregate values have no recomputed value{where}; nodes: "
                f"{', '.join(sorted(set(agg['node']))[:10])}.",
                f"The methodology's missing-data policy ({meth.missing.method} {dict(meth.missing.params)}) or "
                "screen drops scores the publisher computed from fewer children: lower min_coverage, or impute.",
                explains=True,
                evidence_zh=f"{len(agg)} 个已发布的汇总值没有复算值{where_zh}；节点："
                            f"{', '.join(sorted(set(agg['node']))[:10])}。",
                advice_zh=f"本方法的缺失值规则（{meth.missing.method} {dict(meth.missing.params)}）或筛选舍弃了发布方"
                          "以较少子项算出的得分：请降低 min_coverage，或作插补。",
            ))
    if not mp.empty:
        out.append(Finding(
            "missing-data policy",
            f"{len(mp)} values are recomputed where the publisher has none; nodes: "
            f"{', '.join(sorted(set(mp['node']))[:10])}.",
            "The publisher requires more data per aggregate (a coverage threshold such as COINr's dat_thresh, "
            "or a strict policy): raise min_coverage or choose missing: strict.",
            explains=True,
            evidence_zh=f"{len(mp)} 个值有复算值而发布方没有；节点：{', '.join(sorted(set(mp['node']))[:10])}。",
            advice_zh="发布方要求每个汇总有更多数据（如 COINr 的 dat_thresh 覆盖率门槛，或严格规则）："
                      "请提高 min_coverage，或选 missing: strict。",
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
                evidence_zh=f"超出容差的 {len(outside)} 个值全都在该节点下有指标缺失的单位年份，而有缺失的单位年份只占 "
                            f"{share_all:.0%}。",
                advice_zh="发布方处理缺失值的方式不同：本方法跳过缺失值并重新分配权重之处，发布方可能作了插补（均值、"
                          "分组均值），或者相反。",
            ))
    return out


@dataclass(frozen=True)
class _Mismatch:
    """A unit whose recomputed rank differs from the published one in a node-year."""

    node: str
    year: int
    unit: str
    recomputed: int
    published: int
    #: Some unit's score is within the tolerance of this one's (published or recomputed).
    tied: bool
    #: Distance of its published score to the nearest other unit's.
    gap: float
    #: Values of this node-year differ beyond the tolerance (ranks follow scores that differ).
    values_differ: bool

    @property
    def example(self) -> str:
        return f"{self.node} {self.year} {self.unit}: rank {self.recomputed} vs {self.published}"


def _rank_mismatches(rep: Reproduction) -> list[_Mismatch]:
    r = rep.ranks
    bad = r[r["identical"] < 1]
    if bad.empty:
        return []
    pub = rep.published.values
    ours = rep.result.node_scores()
    our_ranks = rep.result.node_ranks()
    outside = rep.outside
    out = []
    for _, row in bad.iterrows():
        code, year = row["node"], int(row["year"])
        differ = bool(((outside["node"] == code) & (outside["year"] == year)).any())
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
        tol = rep.year_tolerance.get(year, rep.tolerance)
        for unit in p.index[(orank != prank).to_numpy()]:
            others = np.abs(p.drop(unit) - p[unit])
            near = (np.abs(p - p[unit]) <= tol).sum() > 1 or (np.abs(o - o[unit]) <= tol).sum() > 1
            out.append(_Mismatch(code, year, unit[0], int(orank[unit]), int(prank[unit]), bool(near),
                                 float(others.min()) if len(others) else math.inf, differ))
    return out


def _ties(rep: Reproduction, mismatches: list[_Mismatch]) -> list[Finding]:
    if not mismatches:
        return []
    tied_only = all(m.tied for m in mismatches)
    ex = "; ".join(m.example for m in mismatches[:3])
    return [Finding(
        "tie rules",
        f"{len(mismatches)} ranks differ ({ex}){', all among scores tied within the tolerance' if tied_only else ''}.",
        "rolindex ranks ties with the best shared rank (R's ties.method = 'min', as COINr). Publishers that use "
        "average or first ranks, or whose tables round scores so that distinct values look tied (or break ties "
        "by digits the table does not show), differ exactly there.",
        explains=tied_only, scope=None,
        evidence_zh=f"{len(mismatches)} 个排名不同（{ex}）{'，均在容差之内并列的得分之间' if tied_only else ''}。",
        advice_zh="rolindex 对并列得分取共同的最好名次（同 R 的 ties.method = 'min'，与 COINr 一致）。"
                  "发布方若用平均名次或先后名次，或其表格舍入得分使不同的值看似并列（或按表中未显示的位数打破并列），差异正出在这些地方。",
    )]


def _probes(rep: Reproduction, rebuild, recompare) -> list[Finding]:
    meth = rep.result.methodology
    base = rep.max_abs_difference
    variants: list[tuple[str, str, str, Methodology]] = []
    years = rep.result.years
    norm = meth.normalise
    if norm.method in ("minmax", "zscore") and len(years) > 1:
        by_year = bool(norm.params.get("by_year", True))
        variants.append((
            "normalisation year grouping",
            "normalising over all years pooled" if by_year else "normalising within each year",
            "各年合并后标准化" if by_year else "每年分别标准化",
            meth.replace(normalise={"method": norm.method, "params": {**dict(norm.params), "by_year": not by_year}}),
        ))
    miss = meth.missing
    if miss.method == "skip" and float(miss.params.get("min_coverage", 0.0)) > 0:
        variants.append(("missing-data policy", "aggregating whatever children are present (min_coverage 0)",
                         "有几个子项就汇总几个（min_coverage 0）",
                         meth.replace(missing={"method": "skip", "params": {"min_coverage": 0.0}})))
    elif miss.method == "skip":
        variants.append(("missing-data policy", "requiring every child (missing: strict)",
                         "要求子项齐全（missing: strict）", meth.replace(missing="strict")))
    elif miss.method == "strict":
        variants.append(("missing-data policy", "aggregating whatever children are present (skip, min_coverage 0)",
                         "有几个子项就汇总几个（skip，min_coverage 0）",
                         meth.replace(missing={"method": "skip", "params": {"min_coverage": 0.0}})))
    out = []
    for cause, what, what_zh, variant in variants:
        try:
            alt = recompare(rebuild(variant), rep.published, tolerance=rep.tolerance,
                            year_tolerance=rep.year_tolerance)
        except Exception as exc:  # a probe that cannot run says so instead of hiding the report
            out.append(Finding(cause, f"Rebuilding with {what} failed: {exc}", "", False,
                               evidence_zh=f"按“{what_zh}”重建失败：{exc}"))
            continue
        if alt.ok or alt.max_abs_difference < 0.5 * base or len(alt.outside) < 0.5 * len(rep.outside):
            changed = json.dumps(variant.to_dict().get("normalise" if "normalis" in cause else "missing"))
            out.append(Finding(
                cause,
                f"Rebuilding with {what} leaves {len(alt.outside)} values disagreeing instead of "
                f"{len(rep.outside)} (largest difference {alt.max_abs_difference:.3g} instead of {base:.3g}).",
                "The published index was most likely computed that way; change the methodology accordingly "
                f"({changed}).",
                explains=alt.ok, scope={},
                evidence_zh=f"按“{what_zh}”重建后，不一致的值为 {len(alt.outside)} 个而非 {len(rep.outside)} 个"
                            f"（最大差 {alt.max_abs_difference:.3g}，原为 {base:.3g}）。",
                advice_zh=f"发布的指数很可能就是这样算的；请相应修改方法（{changed}）。",
            ))
    return out
