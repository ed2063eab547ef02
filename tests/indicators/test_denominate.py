"""Denomination: framework-declared denominators applied by the methodology's ``denominate`` step.

Hand-worked on three districts; COINr's golden check is in ``test_coinr.py`` (pipeline (a)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import Methodology, build_index
from indicators.denominate import DENOMINATORS, denominators_used
from indicators.errors import FrameworkError, MethodologyError
from indicators.framework import framework_from_dict

NAN = float("nan")


def framework(**extra_node):
    b = {"code": "b", "parent": "I", "weight": 1, "zh": "乙", "en": "B", "direction": "+", "formula": "trade",
         "denominator": "gdp", **extra_node}
    return framework_from_dict({
        "id": "den", "version": "1", "name": {"zh": "测试", "en": "Test"},
        "figures": [{"id": f, "zh": f, "en": f, "kind": "amount"} for f in ("trade", "flights", "gdp", "pop")],
        "nodes": [
            {"code": "I", "zh": "指数", "en": "Index"},
            {"code": "a", "parent": "I", "weight": 1, "zh": "甲", "en": "A", "direction": "+",
             "formula": "flights", "denominator": "pop"},
            b,
            {"code": "c", "parent": "I", "weight": 1, "zh": "丙", "en": "C", "direction": "+", "formula": "gdp"},
        ],
    })


def figures() -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([["x", "y", "z"], [2020]], names=["district", "year"])
    return pd.DataFrame({"trade": [10.0, 30.0, 8.0], "flights": [100.0, 50.0, 70.0],
                         "gdp": [2.0, 5.0, 0.0], "pop": [1000.0, NAN, 500.0]}, index=idx)


def run(method: str = "declared", **params):
    fw = framework()
    f = figures()
    ind = f[["flights", "trade", "gdp"]].set_axis(["a", "b", "c"], axis=1)
    m = DENOMINATORS.get(method)
    return m.func(ind, f, fw, **m.bind(params))


def test_framework_declares_denominators():
    fw = framework()
    assert fw.nodes["a"].denominator == "pop" and fw.nodes["c"].denominator is None
    assert denominators_used(fw) == {"a": "pop", "b": "gdp"}
    assert "denominator" in fw.to_table().columns


def test_declared_divides_and_records():
    out = run()
    # a = flights / pop: 100/1000 = 0.1, y has no pop -> missing, 70/500 = 0.14
    # b = trade / gdp: 10/2 = 5, 30/5 = 6, z has gdp 0 -> missing (not inf)
    np.testing.assert_allclose(out.values["a"], [0.1, NAN, 0.14])
    np.testing.assert_allclose(out.values["b"], [5.0, 6.0, NAN])
    np.testing.assert_allclose(out.values["c"], [2.0, 5.0, 0.0])  # no denominator: unchanged
    assert out.reasons.loc[("y", 2020), "a"] == "missing denominator pop"
    assert out.reasons.loc[("z", 2020), "b"] == "zero denominator gdp"
    assert out.reasons["c"].isna().all()
    det = out.details.set_index("indicator")
    assert det.loc["a"].to_dict() == {"denominator": "pop", "scale_factor": 1.0, "n_divided": 2,
                                      "n_missing_denominator": 1, "n_zero_denominator": 0}
    assert det.loc["b", "n_zero_denominator"] == 1


def test_scale_factors_and_overrides():
    # COINr: x / (denominator / ScaleFactor): flights per thousand people = 100 / (1000 / 1000) = 100
    out = run(scale_factor=1000.0, scale_factors={"b": 10.0})
    np.testing.assert_allclose(out.values["a"], [100.0, NAN, 140.0])
    np.testing.assert_allclose(out.values["b"], [50.0, 60.0, NAN])  # 10 / (2 / 10)
    out = run(by={"b": None, "c": "pop"})  # b undivided, c per person
    np.testing.assert_allclose(out.values["b"], [10.0, 30.0, 8.0])
    np.testing.assert_allclose(out.values["c"], [0.002, NAN, 0.0])


def test_none_leaves_indicators():
    out = run("none")
    np.testing.assert_allclose(out.values["a"], [100.0, 50.0, 70.0])
    assert out.details.empty and out.reasons.isna().all().all()


@pytest.mark.parametrize("params, match", [
    ({"by": {"bb": "gdp"}}, r"by: 'bb' is not an indicator of den \(did you mean 'b'\?\)"),
    ({"by": {"b": "gpd"}}, r"by: b -> 'gpd' is not a declared figure of den \(did you mean 'gdp'\?\)"),
    ({"scale_factor": 0}, "scale factor of \\(global\\) must be a finite non-zero number"),
    ({"scale_factors": {"c": 2.0}}, "scale_factors: 'c' is not a denominated indicator"),
])
def test_errors(params, match):
    with pytest.raises(MethodologyError) as info:
        run(**params)
    assert any(__import__("re").search(match, p) for p in info.value.problems), info.value.problems


def test_framework_rejects_unknown_denominator():
    with pytest.raises(FrameworkError, match=r"denominator 'gdpp' is not a declared figure \(did you mean 'gdp'"):
        framework(denominator="gdpp")


def test_pipeline_step_and_methodology():
    fw = framework()
    m = Methodology(name="d").replace(
        denominate="declared", normalise={"method": "minmax"}, missing={"method": "skip"})
    assert m.to_dict()["denominate"] == {"method": "declared"}
    assert "denominate" not in Methodology().to_dict()  # omitted when none: old hashes unchanged
    assert Methodology.from_dict(m.to_dict()) == m
    r = build_index(figures(), fw, m)
    np.testing.assert_allclose(r.indicators["a"], [0.1, NAN, 0.14])
    assert r.indicator_source.loc[("y", 2020), "a"] == "missing denominator pop"
    assert list(r.explain["denominate"]["indicator"]) == ["a", "b"]
    r0 = build_index(figures(), fw, m.replace(denominate="none"))
    np.testing.assert_allclose(r0.indicators["a"], [100.0, 50.0, 70.0])
    assert "denominate" not in r0.explain
    with pytest.raises(MethodologyError, match="denominate: by: 'q' is not an indicator"):
        build_index(figures(), fw, m.replace(denominate={"method": "declared", "params": {"by": {"q": "gdp"}}}))
