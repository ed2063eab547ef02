"""COINr compatibility: the iData/iMeta reader, and COINr's ASEM example reproduced stage by stage.

Golden files: COINr 1.1.14 (commit b968203) run on R 4.2.2, ``../shared/data/coinr-asem/`` (see its
README): pipeline (a) ``build_example_coin()`` — denominate → impute by EurAsia group → screen →
treat (winmax 5) → min-max [0, 100] → arithmetic mean — and pipeline (b) raw → min-max [0, 100]
→ arithmetic mean. Every data set, every aggregate and the ranks are compared to 1e-9 (the CSVs
hold 15 significant digits; the largest deviation found is below 1e-12).

The other methods of the README (z-score, min-max onto [1, 100] with a geometric mean, changed
pillar weights, treatment on raw data) have no COINr output: they are checked against values
worked out here in numpy from the definitions (README §5), never by calling the library.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from indicators import Methodology, load_methodology
from indicators.coinr import read_coinr
from indicators.errors import DataError
from tests.conftest import ROOT, shared_path

TOL = 1e-9
METHODS = ROOT / "data" / "methodologies"


def asem(name: str):
    return shared_path("data", "coinr-asem", name)


@pytest.fixture(scope="module")
def coin():
    return read_coinr(asem("asem_iData.csv"), asem("asem_iMeta.csv"))


@pytest.fixture(scope="module")
def meta() -> pd.DataFrame:
    return pd.read_csv(asem("asem_iMeta.csv"))


@pytest.fixture(scope="module")
def raw_data() -> pd.DataFrame:
    return pd.read_csv(asem("asem_iData.csv")).set_index("uCode")


@pytest.fixture(scope="module")
def result_a(coin):
    return coin.build(load_methodology(METHODS / "coinr_example.yaml"))


@pytest.fixture(scope="module")
def result_b(coin):
    return coin.build(load_methodology(METHODS / "coinr_minmax_amean.yaml"))


def golden(name: str) -> pd.DataFrame:
    return pd.read_csv(asem(name)).set_index("uCode")


def assert_matches(ours: pd.DataFrame, name: str, tol: float = TOL) -> float:
    """Same units, columns and NaN pattern as the COINr file; values within ``tol``; max deviation."""
    g = golden(name)
    o = ours.droplevel("year") if isinstance(ours.index, pd.MultiIndex) else ours
    assert set(o.index) == set(g.index)
    o = o.reindex(index=g.index, columns=g.columns)
    assert (o.isna() == g.isna()).all().all(), f"{name}: NaN pattern differs"
    dev = float(np.nanmax(np.abs((o - g).to_numpy(dtype=float)))) if g.notna().any().any() else 0.0
    assert dev <= tol, f"{name}: max deviation {dev:.3g}"
    return dev


def assert_ranks_match(ours: pd.DataFrame, scores: pd.DataFrame, name: str) -> int:
    """Ranks equal COINr's, except inside blocks of scores tied at CSV precision.

    COINr ranks its unrounded numbers; the CSVs hold 15 significant digits, so values that differ
    beyond them (e.g. TolMin of GRC vs BGR and CZE, all written 5.1) tie here and COINr breaks the
    tie by digits we cannot see. There our rank is the block's best rank and COINr's must lie
    inside the block. Returns how many ranks differ (1 in ASEM: TolMin, GRC).
    """
    g = golden(name)
    o = ours.droplevel("year").reindex(index=g.index, columns=g.columns).astype(float)
    s = scores.droplevel("year").reindex(index=g.index, columns=g.columns)
    differ = 0
    for col in g.columns:
        for unit in g.index:
            if o.at[unit, col] == g.at[unit, col] or (np.isnan(o.at[unit, col]) and np.isnan(g.at[unit, col])):
                continue
            block = int((np.abs(s[col] - s.at[unit, col]) <= 1e-12).sum())
            assert block > 1, f"{col} {unit}: rank {o.at[unit, col]} vs COINr {g.at[unit, col]}, not a tie"
            assert o.at[unit, col] <= g.at[unit, col] <= o.at[unit, col] + block - 1
            differ += 1
    return differ


# -- the reader ---------------------------------------------------------------------------------
def test_reader_builds_the_asem_framework(coin, meta):
    fw = coin.framework
    assert fw.id == "asem" and fw.root == "Index" and fw.max_level == 4
    assert len(fw.indicators) == 49
    assert fw.children("Index") == ("Conn", "Sust")
    assert fw.children("Conn") == ("Physical", "ConEcFin", "Political", "Instit", "P2P")
    assert fw.children("Sust") == ("Environ", "Social", "SusEcFin")
    assert {c: fw.nodes[c].level for c in ("LPI", "Physical", "Conn", "Index")} == {
        "LPI": 1, "Physical": 2, "Conn": 3, "Index": 4}
    negative = sorted(c for c in fw.indicators if fw.nodes[c].direction < 0)
    assert negative == sorted(["CostImpEx", "Tariff", "TBTs", "PrimEner", "CO2", "MatCon", "Forest", "Poverty",
                               "Palma", "FreePress", "TolMin", "PubDebt", "PrivDebt", "NEET"])
    dens = {c: fw.nodes[c].denominator for c in fw.indicators if fw.nodes[c].denominator}
    assert len(dens) == 17 and dens["Flights"] == "Population" and dens["Elec"] == "Energy"
    assert set(dens.values()) == {"GDP", "Population", "Area", "Energy"}
    assert all(fw.nodes[c].weight == 1 for c in fw.nodes if c != "Index")
    assert fw.nodes["LPI"].en == "Logistics Performance Index" and fw.nodes["LPI"].unit == "Score 1-5"
    assert fw.nodes["LPI"].target == pytest.approx(4.11803135)
    assert fw.nodes["Flights"].formula.figures == ("Flights",)
    assert set(fw.figures) == set(fw.indicators) | {"Area", "Energy", "GDP", "Population"}


def test_reader_figures_districts_and_hashes(coin, raw_data):
    assert coin.figures.shape == (51, 53)
    assert set(coin.figures.index.get_level_values("year")) == {2018}  # Time column
    assert coin.figures.loc[("AUT", 2018), "LPI"] == raw_data.at["AUT", "LPI"]
    assert int(coin.figures[list(coin.framework.indicators)].isna().sum().sum()) == 63
    d = coin.districts
    assert d.loc["AUT", "district_name"] == "Austria" and d.loc["AUT", "EurAsia_group"] == "Europe"
    assert coin.groups == ["GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"]
    assert (d["group"] == "").all()
    assert read_coinr(asem("asem_iData.csv"), asem("asem_iMeta.csv"), group="EurAsia_group"
                      ).districts.loc["BGD", "group"] == "Asia"
    assert set(coin.files) == {"asem_iData.csv", "asem_iMeta.csv"}
    assert all(len(h) == 64 for h in coin.files.values())


def test_reader_accepts_dataframes_and_a_workbook(coin, tmp_path, raw_data, meta):
    data = pd.read_csv(asem("asem_iData.csv"))
    from_frames = read_coinr(data, meta)
    pd.testing.assert_frame_equal(from_frames.figures, coin.figures)
    assert from_frames.framework.id == "coin" and from_frames.files == {}
    named = read_coinr(data, meta, framework_id="asem", name="COINr: asem")
    assert named.framework.content_hash == coin.framework.content_hash  # content, not file names
    book = tmp_path / "asem.xlsx"
    with pd.ExcelWriter(book) as xw:
        data.to_excel(xw, sheet_name="iData", index=False)
        meta.to_excel(xw, sheet_name="iMeta", index=False)
    from_book = read_coinr(book)
    pd.testing.assert_frame_equal(from_book.figures, coin.figures)
    assert from_book.framework.content_hash == coin.framework.content_hash
    assert list(from_book.files) == ["asem.xlsx"]


def test_reader_year_parameter():
    data = pd.DataFrame({"uCode": ["A", "B", "C"], "x": [1.0, 2.0, 3.0]})
    meta = pd.DataFrame({"iCode": ["x", "I"], "Level": [1, 2], "Parent": ["I", None], "Direction": [1, 1],
                         "Weight": [1, 1], "Type": ["Indicator", "Aggregate"]})
    c = read_coinr(data, meta, year=2020)
    assert list(c.figures.index) == [("A", 2020), ("B", 2020), ("C", 2020)]
    with pytest.raises(DataError, match="no Time column; give the year"):
        read_coinr(data, meta)
    with pytest.raises(DataError, match=r"year=2019 was given but the Time column holds 2020"):
        read_coinr(data.assign(Time=2020), meta, year=2019)
    assert read_coinr(data.assign(Time=2020), meta, year=2020).figures.index[0] == ("A", 2020)


def test_reader_reports_every_problem_with_its_location():
    data = pd.DataFrame({"uCode": ["A", "B", "A"], "uName": ["a", "b", "a"], "Time": [2020, 2020, 2020],
                         "x": ["1", "oops", "3"], "y": [1, 2, 3], "stray": [0, 0, 0], "P": [1, 1, 1]})
    meta = pd.DataFrame({
        "iCode": ["x", "y", "P", "I", "z", "x", "Den"],
        "Level": [1, 1, 2, 3, 1, 1, None],
        "Parent": ["P", "Q", "I", None, "I", "P", None],
        "Direction": [1, 2, 1, 1, 1, 1, None],
        "Weight": [1, -1, 1, 1, 1, 1, None],
        "Type": ["Indicator", "Indicator", "Aggregate", "Aggregate", "Indicatr", "Indicator", "Denominator"],
        "Denominator": [None, "GDP", None, None, None, None, None],
    })
    with pytest.raises(DataError, match="COINr iData/iMeta cannot be read") as info:
        read_coinr(data, meta)
    problems = "\n".join(info.value.problems)
    for expected in [
        "<DataFrame> row 7 (column iCode): duplicate iCode 'x' (first on row 2)",
        "row 6 (column Type): 'Indicatr' is not one of Indicator, Aggregate, Group, Denominator, Other",
        "row 3 (column Direction): Direction must be 1 or -1, got 2",
        "row 3 (column Weight): Weight must be a non-negative number, got -1",
        "row 3 (column Parent): Parent 'Q' is not an Aggregate of iMeta",
        "row 3 (column Denominator): 'GDP' is not a Denominator row of iMeta",
        "(column stray): column has no iMeta row",
        "(column P): 'P' is an Aggregate of iMeta",
        "iCode 'Den' (Denominator) has no column",
        "row 3 (column x): 'oops' is not a finite number",
        "row 4 (column uCode): unit 'A' year 2020 appears twice",
    ]:
        assert expected in problems, (expected, problems)


def test_reader_level_and_tree_checks():
    meta = pd.DataFrame({
        "iCode": ["x", "P", "I"], "Level": [1, 3, 3], "Parent": ["P", "I", None],
        "Direction": [1, 1, 1], "Weight": [1, 1, 1], "Type": ["Indicator", "Aggregate", "Aggregate"]})
    data = pd.DataFrame({"uCode": ["A"], "Time": [2020], "x": [1.0]})
    with pytest.raises(DataError) as info:
        read_coinr(data, meta)
    assert any("Parent 'P' is Level 3, expected Level 2" in p for p in info.value.problems)
    assert any("Parent 'I' is Level 3, expected Level 4" in p for p in info.value.problems)
    with pytest.raises(DataError, match="missing required column"):
        read_coinr(data, meta.drop(columns=["Weight"]))
    with pytest.raises(DataError, match="give imeta"):
        read_coinr(data)
    with pytest.raises(DataError, match="group='nope' is not a Group column"):
        read_coinr(data, meta.assign(Level=[1, 2, 3]), group="nope")


# -- pipeline (a): build_example_coin() -------------------------------------------------------
def test_a_every_stage_matches_coinr(result_a):
    r = result_a
    codes = list(r.framework.indicators)
    devs = {
        "raw": assert_matches(r.figures[codes], "a_example_raw.csv"),
        "denominated": assert_matches(r.indicators, "a_example_denominated.csv"),
        "imputed": assert_matches(r.imputed, "a_example_imputed.csv"),
        "screened": assert_matches(r.imputed, "a_example_screened.csv"),  # the screen removes nobody
        "treated": assert_matches(r.treated, "a_example_treated.csv"),
        "normalised": assert_matches(r.normalised, "a_example_normalised.csv"),
        "aggregated": assert_matches(r.node_scores(), "a_example_aggregated.csv"),
    }
    assert max(devs.values()) < 1e-11  # CSV precision (15 significant digits)


def test_a_ranks_match_coinr(result_a):
    assert assert_ranks_match(result_a.node_ranks(), result_a.node_scores(), "a_example_ranks.csv") == 1
    summ = pd.read_csv(asem("a_example_results_summ.csv")).set_index("uCode")  # get_results: 2 dp
    ours = result_a.index.droplevel("year").reindex(summ.index)
    assert (ours.round(2) - summ["Index"]).abs().max() < 1e-9
    assert (result_a.ranks.droplevel("year").reindex(summ.index) == summ["Rank"]).all()


def test_a_denomination_recorded(result_a):
    den = result_a.explain["denominate"].set_index("indicator")
    assert len(den) == 17 and den.loc["Elec", "denominator"] == "Energy"
    assert den["n_missing_denominator"].sum() == 2  # Energy is missing for one unit: Elec, Gas
    assert int(result_a.indicators.isna().sum().sum()) == 65
    lost = result_a.indicators["Elec"].isna() & result_a.figures["Elec"].notna()
    assert int(lost.sum()) == 1  # ... and then imputed by its group's mean
    unit = lost.index[lost][0]
    assert result_a.indicator_source.loc[unit, "Elec"] == "imputed:group_mean"
    assert not math.isnan(result_a.imputed.loc[unit, "Elec"])


def test_a_imputation_recorded(result_a, raw_data):
    imp = result_a.explain["impute"]
    assert len(imp) == 65 and set(imp["method"]) == {"group_mean"}
    # one by hand: a missing value is the mean of its indicator over the unit's EurAsia group
    row = imp.iloc[0]
    unit, code = row["district"], row["indicator"]
    group = raw_data.at[unit, "EurAsia_group"]
    members = raw_data.index[raw_data["EurAsia_group"] == group]
    den = result_a.indicators.droplevel("year")[code].reindex(members)
    assert row["value"] == pytest.approx(den.mean(), rel=1e-14)
    assert result_a.indicator_source.loc[(unit, 2018), code] == "imputed:group_mean"


def test_a_screen_summary_matches_coinr(result_a):
    ours = result_a.explain["screen"].droplevel("year")
    g = golden("a_example_screen_datasummary.csv")
    ours = ours.reindex(g.index)
    for theirs, mine in [("N_missing", "n_missing"), ("N_zero", "n_zero"), ("N_miss_or_zero", "n_missing_or_zero"),
                         ("Dat_Avail", "data_availability"), ("Non_Zero", "non_zero"), ("LowData", "low_data"),
                         ("LowNonZero", "low_non_zero"), ("LowDatOrZeroFlag", "low_data_or_zero"),
                         ("Included", "included")]:
        np.testing.assert_allclose(ours[mine].astype(float), g[theirs].astype(float), atol=1e-12, err_msg=theirs)
    assert ours["included"].all()


def test_a_treatment_matches_coinr(result_a):
    pts = result_a.explain["treated_points"]
    g = pd.read_csv(asem("a_example_treated_points_long.csv"))
    assert len(pts) == len(g) == 35 and pts["indicator"].nunique() == 15
    merged = g.merge(pts, left_on=["uCode", "iCode"], right_on=["district", "indicator"], how="outer",
                     indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["Treatment"] == merged["treatment"]).all()
    np.testing.assert_allclose(merged["original"], merged["Value_before"], rtol=1e-12)
    np.testing.assert_allclose(merged["treated"], merged["Value_after"], rtol=1e-12)
    det = result_a.explain["treat"].set_index("indicator")
    gd = golden_dets()
    np.testing.assert_array_equal(det.loc[gd.index, "pass_before"].astype(bool), gd["check_SkewKurt0.Pass"])
    np.testing.assert_allclose(det.loc[gd.index, "skew_before"], gd["check_SkewKurt0.Skew"], atol=1e-12)
    np.testing.assert_allclose(det.loc[gd.index, "kurt_before"], gd["check_SkewKurt0.Kurt"], atol=1e-12)
    failed = gd.index[~gd["check_SkewKurt0.Pass"]]
    np.testing.assert_array_equal(det.loc[failed, "n_winsorised"], gd.loc[failed, "winsorise.nwin"])
    np.testing.assert_allclose(det.loc[failed, "skew_winsorised"], gd.loc[failed, "check_SkewKurt1.Skew"],
                               atol=1e-12)
    assert set(det["status"]) == {"passed", "winsorised"}  # no log fallback in ASEM


def golden_dets() -> pd.DataFrame:
    return pd.read_csv(asem("a_example_treat_dets.csv")).set_index("iCode")


# -- pipeline (b): raw -> min-max -> arithmetic mean ------------------------------------------
def test_b_every_stage_matches_coinr(result_b):
    devs = [assert_matches(result_b.normalised, "b_minmax_amean_normalised.csv"),
            assert_matches(result_b.node_scores(), "b_minmax_amean_aggregated.csv")]
    assert max(devs) < 1e-11
    assert int(result_b.normalised.isna().sum().sum()) == 63  # missing raw values stay missing
    assert result_b.scores.notna().all().all()  # every aggregate complete (README §4(b))
    assert assert_ranks_match(result_b.node_ranks(), result_b.node_scores(), "b_minmax_amean_ranks.csv") == 1


def test_pooled_and_within_year_minmax_are_the_same_on_one_year(coin, result_b):
    pooled = coin.build(load_methodology(METHODS / "coinr_minmax_amean.yaml").replace(
        normalise={"method": "minmax", "params": {"lower": 0, "upper": 100, "by_year": False}}))
    pd.testing.assert_frame_equal(pooled.node_scores(), result_b.node_scores())


# -- other methods of the README, worked out independently --------------------------------------
def hand_tree(meta: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """(aggregate, children) bottom-up, from iMeta."""
    aggs = meta[meta["Type"] == "Aggregate"].sort_values("Level", kind="stable")
    return [(a, list(meta.loc[meta["Parent"] == a, "iCode"])) for a in aggs["iCode"]]


def hand_aggregate(norm: pd.DataFrame, meta: pd.DataFrame, weights: dict[str, float] | None = None,
                   mean: str = "arithmetic") -> pd.DataFrame:
    """COINr a_amean / a_gmean by hand: drop NA children and their weights, rescale, combine."""
    w_all = dict(zip(meta["iCode"], meta["Weight"], strict=True)) | dict(weights or {})
    values = {c: norm[c].to_numpy(dtype=float) for c in norm.columns}
    out = {}
    for agg, kids in hand_tree(meta):
        x = np.column_stack([values[k] for k in kids])
        w = np.array([w_all[k] for k in kids], dtype=float)
        present = ~np.isnan(x)
        wp = np.where(present, w, 0.0)
        if mean == "arithmetic":
            v = np.nansum(x * w, axis=1) / wp.sum(axis=1)
        else:  # weighted geometric mean: prod(x^w)^(1/sum w)
            v = np.exp(np.nansum(np.log(x) * w, axis=1) / wp.sum(axis=1))
        values[agg] = out[agg] = v
    return pd.DataFrame(out, index=norm.index)


def hand_raw(raw_data: pd.DataFrame, meta: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    ind = meta[meta["Type"] == "Indicator"]
    return raw_data[list(ind["iCode"])].astype(float), ind.set_index("iCode")["Direction"].astype(float)


def compare(result, norm: pd.DataFrame, aggs: pd.DataFrame, tol: float = TOL) -> float:
    ours_n = result.normalised.droplevel("year").reindex(index=norm.index, columns=norm.columns)
    ours_a = result.scores.droplevel("year").reindex(index=aggs.index, columns=aggs.columns)
    assert (ours_n.isna() == norm.isna()).all().all() and (ours_a.isna() == aggs.isna()).all().all()
    dev = max(float(np.nanmax(np.abs((ours_n - norm).to_numpy()))), float(np.nanmax(np.abs((ours_a - aggs)
                                                                                            .to_numpy()))))
    assert dev <= tol
    return dev


def test_c_zscore_arithmetic(coin, raw_data, meta):
    # n_zscore: (x·dir − mean) / sd · 1 + 0, sample sd (n − 1), NA removed
    x, d = hand_raw(raw_data, meta)
    xo = x * d
    norm = (xo - xo.mean()) / xo.std(ddof=1)
    r = coin.build(Methodology(name="c").replace(
        normalise={"method": "zscore", "params": {"mean": 0, "sd": 1}}))
    compare(r, norm, hand_aggregate(norm, meta))


def test_c_zscore_with_target_mean_and_sd(coin, raw_data, meta):
    # n_zscore(m_sd = c(10, 2)): (x·dir − mean) / sd · 2 + 10
    x, d = hand_raw(raw_data, meta)
    xo = x * d
    norm = (xo - xo.mean()) / xo.std(ddof=1) * 2 + 10
    r = coin.build(Methodology(name="c2").replace(
        normalise={"method": "zscore", "params": {"mean": 10, "sd": 2}}))
    compare(r, norm, hand_aggregate(norm, meta))


def test_d_minmax_1_100_geometric(coin, raw_data, meta):
    # n_minmax(l_u = c(1, 100)) then a_gmean: exp(Σ w ln x / Σ w) over the present children
    x, d = hand_raw(raw_data, meta)
    xo = x * d
    norm = (xo - xo.min()) / (xo.max() - xo.min()) * 99 + 1
    r = coin.build(Methodology(name="d").replace(
        normalise={"method": "minmax", "params": {"lower": 1, "upper": 100}}, aggregate="geometric"))
    compare(r, norm, hand_aggregate(norm, meta, mean="geometric"))
    # geometric <= arithmetic, everywhere (AM-GM)
    arith = hand_aggregate(norm, meta)
    assert (r.scores.droplevel("year")["Index"].reindex(arith.index) <= arith["Index"] + 1e-12).all()


def test_e_changed_pillar_weights(coin, raw_data, meta):
    # Physical counts double in Conn, Environ half in Sust; Sust 2 : Conn 1 in the index
    x, d = hand_raw(raw_data, meta)
    xo = x * d
    norm = (xo - xo.min()) / (xo.max() - xo.min()) * 100
    new = {"Physical": 2.0, "Environ": 0.5, "Sust": 2.0}
    r = coin.build(Methodology(name="e").replace(
        normalise={"method": "minmax", "params": {"lower": 0, "upper": 100}},
        weights={"method": "expert", "params": {"overrides": new}}))
    aggs = hand_aggregate(norm, meta, new)
    compare(r, norm, aggs)
    # by hand for one unit: Conn = (2·Physical + ConEcFin + Political + Instit + P2P) / 6
    u = aggs.index[0]
    conn = (2 * aggs.at[u, "Physical"] + aggs.loc[u, ["ConEcFin", "Political", "Instit", "P2P"]].sum()) / 6
    assert aggs.at[u, "Conn"] == pytest.approx(conn, rel=1e-14)
    assert r.scores.loc[(u, 2018), "Index"] == pytest.approx((aggs.at[u, "Conn"] + 2 * aggs.at[u, "Sust"]) / 3,
                                                             rel=1e-12)
    assert r.weights["Physical"] == pytest.approx(2 / 6) and r.weights["Sust"] == pytest.approx(2 / 3)


def hand_skew_kurt(v: np.ndarray) -> tuple[float, float]:
    v = v[~np.isnan(v)]
    return float(stats.skew(v, bias=False)), float(stats.kurtosis(v, fisher=True, bias=False))


def hand_treat(col: np.ndarray, winmax: int = 5) -> np.ndarray:
    """COINr Treat() default, from README §5: skew/kurt test, winsorise one extreme at a time, log."""
    def fails(v):
        s, k = hand_skew_kurt(v)
        return abs(s) >= 2 and k >= 3.5

    if not fails(col):
        return col
    w = col.copy()
    ok = ~np.isnan(w)
    nwin = 0
    while fails(w) and nwin < winmax:
        s, _ = hand_skew_kurt(w)
        vals = w[ok]
        if s >= 0:
            ext, rep = vals.max(), vals[vals < vals.max()].max()
        else:
            ext, rep = vals.min(), vals[vals > vals.min()].min()
        w[ok & (w == ext)] = rep
        nwin = int(np.sum(w[ok] != col[ok]))
    if not fails(w):
        return w
    lo, hi = np.nanmin(col), np.nanmax(col)
    return np.log(col - lo + 0.01 * (hi - lo))


def test_f_treatment_on_raw_data(coin, raw_data, meta):
    # Treat(dset = "Raw", winmax = 5) -> n_minmax [0, 100] -> a_amean; NAs stay NA (no imputation)
    x, d = hand_raw(raw_data, meta)
    treated = pd.DataFrame({c: hand_treat(x[c].to_numpy()) for c in x.columns}, index=x.index)
    changed = [c for c in x.columns if not np.array_equal(treated[c].to_numpy(), x[c].to_numpy(), equal_nan=True)]
    assert changed  # raw ASEM data is skewed: something is treated
    xo = treated * d
    norm = (xo - xo.min()) / (xo.max() - xo.min()) * 100
    r = coin.build(Methodology(name="f").replace(
        treat={"method": "winsorise", "params": {"winmax": 5}},
        normalise={"method": "minmax", "params": {"lower": 0, "upper": 100}}))
    ours_t = r.treated.droplevel("year").reindex(index=x.index, columns=x.columns)
    assert float(np.nanmax(np.abs((ours_t - treated).to_numpy()))) <= TOL * max(1.0, float(np.nanmax(x.abs())))
    compare(r, norm, hand_aggregate(norm, meta))
    det = r.explain["treat"].set_index("indicator")
    assert sorted(det.index[det["status"] != "passed"]) == sorted(changed)
    logged = det.index[det["status"] == "log"]
    for c in logged:  # the log fallback transforms the original column
        lo, hi = np.nanmin(x[c]), np.nanmax(x[c])
        np.testing.assert_allclose(ours_t[c], np.log(x[c] - lo + 0.01 * (hi - lo)), rtol=1e-12)


def test_effective_weights_of_asem(result_a):
    # equal weights at each level: an indicator's weight is 1/2 · 1/n_pillars · 1/n_indicators
    ew = result_a.effective_weights
    assert ew["LPI"] == pytest.approx(1 / 2 * 1 / 5 * 1 / 8)  # Physical: 8 indicators in Conn (5 pillars)
    assert ew["PubDebt"] == pytest.approx(1 / 2 * 1 / 3 * 1 / 5)  # SusEcFin: 5 indicators in Sust (3)
    assert ew.sum() == pytest.approx(1.0)
    assert math.isclose(result_a.weights["Conn"], 0.5)


def test_panel_years_within_and_pooled(meta):
    # a two-year coin: 2018 as published, 2019 with every indicator 10 % higher. Within each year
    # min-max is scale-free, so both years normalise alike and 2018 still matches COINr's (b);
    # pooled over the years (COINr's purse default) 2019 sits higher (indicators >= 0, direction +).
    data = pd.read_csv(asem("asem_iData.csv"))
    ind = list(meta.loc[meta["Type"] == "Indicator", "iCode"])
    later = data.assign(Time=2019)
    later[ind] = later[ind] * 1.1
    coin = read_coinr(pd.concat([data, later], ignore_index=True), meta, framework_id="asem", name="COINr: asem")
    assert coin.figures.shape == (102, 53) and coin.framework.content_hash == read_coinr(
        asem("asem_iData.csv"), asem("asem_iMeta.csv")).framework.content_hash
    m = load_methodology(METHODS / "coinr_minmax_amean.yaml")
    within = coin.build(m)
    assert_matches(within.normalised.xs(2018, level="year", drop_level=False), "b_minmax_amean_normalised.csv")
    pd.testing.assert_frame_equal(within.scores.xs(2018, level="year"), within.scores.xs(2019, level="year"),
                                  rtol=1e-12)
    pooled = coin.build(m.replace(normalise={"method": "minmax", "params": {"by_year": False}}))
    up = [c for c in pooled.normalised.columns  # x -> 1.1 x raises a '+' indicator if x >= 0
          if coin.framework.nodes[c].direction > 0 and (data[c].dropna() >= 0).all()]
    a = pooled.normalised.xs(2018, level="year")[up]
    b = pooled.normalised.xs(2019, level="year")[up]
    assert ((b > a) | a.isna() | (a == b)).all().all() and (b > a).any().any()
    assert (pooled.index.xs(2019, level="year") != within.index.xs(2019, level="year")).any()
