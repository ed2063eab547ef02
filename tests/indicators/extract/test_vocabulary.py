"""The framework's ``extract:`` vocabulary: validated with file/line, immutable, outside the content hash."""

from __future__ import annotations

from types import MappingProxyType

import pytest
import yaml

from indicators.errors import FrameworkError
from indicators.extract.vocabulary import Vocabulary, compile_phrase
from indicators.framework import framework_from_dict, load_framework
from tests.conftest import ROOT

MINI = """
id: mini
version: "1"
name: {zh: 小框架, en: Mini}
figures:
  - {id: cases, zh: 案件数, en: Cases, unit: 件, kind: count,
     extract: {before: [受理…案件], exclude: [其中], gap: 2}}
  - {id: rate, zh: 成功率, en: Rate, unit: '%', kind: rate}
nodes:
  - {code: ROL, zh: 指数, en: Index}
  - {code: I1, parent: ROL, weight: 1, zh: 指标, en: Indicator, direction: +, formula: cases}
"""


def test_extract_is_stored_immutably():
    fw = framework_from_dict(yaml.safe_load(MINI))
    ex = fw.figures["cases"].extract
    assert isinstance(ex, MappingProxyType) and ex["before"] == ("受理…案件",) and ex["gap"] == 2
    with pytest.raises(TypeError):
        ex["before"] = ()
    assert fw.figures["rate"].extract == {}


def test_vocabulary_does_not_change_the_content_hash():
    a = framework_from_dict(yaml.safe_load(MINI))
    b = framework_from_dict(yaml.safe_load(MINI.replace("extract: {before: [受理…案件], exclude: [其中], gap: 2}",
                                                        "note: x")))
    c = framework_from_dict(yaml.safe_load(MINI.replace("受理…案件", "收到…案件")))
    assert a.content_hash == c.content_hash
    assert a.content_hash != b.content_hash  # a note is part of what is measured; the vocabulary is not


def test_unknown_and_bad_extract_keys_are_errors_with_lines(tmp_path):
    bad = MINI.replace("extract: {before: [受理…案件], exclude: [其中], gap: 2}",
                       "extract: {befor: [受理], units: 件, gap: 99, hint: [x]}")
    path = tmp_path / "mini.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"mini.yaml line 7 \(figure cases, extract\): unknown extract key "
                                             r"'befor' \(did you mean 'before'\?\)") as info:
        load_framework(path)
    text = str(info.value)
    assert "extract units must be a list of non-empty strings" in text
    assert "extract gap must be an integer 0-40, got 99" in text
    assert "extract hint must be text" in text
    assert "4 problems" in text


def test_extract_must_be_a_mapping():
    with pytest.raises(FrameworkError, match=r"figure cases\): extract must be a mapping"):
        framework_from_dict(yaml.safe_load(MINI.replace("extract: {before: [受理…案件], exclude: [其中], gap: 2}",
                                                        "extract: [受理]")))


def test_every_district_figure_declares_a_vocabulary():
    fw = load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")
    missing = [f for f, spec in fw.figures.items() if not (spec.extract.get("before") or spec.extract.get("after"))]
    assert missing == []
    vocab = Vocabulary.from_framework(fw)
    assert len(vocab) == len(fw.figures)
    assert {v.id for v in vocab.by_measure["%"]} == {f for f, s in fw.figures.items() if s.kind == "rate"}


def test_phrase_wildcard():
    import re

    assert re.fullmatch(compile_phrase("受理…案件"), "受理以区政府为被申请人的行政复议案件")
    assert not re.fullmatch(compile_phrase("受理…案件"), "受理纠纷,其余案件")  # never across a clause
