"""The weight-tuning widget logic, headless: sliders, method picker, ranking, band, saved file."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
import pytest

from evaluation.errors import OverwriteRefusedError
from evaluation.tuning import METHODS, WeightTuner
from indicators import build_index, load_framework, load_methodology
from indicators.errors import MethodologyError
from indicators.synthetic import generate_panel
from tests.conftest import ROOT

FW = load_framework(ROOT / "data/frameworks/district_rol.yaml")
BASE = load_methodology(ROOT / "data/methodologies/baseline.yaml")
PANEL = generate_panel()
DIMS = ["D1", "D2", "D3", "D4", "D5", "D6"]


@pytest.fixture
def tuner(tmp_path):
    return WeightTuner(PANEL, FW, BASE, year=2024, n_band=100, save_to=tmp_path / "tuned.yaml")


def test_baseline_matches_the_pipeline(tuner):
    res = build_index(PANEL, FW, BASE)
    t = tuner.table
    ref = res.ranking(2024)
    assert t["district"].tolist() == ref["district"].tolist()
    assert np.array_equal(t["index"].to_numpy(), ref["index"].to_numpy())
    assert (t["change"] == 0).all()
    assert tuner.weights == {"D1": 30, "D2": 20, "D3": 20, "D4": 10, "D5": 10, "D6": 10}
    assert (t["band_low"] <= t["rank"]).mean() > 0.8 and (t["rank"] <= t["band_high"]).mean() > 0.8


def test_moving_a_slider_reranks(tuner):
    before = tuner.table.set_index("district")["rank"]
    sliders = tuner.sliders
    assert list(sliders) == DIMS
    sliders["D1"].value = 0.0  # as a user would: the observer recomputes
    after = tuner.table.set_index("district")
    assert tuner.weights["D1"] == 0.0
    assert (after["rank"] != before.reindex(after.index)).any()
    assert (after["change"] == after["baseline_rank"] - after["rank"]).all()
    assert after["change"].sum() == 0  # places gained = places lost
    # the shown index is the dimension scores weighted by the sliders (over the dimensions present)
    x = after[DIMS].to_numpy()
    w = np.where(np.isnan(x), 0.0, np.array([0, 20, 20, 10, 10, 10.0]))
    np.testing.assert_allclose(after["index"].to_numpy(), np.nansum(x * w, axis=1) / w.sum(axis=1), rtol=1e-12)
    assert "▲" in tuner._widgets["table"].value or "▼" in tuner._widgets["table"].value
    assert "<svg" in tuner._widgets["chart"].value
    sliders["D1"].value = 30.0
    assert (tuner.table["change"] == 0).all()


def test_method_picker(tuner):
    tuner.widget  # noqa: B018 - with widgets, the sliders follow the method
    tuner.select_method("等权 equal")
    assert all(v == pytest.approx(100 / 6) for v in tuner.weights.values())
    assert tuner.sliders["D3"].value == pytest.approx(100 / 6)
    tuner.select_method("层次分析 AHP")
    res = build_index(PANEL, FW, ROOT / "data/methodologies/ahp_dimensions.yaml")
    for d in DIMS:
        assert tuner.weights[d] == pytest.approx(100 * res.weights[d], abs=1e-4)
    for label in METHODS:
        w = tuner.method_weights(label)
        assert sum(w.values()) == pytest.approx(100, abs=1e-3), label
    tuner._widgets["method"].value = "基准 baseline"
    assert tuner.weights["D1"] == 30
    with pytest.raises(MethodologyError, match="unknown method 'x'"):
        tuner.select_method("x")


def test_saved_file_is_the_source_of_truth(tuner, tmp_path):
    tuner.set_weights({"D1": 10, "D6": 35})
    shown = tuner.table
    path = tuner.save()
    assert path == tmp_path / "tuned.yaml"
    meth = load_methodology(path)
    assert meth.name == "tuned" and meth.weights.method == "expert"
    assert meth.weights.params["overrides"] == {"D1": 10, "D2": 20, "D3": 20, "D4": 10, "D5": 10, "D6": 35}
    rebuilt = build_index(PANEL, FW, meth).ranking(2024)
    assert rebuilt["district"].tolist() == shown["district"].tolist()
    assert np.array_equal(rebuilt["index"].to_numpy(), shown["index"].to_numpy())
    # the button does the same, writing the path typed in the widget
    tuner.widget  # noqa: B018
    tuner._widgets["path"].value = str(tmp_path / "button.yaml")
    tuner._widgets["button"].click()
    assert load_methodology(tmp_path / "button.yaml").weights == meth.weights
    assert "button.yaml" in tuner._widgets["status"].value


def test_save_refuses_to_overwrite_unless_asked(tuner, tmp_path):
    first = tuner.save().read_bytes()
    tuner.set_weights({"D1": 5})
    with pytest.raises(OverwriteRefusedError, match=r"(?s)已存在，未覆盖.*tuned\.yaml already exists and was not"):
        tuner.save()
    assert (tmp_path / "tuned.yaml").read_bytes() == first  # untouched
    assert isinstance(OverwriteRefusedError("x"), FileExistsError)
    tuner.save(overwrite=True)
    assert load_methodology(tmp_path / "tuned.yaml").weights.params["overrides"]["D1"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tuned.yaml"]  # no temporary file left behind
    # the widget: a second click is refused (shown, file kept) until the overwrite box is ticked
    tuner.widget  # noqa: B018
    w = tuner._widgets
    w["path"].value = str(tmp_path / "tuned.yaml")
    kept = (tmp_path / "tuned.yaml").read_bytes()
    tuner.set_weights({"D1": 7})
    w["button"].click()
    assert "already exists" in w["status"].value and (tmp_path / "tuned.yaml").read_bytes() == kept
    w["overwrite"].value = True
    w["button"].click()
    assert load_methodology(tmp_path / "tuned.yaml").weights.params["overrides"]["D1"] == 7
    assert "已保存 saved" in w["status"].value and w["overwrite"].value is False  # asked anew next time


def test_saved_file_records_data_year_and_time(tmp_path):
    panel = ROOT / "data/submissions/synthetic_panel.csv"
    digest = hashlib.sha256(panel.read_bytes()).hexdigest()
    t = WeightTuner.from_files(panel, ROOT / "data/frameworks/district_rol.yaml", "baseline", year=2023, n_band=10,
                               save_to=tmp_path / "t.yaml")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    meth = load_methodology(t.save())
    after = dt.datetime.now(dt.UTC)
    d = meth.description
    assert f"synthetic_panel.csv (sha256 {digest})" in d and "年份 year: 2023" in d
    when = dt.datetime.fromisoformat(re.search(r"tuned at \(UTC\): (\S+)$", d).group(1))
    assert before <= when <= after and when.utcoffset() == dt.timedelta(0)
    # the record is metadata: it does not change the methodology's identity
    assert meth.content_hash == t.methodology().replace(description="").content_hash
    # in-memory data: no file to name, so the data sources are recorded instead
    mem = WeightTuner(PANEL, FW, BASE, year=2024, n_band=10).methodology().description
    assert "内存数据 in-memory data" in mem and "年份 year: 2024" in mem


def test_learned_baseline_weights_are_frozen_in_the_file(tmp_path):
    base = BASE.replace(weights={"method": "entropy", "params": {"levels": [1, 2]}})
    t = WeightTuner(PANEL, FW, base, year=2023, n_band=20)
    t.set_weights({"D2": 50})
    meth = t.methodology()
    assert set(meth.weights.params["overrides"]) == set(FW.nodes) - {"ROL"}
    rebuilt = build_index(PANEL, FW, meth).ranking(2023)
    assert np.array_equal(rebuilt["index"].to_numpy(), t.table["index"].to_numpy())


def test_band_and_errors(tuner):
    flat = WeightTuner(PANEL, FW, BASE, year=2024, noise=0.0, n_band=5)
    t = flat.table
    assert (t["band_low"] == t["rank"]).all() and (t["band_high"] == t["rank"]).all()
    with pytest.raises(MethodologyError, match=r"not dimensions of the index: \['D9'\]"):
        tuner.set_weights({"D9": 1})
    with pytest.raises(MethodologyError, match="non-negative"):
        tuner.set_weights({"D1": -1})
    with pytest.raises(MethodologyError, match="at least one dimension needs a positive weight"):
        tuner.set_weights(dict.fromkeys(DIMS, 0))
    with pytest.raises(MethodologyError, match="year 2030 is not in the data"):
        WeightTuner(PANEL, FW, BASE, year=2030)
