"""Statistical audit: end to end on the WJP Rule of Law Index (JRC audit 2014) and the district panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.audit import audit, audit_years
from evaluation.cli import main
from indicators import Methodology, Step, build_index, load_framework
from indicators.errors import DataError
from indicators.framework import framework_from_dict
from indicators.synthetic import generate_panel
from tests.conftest import ROOT, shared_path

FACTORS = [f"f{i}" for i in range(1, 9)]


def wjp():
    """WJP's published table as figures (sub-factors) and a framework: index -> 8 factors ->
    44 sub-factors, equal weights, goalposts [0, 1] (scores are already on 0-1)."""
    roli = pd.read_csv(shared_path("data", "wjp", "roli.csv"))
    subs = [c for c in roli.columns if c.startswith("sf")]
    figures = [{"id": s, "zh": s, "en": s, "kind": "rate"} for s in subs]
    nodes = [{"code": "ROL", "zh": "法治指数", "en": "Rule of Law Index"}]
    nodes += [{"code": f, "parent": "ROL", "weight": 1, "zh": f, "en": f} for f in FACTORS]
    nodes += [{"code": s.upper(), "parent": f"f{s[2]}", "weight": 1, "zh": s, "en": s, "formula": s,
               "direction": "+", "goalposts": [0, 1]} for s in subs]
    fw = framework_from_dict({"id": "wjp_test", "version": "1", "name": {"zh": "世界正义工程", "en": "WJP"},
                              "figures": figures, "nodes": nodes})
    wide = roli.set_index(["code", "year"])[subs].rename_axis(["district", "year"]).sort_index()
    return roli, fw, wide


@pytest.fixture(scope="module")
def wjp_result():
    roli, fw, wide = wjp()
    meth = Methodology(normalise=Step("goalposts", {"clip": True}), missing=Step("skip"))
    return roli, build_index(wide.loc[wide.index.get_level_values("year").isin([2014, 2015])], fw, meth)


def test_wjp_2014_cronbach_alpha_of_the_eight_factors(wjp_result):
    """Saisana & Saltelli (2014), JRC audit of the WJP Rule of Law Index 2014: alpha = 0.97."""
    roli, res = wjp_result
    # the pipeline rebuilds WJP's published factors (NaN-skipping means of the sub-factors)
    pub = roli[roli["year"] == 2014].set_index("code")[FACTORS] * 100
    ours = res.scores.xs(2014, level="year")[FACTORS].loc[pub.index]
    assert np.nanmax(np.abs(ours.to_numpy() - pub.to_numpy())) < 1e-12
    rep = audit(res, 2014)
    assert round(rep.overall_alpha, 3) == 0.969
    assert rep.groups.loc["ROL", "k"] == 8 and rep.groups.loc["ROL", "n"] == rep.n_units
    assert rep.groups.loc["ROL", "pc1_share"] > 0.8  # one dominant component: one concept


def test_wjp_effective_weights_and_the_duplicated_due_process_subfactor(wjp_result):
    _, res = wjp_result
    rep = audit(res, 2015)
    imp = rep.importance
    # nested equal weights: an Order & Security sub-factor (1 of 3) weighs 8/3 = 2.7 times a
    # Fundamental Rights one (1 of 8) in the index
    assert imp.loc["SF51", "effective_weight"] / imp.loc["SF41", "effective_weight"] == pytest.approx(8 / 3)
    # sub-factors 4.3 and 8.7 are the same measure (identical except 2014): flagged across factors
    pair = rep.pairs.set_index(["indicator_a", "indicator_b"]).loc[("SF43", "SF87")]
    assert pair["r"] == pytest.approx(1.0) and pair["collinear"] and not pair["same_dimension"]


def test_audit_tables_on_the_district_panel(tmp_path):
    fw = load_framework(ROOT / "data/frameworks/district_rol.yaml")
    res = build_index(generate_panel(), fw, ROOT / "data/methodologies/baseline.yaml")
    reps = audit_years(res)
    assert sorted(reps) == res.years
    rep = reps[2024]
    assert set(rep.indicators.index) == set(fw.indicators)
    assert {"coverage", "skew", "kurtosis", "outlier", "dimension"} <= set(rep.indicators.columns)
    assert set(rep.flags.columns) >= {"parent", "r", "r_index", "negative", "weak", "note"}
    assert list(rep.groups.index) == list(fw.aggregates)
    assert rep.groups.loc["D1", "note"].startswith("pca_summary: constant column(s) ['D1.5']")
    assert not np.isnan(rep.groups.loc["D1", "alpha"])
    assert (rep.pairs["n"] >= 10).all()
    assert "Cronbach's alpha of the dimensions" in rep.summary()
    rep.save(tmp_path)
    assert (tmp_path / "audit_2024_groups.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(DataError, match=r"the result holds years \[2019, .*\]; choose one"):
        audit(res)
    with pytest.raises(DataError, match="no rows for year 2030"):
        audit(res, 2030)


def test_rolindex_audit_command(tmp_path, capsys):
    code = main(["audit", str(ROOT / "data/submissions/synthetic_panel.csv"), "--year", "2023",
                 "-o", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "statistical audit — district_rol 2023" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"audit_2023_{n}" for n in ("correlations.csv", "flags.csv", "groups.csv", "importance.csv",
                                    "indicators.csv", "pairs.csv", "summary.txt")]
