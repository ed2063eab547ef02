"""Contract tests over every registered method of every registry, and the registry itself.

Parametrised over ``REGISTRY.names()``, so a method registered later is tested automatically; a
method with a required parameter needs an entry in ``CONTRACT_PARAMS`` (the test says so).
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.aggregate import AGGREGATORS, MISSING_POLICIES
from indicators.errors import ConstantIndicatorWarning, MethodologyError
from indicators.framework import load_framework
from indicators.impute import IMPUTERS, ImputeContext
from indicators.normalise import NORMALISERS, NormContext
from indicators.registry import Registry
from indicators.scoring import SCORING_RULES
from indicators.testing import TOY_BOUNDS, toy_framework, toy_result
from indicators.weights import WEIGHTERS, split_explain

from .test_framework import DISTRICT

FW = toy_framework()
FAST = settings(max_examples=25, deadline=None, derandomize=True)
REGISTRIES = [NORMALISERS, AGGREGATORS, MISSING_POLICIES, WEIGHTERS, IMPUTERS, SCORING_RULES]

#: Parameters a contract call passes, per (registry kind, method): required ones and those the
#: toy framework needs (B1 has no goalposts, A2 has no target).
CONTRACT_PARAMS = {
    ("normaliser", "goalposts"): {"bounds": TOY_BOUNDS},
    ("normaliser", "distance_to_target"): {"targets": {"A2": 0.05, "B1": 15.0, "B2": 0.95,
                                                       "B3": 1.0}},
    ("normaliser", "dist2ref"): {"reference": "a"},
    ("aggregator", "generalised"): {"p": 2},
    ("aggregator", "geometric"): {"zeros": "zero"},  # the contract draws zero scores: score them 0
    ("aggregator", "harmonic"): {"zeros": "zero"},
    ("weighter", "combined"): {"subjective": "expert", "objective": "equal"},
}


def contract_params(registry: Registry, name: str) -> dict:
    method = registry.get(name)
    params = CONTRACT_PARAMS.get((registry.kind, name), {})
    missing = [k for k, p in method.parameters.items()
               if p.default is inspect.Parameter.empty and k not in params]
    if missing:
        pytest.fail(f"{registry.kind} {name!r} requires {missing}: add them to CONTRACT_PARAMS")
    return method.bind(params)


# -- the registries themselves -----------------------------------------------------------------
@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda r: r.kind)
def test_every_method_has_a_summary_and_keyword_only_parameters(registry):
    assert registry.names() == sorted(registry.names())
    for name, summary in registry.describe():
        assert summary, f"{registry.kind} {name!r} has no docstring"
        assert name in registry
        sig = inspect.signature(registry.get(name).func)
        for p in sig.parameters.values():  # parameters a methodology sets are keyword-only
            assert p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    assert list(registry) == registry.names()


@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda r: r.kind)
def test_unknown_name_lists_choices(registry):
    with pytest.raises(MethodologyError, match=f"unknown {registry.kind} 'no-such-method'; "
                                               f"available: {', '.join(registry.names())}"):
        registry.get("no-such-method")
    with pytest.raises(MethodologyError, match="unknown"):
        registry.get(["unhashable"])  # type: ignore[arg-type]


def test_registry_register_twice_and_bind():
    reg = Registry("gadget")

    @reg.register("g")
    def g(x, *, k: int, m: float = 1.5):
        """A gadget."""
        return x

    with pytest.raises(MethodologyError, match="gadget 'g' is registered twice"):
        reg.register("g")(g)
    assert reg.describe() == [("g", "A gadget.")]
    assert reg.get("g").bind({"k": 2}) == {"k": 2, "m": 1.5}
    assert reg.get("g").meta == {}
    with pytest.raises(MethodologyError, match="requires parameter 'k'") as info:
        reg.get("g").bind({"mm": 1}, where="here: ")
    assert info.value.problems == [
        "here: 'g' got unexpected parameter 'mm' (did you mean 'm'?); accepted: k, m",
        "here: 'g' requires parameter 'k'",
    ]
    with pytest.raises(MethodologyError, match="Did you mean 'g'"):
        reg.get("gg")


# -- normalisers -----------------------------------------------------------------------------
IDX = pd.MultiIndex.from_product([["a", "b", "c", "d"], [2020, 2021]],
                                 names=["district", "year"])
YEARS = pd.Series(IDX.get_level_values("year"), index=IDX)
values8 = st.lists(st.one_of(st.none(), st.floats(0, 2, allow_nan=False)), min_size=8, max_size=8)


def normalise(name: str, code: str, x: pd.Series):
    figures = pd.DataFrame({"lost": x * 100}, index=IDX)  # A2's scoring basis, monotone in x
    ctx = NormContext(FW.nodes[code], YEARS, figures, FW, pd.Series(IDX.get_level_values("district"), index=IDX))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantIndicatorWarning)
        return NORMALISERS.get(name).func(x, ctx, **contract_params(NORMALISERS, name))


@pytest.mark.parametrize("name", NORMALISERS.names())
@pytest.mark.parametrize("code", FW.indicators)
@FAST
@given(raw=values8)
def test_normaliser_contract(name, code, raw):
    x = pd.Series([np.nan if v is None else v for v in raw], index=IDX, dtype=float)
    if name == "fracmax" and FW.nodes[code].direction < 0:
        with pytest.raises(MethodologyError, match="lower is better"):
            normalise(name, code, x)
        return
    res = normalise(name, code, x)
    out = res.values
    assert isinstance(out, pd.Series)
    assert out.index.equals(IDX)
    assert out[x.isna()].isna().all()  # nothing is made up
    if res.reasons is not None:
        assert res.reasons.index.equals(IDX)
    oriented = x * FW.nodes[code].direction
    for year in (2020, 2021):
        rows = [i for i in IDX if i[1] == year and not np.isnan(out[i])]
        for i, j in itertools.permutations(rows, 2):
            if oriented[i] <= oriented[j]:
                assert out[i] <= out[j], (year, i, j, oriented[i], oriented[j], out[i], out[j])


# -- aggregators --------------------------------------------------------------------------------
weights_st = st.lists(st.floats(0.05, 10), min_size=2, max_size=5)


@pytest.mark.parametrize("name", AGGREGATORS.names())
@FAST
@given(w=weights_st, c=st.floats(0.5, 100))
def test_aggregator_of_a_constant_is_the_constant(name, w, c):
    func, params = AGGREGATORS.get(name).func, contract_params(AGGREGATORS, name)
    x = np.full((3, len(w)), c)
    x[1, 0] = np.nan  # missing children are skipped
    out = func(x, np.array(w), **params)
    np.testing.assert_allclose(out, c, rtol=1e-12)


@pytest.mark.parametrize("name", AGGREGATORS.names())
@FAST
@given(data=st.data())
def test_aggregator_permutation_invariant_and_monotone(name, data):
    func, params = AGGREGATORS.get(name).func, contract_params(AGGREGATORS, name)
    k = data.draw(st.integers(2, 5))
    w = np.array(data.draw(st.lists(st.floats(0.05, 10), min_size=k, max_size=k)))
    x = np.array([data.draw(st.lists(st.one_of(st.just(np.nan), st.floats(0, 100)),
                                     min_size=k, max_size=k))])
    perm = np.array(data.draw(st.permutations(range(k))))
    base = func(x, w, **params)
    np.testing.assert_allclose(func(x[:, perm], w[perm], **params), base, rtol=1e-12)
    j = data.draw(st.integers(0, k - 1))
    if not np.isnan(x[0, j]):
        up = x.copy()
        up[0, j] += data.draw(st.floats(0, 50))
        assert func(up, w, **params)[0] >= base[0] * (1 - 1e-12)


# -- missing-data policies -------------------------------------------------------------------------
@pytest.mark.parametrize("name", MISSING_POLICIES.names())
@FAST
@given(data=st.data())
def test_missing_policy_contract(name, data):
    func, params = MISSING_POLICIES.get(name).func, contract_params(MISSING_POLICIES, name)
    k = data.draw(st.integers(1, 5))
    w = np.array(data.draw(st.lists(st.floats(0.05, 10), min_size=k, max_size=k)))
    w = w / w.sum()
    present = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=k, max_size=k),
                                          min_size=1, max_size=4)))
    ok = func(present, w, **params)
    assert ok.shape == (len(present),) and ok.dtype == bool
    assert not ok[~present.any(axis=1)].any()  # nothing present: no aggregate
    assert func(np.ones((1, k), bool), w, **params).all()  # everything present: aggregate
    more = present | np.array(data.draw(st.lists(st.booleans(), min_size=k, max_size=k)))
    assert (func(more, w, **params) >= ok).all()  # more children present never hurts


# -- weighters ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def toy_normalised():
    return toy_result().normalised


def weighter_params(name: str, fw, tmp_path) -> dict:
    """Contract parameters; AHP's judgement file must name the framework's own parents."""
    if name != "ahp":
        return contract_params(WEIGHTERS, name)
    kids = list(fw.children(fw.root))
    path = tmp_path / "judgements.yaml"
    path.write_text(yaml.safe_dump({"judgements": [{"parent": fw.root, "items": kids,
                                                    "upper": [1] * (len(kids) * (len(kids) - 1) // 2)}]}))
    return WEIGHTERS.get(name).bind({"judgements": str(path)})


@pytest.mark.parametrize("name", WEIGHTERS.names())
@pytest.mark.parametrize("which", ["toy", "district"])
def test_weighter_contract(name, which, toy_normalised, tmp_path):
    fw = FW if which == "toy" else load_framework(DISTRICT)
    # data-driven weighters (entropy, CRITIC, PCA, ...) need a few units with varied scores
    data = toy_normalised if which == "toy" else pd.DataFrame(
        np.random.default_rng(0).uniform(0, 100, (12, len(fw.indicators))), columns=list(fw.indicators)
    )
    raw, explain = split_explain(WEIGHTERS.get(name).func(fw, data, **weighter_params(name, fw, tmp_path)))
    assert isinstance(raw, pd.Series) and isinstance(explain, Mapping)
    assert set(raw.index) == set(fw.nodes) - {fw.root}
    assert (raw >= 0).all() and np.isfinite(raw).all()


# -- imputers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", IMPUTERS.names())
@FAST
@given(raw=st.lists(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=8, max_size=8),
                    min_size=2, max_size=2))
def test_imputer_leaves_present_values_unchanged(name, raw):
    df = pd.DataFrame(
        {c: [np.nan if v is None else v for v in col] for c, col in zip("XY", raw, strict=True)},
        index=IDX,
    )
    ctx = ImputeContext(YEARS, pd.Series(["g", "g", "h", "h"] * 2, index=IDX),
                        pd.Series(IDX.get_level_values("district"), index=IDX))
    out = IMPUTERS.get(name).func(df.copy(), ctx, **contract_params(IMPUTERS, name))
    assert out.index.equals(IDX) and list(out.columns) == ["X", "Y"]
    present = df.notna()
    pd.testing.assert_frame_equal(out[present], df[present])


# -- scoring rules --------------------------------------------------------------------------------
def rule_params(name: str, data) -> dict:
    lo = data.draw(st.floats(-5, 5))
    hi = lo + data.draw(st.floats(0.01, 5))
    if name == "target_linear":
        return {"target": hi, "zero_at": lo} if data.draw(st.booleans()) else {"target": lo,
                                                                                "zero_at": hi}
    if name == "linear":
        return {"lower": lo, "upper": hi}
    if name == "target_stepped":
        steps = data.draw(st.lists(st.tuples(st.floats(-5, 5), st.floats(0, 100)), max_size=4))
        return {"steps": [list(s) for s in steps], "below": data.draw(st.floats(0, 100))}
    if name == "deduction":
        return {"threshold": lo, "per_unit": data.draw(st.floats(0, 3)),
                "cap": data.draw(st.floats(0, 10)), "points": data.draw(st.floats(0.1, 5))}
    if name == "all_or_nothing":
        return {"threshold": lo}
    pytest.fail(f"scoring rule {name!r} has no contract parameters: add it to rule_params")


@pytest.mark.parametrize("name", SCORING_RULES.names())
@FAST
@given(data=st.data())
def test_scoring_rule_maps_into_0_100(name, data):
    params = rule_params(name, data)
    direction = data.draw(st.sampled_from([1, -1]))
    x = np.array(data.draw(st.lists(st.floats(-20, 20), min_size=1, max_size=6)) + [np.nan])
    out = SCORING_RULES.get(name).func(x, direction, **params)
    assert out.shape == x.shape
    assert np.isnan(out[-1])
    assert ((out[:-1] >= 0) & (out[:-1] <= 100)).all(), (params, x, out)
