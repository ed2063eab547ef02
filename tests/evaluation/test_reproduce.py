"""Reproduction: WJP's published scores (golden), the report, the diagnosis, the CLI, provenance.

Golden file: WJP Rule of Law Index 2012–2024 (``../shared/data/wjp/roli.csv``, WJPr data, see its
README; not redistributable, so the tests read it from there and fail under CI=true without it).
Equal-weight, NaN-skipping means of the sub-factors give the factors, and of factors 1–8 the
overall score: to 1e-12 for 2014–2024, within 5e-3 for 2012 (sub-factors stored rounded to 2 dp).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.reproduce import (
    Finding,
    ReproductionError,
    decimals,
    effective_weight_table,
    read_table,
    read_wjp,
    reproduce,
    reproduce_wjp,
    summary_markdown,
    verdict,
    write_report,
)
from evaluation.reproduce.compare import tolerance_text
from evaluation.reproduce.result import year_runs
from indicators import Methodology, build_index, load_framework
from indicators.framework import framework_from_dict
from indicators.provenance import git_commit
from tests.conftest import ROOT, shared_path

WJP_FW = ROOT / "data" / "frameworks" / "wjp_roli.yaml"
FACTORS = [f"f{i}" for i in range(1, 9)]


def roli():
    return shared_path("data", "wjp", "roli.csv")


@pytest.fixture(scope="module")
def wjp():
    return reproduce_wjp(roli())


# -- WJP --------------------------------------------------------------------------------------
def test_wjp_framework_structure():
    fw = load_framework(WJP_FW)
    assert fw.root == "roli" and fw.scale == 1 and fw.max_level == 3
    assert fw.children("roli") == tuple(FACTORS)  # factor 9 is not aggregated
    assert [len(fw.children(f)) for f in FACTORS] == [6, 4, 4, 8, 3, 5, 7, 7]
    assert len(fw.indicators) == 44 and set(fw.figures) == set(fw.indicators)
    assert fw.nodes["f5"].en == "Factor 5: Order and Security" and fw.nodes["f4"].zh == "因素4 基本权利"
    assert fw.nodes["sf43"].en.startswith("4.3 Due process") and fw.nodes["sf87"].en.startswith("8.7 Due process")
    assert all(fw.nodes[c].formula.figures == (c,) and fw.nodes[c].direction == 1 for c in fw.indicators)


def test_wjp_factors_and_overall_reproduced(wjp):
    d = wjp.differences
    agg = d[d["level"] > 1]
    by_year = agg.groupby("year")["abs_difference"].max()
    assert by_year.drop(2012).max() <= 1e-12  # 2014–2024: observed <= 8.9e-16
    assert 1e-4 < by_year[2012] <= 5e-3  # 2012 sub-factors are rounded to 2 dp: observed 4.35e-3
    assert wjp.ok and len(agg) == 1341 * 9 and agg["abs_difference"].notna().all()
    assert set(wjp.nodes["node"]) == {"roli", *FACTORS, *load_framework(WJP_FW).indicators}
    # the missing sub-factor values (28, in 22 country-years of 2015–2016) are skipped: still exact
    inputs, published = read_wjp(roli())
    missing = inputs.values.isna()
    assert int(missing.sum().sum()) == 28 and int(missing.any(axis=1).sum()) == 22
    rows = missing.any(axis=1)[missing.any(axis=1)].index
    exact = agg.set_index(["district", "year"]).loc[rows, "abs_difference"]
    assert exact.max() <= 1e-12


def test_wjp_by_hand(wjp):
    # independent of the pipeline: factor = nanmean of its sub-factors, overall = mean of f1..f8
    raw = pd.read_csv(roli())
    raw = raw[raw["year"] >= 2014]
    fw = load_framework(WJP_FW)
    for f in FACTORS:
        hand = raw[list(fw.children(f))].mean(axis=1, skipna=True)
        assert (hand - raw[f]).abs().max() <= 1e-12
    assert (raw[FACTORS].mean(axis=1) - raw["roli"]).abs().max() <= 1e-12
    ours = wjp.result.scores.reset_index().merge(raw[["code", "year", "roli"]], left_on=["district", "year"],
                                                 right_on=["code", "year"])
    assert len(ours) == len(raw) and (ours["roli_x"] - ours["roli_y"]).abs().max() <= 1e-12


def test_wjp_without_the_2012_allowance_fails_and_says_why():
    rep = reproduce_wjp(roli(), year_tolerance={})
    assert not rep.ok
    assert set(rep.outside["year"]) == {2012}
    causes = {f.cause: f for f in rep.findings}
    assert causes["rounded inputs"].explains
    assert "rounded to at most 2 decimals" in causes["rounded inputs"].evidence
    assert "0.005" in causes["rounded inputs"].evidence
    assert "unexplained differences" not in causes
    # every count over one population: cells with a number on either side (28 sub-factors WJP left empty apart)
    c = rep.counts
    assert c == {"values": 71045, "agree": 71045 - 873, "outside": 873, "one_side": 0, "both_missing": 28}
    assert rep.levels["n_values"].sum() == rep.years["n_values"].sum() == rep.nodes["n_values"].sum() == 71045
    assert (rep.levels["n_agree"] + rep.levels["n_outside"] + rep.levels["n_missing_one_side"]
            == rep.levels["n_values"]).all()
    assert "873 of 71045 values disagree" in verdict(rep)[1] and "28 cells empty on both sides" in verdict(rep)[1]
    assert "71045 个值中有 873 个不一致" in verdict(rep)[0]


def test_wjp_2012_ranks_are_blamed_on_rounded_inputs_not_ties(wjp):
    """Within 2012's allowance the values agree but 187 ranks differ: the rounded 2012 inputs, in both languages."""
    causes = {f.cause: f for f in wjp.findings}
    assert "tie rules" not in causes
    f = causes["rounded inputs"]
    assert f.explains and f.label == "输入值经舍入 / rounded inputs"
    assert "187 ranks of 2012 differ" in f.evidence and "those of 2014–2024 are not rounded" in f.evidence
    assert "The largest difference in 2012 is 0.00435 — within that bound" in f.evidence
    assert "2012 年的输入值最多只保留 2 位小数" in f.evidence_zh and "187 个排名不同" in f.evidence_zh
    assert "而非并列排名规则" in f.evidence_zh and f.advice_zh.startswith("请改用 2012 年未经舍入的输入值")
    # the by-level table shows each year's tolerance, the by-year table the number used
    assert set(wjp.levels["tolerance"]) == {"1e-12 (2014–2024); 0.005 (2012)"}
    years = wjp.years.set_index("year")["tolerance"]
    assert years[2012] == 0.005 and (years.drop(2012) == 1e-12).all()
    assert wjp.counts["values"] == 71045 and wjp.counts["agree"] == 71045


def test_wjp_effective_weights(wjp):
    t = effective_weight_table(wjp.result).set_index("indicator")
    # f5 Order and Security: 1/8 · 1/3 = 1/24; f4 Fundamental Rights: 1/8 · 1/8 = 1/64
    assert t.loc["sf51", "effective_weight"] == pytest.approx(1 / 24)
    assert t.loc["sf41", "effective_weight"] == pytest.approx(1 / 64)
    assert t.loc["sf51", "effective_weight"] / t.loc["sf41", "effective_weight"] == pytest.approx(64 / 24)
    assert round(64 / 24, 1) == 2.7
    assert t.loc["sf41", "relative"] == pytest.approx(1.0) and t.loc["sf51", "relative"] == pytest.approx(8 / 3)
    assert t["effective_weight"].sum() == pytest.approx(1.0)
    assert t.loc["sf51", "vs_equal"] == pytest.approx(44 / 24)
    assert t.loc["sf51", "siblings"] == 3 and t.loc["sf51", "parent"] == "f5"


def test_wjp_report_files_and_rerun_is_byte_identical(wjp, tmp_path):
    files = write_report(wjp, tmp_path / "one")
    assert sorted(files) == ["differences", "nodes", "provenance", "ranks", "scores", "summary"]
    again = reproduce_wjp(roli())
    write_report(again, tmp_path / "two")
    for name in ("scores.csv", "differences.csv", "nodes.csv", "ranks.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    prov = json.loads((tmp_path / "one" / "provenance.json").read_text())
    assert prov["package"] == "rolindex" and prov["version"] and prov["licence"] == "Apache-2.0"
    assert prov["commit"] is None or re.fullmatch(r"[0-9a-f]{40}(-dirty)?", prov["commit"])
    assert prov["commit"] == git_commit()
    assert prov["framework"]["id"] == "wjp_roli" and len(prov["framework"]["content_hash"]) == 64
    assert prov["methodology"]["name"] == "wjp" and len(prov["methodology"]["content_hash"]) == 64
    assert prov["inputs"] == {"roli.csv": prov["published"]["sha256"]} and len(prov["published"]["sha256"]) == 64
    assert {"python", "numpy", "pandas", "scipy"} <= set(prov["environment"])
    assert prov["created"] and prov["compared"] and prov["year_tolerance"] == {"2012": 0.005}
    summary = (tmp_path / "one" / "summary.md").read_text()
    assert "**Reproduced**" in summary and "## By level" in summary and "roli.csv" in summary
    assert "| licence | Apache-2.0 |" in summary and (prov["commit"] is None or f"(commit {prov['commit']})" in summary)


def test_wjp_cli(tmp_path, capsys):
    base = ["reproduce", "-f", "wjp_roli", "-m", "wjp", "--inputs", str(roli()), "--published", str(roli()),
            "--unit-column", "code", "--name-column", "country", "--group-column", "region",
            "--tolerance", "1e-12"]
    assert main([*base, "--year-tolerance", "2012=5e-3", "--out", str(tmp_path / "ok")]) == 0
    assert "reproduced" in capsys.readouterr().out
    assert main([*base, "--out", str(tmp_path / "strict")]) == 3  # 2012 outside 1e-12
    out = capsys.readouterr().out
    assert "NOT reproduced" in out and "rounded inputs" in out
    assert main([*base, "--year-tolerance", "2012", "--out", str(tmp_path / "bad")]) == 1
    assert "'2012' is not KEY=VALUE" in capsys.readouterr().err


# -- COINr through the CLI ------------------------------------------------------------------------
def test_coinr_cli_with_published_ranks(tmp_path, capsys):
    def asem(n):
        return str(shared_path("data", "coinr-asem", n))

    args = ["reproduce", "--inputs", asem("asem_iData.csv"), "--coinr-meta", asem("asem_iMeta.csv"),
            "-m", "coinr_example", "--published", asem("a_example_aggregated.csv"),
            "--published-ranks", asem("a_example_ranks.csv"), "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "reproduced: all 3060 values agree" in out and "并列排名规则 / tie rules (explains): 1 个排名不同" in out
    assert "1 ranks differ (TolMin 2018 GRC: rank 24 vs 26)" in out
    nodes = pd.read_csv(tmp_path / "nodes.csv").set_index("node")
    assert nodes["max_abs_difference"].max() < 1e-11 and len(nodes) == 60
    assert nodes.loc["Index", "identical_ranks"] == 1.0
    # the raw pipeline's method against the example's outputs does not reproduce, and says where
    args[6] = "coinr_minmax_amean"
    assert main(args[:-2] + ["--out", str(tmp_path / "b")]) == 3
    assert "Differences start at level 1" in capsys.readouterr().out
    assert main([*args, "-f", str(WJP_FW)]) == 1
    assert "drop --framework" in capsys.readouterr().err


# -- the diagnosis, on a small index where the cause is known ----------------------------------------
FW = framework_from_dict({
    "id": "mini", "version": "1", "name": {"zh": "小指数", "en": "Mini index"},
    "figures": [{"id": c, "zh": c, "en": c, "kind": "amount"} for c in ("x", "y", "z")],
    "nodes": [{"code": "I", "zh": "指数", "en": "Index"},
              {"code": "A", "parent": "I", "weight": 1, "zh": "甲", "en": "A"},
              {"code": "B", "parent": "I", "weight": 1, "zh": "乙", "en": "B"},
              {"code": "X", "parent": "A", "weight": 1, "zh": "x", "en": "x", "direction": "+", "formula": "x"},
              {"code": "Y", "parent": "A", "weight": 1, "zh": "y", "en": "y", "direction": "+", "formula": "y"},
              {"code": "Z", "parent": "B", "weight": 1, "zh": "z", "en": "z", "direction": "+", "formula": "z"}],
})
MINMAX = Methodology(name="mini").replace(normalise="minmax")


def mini_inputs(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"u{i}" for i in range(8)], [2020, 2021]], names=["district", "year"])
    f = pd.DataFrame(rng.uniform(0, 10, (len(idx), 3)), index=idx, columns=["x", "y", "z"])
    f.loc[pd.IndexSlice[:, 2021], :] += 5  # years differ in level: pooled != within-year min-max
    return f


def published_from(result, nodes=("I", "A", "B")) -> pd.DataFrame:
    return result.node_scores()[list(nodes)]


def rep_for(published: pd.DataFrame, methodology=MINMAX, inputs=None, **kw):
    inputs = mini_inputs() if inputs is None else inputs

    def rebuild(m):
        return build_index(inputs, FW, m)

    table = read_table(published, wanted=list(FW.nodes), label="published")
    return reproduce(rebuild(methodology), table, rebuild=rebuild, **kw)


def test_exact_reproduction_has_no_findings():
    rep = rep_for(published_from(build_index(mini_inputs(), FW, MINMAX)))
    assert rep.ok and rep.findings == () and rep.max_abs_difference == 0.0
    assert (rep.ranks["identical"] == 1).all() and (rep.ranks["spearman"] == 1).all()
    assert list(rep.levels["level"]) == [3, 2]


def test_rounded_published_values():
    pub = published_from(build_index(mini_inputs(), FW, MINMAX)).round(2)
    rep = rep_for(pub)
    assert not rep.ok
    f = {x.cause: x for x in rep.findings}["rounded published values"]
    assert f.explains and "rounded to 2 decimals" in f.evidence
    assert rep.nodes.set_index("node").loc["I", "published_decimals"] == 2
    assert rep.max_abs_difference <= 0.005


def test_year_grouping_found_by_rebuilding():
    pooled = MINMAX.replace(normalise={"method": "minmax", "params": {"by_year": False}})
    rep = rep_for(published_from(build_index(mini_inputs(), FW, pooled)))
    assert not rep.ok
    f = {x.cause: x for x in rep.findings}["normalisation year grouping"]
    assert f.explains and "normalising over all years pooled" in f.evidence and '"by_year": false' in f.advice
    assert f.evidence_zh.startswith("按“各年合并后标准化”重建后，不一致的值为 0 个")
    assert '"by_year": false' in f.advice_zh
    assert "unexplained differences" not in {x.cause for x in rep.findings}


def test_missing_data_policy():
    inputs = mini_inputs()
    inputs.iloc[0, 2] = np.nan  # u0 2020 has no z, so B (its only child) is missing
    lenient = build_index(inputs, FW, MINMAX)
    strict = MINMAX.replace(missing="strict")
    rep = rep_for(published_from(lenient), methodology=strict, inputs=inputs)
    assert not rep.ok
    assert set(rep.outside["status"]) == {"missing recomputed"}
    causes = [f for f in rep.findings if f.cause == "missing-data policy"]
    assert causes and "aggregate values have no recomputed value" in causes[0].evidence
    assert causes[0].evidence_zh.startswith("1 个已发布的汇总值没有复算值")
    assert causes[0].label == "缺失值处理规则 / missing-data policy"
    # ... and rebuilding with the other policy reproduces it
    probe = [f for f in causes if f.evidence.startswith("Rebuilding with aggregating whatever children")]
    assert probe and probe[0].explains and "leaves 0 values disagreeing instead of 1" in probe[0].evidence
    pub = published_from(build_index(inputs, FW, strict))
    rep = rep_for(pub, methodology=MINMAX, inputs=inputs)
    assert set(rep.outside["status"]) == {"missing published"}
    assert "requires more data per aggregate" in rep.findings[0].advice


def test_tie_rules_with_published_ranks():
    inputs = mini_inputs()
    inputs.loc[("u1", 2020)] = inputs.loc[("u0", 2020)]  # u0 and u1 tie in 2020
    r = build_index(inputs, FW, MINMAX)
    ranks = r.node_scores()[["I"]].groupby(level="year").rank(method="average", ascending=False)
    table = read_table(published_from(r), wanted=list(FW.nodes))
    rep = reproduce(r, table, published_ranks=read_table(ranks, wanted=list(FW.nodes)))
    assert rep.ok  # the scores agree ...
    agree = rep.ranks.set_index(["node", "year"])
    assert agree.loc[("I", 2020), "identical"] == pytest.approx(6 / 8) and agree.loc[("I", 2021), "identical"] == 1
    assert agree.loc[("I", 2020), "ranks_from"] == "published ranks"
    f = rep.findings[0]  # ... the ranks differ only among tied scores
    assert f.cause == "tie rules" and f.explains and "2 ranks differ" in f.evidence


def test_unexplained_differences_point_to_where_they_start():
    pub = published_from(build_index(mini_inputs(), FW, MINMAX.replace(
        weights={"method": "expert", "params": {"overrides": {"A": 3}}})))
    rep = rep_for(pub)
    f = rep.findings[-1]
    assert f.cause == "unexplained differences" and "start at level 3" in f.evidence
    assert "差异始于第 3 层" in f.evidence_zh and f.advice_zh.startswith("请从该层向上核对")


# -- rounded inputs, hand-worked: 2020 stored to 2 decimals, 2021 unrounded ---------------------------
IDENTITY = Methodology(name="pass-through").replace(normalise="identity")
TRUE_2020 = {"u0": (0.504, 0.302, 0.600), "u1": (0.496, 0.306, 0.598), "u2": (0.2, 0.1, 0.3)}
INPUTS_2021 = {"u0": (1 / 3, 2 / 7, 3 / 13), "u1": (2 / 3, 1 / 9, 0.5 + 1 / 17), "u2": (1 / 7, 5 / 11, 1 / 19),
               "u3": (1 / 11, 3 / 7, np.nan)}


def rounded_case():
    """Published I, A, B from the true inputs by hand (A = mean(x, y), B = z, I = mean(A, B); u3 has no z, so
    no B and I = A); the inputs as stored: 2020 rounded to 2 decimals, 2021 as they are."""
    rows, pub = {}, {}
    for year, table in ((2020, TRUE_2020), (2021, INPUTS_2021)):
        for u, (x, y, z) in table.items():
            a = (x + y) / 2
            pub[(u, year)] = {"I": a if np.isnan(z) else (a + z) / 2, "A": a, "B": z}
            rows[(u, year)] = {k: (round(v, 2) if year == 2020 else v) for k, v in zip("xyz", (x, y, z), strict=True)}
    idx = pd.MultiIndex.from_tuples(rows, names=["district", "year"])
    inputs = pd.DataFrame(list(rows.values()), index=idx)
    published = pd.DataFrame(list(pub.values()), index=pd.MultiIndex.from_tuples(pub, names=["district", "year"]))
    return inputs, read_table(published, wanted=list(FW.nodes), label="published")


def test_rounded_inputs_hand_worked():
    inputs, table = rounded_case()

    def rebuild(m):
        return build_index(inputs, FW, m)

    rep = reproduce(rebuild(IDENTITY), table, tolerance=1e-12, rebuild=rebuild)
    # 2020 by hand: u0 A 0.403 -> 0.40 (0.003), I 0.5015 -> 0.50 (0.0015); u1 A 0.401 -> 0.405 (0.004),
    # B 0.598 -> 0.60 (0.002), I 0.4995 -> 0.5025 (0.003); u2 exact. Largest 0.004 <= 0.5e-2.
    out = rep.outside.set_index(["node", "district"])["abs_difference"]
    assert set(out.index) == {("A", "u0"), ("I", "u0"), ("A", "u1"), ("B", "u1"), ("I", "u1")}
    assert out.to_dict() == pytest.approx({("A", "u0"): 0.003, ("I", "u0"): 0.0015, ("A", "u1"): 0.004,
                                          ("B", "u1"): 0.002, ("I", "u1"): 0.003})
    # counts add up: 3 nodes x (3 units in 2020 + 4 in 2021) = 21 cells, u3's B empty on both sides
    assert rep.counts == {"values": 20, "agree": 15, "outside": 5, "one_side": 0, "both_missing": 1}
    lv = rep.levels.set_index("level")
    assert lv.loc[3, ["n_values", "n_agree", "n_outside"]].tolist() == [7, 5, 2]
    assert lv.loc[2, ["n_values", "n_agree", "n_outside", "n_both_missing"]].tolist() == [13, 10, 3, 1]
    assert "5 of 20 values disagree (5 outside the tolerance, 0 present on one side only" in verdict(rep)[1]
    assert "1 cells empty on both sides are not counted" in verdict(rep)[1]
    causes = {f.cause: f for f in rep.findings}
    f = causes["rounded inputs"]
    assert f.explains and f.scope == {"year": 2020}
    assert "The inputs of 2020 are stored rounded to at most 2 decimals (3 input columns); those of 2021 are not" \
        in f.evidence
    assert "largest difference in 2020 is 0.004 — within that bound" in f.evidence
    # ranks of 2020: I and A swap u0/u1 (2 + 2), B ties u0/u1 at 0.60 (u1: 1 vs 2): 5, within 2 x 0.004
    assert "5 ranks of 2020 differ" in f.evidence and "5 个排名不同" in f.evidence_zh
    assert "2020 年的输入值最多只保留 2 位小数" in f.evidence_zh and "在此界限之内" in f.evidence_zh
    assert set(causes) == {"rounded inputs"}  # not tie rules, not rounded published values, nothing unexplained
    # with 2020's allowance everything agrees, and the ranks are still put down to the rounding
    ok = reproduce(rebuild(IDENTITY), table, tolerance=1e-12, year_tolerance={2020: 0.005}, rebuild=rebuild)
    assert ok.ok and [x.cause for x in ok.findings] == ["rounded inputs"]
    assert set(ok.levels["tolerance"]) == {"0.005 (2020); 1e-12 (2021)"}
    assert ok.counts["values"] == ok.counts["agree"] == 20
    text = summary_markdown(ok)
    assert "已复现：全部 20 个值均在容差（1e-12, 2020: 0.005）之内；另有 1 个单元格两边均无数值，不计入。" in text
    assert "**Reproduced**: all 20 values agree" in text and "**输入值经舍入 / rounded inputs**" in text


def test_rounded_inputs_without_a_pass_through_pipeline_claim_no_bound():
    inputs, table = rounded_case()
    rep = reproduce(build_index(inputs, FW, MINMAX), table, tolerance=1e-12)
    f = {x.cause: x for x in rep.findings}["rounded inputs"]
    assert not f.explains and "has no simple bound here" in f.evidence and "没有简单的界限" in f.evidence_zh


def test_tolerance_per_level_and_year_runs():
    diff = pd.DataFrame({"year": [2012, 2014, 2015, 2016, 2016], "tolerance": [5e-3, 1e-12, 5e-3, 1e-12, 1e-12]})
    assert tolerance_text(diff, [2012, 2014, 2015, 2016]) == "0.005 (2012, 2015); 1e-12 (2014, 2016)"
    assert tolerance_text(diff[diff["year"] > 2015], [2012, 2014, 2015, 2016]) == "1e-12"
    assert year_runs([2014, 2015, 2016, 2017, 2019, 2020], [2012, 2014, 2015, 2016, 2017, 2019, 2020]) == "2014–2020"
    assert year_runs([2012, 2015, 2016], [2012, 2014, 2015, 2016]) == "2012, 2015–2016"
    assert Finding("tie rules", "e", "a").label == "并列排名规则 / tie rules"
    assert Finding("something new", "e", "a").label == "something new"


def test_matching_errors():
    r = build_index(mini_inputs(), FW, MINMAX)
    with pytest.raises(ReproductionError, match="published column 'Q' is not a node of framework mini"):
        reproduce(r, read_table(published_from(r).assign(Q=1.0)))
    other = published_from(r).rename(index=lambda d: d + "x", level="district")
    with pytest.raises(ReproductionError, match="no unit-year of the published table is in the recomputed result"):
        reproduce(r, read_table(other, wanted=list(FW.nodes)))


# -- reading tables --------------------------------------------------------------------------------
def test_read_table_mapping_year_and_names(tmp_path):
    p = tmp_path / "pub.csv"
    p.write_text("iso,country,Score,Pillar A,note\nAAA,Aland,0.5,0.4,x\nBBB,Bland,NA,0.2,y\n", encoding="utf-8")
    t = read_table(p, unit_column="iso", year=2020, name_column="country", rename={"Score": "I", "Pillar A": "A"},
                   wanted=["I", "A", "B"])
    assert list(t.values.columns) == ["I", "A"] and t.values.index[0] == ("AAA", 2020)
    assert np.isnan(t.values.loc[("BBB", 2020), "I"]) and t.renamed == {"Score": "I", "Pillar A": "A"}
    assert t.ignored == ("note",) and t.districts.loc["AAA", "district_name"] == "Aland"
    assert len(t.sha256) == 64
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("district,year,名称,I\nd1,2020,静安,1.5\n".encode("gb18030"))
    assert read_table(gbk).values.loc[("d1", 2020), "I"] == 1.5
    xlsx = tmp_path / "pub.xlsx"
    pd.DataFrame({"uCode": ["A"], "Time": [2019], "I": [2.5]}).to_excel(xlsx, index=False)
    assert read_table(xlsx).values.loc[("A", 2019), "I"] == 2.5


def test_read_table_reports_every_problem(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("code,year,I,A\nx,2020,1,abc\nx,2020,2,3\ny,20x0,1,1\n", encoding="utf-8")
    with pytest.raises(ReproductionError) as info:
        read_table(p, wanted=["I", "A"])
    assert info.value.problems == [
        "bad.csv row 4 (column year): '20x0' is not a year",
        "bad.csv row 3: unit 'x' year 2020 appears twice",
        "bad.csv row 2 (column A): 'abc' is not a finite number",
    ]
    with pytest.raises(ReproductionError, match="no unit column"):
        read_table(pd.DataFrame({"who": ["a"], "year": [2020], "I": [1.0]}))
    with pytest.raises(ReproductionError, match="no year column"):
        read_table(pd.DataFrame({"code": ["a"], "I": [1.0]}))
    with pytest.raises(ReproductionError, match="columns 'I' and 'J' both map to 'I'"):
        read_table(pd.DataFrame({"code": ["a"], "year": [1], "I": [1.0], "J": [2.0]}), rename={"J": "I"})
    with pytest.raises(ReproductionError, match="mapping names column 'K'"):
        read_table(pd.DataFrame({"code": ["a"], "year": [1], "I": [1.0]}), rename={"K": "I"})


@pytest.mark.parametrize("values, expected", [
    ([0.57, 0.34, 1.0], 2), ([3.0, 12.0], 0), ([0.457571126345996], None), ([0.5, np.nan], 1),
    ([], None), ([1234.5678], 4), ([0.1 + 0.2], 1),
])
def test_decimals(values, expected):
    assert decimals(values) == expected


# -- provenance: same inputs, byte-identical score tables ------------------------------------------------
def test_rebuild_gives_byte_identical_score_tables(tmp_path):
    inputs = mini_inputs()
    a = build_index(inputs, FW, MINMAX, inputs={"mini.csv": "ab" * 32})
    b = build_index(inputs.copy(), FW, Methodology.from_dict(a.methodology.to_dict()), inputs={"mini.csv": "ab" * 32})
    assert a.to_csv(tmp_path / "a.csv").read_bytes() == b.to_csv(tmp_path / "b.csv").read_bytes()
    for key in ("package", "version", "commit", "licence", "framework", "methodology", "inputs", "environment"):
        assert a.provenance[key] == b.provenance[key]
    assert a.provenance["inputs"] == {"mini.csv": "ab" * 32} and "created" in a.provenance


# -- a district submission through the CLI: rolindex's own scores, published rounded ------------------
def test_submission_cli_reproduces_rolindex_scores_and_flags_rounding(tmp_path, capsys):
    panel = ROOT / "data" / "submissions" / "synthetic_panel.csv"
    scores = tmp_path / "scores.csv"
    assert main(["score", str(panel), "-m", "baseline", "--out", str(scores)]) == 0
    capsys.readouterr()
    base = ["reproduce", "-m", "baseline", "--inputs", str(panel), "--published", str(scores)]
    # the result table names the index column "index": map it to the framework's root, ROL
    assert main([*base, "--map", "index=ROL", "--out", str(tmp_path / "ok")]) == 0
    nodes = pd.read_csv(tmp_path / "ok" / "nodes.csv")
    assert list(nodes["node"]) == ["ROL", "D1", "D2", "D3", "D4", "D5", "D6"]
    assert nodes["max_abs_difference"].max() == 0.0 and (nodes["identical_ranks"] == 1).all()
    # the same table as published with 2 decimals: not reproduced at 1e-9, and the report says why
    table = pd.read_csv(scores)
    rounded = tmp_path / "rounded.csv"
    table.to_csv(rounded, index=False, float_format="%.2f")
    mapping = tmp_path / "map.csv"
    mapping.write_text("column,node\nindex,ROL\n", encoding="utf-8")
    base[-1] = str(rounded)
    assert main([*base, "--map-file", str(mapping), "--out", str(tmp_path / "rounded")]) == 3
    out = capsys.readouterr().out
    assert "发布值经舍入 / rounded published values (explains): 发布的 ROL 值只保留 2 位小数" in out
    assert "Published ROL values are rounded to 2 decimals" in out
    summary = (tmp_path / "rounded" / "summary.md").read_text()
    assert "**Not reproduced**" in summary and "## Why it differs" in summary
    assert main([*base, "--map", "index", "--out", str(tmp_path / "x")]) == 1
    assert "'index' is not KEY=VALUE" in capsys.readouterr().err


def test_difference_plot_uses_the_shared_cjk_font_setup():
    """One way to set up CJK fonts: the reproduction plot goes through report.charts.setup_fonts."""
    import matplotlib

    from evaluation.report.charts import CJK_FAMILY, cjk_font_path
    from evaluation.reproduce import plot_differences

    pub = published_from(build_index(mini_inputs(), FW, MINMAX)).round(2)
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"], "font.family": ["serif"]}):
        fig = plot_differences(rep_for(pub))
        assert matplotlib.rcParams["font.sans-serif"][0] == CJK_FAMILY
        assert list(matplotlib.rcParams["font.family"]) == ["sans-serif"]
    assert any(f.fname == str(cjk_font_path()) for f in matplotlib.font_manager.fontManager.ttflist)
    assert len(fig.axes) >= 2
