"""Published editions (rolindex publish) on a scripted seven-district scenario worked out by hand.

Framework: the toy framework of tests/evaluation/ledger/scenario.py (index = mean of a1 = x_a1 and
b1 = x_b1, min-max within the year; both figures span 0..100 here, so scores equal the figures).

v1 (received 2025-01-10)     x_a1  x_b1  index  rank          v2: d6 corrects x_a1 30 -> 55 (2025-02-01, 李四)
    d1                        100   100  100     1                 d6 index (55 + 40) / 2 = 47.5 -> rank 5
    d2                         80    90   85     2                 d5 (45, own figures unchanged) -> rank 6
    d3                         70    70   70     3                 min and max of every figure are unchanged, so
    d4 (median district)       60    60   60     4                 no other score moves; the medians (x_a1: 60,
    d5                         40    50   45     5                 index: 60 — the 4th of 7) stay, so the pages of
    d6                         30    40   35     6                 d1, d2, d3, d4, d7 do not change: their reports are
    d7                          0     0    0     7                 carried over from v1; d5 and d6 are re-issued.

The correction is recorded before v1 is published, but v1 is published ``--as-of 2025-01-31`` (the end
of that day, UTC): it must not contain it. v2, published without ``--as-of``, does. The whole cycle runs
against SQLite and PostgreSQL (``$ROLINDEX_TEST_POSTGRES_URL``; see tests/evaluation/ledger/postgres.py).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from evaluation.editions import EditionError, publish, verify_manifest
from evaluation.ledger import LedgerError, open_ledger
from evaluation.ledger.store import editions, record_edition, record_submission

from .ledger import scenario as S
from .ledger.postgres import KINDS, fresh_ledger

FIGURES = {"d1": (100, 100), "d2": (80, 90), "d3": (70, 70), "d4": (60, 60), "d5": (40, 50), "d6": (30, 40),
           "d7": (0, 0)}
INDEX_V1 = {"d1": 100.0, "d2": 85.0, "d3": 70.0, "d4": 60.0, "d5": 45.0, "d6": 35.0, "d7": 0.0}
RANK_V1 = {"d1": 1, "d2": 2, "d3": 3, "d4": 4, "d5": 5, "d6": 6, "d7": 7}
INDEX_V2 = {**INDEX_V1, "d6": 47.5}
RANK_V2 = {**RANK_V1, "d5": 6, "d6": 5}
METH = "coinr_minmax_amean"
#: v1's cut-off: after the first returns (2025-01-10), before d6's correction (2025-02-01 09:00).
AS_OF_V1 = "2025-01-31"


def _load(led: str, figures=FIGURES) -> None:
    with open_ledger(led) as ledger:
        fw = S.framework()
        for d, (a, b) in figures.items():
            record_submission(ledger, S.submission(fw, d, a, b, f"sha-{d}-1"), "staff", received_at=S.V1)


def _correct(led: str) -> None:
    with open_ledger(led) as ledger:
        record_submission(ledger, S.submission(S.framework(), "d6", 55, 40, "sha-d6-2"), "李四", received_at=S.V2)


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=KINDS)
def cycle(request, tmp_path_factory):
    """Figures and d6's correction recorded; v1 published as of 2025-01-31, then v2 as of now; v1's bytes before v2."""
    tmp = tmp_path_factory.mktemp(f"editions-{request.param}")
    fw = tmp / "toy.yaml"
    fw.write_text(yaml.safe_dump(S.FRAMEWORK, allow_unicode=True), encoding="utf-8")
    led = fresh_ledger(request.param, tmp)
    _load(led)
    _correct(led)
    out = tmp / "out"
    v1 = publish(led, S.YEAR, framework=fw, methodology=METH, out=out, workers=0, created_by="王五",
                 as_of=AS_OF_V1)
    before = _snapshot(v1.folder)
    v2 = publish(led, S.YEAR, framework=fw, methodology=METH, out=out, workers=0, note="d6 更正 / d6 corrected")
    return {"tmp": tmp, "fw": fw, "led": led, "out": out, "v1": v1, "v2": v2, "v1_bytes": before}


def test_v1_freezes_figures_scores_every_report_and_is_recorded(cycle):
    v1 = cycle["v1"]
    assert v1.number == 1 and v1.folder == cycle["out"] / "editions" / "toy_cycle" / str(S.YEAR) / "v1"
    assert sorted(v1.reissued) == sorted(FIGURES) and v1.carried == {} and v1.changelog is None
    state = json.loads((v1.folder / "edition.json").read_text(encoding="utf-8"))
    assert {d: r["index"] for d, r in state["districts"].items()} == pytest.approx(INDEX_V1)
    assert {d: r["rank"] for d, r in state["districts"].items()} == RANK_V1
    names = set(_snapshot(v1.folder))
    assert {f"{d}.html" for d in FIGURES} <= names and {"figures.csv", "scores.csv", "index.html", "manifest.json",
                                                         "edition.json"} <= names
    assert not any(n.startswith(".") for n in names) and "changelog.md" not in names
    assert verify_manifest(v1.folder, v1.manifest_sha256) == []
    with open_ledger(cycle["led"], create=False) as ledger:
        eds = editions(ledger, S.YEAR)
    assert eds["number"].tolist() == [1, 2]
    assert eds["manifest_sha256"].tolist() == [v1.manifest_sha256, cycle["v2"].manifest_sha256]
    assert eds["created_by"].tolist() == ["王五", ""] and eds["note"].tolist()[1] == "d6 更正 / d6 corrected"


def test_v2_reissues_only_the_reports_whose_page_changed(cycle):
    v2 = cycle["v2"]
    assert v2.number == 2
    assert sorted(v2.reissued) == ["d5", "d6"]
    assert v2.carried == {"d1": 1, "d2": 1, "d3": 1, "d4": 1, "d7": 1}
    state = json.loads((v2.folder / "edition.json").read_text(encoding="utf-8"))
    assert {d: r["index"] for d, r in state["districts"].items()} == pytest.approx(INDEX_V2)
    assert {d: r["rank"] for d, r in state["districts"].items()} == RANK_V2
    assert {d: r["issued_in"] for d, r in state["districts"].items()} == {
        "d1": 1, "d2": 1, "d3": 1, "d4": 1, "d5": 2, "d6": 2, "d7": 1}
    v1 = cycle["v1"].folder
    for d in v2.carried:  # the very same bytes (hard link or copy) as issued in v1
        assert (v2.folder / f"{d}.html").read_bytes() == (v1 / f"{d}.html").read_bytes()
    for d in v2.reissued:
        assert (v2.folder / f"{d}.html").read_bytes() != (v1 / f"{d}.html").read_bytes()


def test_changelog_names_the_figure_who_when_and_every_rank_move(cycle):
    log = json.loads((cycle["v2"].folder / "changelog.json").read_text(encoding="utf-8"))
    assert log["edition"] == 2 and log["previous"] == 1
    assert [(f["district"], f["figure"], f["old"], f["new"], f["change"], f["who"], f["when"], f["file"])
            for f in log["figures"]] == [("d6", "x_a1", "30", "55", "changed", "李四", "2025-02-01 09:00:00", "d6.csv")]
    scores = {s["district"]: s for s in log["scores"]}
    assert set(scores) == {"d5", "d6"}  # nobody else's index, rank or dimension score moved
    assert (scores["d6"]["index_old"], scores["d6"]["index_new"]) == pytest.approx((35.0, 47.5))
    assert (scores["d6"]["rank_old"], scores["d6"]["rank_new"], scores["d6"]["rank_move"]) == (6, 5, 1)
    assert scores["d6"]["dimensions"] == {"A": pytest.approx([30.0, 55.0])} and scores["d6"]["figures_changed"]
    assert (scores["d5"]["rank_old"], scores["d5"]["rank_new"], scores["d5"]["rank_move"]) == (5, 6, -1)
    assert scores["d5"]["index_delta"] == pytest.approx(0.0) and not scores["d5"]["figures_changed"]
    assert log["reports"] == {"reissued": ["d5", "d6"], "carried": {"d1": 1, "d2": 1, "d3": 1, "d4": 1, "d7": 1}}
    md = (cycle["v2"].folder / "changelog.md").read_text(encoding="utf-8")
    assert "| d6 | x_a1 | 30 | 55 | changed | 李四 | 2025-02-01 09:00:00 | d6.csv |" in md
    assert "| d5 | 45.00 → 45.00 | 5 → 6 | -1 | 未变 / unchanged |" in md
    assert "沿用 / carried over unchanged (5): d1 (v1), d2 (v1), d3 (v1), d4 (v1), d7 (v1)" in md


def test_v1_is_untouched_byte_for_byte_and_both_manifests_verify(cycle):
    v1, v2 = cycle["v1"], cycle["v2"]
    assert _snapshot(v1.folder) == cycle["v1_bytes"]
    assert verify_manifest(v1.folder, v1.manifest_sha256) == []
    assert verify_manifest(v2.folder, v2.manifest_sha256) == []
    listed = json.loads((v2.folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert set(listed) == set(_snapshot(v2.folder)) - {"manifest.json"}


def test_pages_show_the_edition_they_were_issued_in(cycle):
    v2 = cycle["v2"].folder

    def stamp(name):
        return re.search(r'class="rol-edition">([^<]*)<', (v2 / name).read_text(encoding="utf-8")).group(1)

    date = cycle["v2"].date
    assert stamp("index.html") == f"第 2 版，{date} 发布 / Edition 2, published {date}"
    assert stamp("d6.html").startswith("第 2 版") and stamp("d5.html").startswith("第 2 版")
    d1 = cycle["v1"].date  # carried from v1, which was frozen as of 2025-01-31: its page says so
    assert stamp("d1.html") == (f"第 1 版，{d1} 发布，数据截至 2025-01-31 / "
                                f"Edition 1, published {d1}, figures as of 2025-01-31")
    assert stamp("d1.html") in (cycle["v1"].folder / "index.html").read_text(encoding="utf-8")
    index = (v2 / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{d}.html"' in index for d in FIGURES)  # carried reports are linked too


def test_v1_as_of_leaves_out_the_later_correction_and_records_its_cut_off(cycle, tmp_path):
    """d6's correction (received 2025-02-01 09:00) was in the ledger when v1 was published as of 2025-01-31."""
    import datetime as dt

    from evaluation.cli import main

    v1, v2 = cycle["v1"], cycle["v2"]
    end = dt.datetime(2025, 1, 31, 23, 59, 59, 999999)  # a date means the end of that day (UTC)
    values = [{(r["district"], r["figure"]): r["value"] for r in _rows(v.folder / "figures.csv")} for v in (v1, v2)]
    assert (values[0][("d6", "x_a1")], values[1][("d6", "x_a1")]) == ("30", "55")
    out = tmp_path / "export.csv"  # the very figures `rolindex export --as-of` gives for that date
    assert main(["export", "--ledger", cycle["led"], "--year", str(S.YEAR), "--as-of", AS_OF_V1, "-o", str(out)]) == 0
    assert out.read_bytes() == (v1.folder / "figures.csv").read_bytes()
    assert v1.as_of == end and v2.as_of is None
    assert "数据截至 / figures as of: 2025-01-31" in v1.summary() and "figures as of" not in v2.summary()
    with open_ledger(cycle["led"], create=False) as ledger:
        cut = [t.to_pydatetime() for t in editions(ledger, S.YEAR)["as_of"]]
    assert cut[0] == end and cut[1] > dt.datetime(2025, 2, 1, 9, 0)
    state = json.loads((v1.folder / "edition.json").read_text(encoding="utf-8"))
    manifest = json.loads((v1.folder / "manifest.json").read_text(encoding="utf-8"))
    for record in (state, manifest):
        assert (record["as_of"], record["as_of_requested"]) == (end.isoformat(), AS_OF_V1)
    assert json.loads((v2.folder / "manifest.json").read_text(encoding="utf-8"))["as_of_requested"] is None
    log = json.loads((v2.folder / "changelog.json").read_text(encoding="utf-8"))
    assert log["as_of"] == cut[1].isoformat(sep=" ", timespec="seconds")


def test_publish_as_of_after_now_or_before_the_previous_edition_is_refused(cycle):
    kw = {"framework": cycle["fw"], "methodology": METH, "out": cycle["out"], "workers": 0}
    with pytest.raises(EditionError, match=r"--as-of 2999-01-01 ends after now .*leave out --as-of"):
        publish(cycle["led"], S.YEAR, as_of="2999-01-01", **kw)
    with pytest.raises(EditionError, match=r"--as-of 2025-01-31 is before the figures of the previous edition v2"):
        publish(cycle["led"], S.YEAR, as_of=AS_OF_V1, **kw)
    with open_ledger(cycle["led"], create=False) as ledger:
        assert editions(ledger, S.YEAR)["number"].tolist() == [1, 2]
    assert sorted(p.name for p in cycle["v2"].folder.parent.iterdir()) == ["v1", "v2"]


def test_a_carried_report_is_what_a_fresh_render_would_show(cycle, tmp_path):
    """The fingerprint's claim checked by rendering: d1 and d4 re-rendered from v2's figures, stamped v1,
    equal the carried v1 pages except the figures file's hash and papermill's random cell id."""
    from evaluation.report.run import run_reports

    v2 = cycle["v2"].folder
    (o,) = run_reports(S.YEAR, v2 / "figures.csv", cycle["fw"], METH, districts=["d1", "d4"], out=tmp_path,
                       workers=0, progress=False, edition={"number": 1, "date": cycle["v1"].date, "as_of": AS_OF_V1})

    def strip(text):
        return re.sub(r'cell-id=[0-9a-f]{8}"', "", re.sub(r"sha256 [0-9a-f]{64}", "", text))

    for d in ("d1", "d4"):
        fresh = (o.folder / f"{d}.html").read_text(encoding="utf-8")
        carried = (v2 / f"{d}.html").read_text(encoding="utf-8")
        assert strip(fresh) == strip(carried)
        assert fresh != carried  # the stripped parts do differ (v1's figures file is named by its hash)


def test_publish_refuses_to_write_into_an_existing_edition_folder(cycle):
    _correct(cycle["led"])  # nothing new: the same file is one submission
    squatter = cycle["v2"].folder.parent / "v3"
    squatter.mkdir()
    (squatter / "keep.txt").write_text("mine", encoding="utf-8")
    try:
        with pytest.raises(EditionError, match=r"already exist.*never overwritten"):
            publish(cycle["led"], S.YEAR, framework=cycle["fw"], methodology=METH, out=cycle["out"], workers=0)
        assert (squatter / "keep.txt").read_text(encoding="utf-8") == "mine"
        with open_ledger(cycle["led"], create=False) as ledger:
            assert editions(ledger, S.YEAR)["number"].tolist() == [1, 2]
        assert not list(squatter.parent.glob(".v3.partial-*"))
    finally:
        shutil.rmtree(squatter)


def test_an_altered_previous_edition_is_refused_and_reported(cycle):
    page = cycle["v2"].folder / "d3.html"
    original = page.read_bytes()
    try:
        page.write_bytes(original + b"<!-- edited -->")
        problems = verify_manifest(cycle["v2"].folder, cycle["v2"].manifest_sha256)
        assert problems == ["文件已被改动 / altered: d3.html"]
        with pytest.raises(EditionError, match=r"previous edition v2 is not intact.*altered: d3.html"):
            publish(cycle["led"], S.YEAR, framework=cycle["fw"], methodology=METH, out=cycle["out"], workers=0)
    finally:
        page.write_bytes(original)
    assert verify_manifest(cycle["v2"].folder, cycle["v2"].manifest_sha256) == []


def test_verify_manifest_lists_missing_added_files_and_a_foreign_manifest(cycle, tmp_path):
    copy = tmp_path / "v2"
    shutil.copytree(cycle["v2"].folder, copy)
    (copy / "d7.json").unlink()
    (copy / "extra.txt").write_text("x", encoding="utf-8")
    assert verify_manifest(copy) == ["文件缺失 / missing: d7.json", "清单外文件 / not in the manifest: extra.txt"]
    assert verify_manifest(copy, "0" * 64)[0].endswith("is not the manifest the ledger recorded")
    (copy / "manifest.json").unlink()
    assert verify_manifest(copy)[0].startswith("缺少清单 / no manifest.json")


@pytest.mark.parametrize("kind", KINDS)
def test_record_edition_refuses_a_number_already_taken(kind, tmp_path):
    led = fresh_ledger(kind, tmp_path)
    with open_ledger(led) as ledger:
        assert record_edition(ledger, 2024, "a" * 64, number=1) == 1
        with pytest.raises(LedgerError, match=r"edition v1 of 2024 cannot be recorded: the ledger's latest is v1"):
            record_edition(ledger, 2024, "b" * 64, number=1)
        assert editions(ledger, 2024)["manifest_sha256"].tolist() == ["a" * 64]


def test_publish_without_figures_or_ledger_is_a_clear_error(tmp_path, capsys):
    from evaluation.cli import main

    assert main(["publish", "--ledger", str(tmp_path / "none.sqlite"), "--year", "2024"]) == 2
    assert "no ledger at" in capsys.readouterr().err
    led = str(tmp_path / "l.sqlite")
    _load(led)
    fw = tmp_path / "toy.yaml"
    fw.write_text(yaml.safe_dump(S.FRAMEWORK, allow_unicode=True), encoding="utf-8")
    assert main(["publish", "--ledger", led, "--year", "2023", "-f", str(fw), "-o", str(tmp_path / "o")]) == 2
    assert "the ledger has no accepted figures for 2023" in capsys.readouterr().err
    base = ["publish", "--ledger", led, "--year", "2024", "-f", str(fw), "-o", str(tmp_path / "o"), "--as-of"]
    assert main([*base, "2025-01-09"]) == 2  # the first returns came on 2025-01-10
    assert "the ledger has no accepted figures for 2024 as of 2025-01-09" in capsys.readouterr().err
    assert main([*base, "31/01/2025"]) == 2
    assert "not a date or time: '31/01/2025' (expected YYYY-MM-DD" in capsys.readouterr().err
    assert not (tmp_path / "o" / "editions" / "toy_cycle" / "2023" / "v1").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_fingerprints_on_the_four_district_scenario_mark_every_page_changed(kind, tmp_path):
    """scenario.py: d2's correction widens x_a1's range, so a1 moves for d2, d3, d4 and d1 climbs two places
    with its own figures unchanged: no page stays the same."""
    from evaluation.editions.fingerprint import page_fingerprints
    from evaluation.ledger import figures_from_ledger
    from evaluation.report.store import with_sources
    from indicators import build_index

    led = fresh_ledger(kind, tmp_path)
    with open_ledger(led) as ledger:
        fw = S.load(ledger)
        before = figures_from_ledger(ledger, S.YEAR, as_of="2025-01-31")
        after = figures_from_ledger(ledger, S.YEAR)
    p1 = page_fingerprints(with_sources(build_index(before, fw, S.methodology()), before), S.YEAR)
    p1_again = page_fingerprints(with_sources(build_index(before, fw, S.methodology()), before), S.YEAR)
    p2 = page_fingerprints(with_sources(build_index(after, fw, S.methodology()), after), S.YEAR)
    assert p1 == p1_again and sorted(p1) == ["d1", "d2", "d3", "d4"]
    assert {d for d in p1 if p1[d] != p2[d]} == {"d1", "d2", "d3", "d4"}
    assert page_fingerprints(with_sources(build_index(before, fw, S.methodology()), before), S.YEAR, "en") != p1


@pytest.mark.parametrize("kind", KINDS)
def test_the_ledger_source_scores_exactly_as_the_exported_csv(kind, tmp_path):
    """The synthetic panel's 2024 figures recorded in a ledger: `score --ledger` and `score` of the exported CSV
    write the same result table, byte for byte."""
    import pandas as pd

    from evaluation import paths
    from evaluation.cli import main
    from evaluation.ledger.export import export_csv
    from evaluation.ledger.store import NewSubmission
    from indicators import load_framework

    fw = load_framework(paths.DEFAULT_FRAMEWORK)
    panel = pd.read_csv(paths.SAMPLE_SUBMISSIONS["synthetic_panel"], dtype=str, keep_default_na=False)
    panel = panel[panel["year"] == "2024"]
    led = fresh_ledger(kind, tmp_path)
    with open_ledger(led) as ledger:
        for d, rows in panel.groupby("district"):
            values = [{"figure": r.figure, "text": r.value, "unit": r.unit, "value": float(r.value.rstrip("%"))
                       / (100 if r.value.endswith("%") else 1),
                       "source": r.source} for r in rows.itertuples()]
            record_submission(ledger, NewSubmission(d, 2024, fw.id, fw.version, fw.content_hash, "csv", f"{d}.csv",
                                                    f"sha-{d}", "accepted", values,
                                                    district_name=rows["district_name"].iloc[0],
                                                    peer_group=rows["group"].iloc[0]))
        export_csv(ledger, 2024, tmp_path / "export.csv")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["score", "--ledger", led, "--year", "2024", "-o", str(a)]) == 0
    assert main(["score", str(tmp_path / "export.csv"), "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    table = pd.read_csv(a)
    assert len(table) == 16 and table["rank"].notna().all()
