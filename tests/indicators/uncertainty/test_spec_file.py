"""Uncertainty-spec files: every problem names the file, the line and the key, like methodology errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators import load_framework, load_methodology
from indicators.errors import MethodologyError
from indicators.uncertainty import UncertaintySpec

ROOT = Path(__file__).resolve().parents[3]
FW = load_framework(ROOT / "data/frameworks/district_rol.yaml")
BASE = load_methodology(ROOT / "data/methodologies/baseline.yaml")

GOOD = """\
inputs:
  - name: normalisation
    field: normalise
    options:
      - minmax
      - method: zscore
        params: {mean: 10, sd: 2}
  - name: weights
    noise: 0.25
    levels: [2]
"""


def spec_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my_spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(MethodologyError, match=r"^my_spec\.yaml: 不确定性设定无效 / uncertainty spec is invalid") \
            as exc:
        UncertaintySpec.load(path)
    return exc.value.problems


def test_a_good_file_loads_and_keeps_its_key_lines(tmp_path):
    spec = UncertaintySpec.load(spec_file(tmp_path, GOOD))
    assert spec.names == ["normalisation", "weights"]
    assert spec.source.name == "my_spec.yaml" and spec.source.line("inputs.1.levels") == 10
    assert spec == UncertaintySpec.from_dict(spec.to_dict())  # where it came from is not part of its value


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("field: normalise", "field: normalize",
     "my_spec.yaml line 3: inputs.0.field: input 'normalisation': unknown field 'normalize' (did you mean "
     "'normalise'?)"),
    ("noise: 0.25", "noise: 1.5",
     "my_spec.yaml line 9: inputs.1.noise: input 'weights': noise must be a number in [0, 1), got 1.5"),
    ("noise: 0.25", "noise: .nan", "my_spec.yaml line 9: inputs.1.noise: input 'weights': noise must be a number"),
    ("levels: [2]", "levels: [two]",
     "my_spec.yaml line 10: inputs.1.levels: input 'weights': levels must be whole numbers, got 'two'"),
    ("levels: [2]", "levels: 2",
     "my_spec.yaml line 10: inputs.1.levels: input 'weights': levels must be a list of whole numbers, got 2"),
    ("levels: [2]", "levels: [2]\n    sets: 0",
     "my_spec.yaml line 11: inputs.1.sets: input 'weights': sets must be a positive integer or null, got 0"),
    ("levels: [2]", "level: [2]",
     "my_spec.yaml line 10: inputs.1.level: inputs[2] ('weights'): unknown key(s) ['level']"),
    ("    options:\n      - minmax\n      - method: zscore\n        params: {mean: 10, sd: 2}\n",
     "    options: minmax\n",
     "my_spec.yaml line 4: inputs.0.options: input 'normalisation': options must be a list, got 'minmax'"),
    ("  - name: weights\n", "  - name: normalisation\n",
     "my_spec.yaml line 8: inputs.1.name: inputs[2]: duplicate input name 'normalisation' (also inputs[1])"),
    ("    field: normalise\n", "",
     "my_spec.yaml line 2: inputs.0: inputs[1] ('normalisation'): a choice needs 'field'"),
    ("inputs:", "input:", "my_spec.yaml line 1: input: uncertainty spec: unknown key 'input'"),
])
def test_each_problem_names_file_line_and_key(tmp_path, old, new, expected):
    assert old in GOOD
    problems = problems_of(spec_file(tmp_path, GOOD.replace(old, new, 1)))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_at_once(tmp_path):
    text = GOOD.replace("field: normalise", "field: normalize").replace("noise: 0.25", "noise: -1")
    problems = problems_of(spec_file(tmp_path, text))
    assert [p.split(": ")[0] for p in problems] == ["my_spec.yaml line 3", "my_spec.yaml line 9"]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "my_spec.yaml: uncertainty spec: expected a mapping {inputs: [...]}, got NoneType"),
    ("- a\n- b\n", "my_spec.yaml: uncertainty spec: expected a mapping {inputs: [...]}, got list"),
    ("inputs: []\n", "my_spec.yaml line 1: inputs: uncertainty spec: expected a mapping {inputs: [...]} with at "
                     "least one input"),
])
def test_a_file_of_the_wrong_shape(tmp_path, text, expected):
    assert problems_of(spec_file(tmp_path, text)) == [expected]


def test_syntax_encoding_and_alias_errors_name_the_file_and_line(tmp_path):
    path = spec_file(tmp_path, GOOD.replace("levels: [2]", "levels: [2"))
    with pytest.raises(MethodologyError, match=r"^my_spec\.yaml line \d+: YAML 无效 / not valid YAML"):
        UncertaintySpec.load(path)
    path.write_bytes(GOOD.replace("normalisation", "标准化").encode("gbk"))
    with pytest.raises(MethodologyError, match=r"^my_spec\.yaml line 2: 文件不是 UTF-8 编码"):
        UncertaintySpec.load(path)
    path.write_text(GOOD.replace("levels: [2]", "levels: &l [2]\n    parents: *l"), encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"^my_spec\.yaml line 10: .*YAML 锚点 &l"):
        UncertaintySpec.load(path)


def test_problems_found_against_the_framework_name_file_line_and_key(tmp_path):
    text = GOOD.replace("levels: [2]", "levels: [7]\n    parents: [D1.1]") + (
        "  - name: inclusion\n"
        "    field: exclude\n"
        "    options:\n"
        "      - []\n"
        "      - [D9.9]\n"
        "  - name: norm again\n"
        "    field: normalise\n"
        "    options: [minmax]\n"
        "  - name: imputation\n"
        "    field: impute\n"
        "    options:\n"
        "      - meann\n"
        "      - method: mean\n"
        "        params: {by: grup}\n")
    spec = UncertaintySpec.load(spec_file(tmp_path, text))
    with pytest.raises(MethodologyError, match=r"^my_spec\.yaml: 不确定性设定与框架或方法不符 / uncertainty spec does "
                                               r"not fit the framework and methodology") as exc:
        spec.validate(FW, BASE)
    assert exc.value.problems == [
        "my_spec.yaml line 18: inputs.3.field: inputs 'normalisation' and 'norm again' both choose normalise; "
        "merge their options into one choice",
        "my_spec.yaml line 10: inputs.1.levels: input 'weights': no weighted nodes at level(s) [7]; levels are "
        f"1..{FW.max_level - 1}",
        "my_spec.yaml line 11: inputs.1.parents: input 'weights': 'D1.1' is not an aggregate of district_rol",
        "my_spec.yaml line 16: inputs.2.options.1: input 'inclusion' option 2: not indicators of district_rol: "
        "['D9.9']",
        "my_spec.yaml line 23: inputs.4.options.0: input 'imputation' option 1: impute: unknown imputer 'meann'; "
        "available: group_mean, last_year, mean, none. Did you mean 'mean'?",
        "my_spec.yaml line 24: inputs.4.options.1: input 'imputation' option 2: impute: 'mean' got unexpected "
        "parameter 'by'; accepted: none",
    ]
