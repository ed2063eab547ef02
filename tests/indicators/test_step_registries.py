"""Contract tests over the denominate, screen and treatment registries (every registered method).

Parametrised over ``REGISTRY.names()``: a method registered later is checked automatically.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from indicators.denominate import DENOMINATORS
from indicators.errors import MethodologyError
from indicators.screen import SCREENS
from indicators.testing import toy_figures, toy_framework
from indicators.treat_step import TREATMENTS

REGISTRIES = [DENOMINATORS, SCREENS, TREATMENTS]
FW = toy_framework()
FIGS = toy_figures(seed=5, n_districts=6, missing_share=0.1)
IND = pd.DataFrame({c: FIGS.iloc[:, i + 1] for i, c in enumerate(FW.indicators)}, index=FIGS.index)


@pytest.mark.parametrize("registry", REGISTRIES, ids=lambda r: r.kind)
def test_methods_documented_keyword_only_and_unknown_names_listed(registry):
    assert "none" in registry
    for name, summary in registry.describe():
        assert summary, f"{registry.kind} {name!r} has no docstring"
        sig = inspect.signature(registry.get(name).func)
        assert all(p.default is not inspect.Parameter.empty for p in sig.parameters.values()
                   if p.kind is p.KEYWORD_ONLY)  # every parameter has a default
    with pytest.raises(MethodologyError, match=f"unknown {registry.kind} 'nope'; available: "
                                               f"{', '.join(registry.names())}"):
        registry.get("nope")


@pytest.mark.parametrize("name", DENOMINATORS.names())
def test_denominator_contract(name):
    out = DENOMINATORS.get(name).func(IND, FIGS, FW)
    assert out.values.index.equals(IND.index) and list(out.values.columns) == list(IND.columns)
    assert out.reasons.shape == IND.shape
    assert not (out.values.notna() & IND.isna()).any().any()  # nothing is made up


@pytest.mark.parametrize("name", SCREENS.names())
def test_screen_contract(name):
    out = SCREENS.get(name).func(IND)
    assert out.index.equals(IND.index) and out["included"].dtype == bool
    assert {"n_missing", "data_availability", "non_zero", "included"} <= set(out.columns)


@pytest.mark.parametrize("name", TREATMENTS.names())
def test_treatment_contract(name):
    out = TREATMENTS.get(name).func(IND)
    treated = out[0]
    assert treated.index.equals(IND.index) and list(treated.columns) == list(IND.columns)
    assert (treated.isna() == IND.isna()).all().all()  # missing stays missing, nothing dropped
    if len(out) > 2 and len(out[2]):
        pts = out[2]
        for _, p in pts.iterrows():
            assert IND.loc[(p["district"], p["year"]), p["indicator"]] == p["original"]
            assert treated.loc[(p["district"], p["year"]), p["indicator"]] == p["treated"]
    # order within each year is kept (winsorising only merges extremes; the log is monotone)
    for year, block in IND.groupby(level="year"):
        t = treated.loc[block.index]
        for c in IND.columns:
            x, y = block[c].to_numpy(), t[c].to_numpy()
            ok = ~np.isnan(x)
            order = np.argsort(x[ok], kind="stable")
            assert np.all(np.diff(y[ok][order]) >= -1e-12), (year, c)
