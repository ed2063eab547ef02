"""Methodologies: dict and YAML round trips, content hash, validation with suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from indicators.aggregate import AGGREGATORS, MISSING_POLICIES
from indicators.errors import MethodologyError
from indicators.framework import load_framework
from indicators.methodology import (
    DEFAULT_GRADES,
    GradeBand,
    Methodology,
    Step,
    load_methodology,
)
from indicators.normalise import NORMALISERS
from indicators.testing import toy_framework
from indicators.treat_step import TREATMENTS
from indicators.weights import WEIGHTERS

from .test_framework import DISTRICT

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "data" / "methodologies").glob("*.yaml"))
FW = toy_framework()


def full() -> Methodology:
    """A methodology that sets every field away from its default."""
    return Methodology.from_dict({
        "name": "full",
        "description": "每一项都设置 / every field set",
        "impute": {"method": "last_year", "params": {"max_gap": 2}},
        "treat": "none",
        "normalise": {"method": "goalposts", "params": {"bounds": {"B1": [0, 20]}, "clip": False}},
        "normalise_overrides": {"A2": {"method": "minmax", "params": {"lower": 1}}},
        "weights": {"method": "expert", "params": {"overrides": {"A": 50, "B": 50}}},
        "aggregate": "arithmetic",
        "aggregate_levels": {3: {"method": "generalised", "params": {"p": 2}}},
        "missing": {"method": "skip", "params": {"min_coverage": 0.5, "by": "weight"}},
        "missing_levels": {"2": "strict"},
        "grades": [{"min": 85, "zh": "好", "en": "Good"}, {"min": None, "zh": "差", "en": "Poor"}],
        "exclude": ["B2"],
    })


# -- serialisation -----------------------------------------------------------------------------
def test_default_to_dict():
    assert Methodology().to_dict() == {
        "name": "baseline",
        "impute": {"method": "none"},
        "treat": {"method": "none"},
        "normalise": {"method": "goalposts"},
        "weights": {"method": "expert"},
        "aggregate": {"method": "arithmetic"},
        "missing": {"method": "skip", "params": {"min_coverage": 0.0}},
        "grades": [
            {"min": 90, "zh": "优秀", "en": "Excellent"},
            {"min": 80, "zh": "良好", "en": "Good"},
            {"min": 60, "zh": "合格", "en": "Pass"},
            {"min": None, "zh": "不合格", "en": "Fail"},
        ],
    }


def test_dict_round_trip():
    m = full()
    again = Methodology.from_dict(m.to_dict())
    assert again == m
    assert again.to_dict() == m.to_dict()
    assert again.content_hash == m.content_hash
    assert m.missing_levels[2] == Step("strict")  # "2" read as level 2
    assert m.grades == (GradeBand(85, "好", "Good"), GradeBand(float("-inf"), "差", "Poor"))
    m.validate(FW)


def test_dict_survives_json_style_string_level_keys():
    import json

    m = full()
    assert Methodology.from_dict(json.loads(json.dumps(m.to_dict()))) == m


def test_yaml_round_trip(tmp_path):
    m = full()
    path = m.save(tmp_path / "sub" / "full.yaml")
    assert path.exists()
    text = path.read_text(encoding="utf-8")
    assert "每一项都设置" in text  # Chinese stays readable
    assert load_methodology(path) == m
    assert yaml.safe_load(text) == m.to_dict()


def test_content_hash_stable_and_sensitive():
    m = full()
    assert m.content_hash == full().content_hash
    assert len(m.content_hash) == 64
    # name and description do not change what is computed
    assert m.replace(name="other", description="x").content_hash == m.content_hash
    # any parameter does
    assert m.replace(aggregate_levels={3: {"method": "generalised", "params": {"p": 3}}}
                     ).content_hash != m.content_hash
    assert m.replace(exclude=()).content_hash != m.content_hash
    assert m.replace(grades=DEFAULT_GRADES).content_hash != m.content_hash
    assert Methodology().content_hash != m.content_hash


def test_grades_are_sorted_top_down():
    m = Methodology(grades=(GradeBand(60, "合格", "Pass"), GradeBand(90, "优秀", "Excellent")))
    assert [g.min for g in m.grades] == [90, 60]


def test_steps_are_immutable():
    m = full()
    with pytest.raises(TypeError):
        m.impute.params["max_gap"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        m.name = "x"  # type: ignore[misc]


def test_replace_accepts_names_and_dicts():
    m = Methodology().replace(normalise="minmax", aggregate={"method": "generalised",
                                                             "params": {"p": 2}})
    assert m.normalise == Step("minmax")
    assert m.aggregate == Step("generalised", {"p": 2})


def test_replace_accepts_names_in_per_indicator_and_per_level_steps():
    # Bug fixed: replace() converted only the six main steps (and the constructor none), so names
    # given for normalise_overrides / aggregate_levels / missing_levels crashed validate() with
    # AttributeError: 'str' object has no attribute 'method'.
    m = Methodology().replace(
        normalise_overrides={"B1": "minmax"},
        aggregate_levels={3: {"method": "geometric"}},
        missing_levels={2: "strict"},
    )
    assert m.normalise_overrides["B1"] == Step("minmax")
    assert m.aggregate_levels[3] == Step("geometric")
    assert m.missing_levels[2] == Step("strict")
    m.validate(FW)
    direct = Methodology(normalise={"method": "goalposts", "params": {"clip": False}},
                         normalise_overrides={"B1": "minmax"}, aggregate_levels={3: "geometric"},
                         missing_levels={2: "strict"})
    assert direct.normalise == Step("goalposts", {"clip": False})
    assert direct == m.replace(normalise={"method": "goalposts", "params": {"clip": False}})
    with pytest.raises(MethodologyError, match=r"aggregate_levels.3: a step is a method name"):
        Methodology(aggregate_levels={3: 42})


# -- validation ----------------------------------------------------------------------------------
def problems(m: Methodology, framework=None) -> list[str]:
    with pytest.raises(MethodologyError) as info:
        m.validate(framework)
    return info.value.problems


def test_unknown_method_lists_choices_and_suggests():
    p = problems(Methodology().replace(normalise="min-max"))
    assert p == [
        f"normalise: unknown normaliser 'min-max'; available: {', '.join(NORMALISERS.names())}. "
        "Did you mean 'minmax'?"
    ]
    assert "goalposts, identity, minmax, percentile_rank, rank, scoring_rules, zscore" in p[0]  # sorted


@pytest.mark.parametrize(
    ("step", "name", "says"),
    [
        ("impute", "means", "unknown imputer 'means'; available: .* Did you mean 'mean'\\?"),
        ("weights", "expart", "unknown weighter 'expart'; .* Did you mean 'expert'\\?"),
        ("aggregate", "geometrik", "unknown aggregator 'geometrik'; .* mean 'geometric'\\?"),
        ("missing", "stricct", "unknown missing-data policy 'stricct'; .* mean 'strict'\\?"),
        ("treat", "winsorize", "unknown treatment 'winsorize'; available: none"),
    ],
)
def test_unknown_method_in_every_step(step, name, says):
    with pytest.raises(MethodologyError, match=f"{step}: {says}"):
        Methodology().replace(**{step: name}).validate()


def test_unknown_parameter_with_suggestion():
    p = problems(Methodology().replace(normalise={"method": "goalposts",
                                                  "params": {"base_yaer": 2020}}))
    accepted = ", ".join(NORMALISERS.get("goalposts").parameters)  # base_year, bounds, clip, ...
    assert "bounds, " in accepted
    assert p == [
        "normalise: 'goalposts' got unexpected parameter 'base_yaer' (did you mean 'base_year'?); "
        f"accepted: {accepted}"
    ]


def test_parameter_on_a_method_without_parameters():
    p = problems(Methodology().replace(treat={"method": "none", "params": {"k": 1}}))
    assert p == ["treat: 'none' got unexpected parameter 'k'; accepted: none"]


def test_missing_required_parameter():
    p = problems(Methodology().replace(aggregate="generalised"))
    assert p == ["aggregate: 'generalised' requires parameter 'p'"]


def test_level_keys_validated_against_the_framework():
    m = Methodology().replace(aggregate_levels={4: "geometric"}, missing_levels={1: "strict"})
    p = problems(m, FW)
    assert p == [
        "aggregate_levels.4: level 4 has no aggregates; levels are [2, 3]",
        "missing_levels.1: level 1 has no aggregates; levels are [2, 3]",
    ]
    m.validate()  # without a framework there is nothing to check the levels against


def test_level_keys_must_be_integers():
    with pytest.raises(MethodologyError, match="aggregate_levels.dims: level keys are integers "
                                               r"\(2 = dimensions\), got 'dims'"):
        Methodology.from_dict({"aggregate_levels": {"dims": "geometric"}})


def test_codes_validated_against_the_framework():
    m = Methodology().replace(normalise_overrides={"Z1": "minmax"}, exclude=("Z2",))
    assert problems(m, FW) == [
        "normalise_overrides.Z1: 'Z1' is not an indicator of toy",
        "exclude[0]: 'Z2' is not an indicator of toy",
    ]
    # an aggregate is not an indicator either
    assert problems(Methodology().replace(exclude=("A",)), FW) == [
        "exclude[0]: 'A' is not an indicator of toy"
    ]


def test_every_problem_reported_at_once():
    m = Methodology().replace(
        normalise="min-max", aggregate="generalised", impute={"method": "last_year",
                                                              "params": {"gap": 1}},
        normalise_overrides={"A1": "zscor"}, aggregate_levels={9: "arithmetic"},
    )
    with pytest.raises(MethodologyError) as info:
        m.validate(FW)
    assert len(info.value.problems) == 5
    assert str(info.value).startswith("方法无效 / methodology 'baseline' is invalid: 5 problems")
    assert any(p.startswith("normalise_overrides.A1: unknown normaliser 'zscor'")
               for p in info.value.problems)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"nomalise": "minmax"}, r"methodology: unknown key\(s\) \['nomalise'\]; allowed: "),
        ({"normalise": {"method": "minmax", "parms": {}}},
         r"normalise: unexpected key\(s\) \['parms'\]; a step is \{method, params\}"),
        ({"normalise": 3}, r"normalise: a step is a method name or \{method, params\}, got 3"),
        ({"normalise": {"params": {}}}, "normalise: a step is a method name or"),
        ({"grades": [{"min": 90, "zh": "优秀"}]}, r"grades\[0\]: each band is \{min: finite number or"),
        ({"grades": [{"min": "high", "zh": "优", "en": "E"}]}, r"grades\[0\]: each band is"),
        ({"grades": ["优秀"]}, r"grades\[0\]: each band is"),
    ],
)
def test_from_dict_errors(data, says):
    with pytest.raises(MethodologyError, match=says):
        Methodology.from_dict(data)


def test_from_dict_needs_a_mapping():
    with pytest.raises(MethodologyError, match="a methodology is a mapping, got list"):
        Methodology.from_dict(["goalposts"])  # type: ignore[arg-type]


def test_load_methodology_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nomalise: minmax\n", encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"bad.yaml: methodology: unknown key\(s\)"):
        load_methodology(bad)
    broken = tmp_path / "broken.yaml"
    broken.write_text("normalise: [unclosed\n", encoding="utf-8")
    with pytest.raises(MethodologyError, match="broken.yaml line 2: YAML 无效 / not valid YAML"):
        load_methodology(broken)
    with pytest.raises(MethodologyError, match="cannot read methodology file"):
        load_methodology(tmp_path / "absent.yaml")


# -- shipped files -------------------------------------------------------------------------------
def test_methodologies_are_shipped():
    assert {"baseline", "relative_equal", "scoring_rules", "frozen_2019"} <= {p.stem for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_methodologies_load_and_validate(path):
    m = load_methodology(path)
    assert m.name == path.stem
    m.validate(load_framework(DISTRICT))
    assert Methodology.from_dict(m.to_dict()) == m


def test_baseline_file_contents():
    m = load_methodology(ROOT / "data" / "methodologies" / "baseline.yaml")
    assert m.normalise == Step("goalposts", {"clip": True})
    assert m.missing == Step("skip", {"min_coverage": 0.5, "by": "count"})
    assert [g.min for g in m.grades] == [90, 80, 60, float("-inf")]
    rel = load_methodology(ROOT / "data" / "methodologies" / "relative_equal.yaml")
    assert rel.aggregate_levels == {3: Step("geometric")}


def test_grades_without_a_bottom_band_are_rejected():
    from indicators.errors import MethodologyError
    from indicators.methodology import Methodology

    m = Methodology.from_dict({"grades": [{"min": 90, "zh": "优秀", "en": "Excellent"}]})
    with pytest.raises(MethodologyError, match="lowest band needs min: null"):
        m.validate()


# -- parameter values are checked when bound (MethodologyError naming the dotted key path) ---------
@pytest.mark.parametrize(("missing", "message"), [
    ({"method": "skip", "params": {"min_coverage": 7}},
     r"missing\.params\.min_coverage: .*must be a number in \[0, 1\], got 7"),
    ({"method": "skip", "params": {"min_coverage": "half"}},
     r"missing\.params\.min_coverage: .*must be a number in \[0, 1\], got 'half'"),
    ({"method": "skip", "params": {"by": "share"}},
     r"missing\.params\.by: .*must be one of 'count', 'weight', got 'share'"),
])
def test_missing_policy_values_are_checked_when_bound(missing, message):
    meth = Methodology.from_dict({"name": "bad", "missing": missing})
    with pytest.raises(MethodologyError, match=message):
        meth.validate()


def test_generalised_p_nan_is_refused_at_its_level():
    meth = Methodology.from_dict({"name": "bad", "aggregate_levels": {2: {"method": "generalised",
                                                                           "params": {"p": float("nan")}}}})
    with pytest.raises(MethodologyError, match="is invalid") as err:
        meth.validate()
    assert err.value.problems == ["aggregate_levels.2.params.p: 须为有限的数 / must be a number (finite), got nan"]


def test_generalised_p_zero_is_refused_when_bound():
    with pytest.raises(MethodologyError, match=r"aggregate\.params\.p: .*p = 0 is the geometric mean"):
        AGGREGATORS.get("generalised").bind({"p": 0}, where="aggregate: ")


def test_expert_weight_override_inf_is_refused_when_bound():
    with pytest.raises(MethodologyError, match=r"weights\.params\.overrides: .*non-negative finite numbers, "
                                               r"got D1=inf"):
        WEIGHTERS.get("expert").bind({"overrides": {"D1": float("inf"), "D2": 3}}, where="weights: ")


@pytest.mark.parametrize(("params", "message"), [
    ({"winmax": -1}, r"treat\.params\.winmax: .*must be an integer >= 0, got -1"),
    ({"winmax": 2.5}, r"treat\.params\.winmax: .*must be an integer >= 0, got 2\.5"),
    ({"skew_thresh": float("inf")}, r"treat\.params\.skew_thresh: .*must be a number >= 0, got inf"),
    ({"kurt_thresh": "high"}, r"treat\.params\.kurt_thresh: .*got 'high'"),
])
def test_winsorise_values_are_checked_when_bound(params, message):
    with pytest.raises(MethodologyError, match=message):
        TREATMENTS.get("winsorise").bind(params, where="treat: ")


def test_any_float_parameter_must_be_finite():
    with pytest.raises(MethodologyError, match=r"normalise\.params\.upper: .*got inf"):
        NORMALISERS.get("minmax").bind({"upper": float("inf")}, where="normalise: ")
    with pytest.raises(MethodologyError, match=r"normalise\.params\.lower: .*got 'zero'"):
        NORMALISERS.get("minmax").bind({"lower": "zero"}, where="normalise: ")


def test_sane_values_still_bind():
    assert MISSING_POLICIES.get("skip").bind({"min_coverage": 1, "by": "weight"}) == {"min_coverage": 1,
                                                                                       "by": "weight"}
    assert TREATMENTS.get("winsorise").bind({"winmax": None})["winmax"] is None
