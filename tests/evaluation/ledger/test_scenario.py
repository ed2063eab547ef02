"""History, diff and as-of export on the hand-worked scenario (tests/evaluation/ledger/scenario.py)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from evaluation.ledger import LedgerError, figures_from_ledger
from evaluation.ledger.diff import diff, render
from evaluation.ledger.export import export_csv
from evaluation.ledger.store import add_review, history
from indicators import build_index

from . import scenario as S


@pytest.fixture
def loaded(ledger):
    return ledger, S.load(ledger)


def test_diff_shows_every_rank_including_districts_whose_figures_did_not_change(loaded):
    ledger, fw = loaded
    d = diff(ledger, S.YEAR, fw, S.methodology(), S.V1, None, ("2025-01-10", "now"))
    assert d.figures[["district", "figure", "before", "after", "change"]].values.tolist() == [
        ["d2", "x_a1", "40", "200", "changed"]]
    t = d.index.set_index("district")
    assert t["index_before"].to_dict() == pytest.approx(S.INDEX_V1)
    assert t["index_after"].to_dict() == pytest.approx(S.INDEX_V2)
    assert t["rank_before"].astype(int).to_dict() == S.RANK_V1
    assert t["rank_after"].astype(int).to_dict() == S.RANK_V2
    assert t["rank_move"].astype(int).to_dict() == {"d1": 2, "d2": 0, "d3": -1, "d4": -1}
    assert t["figures_changed"].to_dict() == {"d1": False, "d2": True, "d3": False, "d4": False}
    ind = d.indicators.set_index(["district", "node"])
    assert {k[0]: (r.before, r.after) for k, r in ind.iterrows()} == S.A1_V2_CHANGED
    assert set(ind.index.get_level_values("node")) == {"a1"}  # b1 did not change anywhere
    dims = d.dimensions.set_index(["district", "node"])
    assert set(dims.index) == {("d2", "A"), ("d3", "A"), ("d4", "A")}
    text = render(d)
    assert "名次变动但数据未变 / rank moved, own figures unchanged" in text
    assert text.count("rank moved, own figures unchanged") == 3  # d1, d3, d4


def test_as_of_export_rebuilds_each_state_and_scores_it(loaded, tmp_path):
    ledger, fw = loaded
    old = pd.read_csv(io.StringIO(export_csv(ledger, S.YEAR, as_of="2025-01-31")), dtype=str)
    assert list(old.columns) == ["district", "year", "figure", "value", "district_name", "group", "unit", "source",
                                 "quote", "note"]
    assert old.loc[old["district"] == "d2"].set_index("figure")["value"].to_dict() == {"x_a1": "40", "x_b1": "100"}
    out = tmp_path / "now.csv"
    export_csv(ledger, S.YEAR, out)
    res = build_index(str(out), fw, S.methodology())
    assert res.index.xs(S.YEAR, level="year").to_dict() == pytest.approx(S.INDEX_V2)
    res_old = build_index(figures_from_ledger(ledger, S.YEAR, as_of="2025-01-31"), fw, S.methodology())
    assert res_old.ranks.xs(S.YEAR, level="year").astype(int).to_dict() == S.RANK_V1
    # the rejected return of d3 (received 2025-01-13) never counts
    assert old.loc[old["district"] == "d3"].set_index("figure")["value"].to_dict() == {"x_a1": "70", "x_b1": "40"}
    with pytest.raises(LedgerError, match="no accepted figures for 2024 as of 2025-01-09"):
        export_csv(ledger, S.YEAR, as_of="2025-01-09")


def test_history_lists_every_version_who_when_and_why(loaded):
    ledger, _ = loaded
    add_review(ledger, "d2", S.YEAR, "x_a1", "adjust", text="180", value=180.0, reviewer="王五",
               reason="与台账核对为180", decided_at=S.V2.replace(day=3))
    subs, events = history(ledger, "d2")
    assert subs["file_sha256"].tolist() == ["sha-d2-1", "sha-d2-2"]
    assert subs["current"].tolist() == [False, True]
    a1 = events[events["figure"] == "x_a1"]
    assert a1[["kind", "value", "who"]].values.tolist() == [
        ["submitted", "40", "staff"], ["submitted", "200", "李四"], ["adjust", "180", "王五"]]
    assert a1["reason"].iloc[-1] == "与台账核对为180"
    subs3, _ = history(ledger, "d3")
    assert subs3["status"].tolist() == ["accepted", "rejected"]
    assert subs3["problems"].iloc[1] == ["[error] x_a1 = -5 is below 0"]
    with pytest.raises(LedgerError, match=r"no submission of district 'd22' \(did you mean 'd2'"):
        history(ledger, "d22")
    with pytest.raises(LedgerError, match="no submission of district 'd2' in 2019"):
        history(ledger, "d2", 2019)


def test_diff_and_export_commands(tmp_path, capsys):
    import yaml

    from evaluation.cli import main
    from evaluation.ledger import open_ledger
    from evaluation.ledger.store import record_edition

    led = str(tmp_path / "ledger.sqlite")
    with open_ledger(led) as ledger:
        S.load(ledger)
        record_edition(ledger, S.YEAR, "0" * 64, as_of=S.V1.replace(day=20), created_by="评估办")
    fw = tmp_path / "toy.yaml"
    fw.write_text(yaml.safe_dump(S.FRAMEWORK, allow_unicode=True), encoding="utf-8")
    ranks = tmp_path / "ranks.csv"
    assert main(["diff", "--ledger", led, "--year", str(S.YEAR), "-f", str(fw), "-m", "coinr_minmax_amean",
                 "-o", str(ranks)]) == 0
    out = capsys.readouterr().out
    assert "2024 年变化 / changes in 2024: v1 → 现在 / now" in out  # --from defaults to the first edition
    assert out.count("名次变动但数据未变 / rank moved, own figures unchanged") == 3
    table = pd.read_csv(ranks).set_index("district")
    assert table["rank_before"].to_dict() == S.RANK_V1 and table["rank_after"].to_dict() == S.RANK_V2
    assert main(["diff", "--ledger", led, "--year", str(S.YEAR), "-f", str(fw), "-m", "coinr_minmax_amean",
                 "--from", "v1", "--to", "2025-01-31"]) == 0
    assert "数据 / figures (0 changed)" in capsys.readouterr().out
    assert main(["diff", "--ledger", led, "--year", str(S.YEAR), "-f", str(fw), "--from", "v7"]) == 2
    assert "no edition 'v7' of 2024 (editions: v1)" in capsys.readouterr().err
    assert main(["export", "--ledger", led, "--year", str(S.YEAR), "--as-of", "2025-01-31"]) == 0
    exported = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert exported.set_index(["district", "figure"])["value"][("d2", "x_a1")] == "40"
