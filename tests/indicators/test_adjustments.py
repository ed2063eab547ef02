"""加分 (bonus) and 一票否决 (veto) items and per-indicator advice in a framework, worked by hand on the toy."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators import build_index, load_framework
from indicators.errors import FrameworkError, MethodologyError
from indicators.testing import toy_framework, toy_framework_dict, toy_methodology

NAN = float("nan")


def _fw(bonus=None, veto=None, advice=None):
    data = toy_framework_dict()
    data["figures"] += [
        {"id": "awards", "zh": "获奖数", "en": "Awards", "unit": "个", "kind": "count"},
        {"id": "incidents", "zh": "重大违法事件", "en": "Major incidents", "unit": "件", "kind": "count"},
    ]
    data["bonus"] = bonus if bonus is not None else [
        {"id": "award", "zh": "获评示范", "en": "Model award", "figure": "awards", "per_unit": 0.5, "max": 2}]
    data["veto"] = veto if veto is not None else [
        {"id": "incident", "zh": "重大违法事件", "en": "Major incident", "figure": "incidents", "cap_grade": "合格"}]
    if advice is not None:
        next(n for n in data["nodes"] if n["code"] == "B1")["advice"] = advice
    return toy_framework(data)


def _figures() -> pd.DataFrame:
    """P: index 60 by hand (see test_grading: A 66.667, B = B1 = 50; 0.6·66.667 + 0.4·50); R: every item full.

    P has 3 awards (+1.5) and 1 incident; Q-like R scores 100 everywhere, 10 awards (+5 -> capped at 2)
    and 1 incident; S scores 100 everywhere with no awards and no incident.
    """
    cols = ["population", "received", "closed", "closure_rate", "concluded", "lost", "events",
            "satisfaction", "takers", "passed", "awards", "incidents"]
    full = [1e6, 100, 100, NAN, 100, 0, 2000, 1.0, 100, 100]
    rows = {
        ("P", 2021): [1e6, 100, 80, NAN, 100, 10, 1000, NAN, NAN, NAN, 3, 1],
        ("R", 2021): full + [10, 1],
        ("S", 2021): full + [NAN, 0],
    }
    idx = pd.MultiIndex.from_tuples(list(rows), names=["district", "year"])
    return pd.DataFrame(list(rows.values()), index=idx, columns=cols, dtype=float)


def test_bonus_adds_as_declared_and_the_index_stays_within_the_scale():
    r = build_index(_figures(), _fw(veto=[]), toy_methodology())
    assert r.index[("P", 2021)] == pytest.approx(60 + 3 * 0.5)  # 61.5
    assert r.index[("R", 2021)] == pytest.approx(100)            # 100 + min(2, 5) capped at the scale
    assert r.index[("S", 2021)] == pytest.approx(100)            # no figure, no bonus
    assert r.explain["bonus"].loc[("R", 2021), "award"] == pytest.approx(2)  # the item's max
    assert r.explain["bonus"].loc[("P", 2021), "award"] == pytest.approx(1.5)


def test_fixed_points_bonus_at_threshold():
    bonus = [{"id": "award", "zh": "获评示范", "en": "Model award", "figure": "awards", "points": 1, "threshold": 5}]
    r = build_index(_figures(), _fw(bonus=bonus, veto=[]), toy_methodology())
    assert r.index[("P", 2021)] == pytest.approx(60)      # 3 awards < 5: nothing
    assert r.explain["bonus"].loc[("R", 2021), "award"] == 1


def test_veto_caps_the_grade_as_declared():
    r = build_index(_figures(), _fw(bonus=[]), toy_methodology())
    assert r.index[("R", 2021)] == pytest.approx(100)
    assert tuple(r.grades.loc[("R", 2021)]) == ("合格", "Pass")        # 优秀 capped at 合格
    assert tuple(r.grades.loc[("S", 2021)]) == ("优秀", "Excellent")   # 0 incidents: no veto
    assert tuple(r.grades.loc[("P", 2021)]) == ("合格", "Pass")        # already at the cap
    assert bool(r.explain["veto"].loc[("R", 2021), "incident"])
    # the veto caps the grade, not the rank
    assert r.ranks[("R", 2021)] == 1


def test_veto_can_cap_to_the_lowest_band():
    veto = [{"id": "incident", "zh": "重大违法事件", "en": "Major incident", "figure": "incidents",
             "cap_grade": "Fail"}]
    r = build_index(_figures(), _fw(bonus=[], veto=veto), toy_methodology())
    assert r.grades.loc[("R", 2021), "zh"] == "不合格" and r.grades.loc[("P", 2021), "zh"] == "不合格"


def test_veto_cap_grade_must_be_a_band_of_the_methodology():
    veto = [{"id": "incident", "zh": "事件", "en": "Incident", "figure": "incidents", "cap_grade": "中等"}]
    with pytest.raises(MethodologyError, match="cap_grade '中等' is not a grade band"):
        build_index(_figures(), _fw(bonus=[], veto=veto), toy_methodology())


@pytest.mark.parametrize(("bonus", "match"), [
    ([{"id": "a", "zh": "甲", "en": "A", "figure": "awardz", "per_unit": 1}], "figure 'awardz' is not a declared"),
    ([{"id": "a", "zh": "甲", "en": "A", "figure": "awards"}], "exactly one of 'per_unit'"),
    ([{"id": "a", "zh": "甲", "en": "A", "figure": "awards", "per_unit": 1, "maximum": 2}], "unknown key 'maximum'"),
    ([{"id": "a", "zh": "甲", "en": "A", "figure": "awards", "per_unit": -1}], "per_unit must be >= 0"),
])
def test_bad_bonus_items_are_errors(bonus, match):
    with pytest.raises(FrameworkError, match="invalid") as info:
        _fw(bonus=bonus)
    assert any(match in p for p in info.value.problems), info.value.problems


def test_advice_is_parsed_and_checked():
    advice = {"when": {"score_below": 60}, "problem": {"zh": "普法不足", "en": "Too little publicity"},
              "suggestion": {"zh": "加强普法", "en": "Do more"}, "unit": {"zh": "普法科", "en": "Publicity section"}}
    fw = _fw(advice=advice)
    a = fw.nodes["B1"].advice
    assert (a.when, a.score_below, a.problem, a.unit) == ("score_below", 60.0, ("普法不足", "Too little publicity"),
                                                          ("普法科", "Publicity section"))
    with pytest.raises(FrameworkError) as info:
        _fw(advice={**advice, "owner": "x"})
    assert any("advice: unknown key 'owner'" in p for p in info.value.problems)
    with pytest.raises(FrameworkError) as info:
        _fw(advice={**advice, "problem": {"zh": "只有中文"}})
    assert any("advice.problem must give both zh and en" in p for p in info.value.problems)


def test_unknown_key_in_a_yaml_veto_names_the_line(tmp_path):
    import yaml

    data = toy_framework_dict()
    data["figures"].append({"id": "incidents", "zh": "事件", "en": "Incidents", "unit": "件", "kind": "count"})
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    text += "veto:\n  - {id: v, zh: 否决, en: Veto, figure: incidents, cap_grade: 合格, level: 2}\n"
    path = tmp_path / "fw.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.count("\n")  # the veto item is the last line
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert any(f"line {line}" in p and "unknown key 'level'" in p for p in info.value.problems), info.value.problems


def test_shipped_framework_declares_advice():
    from pathlib import Path

    fw = load_framework(Path(__file__).resolve().parents[2] / "data/frameworks/district_rol.yaml")
    assert fw.nodes["D4.1"].advice.when == "below_peer_median"
    assert fw.nodes["D1.1"].advice.score_below == 60
    assert fw.bonus == () and fw.veto == ()
