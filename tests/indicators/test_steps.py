"""The step table (indicators.steps): one row per step kind, read by validate, methods and reports."""

from __future__ import annotations

import dataclasses

import pytest

from indicators.methodology import Methodology
from indicators.steps import OPTIONAL_STEP_KEYS, PARTS, STEP_KEYS, STEPS, methodology_steps, step_kind


def test_table_is_in_pipeline_order():
    assert [k.key for k in STEPS] == ["denominate", "screen", "impute", "treat", "normalise", "unsubmitted",
                                      "weights", "aggregate", "missing", "grading"]
    assert [k.order for k in STEPS] == list(range(10))
    assert OPTIONAL_STEP_KEYS == ("denominate", "screen", "unsubmitted", "grading")
    assert STEP_KEYS == ("impute", "treat", "normalise", "weights", "aggregate", "missing")


def test_every_step_kind_is_a_methodology_field():
    fields = {f.name for f in dataclasses.fields(Methodology)}
    for kind in STEPS:
        assert kind.key in fields
        if kind.overrides:
            assert kind.overrides in fields


@pytest.mark.parametrize("kind", [*STEPS, *PARTS], ids=lambda k: k.key)
def test_every_method_carries_a_bilingual_label(kind):
    for method in kind.registry.methods():
        assert method.zh, f"{kind.key} {method.name!r} has no Chinese label"
        assert method.summary, f"{kind.key} {method.name!r} has no English label"


def test_methodology_steps_lists_overrides_with_their_key_path_and_scope():
    meth = Methodology(aggregate_levels={2: "geometric"}, normalise_overrides={"A1": "rank"})
    got = [(where, kind.key, step.method, scope)
           for where, kind, step, scope in methodology_steps(meth, used_only=True)]
    assert got[:6] == [("impute", "impute", "none", ""), ("treat", "treat", "none", ""),
                       ("normalise", "normalise", "goalposts", ""), ("weights", "weights", "expert", ""),
                       ("aggregate", "aggregate", "arithmetic", ""), ("missing", "missing", "skip", "")]
    assert got[6:] == [("normalise_overrides.A1", "normalise", "rank", "A1"),
                       ("aggregate_levels.2", "aggregate", "geometric", "level 2")]
    assert len(list(methodology_steps(meth))) == 12  # denominate, screen, unsubmitted and grading too
    assert step_kind("weights").zh == "权重"
