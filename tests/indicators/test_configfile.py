"""Configuration files checked as strictly as data: every bad case names file, line and key.

Hand-made frameworks and methodologies in ``tmp_path``; each case is one that used to be accepted
silently or end in a traceback (issue 13).
"""

from __future__ import annotations

import time
import warnings

import pytest

from indicators.configfile import SourceMarks, dump_config, read_config_yaml
from indicators.errors import FrameworkError, JudgementError, MethodologyError, ZeroWeightWarning
from indicators.formula import MAX_CHARS, parse_formula
from indicators.framework import load_framework
from indicators.methodology import Methodology, load_methodology
from indicators.testing import toy_framework
from tests.indicators.test_framework import D1_LINE, I1_LINE, MINI, edit, write

# -- formulas ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "says"),
    [
        ("closed / 0", r"除数恒为 0 / formula 'closed / 0': divides by the constant 0 = 0"),
        ("closed / (2 - 2)", r"divides by the constant 2 - 2 = 0"),
        ("closed / cases * 1e999", r"constant 1e999 is not finite"),
        ("closed / cases * 1e12", r"constant 1e12 is absurdly large"),
        ("closed / cases * 1e-400", r"constant 1e-400 underflows to 0"),
        ("closed / cases * 1e-12", r"constant 1e-12 is absurdly small"),
        ("closed / cases * (100000 * 100000)", r"constant part 100000 \* 100000 evaluates to 1e\+10"),
    ],
)
def test_absurd_constants_name_file_line_and_key(tmp_path, formula, says):
    with pytest.raises(FrameworkError, match=rf"mini.yaml line {I1_LINE} \(node I1, formula\): .*{says}"):
        load_framework(write(tmp_path, edit("formula: closed / cases", f"formula: {formula}")))


def test_constants_a_framework_needs_are_accepted():
    assert parse_formula("x / population * 10000").figures == ("x", "population")
    assert parse_formula("0 * x + 0.5 * y - 1e-9 * z").figures == ("x", "y", "z")
    assert parse_formula("x / (1 + 1)").figures == ("x",)


@pytest.mark.parametrize(
    ("formula", "says"),
    [
        ("+".join(["cases"] * 1000), rf"formula is too long: 5999 characters \(at most {MAX_CHARS}\)"),
        ("-" * 1000 + "cases", r"formula is too long: 1005 characters"),
        ("+".join(["cases"] * 60), r"is too complex: more than 40 levels of nesting .*sum\(a, b, …\)"),
        ("-" * 60 + "cases", r"is too complex: more than 40 levels of nesting"),
        ("sum(" + ",".join(["a"] * 210) + ")", r"is too complex: more than 200 terms"),
    ],
)
def test_huge_or_deep_formulas_are_refused_not_recursed(tmp_path, formula, says):
    with pytest.raises(FrameworkError, match=rf"mini.yaml line {I1_LINE} \(node I1, formula\): .*{says}"):
        load_framework(write(tmp_path, edit("formula: closed / cases", f"formula: '{formula}'")))


# -- weights -------------------------------------------------------------------------------------


@pytest.mark.parametrize("weight", [".inf", ".nan", "-.inf", "1.0e+300", "-5", "heavy"])
def test_non_finite_weight_names_file_line_and_key(tmp_path, weight):
    text = edit("weight: 60", f"weight: {weight}")
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, text))
    p = [x for x in info.value.problems if "node D1" in x]
    assert len(p) == 1 and p[0].startswith(f"mini.yaml line {D1_LINE} (node D1, weight): "), p
    assert "weight must be a" in p[0]


def test_weight_key_on_its_own_line_is_named(tmp_path):
    text = edit("  - {code: D1, parent: IDX, weight: 60, zh: 维度一, en: Dimension one}\n",
                "  - code: D1\n    parent: IDX\n    zh: 维度一\n    en: Dimension one\n    weight: .nan\n")
    with pytest.raises(FrameworkError, match=r"mini.yaml line 15 \(node D1, weight\): 权重必须是有限的非负数"):
        load_framework(write(tmp_path, text))


def test_zero_weight_loads_with_a_named_warning(tmp_path):
    with pytest.warns(ZeroWeightWarning, match=rf"mini.yaml line {D1_LINE} \(node D1, weight\): 权重为 0"):
        fw = load_framework(write(tmp_path, edit("weight: 60", "weight: 0")))
    assert fw.nodes["D1"].weight == 0.0


def test_all_zero_siblings_are_an_error_without_extra_warnings(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FrameworkError, match="all children have weight 0"):
            load_framework(write(tmp_path, edit("parent: D2, weight: 1", "parent: D2, weight: 0")))


@pytest.mark.parametrize(("old", "new", "says"), [
    ("goalposts: [0, 1]", "goalposts: [0, .inf]", "goalposts must be"),
    ("en: Cases, kind: count", "en: Cases, kind: count, range: [.nan, 5]", "range must be"),
    ("version: \"1\"", "version: \"1\"\nscale: .inf", "line 3 \\(scale\\): 量表上限必须是有限正数"),
    ("target: 0.9,", "target: .nan,", r"line 12 \(node I1, scoring, target\): 参数必须是有限数"),
    ("formula: per10k(cases)", "formula: per10k(cases), target: .inf",
     r"line 14 \(node I2, target\): 目标值必须是有限数"),
])
def test_non_finite_bounds_are_refused(tmp_path, old, new, says):
    with pytest.raises(FrameworkError, match=says):
        load_framework(write(tmp_path, edit(old, new)))


# -- encodings ---------------------------------------------------------------------------------


def test_gbk_framework_names_the_encoding_and_the_fix(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_bytes(MINI.encode("gbk"))
    with pytest.raises(FrameworkError, match=r"mini.yaml line 3: 文件不是 UTF-8 编码（看起来是 GBK/GB18030）.*"
                                             r"save it as UTF-8 .*iconv -f GBK -t UTF-8 mini.yaml"):
        load_framework(path)


def test_utf16_methodology_is_named(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes("name: 甲\n".encode("utf-16"))
    with pytest.raises(MethodologyError, match=r"m.yaml line 1: .*looks like UTF-16"):
        load_methodology(path)


def test_utf8_with_bom_is_accepted(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINI.encode("utf-8"))
    assert load_framework(path).zh == "迷你指数"


# -- YAML aliases --------------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(20)
)


@pytest.mark.parametrize(("loader", "error"), [(load_framework, FrameworkError),
                                                (load_methodology, MethodologyError)])
def test_alias_bomb_is_refused_at_once(tmp_path, loader, error):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(error, match=r"bomb.yaml line 1: .*YAML anchors \(&a\) are not allowed"):
        loader(path)
    assert time.perf_counter() - start < 1  # refused while composing, never expanded


def test_alias_without_anchor_names_its_line(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("name: x\nnormalise: *n\n", encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"m.yaml line 2: .*YAML aliases \(\*n\) are not allowed"):
        load_methodology(path)


def test_judgement_files_refuse_aliases_too(tmp_path):
    from indicators.weights.ahp import load_judgements

    path = tmp_path / "j.yaml"
    path.write_text("judgements:\n  - &e {parent: D, items: [a, b], upper: [3]}\n  - *e\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r"j.yaml line 2: .*YAML anchors \(&e\)"):
        load_judgements(path)


def test_what_we_dump_we_can_read(tmp_path):
    shared = {"method": "minmax"}
    text = dump_config({"normalise": shared, "treat": shared})
    assert "&" not in text and "*" not in text
    (tmp_path / "m.yaml").write_text(text, encoding="utf-8")
    assert read_config_yaml(tmp_path / "m.yaml", "file", MethodologyError)[0] == {"normalise": shared,
                                                                                 "treat": shared}


# -- methodology files: file, line and key ------------------------------------------------------

BAD_METHODOLOGY = """\
name: bad
normalise: goalposts
missing:
  method: skip
  params:
    min_covrage: 0.5
aggregate: generalised
normalise_overrides:
  Z9: minmax
grades:
  - {min: 90, zh: 优秀, en: Excellent}
  - {min: .nan, zh: 良好, en: Good}
  - {min: null, zh: 不合格, en: Fail}
"""


def test_from_dict_problems_name_their_lines(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_METHODOLOGY, encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"bad.yaml: 方法无效 / methodology is invalid: 1 problem\n"
                                               r"  - bad.yaml line 12: grades\[1\]: each band is"):
        load_methodology(path)


def test_validate_problems_name_their_lines(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_METHODOLOGY.replace("{min: .nan,", "{min: 80,"), encoding="utf-8")
    with pytest.raises(MethodologyError) as info:
        load_methodology(path)
    assert info.value.summary == "方法文件无效 / methodology 'bad' is invalid (bad.yaml)"
    assert info.value.problems[0] == "bad.yaml line 7: aggregate: 'generalised' requires parameter 'p'"
    assert info.value.problems[1].startswith(
        "bad.yaml line 6: missing: 'skip' got unexpected parameter 'min_covrage' (did you mean 'min_coverage'?)")
    assert len(info.value.problems) == 2  # the overrides are checked against a framework, later


def test_validate_against_a_framework_keeps_the_file_lines(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("name: m\nnormalise_overrides:\n  A1: minmax\n  Z9: minmax\nexclude: [A1, Q1]\n",
                    encoding="utf-8")
    meth = load_methodology(path)
    with pytest.raises(MethodologyError) as info:
        meth.validate(toy_framework())
    assert info.value.problems == [
        "m.yaml line 4: normalise_overrides.Z9: 'Z9' is not an indicator of toy",
        "m.yaml line 5: exclude[1]: 'Q1' is not an indicator of toy",
    ]
    # a modified copy has no file any more: its problems carry the key path only
    with pytest.raises(MethodologyError) as info:
        meth.replace(description="edited").validate(toy_framework())
    assert info.value.problems[0] == "normalise_overrides.Z9: 'Z9' is not an indicator of toy"


def test_marks_do_not_change_the_value(tmp_path):
    meth = Methodology(missing={"method": "skip", "params": {"min_coverage": 0.5}}, name="m")
    path = meth.save(tmp_path / "m.yaml")
    loaded = load_methodology(path)
    assert loaded == meth
    assert loaded.to_dict() == meth.to_dict() and loaded.content_hash == meth.content_hash
    assert "_marks" in vars(loaded) and "_marks" not in vars(meth)


def test_source_marks_find_the_nearest_key():
    marks = SourceMarks("m.yaml", {"missing": 3, "missing.params": 5, "grades.2": 9})
    assert marks.line("missing.params.min_coverage") == 5
    assert marks.line("grades[2]") == 9
    assert marks.line("exclude") is None
    assert marks.locate("grades[2]: bad band") == "m.yaml line 9: grades[2]: bad band"
    assert marks.locate("no key here") == "m.yaml: no key here"


@pytest.mark.parametrize(("params", "line", "key"), [
    ("    min_coverage: 7\n", 5, "missing.params.min_coverage"),
    ("    min_coverage: half\n", 5, "missing.params.min_coverage"),
])
def test_bad_parameter_values_name_file_line_and_key(tmp_path, params, line, key):
    path = tmp_path / "m.yaml"
    path.write_text("name: m\nmissing:\n  method: skip\n  params:\n" + params, encoding="utf-8")
    with pytest.raises(MethodologyError, match=rf"m.yaml line {line}: {key}: "):
        load_methodology(path)


def test_non_finite_level_parameter_names_its_line(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("name: m\naggregate_levels:\n  2:\n    method: generalised\n    params: {p: .nan}\n",
                    encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"m.yaml line 5: aggregate_levels.2.params.p: "):
        load_methodology(path)
