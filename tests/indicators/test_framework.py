"""Frameworks: the shipped district framework, every validation error path, tables and hashes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from indicators.errors import FrameworkError
from indicators.framework import framework_from_dict, load_framework
from indicators.testing import toy_framework, toy_framework_dict

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = ROOT / "data" / "frameworks" / "district_rol.yaml"

# A minimal valid framework. Line numbers matter: the tests below check them.
MINI = """\
id: mini
version: "1"
name: {zh: 迷你指数, en: Mini index}
figures:
  - {id: population, zh: 人口, en: Population, kind: count}
  - {id: cases, zh: 案件数, en: Cases, kind: count}
  - {id: closed, zh: 结案数, en: Closed, kind: count}
  - {id: rate, zh: 结案率, en: Closure rate, kind: rate}
nodes:
  - {code: IDX, zh: 指数, en: Index}
  - {code: D1, parent: IDX, weight: 60, zh: 维度一, en: Dimension one}
  - {code: I1, parent: D1, weight: 1, zh: 结案率, en: Closure rate, direction: '+', formula: closed / cases, reported: rate, goalposts: [0, 1], scoring: {rule: target_linear, target: 0.9, zero_at: 0.5}}
  - {code: D2, parent: IDX, weight: 40, zh: 维度二, en: Dimension two}
  - {code: I2, parent: D2, weight: 1, zh: 每万人案件, en: Cases per 10k, direction: '-', formula: per10k(cases)}
"""  # noqa: E501 - one node per line keeps the line numbers obvious
I1_LINE, I2_LINE, D1_LINE = 12, 14, 11


def write(tmp_path: Path, text: str, name: str = "mini.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(old: str, new: str, text: str = MINI) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, text))
    return info.value.problems


# -- the shipped framework ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def district():
    return load_framework(DISTRICT)


def test_district_framework_loads(district):
    assert district.id == "district_rol"
    assert district.root == "ROL"
    assert len(district.indicators) == 28
    assert district.children("ROL") == ("D1", "D2", "D3", "D4", "D5", "D6")
    assert district.max_level == 3
    assert len(district.figures) == 59
    assert len(district.checks) == 22


def test_district_dimension_points_sum_to_100(district):
    # from the YAML: D1 30, D2 20, D3 20, D4 10, D5 10, D6 10 -> 100
    expected = {"D1": 30, "D2": 20, "D3": 20, "D4": 10, "D5": 10, "D6": 10}
    assert {d: district.nodes[d].weight for d in district.children("ROL")} == expected
    assert sum(expected.values()) == 100


@pytest.mark.parametrize(
    ("dim", "points"),
    [
        ("D1", [6, 4, 4, 4, 4, 4, 4]),  # 6 + 6*4 = 30
        ("D2", [6, 5, 4, 5]),  # 20
        ("D3", [5, 4, 4, 4, 3]),  # 20
        ("D4", [3, 3, 2, 2]),  # 10
        ("D5", [3, 2, 3, 2]),  # 10
        ("D6", [4, 2, 2, 2]),  # 10
    ],
)
def test_district_indicator_points_sum_to_their_dimension(district, dim, points):
    kids = district.children(dim)
    assert [district.nodes[k].weight for k in kids] == points
    assert sum(points) == district.nodes[dim].weight


def test_district_details(district):
    d11 = district.nodes["D1.1"]
    assert d11.goalposts == (0.4, 1.0)
    assert d11.reported == "head_appearance_rate"
    assert d11.formula.figures == ("head_appearances", "admin_litigation_first_instance")
    assert dict(d11.scoring) == {"rule": "target_linear", "target": 0.9, "zero_at": 0.4}
    lines = DISTRICT.read_text(encoding="utf-8").splitlines()
    assert lines[d11.line - 1] == "  - code: D1.1"  # the line the node starts on
    assert district.nodes["D1.4"].direction == -1
    assert district.nodes["D5.3"].direction == -1
    assert district.nodes["D5.4"].direction == -1
    assert sum(district.nodes[c].direction < 0 for c in district.indicators) == 3
    assert district.nodes["D2.4"].formula.figures == ("mediation_received", "population")
    assert district.nodes["D6.3"].scoring["due"] == 2022
    assert district.nodes["D5.4"].scoring["basis"] == "corrections_absconded"
    assert district.path("D3.3") == ("ROL", "D3", "D3.3")
    assert district.dimension_of("D3.3") == "D3"
    assert district.dimension_of("D3") == "D3"
    assert district.label("D1", "en") == "Law-based government"
    assert district.label("population") == "常住人口"
    assert district.label("nope") == "nope"
    assert district.nodes["D1"].label == "法治政府建设 / Law-based government"


def test_district_to_table(district):
    table = district.to_table()
    assert len(table) == 1 + 6 + 28
    assert table["code"].is_unique
    parents = dict(zip(table["code"], table["parent"], strict=True))
    assert parents["ROL"] == ""
    assert all(parents[d] == "ROL" for d in ("D1", "D2", "D3", "D4", "D5", "D6"))
    for code in district.indicators:
        assert parents[code] == code.split(".")[0]
    # tree order: each dimension directly followed by its indicators
    assert list(table["code"][:9]) == ["ROL", "D1", "D1.1", "D1.2", "D1.3", "D1.4", "D1.5",
                                       "D1.6", "D1.7"]
    row = table.set_index("code").loc["D1.4"]
    assert (row["direction"], row["weight"], row["goalpost_upper"]) == ("-", 4.0, 0.3)
    assert table.set_index("code").loc["D1", "type"] == "aggregate"
    assert len(district.figures_table()) == 59


# -- content hash -------------------------------------------------------------------------------
def test_content_hash_ignores_comments_and_whitespace(tmp_path):
    a = load_framework(write(tmp_path, MINI, "a.yaml"))
    noisy = "# a comment\n\n" + MINI.replace("weight: 60,", "weight:   60 ,  ") + "\n# end\n"
    b = load_framework(write(tmp_path, noisy, "b.yaml"))
    assert a.content_hash == b.content_hash
    assert len(a.content_hash) == 64


def test_content_hash_changes_with_a_weight(tmp_path):
    a = load_framework(write(tmp_path, MINI, "a.yaml"))
    b = load_framework(write(tmp_path, edit("weight: 60", "weight: 61"), "b.yaml"))
    assert a.content_hash != b.content_hash
    assert a.identity == {"id": "mini", "version": "1", "content_hash": a.content_hash}


def test_content_hash_same_from_dict_and_yaml(tmp_path):
    import yaml

    loaded = load_framework(write(tmp_path, MINI))
    assert framework_from_dict(yaml.safe_load(MINI)).content_hash == loaded.content_hash


# -- the mini framework itself is valid ------------------------------------------------------
def test_mini_loads(tmp_path):
    fw = load_framework(write(tmp_path, MINI))
    assert fw.indicators == ("I1", "I2")
    assert fw.aggregates == ("D1", "D2", "IDX")
    assert fw.nodes["I2"].direction == -1
    assert fw.nodes["I1"].line == I1_LINE
    assert fw.source == "mini.yaml"
    assert fw.scale == 100.0


def test_direction_spellings(tmp_path):
    for spelling, expected in (("'+'", 1), ("1", 1), ("'+1'", 1), ("'-'", -1), ("-1", -1)):
        fw = load_framework(write(tmp_path, edit("direction: '-'", f"direction: {spelling}")))
        assert fw.nodes["I2"].direction == expected


# -- every validation error path --------------------------------------------------------------
def at(line: int, code: str) -> str:
    return f"mini.yaml line {line} (node {code}): "


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def test_unknown_parent_with_suggestion(tmp_path):
    problems = problems_of(tmp_path, edit("parent: D2, weight: 1", "parent: DD2, weight: 1"))
    assert at(I2_LINE, "I2") + "parent 'DD2' is not a node (did you mean 'D2'?)" in problems
    # D2 lost its only child, so it is now a leaf without formula or direction: reported too
    assert at(13, "D2") + "an indicator needs a 'formula' (an aggregate needs children)" in problems
    assert at(13, "D2") + "direction must be '+' or '-', got None" in problems
    assert len(problems) == 3


def test_duplicate_node_code(tmp_path):
    text = MINI + ("  - {code: I1, parent: D2, weight: 1, zh: 重复, en: Duplicate, "
                   "direction: '+', formula: cases}\n")
    p = only(problems_of(tmp_path, text))
    assert p == at(15, "I1") + f"duplicate node code 'I1' (first on line {I1_LINE})"


def test_duplicate_figure_id(tmp_path):
    text = edit("nodes:\n", "  - {id: cases, zh: 又一个, en: Again}\nnodes:\n")
    problems = problems_of(tmp_path, text)
    assert problems == [
        "mini.yaml line 9 (figure cases): duplicate figure id 'cases' (first on line 6)"
    ]


def test_formula_naming_unknown_figure_with_suggestion(tmp_path):
    p = only(problems_of(tmp_path, edit("formula: closed / cases", "formula: closed / casez")))
    assert p == at(I1_LINE, "I1") + "formula names unknown figure 'casez' (did you mean 'cases'?)"


def test_formula_outside_the_whitelist(tmp_path):
    p = only(problems_of(tmp_path, edit("formula: closed / cases", "formula: closed ** 2")))
    assert p.startswith(f"mini.yaml line {I1_LINE} (node I1, formula): ") and "operator Pow is not allowed" in p


def test_indicator_without_formula(tmp_path):
    p = only(problems_of(tmp_path, edit(", formula: per10k(cases)", "")))
    assert p == at(I2_LINE, "I2") + "an indicator needs a 'formula' (an aggregate needs children)"


def test_bad_direction(tmp_path):
    p = only(problems_of(tmp_path, edit("direction: '-'", "direction: up")))
    assert p == at(I2_LINE, "I2") + "direction must be '+' or '-', got 'up'"


def test_missing_direction(tmp_path):
    p = only(problems_of(tmp_path, edit(" direction: '-',", "")))
    assert p == at(I2_LINE, "I2") + "direction must be '+' or '-', got None"


@pytest.mark.parametrize("bad", ["-1", "'heavy'", "true"])
def test_bad_weight(tmp_path, bad):
    p = only(problems_of(tmp_path, edit("weight: 60", f"weight: {bad}")))
    assert p.startswith(f"mini.yaml line {D1_LINE} (node D1, weight): 权重必须是有限的非负数 / "
                        "weight must be a finite non-negative number (at most 1e9), got ")


def test_missing_weight(tmp_path):
    p = only(problems_of(tmp_path, edit("parent: IDX, weight: 60, ", "parent: IDX, ")))
    assert p == at(D1_LINE, "D1") + "needs a 'weight' (expert points)"


def test_missing_zh_or_en_on_a_node(tmp_path):
    p = only(problems_of(tmp_path, edit(", en: Dimension one", "")))
    assert p == at(D1_LINE, "D1") + "needs both a Chinese (zh) and an English (en) name"
    p = only(problems_of(tmp_path, edit("zh: 维度一, ", "")))
    assert p == at(D1_LINE, "D1") + "needs both a Chinese (zh) and an English (en) name"


def test_missing_zh_or_en_on_a_figure_and_the_framework(tmp_path):
    p = only(problems_of(tmp_path, edit(", en: Cases,", ",")))
    assert p == ("mini.yaml line 6 (figure cases): "
                 "needs both a Chinese (zh) and an English (en) name")
    p = only(problems_of(tmp_path, edit("{zh: 迷你指数, en: Mini index}", "{zh: 迷你}")))
    assert p == "mini.yaml line 1: 'name' must give both zh and en"


def test_unknown_keys(tmp_path):
    p = only(problems_of(tmp_path, edit("weight: 40,", "weight: 40, colour: red,")))
    assert p.startswith(at(13, "D2") + "unknown key 'colour'; allowed: advice, code, denominator, direction, due, en,")
    p = only(problems_of(tmp_path, edit("kind: rate}", "kind: rate, colour: red}")))
    assert p.startswith("mini.yaml line 8 (figure rate): unknown key 'colour'; allowed: en, extract, id,")
    p = only(problems_of(tmp_path, "colour: red\n" + MINI))
    assert p.startswith("mini.yaml line 1: unknown top-level key 'colour'; allowed: bonus, checks,")


@pytest.mark.parametrize("bad", ["[1, 0]", "[0.5, 0.5]", "[0]", "[0, null]", "[a, 1]", "0.5"])
def test_bad_goalposts(tmp_path, bad):
    p = only(problems_of(tmp_path, edit("goalposts: [0, 1]", f"goalposts: {bad}")))
    assert p == at(I1_LINE, "I1") + "goalposts must be [lower, upper] with lower < upper"


def test_unknown_scoring_rule_with_suggestion(tmp_path):
    p = only(problems_of(tmp_path, edit("rule: target_linear", "rule: target_linaer")))
    assert p.startswith(at(I1_LINE, "I1") + "unknown scoring rule 'target_linaer'; available: ")
    assert p.endswith("Did you mean 'target_linear'?")


def test_scoring_without_a_rule(tmp_path):
    p = only(problems_of(tmp_path, edit("rule: target_linear, ", "")))
    assert p == at(I1_LINE, "I1") + "scoring must be a mapping with a 'rule'"


def test_bad_scoring_parameter_name(tmp_path):
    p = only(problems_of(tmp_path, edit("target: 0.9", "targte: 0.9")))
    assert p.startswith(at(I1_LINE, "I1") + "invalid method parameters: 2 problems; ")
    assert ("scoring rule 'target_linear' got unexpected parameter 'targte' "
            "(did you mean 'target'?)") in p
    assert "scoring rule 'target_linear' requires parameter 'target'" in p


@pytest.mark.parametrize(
    ("scoring", "says"),
    [
        ("{rule: target_linear, target: 0.5, zero_at: 0.5}", "target and zero_at must differ"),
        ("{rule: target_linear, target: high, zero_at: 0.5}", "bad parameter value"),
        ("{rule: linear, lower: 5, upper: 1}", "lower must be below upper"),
        ("{rule: deduction, threshold: 1, per_unit: 0.5, cap: 1, points: 0}", "points must be > 0"),
        ("{rule: target_stepped, steps: [[0.9, 120]]}", "on the 0–100 scale"),
        ("{rule: target_stepped, steps: [[0.9]]}", "bad parameter value"),
        ("{rule: target_stepped, steps: 5}", "bad parameter value"),
        ("{rule: all_or_nothing, threshold: 1.0, due: '2022'}", "'due' must be a year, got '2022'"),
        ("{rule: all_or_nothing, threshold: 1.0, basis: casez}",
         "scoring basis 'casez' is not a declared figure (did you mean 'cases'?)"),
    ],
)
def test_bad_scoring_parameter_value(tmp_path, scoring, says):
    # Before the fix the first seven loaded fine and failed only when a district was scored.
    text = edit("scoring: {rule: target_linear, target: 0.9, zero_at: 0.5}", f"scoring: {scoring}")
    p = only(problems_of(tmp_path, text))
    assert p.startswith(at(I1_LINE, "I1"))
    assert says in p


def test_reported_figure_must_be_a_declared_rate(tmp_path):
    p = only(problems_of(tmp_path, edit("reported: rate", "reported: cases")))
    assert p == at(I1_LINE, "I1") + "reported figure 'cases' must be of kind 'rate'"
    p = only(problems_of(tmp_path, edit("reported: rate", "reported: rat")))
    assert p == at(I1_LINE, "I1") + "reported figure 'rat' is not declared (did you mean 'rate'?)"


def test_two_roots(tmp_path):
    p = only(problems_of(tmp_path, edit("{code: D2, parent: IDX, weight: 40,", "{code: D2,")))
    assert p == ("mini.yaml line 10: exactly one node must have no parent (the index); "
                 "found 2: IDX, D2")


def test_cycle(tmp_path):
    text = edit("{code: D1, parent: IDX,", "{code: D1, parent: I1,")
    p = only(problems_of(tmp_path, text))
    assert p == at(D1_LINE, "D1") + "parent chain loops back to 'D1'"


def test_self_parent_is_a_cycle(tmp_path):
    p = only(problems_of(tmp_path, edit("{code: D2, parent: IDX,", "{code: D2, parent: D2,")))
    assert p == at(13, "D2") + "parent chain loops back to 'D2'"


def test_duplicate_yaml_key(tmp_path):
    text = edit("weight: 40,", "weight: 40, weight: 50,")
    with pytest.raises(FrameworkError, match="mini.yaml line 13: YAML 无效 / not valid YAML") as info:
        load_framework(write(tmp_path, text))
    assert "duplicate key 'weight' (first on line 13)" in str(info.value)


def test_invalid_yaml(tmp_path):
    with pytest.raises(FrameworkError, match=r"mini.yaml line \d+: YAML 无效 / not valid YAML"):
        load_framework(write(tmp_path, "id: [unclosed\n"))


def test_unreadable_file(tmp_path):
    with pytest.raises(FrameworkError, match="cannot read framework file"):
        load_framework(tmp_path / "absent.yaml")


def test_not_a_mapping(tmp_path):
    with pytest.raises(FrameworkError, match="a framework is a mapping"):
        load_framework(write(tmp_path, "- 1\n- 2\n"))


def test_missing_top_level_keys(tmp_path):
    problems = problems_of(tmp_path, "name: {zh: 空, en: Empty}\n")
    assert "mini.yaml line 1: missing required top-level key 'id'" in problems
    assert "mini.yaml line 1: missing required top-level key 'version'" in problems
    assert "mini.yaml: 'nodes' must be a non-empty list" in problems


def test_aggregate_keys_only_on_indicators(tmp_path):
    p = only(problems_of(tmp_path, edit("weight: 40,", "weight: 40, direction: '+',")))
    assert p == at(13, "D2") + "'direction' is only allowed on indicators; D2 has children"


def test_all_children_weight_zero(tmp_path):
    p = only(problems_of(tmp_path, edit("parent: D2, weight: 1", "parent: D2, weight: 0")))
    assert p == at(13, "D2") + "all children have weight 0"


def test_bad_figure_kind_and_range(tmp_path):
    p = only(problems_of(tmp_path, edit("en: Cases, kind: count", "en: Cases, kind: tally")))
    assert p == ("mini.yaml line 6 (figure cases): "
                 "kind 'tally' is not one of count, amount, rate, binary")
    p = only(problems_of(tmp_path, edit("en: Cases, kind: count", "en: Cases, range: [5, 1]")))
    assert p.endswith("range must be [lower, upper] with numbers or null, lower <= upper")


def test_check_naming_an_unknown_figure(tmp_path):
    text = edit("nodes:\n", "checks:\n  - {part: closed, whole: casez}\nnodes:\n")
    p = only(problems_of(tmp_path, text))
    assert p == ("mini.yaml line 10 (check): "
                 "whole 'casez' is not a declared figure (did you mean 'cases'?)")


def test_many_problems_reported_at_once(tmp_path):
    text = MINI
    text = edit("direction: '-'", "direction: up", text)  # 1
    text = edit("weight: 60", "weight: -5", text)  # 2
    text = edit("formula: closed / cases", "formula: closed / casez", text)  # 3
    text = edit("goalposts: [0, 1]", "goalposts: [1, 0]", text)  # 4
    text = edit("kind: rate}", "kind: rate, colour: red}", text)  # 5
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, text))
    err = info.value
    assert len(err.problems) == 5
    assert str(err).startswith("框架无效 / framework mini.yaml is invalid: 5 problems\n  - ")
    assert str(err).count("\n  - ") == 5
    joined = "\n".join(err.problems)
    for needle in ("line 14 (node I2): direction", "line 11 (node D1, weight): 权重必须是有限的非负数 / weight",
                   "line 12 (node I1): formula names unknown figure 'casez'",
                   "line 12 (node I1): goalposts", "line 8 (figure rate): unknown key 'colour'"):
        assert needle in joined


# -- the toy framework (indicators.testing) ----------------------------------------------------
def test_toy_framework():
    fw = toy_framework()
    assert fw.indicators == ("A1", "A2", "B1", "B2", "B3")
    assert fw.children("T") == ("A", "B")
    assert fw.nodes["A2"].direction == -1
    assert fw.nodes["A1"].reported == "closure_rate"
    assert fw.nodes["B1"].formula.figures == ("events", "population")
    assert fw.nodes["B1"].goalposts is None
    assert all(fw.nodes[c].scoring is not None for c in fw.indicators)
    assert fw.source == "toy"
    assert all(n.line is None for n in fw.nodes.values())  # no line numbers from a dict


def test_toy_framework_problems_name_the_node_without_lines():
    data = toy_framework_dict()
    data["nodes"][2]["direction"] = "sideways"
    with pytest.raises(FrameworkError, match=r"toy \(node A1\): direction must be"):
        toy_framework(data)


def test_framework_is_immutable():
    fw = toy_framework()
    with pytest.raises(AttributeError):
        fw.root = "X"  # type: ignore[misc]
    with pytest.raises(TypeError):
        fw.nodes["Z"] = fw.nodes["A"]  # type: ignore[index]
    assert math.isclose(fw.nodes["A"].weight, 60.0)


@pytest.mark.parametrize("direction,target,zero_at", [("+", 0.4, 0.9), ("-", 0.3, 0.05)])
def test_target_linear_pointing_the_wrong_way_is_rejected(direction, target, zero_at):
    import yaml as _yaml

    from indicators.errors import FrameworkError
    from indicators.framework import framework_from_dict
    from tests.conftest import ROOT

    data = _yaml.safe_load((ROOT / "data" / "frameworks" / "district_rol.yaml").read_text(encoding="utf-8"))
    node = next(n for n in data["nodes"] if n["code"] == "D1.1")
    node["direction"] = direction
    node["scoring"] = {"rule": "target_linear", "target": target, "zero_at": zero_at}
    with pytest.raises(FrameworkError, match="node D1.1.*target_linear: for a . indicator the target must lie"):
        framework_from_dict(data, source="fw.yaml")


def test_due_year_is_a_year_on_indicators_only(tmp_path):
    p = only(problems_of(tmp_path, edit("goalposts: [0, 1]", "goalposts: [0, 1], due: soon")))
    assert p == at(I1_LINE, "I1") + "due must be a year (first year assessed), got 'soon'"
    p = only(problems_of(tmp_path, edit("weight: 40,", "weight: 40, due: 2022,")))
    assert p == at(13, "D2") + "'due' is only allowed on indicators; D2 has children"
