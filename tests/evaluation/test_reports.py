"""``rolindex report``: district reports batch-run for a year, end to end on the real notebook.

Covers what the batch-engine tests (toy notebooks) do not: the report notebook run by the CLI
(parameters, result cache, sidecars, index page, score table), a district whose notebook raises
(the others carry on, exit code 1, the error in the manifest, the summary and the index page),
resume and ``--force``, equivalence of a batch report with a standalone papermill run that builds
the index itself, kill -9 and resume of the command, a Dask ``LocalCluster`` run, the demo, and
headless Chromium on a report and an index page.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import psutil
import pytest

from evaluation import browser, paths
from evaluation.batch.execute import kernel_env
from evaluation.cli import main
from evaluation.errors import NotebookParameterError, ReportDataError
from evaluation.report import store
from evaluation.report.run import NOTEBOOK, run_reports, write_landing_page
from tests.conftest import ROOT
from tests.evaluation.tiny_report import HOSTILE, write_tiny

LINK = re.compile(r'<a href="([^"]+)">')
#: An uncertainty spec for the tiny framework: normalisation choice and noisy weights.
TINY_SPEC = """inputs:
  - name: 标准化 normalisation
    field: normalise
    options:
      - {method: goalposts, params: {clip: true}}
      - {method: minmax, params: {lower: 1, upper: 100}}
  - name: 权重 weights
    noise: 0.25
    levels: [1, 2]
"""


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def tiny(tmp: Path) -> tuple[Path, Path]:
    """The tiny hand-checked framework and figures (x, y, z in 2024; x, y in 2023); y has a hostile name."""
    tmp.mkdir(parents=True, exist_ok=True)
    return write_tiny(tmp, names={"y": HOSTILE})


def report_args(csv: Path, fw: Path, out: Path, *extra: str) -> list[str]:
    return ["report", "--year", "2024", "--figures", str(csv), "--framework", str(fw), "--out", str(out),
            "--no-progress", *extra]


@pytest.fixture(scope="module")
def tiny_batch(tmp_path_factory):
    """One batch of the tiny example where district z's sidecar cannot be written (a directory is in the way)."""
    tmp = tmp_path_factory.mktemp("tiny")
    csv, fw = tiny(tmp / "data")
    out = tmp / "reports"
    folder = out / "tiny" / "2024"
    (folder / "z.json").mkdir(parents=True)  # the notebook's last cell fails for z
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(report_args(csv, fw, out, "--workers", "2", "--keep-notebooks"))
    return {"csv": csv, "fw": fw, "out": out, "folder": folder, "code": code, "printed": printed.getvalue()}


# ---------------------------------------------------------------------------------------------
# fast: no kernels
# ---------------------------------------------------------------------------------------------
def test_kernels_import_this_checkout():
    env = kernel_env({"PYTHONPATH": os.pathsep.join(["/elsewhere", str(ROOT)])})
    assert env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), "/elsewhere"]
    assert kernel_env({})["PYTHONPATH"] == str(ROOT)


def test_result_cache_round_trip_and_stale_caches_ignored(tmp_path, monkeypatch):
    csv, fw = tiny(tmp_path)
    cache = tmp_path / "cache"
    secret = store.new_cache_key()
    monkeypatch.setenv(store.CACHE_KEY_ENV, secret.hex())
    store.clear_cache()
    built = store.load_result(csv, fw, None)
    path = store.write_result_cache(cache, csv, fw, None, secret)
    assert secret not in path.read_bytes() and secret.hex().encode() not in path.read_bytes()
    store.clear_cache()
    loaded = store.load_result(csv, fw, None, cache_dir=cache)
    assert loaded is not built
    pd.testing.assert_frame_equal(loaded.table(), built.table())
    pd.testing.assert_frame_equal(loaded.contributions, built.contributions)
    assert loaded.provenance == built.provenance  # same build, including its time stamp
    assert loaded.framework.content_hash == built.framework.content_hash
    notes = store.figure_notes(csv)  # the cache carries the file's notes: a kernel does not read it again
    with monkeypatch.context() as m:
        m.setattr(store, "read_figures", lambda *_: pytest.fail("figure_notes re-read the submission"))
        store.clear_cache()
        store.load_result(csv, fw, None, cache_dir=cache)
        pd.testing.assert_frame_equal(store.figure_notes(csv), notes)

    # another methodology: built, not loaded
    store.clear_cache()
    other = store.load_result(csv, fw, store.as_methodology(None).to_dict() | {"name": "other"},
                                    cache_dir=cache)
    assert other.methodology.name == "other"
    # without the batch's key (a standalone papermill run) the cache is not read: built
    store.clear_cache()
    monkeypatch.delenv(store.CACHE_KEY_ENV)
    rebuilt = store.load_result(csv, fw, None, cache_dir=cache)
    assert rebuilt.provenance["created"] >= built.provenance["created"]
    pd.testing.assert_frame_equal(rebuilt.table(), built.table())
    store.clear_cache()


class _Boom:
    """Unpickling this runs code: what a planted cache would do."""

    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_tampered_unsigned_or_torn_result_cache_is_refused_before_unpickling(tmp_path, monkeypatch):
    import pickle

    csv, fw = tiny(tmp_path)
    cache = tmp_path / "cache"
    secret = store.new_cache_key()
    store.clear_cache()
    path = store.write_result_cache(cache, csv, fw, None, secret)
    good = path.read_bytes()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(store.CACHE_KEY_ENV, secret.hex())
    evil = pickle.dumps(_Boom())
    head = len(b"rolindex-signed-cache-v1\n") + 32
    for name, blob in [("unsigned pickle", evil), ("tampered body", good[:head] + evil),
                       ("torn", good[:100]), ("signed with another key", None)]:
        if blob is None:
            store.write_result_cache(cache, csv, fw, None, store.new_cache_key())
        else:
            path.write_bytes(blob)
        store.clear_cache()
        with pytest.raises(ReportDataError, match=r"^结果缓存 .* 未签名或已被改动，拒绝加载 / result cache .*"
                           r"unsigned or has been altered .* refused, nothing loaded"):
            store.load_result(csv, fw, None, cache_dir=cache)
        assert not (tmp_path / "PWNED").exists(), name
    path.write_bytes(good)
    store.clear_cache()
    assert store.load_result(csv, fw, None, cache_dir=cache).table()["index"].notna().any()
    store.clear_cache()


def test_bad_districts_and_parameters_fail_before_anything_runs(tmp_path, capsys):
    csv, fw = tiny(tmp_path)
    out = tmp_path / "reports"
    assert main(report_args(csv, fw, out, "--districts", "x", "q")) == 2
    err = capsys.readouterr().err
    assert "no figures for 2024 for district(s) 'q'" in err and "districts that year: y, x, z" in err
    assert main(["report", "--year", "1999", "--figures", str(csv), "--framework", str(fw), "--out", str(out)]) == 2
    assert "year 1999 is not in the result; years: 2023, 2024" in capsys.readouterr().err
    with pytest.raises(ReportDataError, match="lang must be one of"):
        run_reports(2024, csv, fw, lang="fr", out=out)

    # a template with one more required parameter and without 'lang': refused with both names
    nb = nbformat.read(NOTEBOOK, as_version=4)
    first = nb.cells[0]
    first.source = first.source.replace('lang = "zh"', 'audience = None  # required: who reads it')
    template = tmp_path / "template.ipynb"
    nbformat.write(nb, template)
    with pytest.raises(NotebookParameterError) as info:
        run_reports(2024, csv, fw, out=out, notebook=template)
    assert info.value.unknown == ["lang"] and info.value.missing == ["audience"]
    assert not out.exists()  # nothing built, nothing written


def test_uncertainty_analysis_prepared_once_and_checked_against_the_result(tmp_path):
    from evaluation.report import uncertainty as ru

    csv, fw = tiny(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    meth = store.as_methodology(None)
    folder = ru.prepare(spec, csv, fw, meth, tmp_path / "out" / "tiny", replications=8)
    assert folder.parent == tmp_path / "out" / "tiny" / "uncertainty"
    stamp = (folder / "ranks.npz").stat().st_mtime_ns
    assert ru.prepare(spec, csv, fw, meth, tmp_path / "out" / "tiny", replications=8) == folder  # reused
    assert (folder / "ranks.npz").stat().st_mtime_ns == stamp
    assert ru.prepare(folder, csv, fw, meth, tmp_path / "elsewhere") == folder  # a saved folder as given
    assert {p.name for p in ru.input_files(folder)} >= {"uncertainty.yaml", "assumptions.csv", "ranks.npz"}

    store.clear_cache()
    result = store.load_result(csv, fw, meth)
    ru.check_matches(folder, result, 2024, ["x", "y", "z"])
    other = store.load_result(csv, fw, meth.to_dict() | {"name": "other", "normalise": {"method": "minmax"}})
    with pytest.raises(ReportDataError, match="made for other data or another methodology"):
        ru.check_matches(folder, other, 2024, ["x", "y", "z"])
    with pytest.raises(ReportDataError, match="is neither a saved analysis folder"):
        ru.prepare(tmp_path / "nope", csv, fw, meth, tmp_path)
    assert ru.district_html(None, result, "x", 2024) == "" and ru.year_html(None, result, 2024) == ""
    section = ru.district_html(folder, result, "y", 2024, "en")
    assert section.startswith("<h2>Rank robustness</h2>") and "replications varying" in section
    page = ru.year_html(folder, result, 2024, "zh")
    assert page.count("<img ") == 2 and "<script" not in page and "敏感性分析" in page
    store.clear_cache()


def test_charts_of_many_reports_do_not_accumulate(tmp_path):
    """A warm kernel draws thousands of charts: none may outlive its report (cached layers aside)."""
    import gc

    from matplotlib.figure import Figure

    from evaluation.report import cells as rc
    from evaluation.report import charts

    csv, fw = tiny(tmp_path)

    def figures_alive() -> int:
        gc.collect()
        return sum(isinstance(o, Figure) for o in gc.get_objects())

    def one(district: str) -> None:
        ctx = rc.open_report(district, 2024, csv, fw)
        for name in ("dimension_chart", "trend_chart", "contribution_chart"):
            getattr(rc, name)(ctx)

    for d in ("x", "y", "z"):  # each chart layout once: the figures reused per layout (charts._FIGURES)
        one(d)
    before = figures_alive()
    for _ in range(5):
        for d in ("x", "y", "z"):
            one(d)
    assert figures_alive() == before
    assert len(charts._FIGURES) <= charts._FIGURES_MAX  # the reused figures are bounded too
    store.clear_cache()
    charts.clear_cache()


def test_landing_page_escapes_and_links_relatively(tmp_path):
    from evaluation.report.run import ReportsOutcome

    folder = tmp_path / "reports" / "tiny" / "2024"
    fake = ReportsOutcome("tiny", 2024, folder, folder / "index.html", folder / "scores.csv",
                          folder / "manifest.json", batch=None, districts=["x"],  # type: ignore[arg-type]
                          reports={"x": folder / "x.html"}, failed={"z": {}})
    page = write_landing_page([("<b>set</b>", [fake])], tmp_path / "reports" / "index.html")
    text = page.read_text(encoding="utf-8")
    assert "&lt;b&gt;set&lt;/b&gt;" in text and "<b>set" not in text
    assert 'href="tiny/2024/index.html"' in text and "1 个失败 / 1 failed" in text



def test_landing_page_links_every_year_folder_made_with_figures(tmp_path):
    from evaluation.report.run import ReportsOutcome

    reports = tmp_path / "reports"
    sample = reports / "synthetic_panel" / "district_rol" / "2024"
    made = {  # year folders from `rolindex report --figures …` (with and without a data-set folder)
        reports / "mine" / "district_rol" / "2023": ["a.html", "b.html"],
        reports / "mine" / "district_rol" / "2021": ["a.html"],
        reports / "district_rol" / "2024": ["c.html"],
        sample: ["x.html"],
        reports / "mine" / "district_rol" / "latest": ["a.html"],  # not a year folder
        reports / ".rolindex" / "cache" / "2024": ["a.html"],  # hidden
        reports / "mine" / "district_rol" / "2022": [],  # no index page
    }
    for folder, pages in made.items():
        folder.mkdir(parents=True)
        for name in pages:
            (folder / name).write_text("<html></html>", encoding="utf-8")
        if pages:
            (folder / "index.html").write_text("<html></html>", encoding="utf-8")
    fake = ReportsOutcome("district_rol", 2024, sample, sample / "index.html", sample / "scores.csv",
                          sample / "manifest.json", batch=None, districts=["x"],  # type: ignore[arg-type]
                          reports={"x": sample / "x.html"})
    text = write_landing_page([("合成数据 / synthetic", [fake])], reports / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+/index\.html)"', text)
    assert hrefs == ["synthetic_panel/district_rol/2024/index.html",  # the sample, once, under its heading
                     "district_rol/2024/index.html",
                     "mine/district_rol/2021/index.html", "mine/district_rol/2023/index.html"]
    assert "<h2>mine / district_rol</h2>" in text and "<h2>district_rol</h2>" in text
    mine = text[text.index("<h2>mine / district_rol</h2>"):]
    assert ">2023</a> — 2 份报告 / 2 reports" in mine and ">2021</a> — 1 份报告 / 1 reports" in mine


# ---------------------------------------------------------------------------------------------
# batches on the real notebook
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_report_batch_outputs_failure_resume_and_force(tiny_batch, capsys):
    folder, out = tiny_batch["folder"], tiny_batch["out"]
    assert tiny_batch["code"] == 1  # z failed, the batch went on
    printed = tiny_batch["printed"]
    assert "tiny 2024: 2 made, 0 unchanged (skipped), 1 failed of 3" in printed
    assert re.search(r"FAILED z: cell \d+: IsADirectoryError: ", printed)

    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["_fonts", "index.html", "manifest.json", "manifest.jsonl", "scores.csv", "x.html", "x.ipynb",
                     "x.json", "y.html", "y.ipynb", "y.json", "z.failed.ipynb", "z.json"]
    tasks = manifest(folder)["tasks"]
    assert {d: t["status"] for d, t in tasks.items()} == {"x": "ok", "y": "ok", "z": "failed"}
    error = tasks["z"]["error"]
    failed_nb = nbformat.read(folder / "z.failed.ipynb", as_version=4)
    raised = [c for c in failed_nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert [c.source.split("(")[0] for c in raised] == ["sidecar = rc.write_sidecar"]
    banners = [c for c in failed_nb.cells if "papermill-error-cell-tag" in c.metadata.get("tags", [])]
    assert [c for c in failed_nb.cells if c not in banners].index(raised[0]) == error["cell_index"]
    assert error["ename"] == "IsADirectoryError" and "z.json" in error["evalue"]
    params = tasks["x"]["parameters"]
    assert params["methodology"]["name"] == "baseline" and params["lang"] == "zh" and params["year"] == 2024
    # parameters are content-addressed snapshots relative to the year folder (the kernels' cwd)
    csv_sha = hashlib.sha256(tiny_batch["csv"].read_bytes()).hexdigest()
    assert params["figures"] == f".rolindex/inputs/{csv_sha}/tiny.csv" and params["output_dir"] == "."
    assert (folder / params["figures"]).read_bytes() == tiny_batch["csv"].read_bytes()

    # the sidecar and the score table hold the hand-computed numbers
    assert json.loads((folder / "x.json").read_text(encoding="utf-8"))["index"] == pytest.approx(72)
    scores = pd.read_csv(folder / "scores.csv")
    assert list(scores["district"]) == ["y", "x", "z"] and list(scores["rank"]) == [1, 2, 3]
    assert scores["index"].tolist() == pytest.approx([75, 72, 22])

    index = (folder / "index.html").read_text(encoding="utf-8")
    assert sorted(LINK.findall(index)) == ["x.html", "y.html"]  # no 2023 page to link to
    assert "报告生成失败 / report failed" in index and "IsADirectoryError" in index
    assert HOSTILE not in index and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in index
    page = (folder / "y.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)" in page

    # fix the cause and rerun: only z runs
    (folder / "z.json").rmdir()
    assert main(report_args(tiny_batch["csv"], tiny_batch["fw"], out, "--workers", "0", "--keep-notebooks")) == 0
    assert "tiny 2024: 1 made, 2 unchanged (skipped), 0 failed of 3" in capsys.readouterr().out
    assert not (folder / "z.failed.ipynb").exists()
    assert sorted(LINK.findall((folder / "index.html").read_text(encoding="utf-8"))) == ["x.html", "y.html", "z.html"]
    # without --keep-notebooks the requested outputs differ: everything is redone; --force redoes all too
    stamp = (folder / "x.html").stat().st_mtime_ns
    assert main(report_args(tiny_batch["csv"], tiny_batch["fw"], out, "--workers", "0", "--force",
                            "--keep-notebooks")) == 0
    assert "tiny 2024: 3 made, 0 unchanged" in capsys.readouterr().out
    assert (folder / "x.html").stat().st_mtime_ns != stamp
    assert [p.name for p in folder.rglob("*.tmp")] == []


@pytest.mark.slow
def test_batch_report_equals_a_standalone_papermill_run(tiny_batch, tmp_path, monkeypatch):
    """The warm kernel loaded the parent's cached result; papermill alone builds the index itself."""
    folder = tiny_batch["folder"]
    batch_nb = nbformat.read(folder / "x.ipynb", as_version=4)
    params = manifest(folder)["tasks"]["x"]["parameters"]
    shutil.rmtree(folder / ".rolindex" / "results")  # no cache: the standalone kernel builds
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    alone = papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "x.ipynb"), parameters=params,
                                       progress_bar=False, cwd=str(folder), kernel_name="python3")

    def outputs(nb):
        return [[{k: v for k, v in o.items() if k != "execution_count"} for o in c.get("outputs", [])]
                for c in nb.cells if c.cell_type == "code"]

    assert outputs(batch_nb) == outputs(alone)  # every table, text and chart PNG byte for byte
    assert [c.source for c in batch_nb.cells] == [c.source for c in alone.cells]
    assert batch_nb.metadata.papermill.parameters == alone.metadata.papermill.parameters


@pytest.mark.slow
def test_long_ids_one_data_version_per_batch_and_a_copied_folder_resumes(tmp_path, monkeypatch, capsys):
    """300-character ids sharing a prefix; the figures file rewritten while the batch runs; the folder copied."""
    from evaluation.report import run as report_run

    csv, fw = tiny(tmp_path / "data")
    long_x, long_y = "静安" * 150, "静安" * 150 + "区"
    original = "\n".join(long_x + line[1:] if line.startswith("x,") else long_y + line[1:] if line.startswith("y,")
                         else line for line in csv.read_text(encoding="utf-8").split("\n"))
    csv.write_text(original, encoding="utf-8")
    changed = original.replace(",2024,sat,95%,", ",2024,sat,81%,")  # x 2024: B 75 -> 5, index 72 -> 44
    assert changed != original
    real_run_batch = report_run.run_batch

    def run_batch_after_the_file_changed(*args, **kwargs):
        csv.write_text(changed, encoding="utf-8")  # someone saves the figures mid-run
        return real_run_batch(*args, **kwargs)

    monkeypatch.setattr(report_run, "run_batch", run_batch_after_the_file_changed)
    out = tmp_path / "reports"
    [outcome] = run_reports(2024, csv, fw, out=out, workers=0, progress=False)
    monkeypatch.setattr(report_run, "run_batch", real_run_batch)
    assert outcome.exit_code == 0 and outcome.inputs_changed == [csv]
    assert (f"changed while the batch ran (sha256 {hashlib.sha256(original.encode()).hexdigest()} → "
            f"{hashlib.sha256(changed.encode()).hexdigest()}); every report and the index page show the snapshot "
            "taken at the start") in outcome.summary()
    folder = outcome.folder
    # every page has the numbers of the file as it was at the start: x 72 (rank 2), never 44
    scores = pd.read_csv(folder / "scores.csv").set_index("district")
    assert scores.loc[long_x, "index"] == pytest.approx(72) and scores.loc[long_x, "rank"] == 2
    sidecars = {json.loads(p.read_text(encoding="utf-8"))["district"]: json.loads(p.read_text(encoding="utf-8"))
                for p in folder.glob("*.json") if p.name != "manifest.json"}
    assert sidecars[long_x]["index"] == pytest.approx(72) and sidecars[long_x]["rank"] == 2
    assert sidecars[long_y]["index"] == pytest.approx(75)
    # bounded, distinct file names; the full ids on the index page and in the manifest
    names = {p.name for p in folder.glob("*.html")} - {"index.html"}
    assert len(names) == 3 and all(len(n.encode("utf-8")) <= 105 for n in names)
    assert set(manifest(folder)["tasks"]) == {long_x, long_y, "z"}
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert long_x in index and long_y in index
    assert sorted(LINK.findall(index)) == sorted(names)

    # the folder copied elsewhere (and the file restored): content-keyed, nothing is redone
    csv.write_text(original, encoding="utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    [again] = run_reports(2024, csv, fw, out=copy, workers=0, progress=False)
    assert [t.status for t in again.batch.tasks] == ["skipped"] * 3 and not again.inputs_changed
    # the changed file is a new snapshot: every report is redone with it
    csv.write_text(changed, encoding="utf-8")
    [redone] = run_reports(2024, csv, fw, out=copy, workers=0, progress=False)
    assert [t.status for t in redone.batch.tasks] == ["ok"] * 3
    assert pd.read_csv(redone.scores).set_index("district").loc[long_x, "index"] == pytest.approx(44)
    assert len(list((redone.folder / ".rolindex" / "inputs").iterdir())) == 2  # figures + framework


KILL_SCRIPT = """
import sys
from evaluation.cli import main
if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_report_command_killed_mid_batch_resumes(tmp_path):
    """kill -9 of ``rolindex report`` mid-way: nothing written is lost or half-written; a rerun completes."""
    out = tmp_path / "reports"
    folder = out / "district_rol" / "2024"
    script = tmp_path / "run.py"
    script.write_text(KILL_SCRIPT)
    args = ["report", "--year", "2024", "--figures", "synthetic_panel", "--out", str(out), "--workers", "2",
            "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), *args], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(list(folder.glob("sample_*.html"))) < 3:
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no reports appeared"
            time.sleep(0.05)
        family = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    _, alive = psutil.wait_procs(family, timeout=20)
    assert alive == [], f"processes outlived the killed batch: {alive}"

    done = {p.stem for p in folder.glob("sample_*.html")}
    assert 3 <= len(done) < 16 and not (folder / "index.html").exists()
    for html in folder.glob("*.html"):  # whole files only
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    stamps = {d: (folder / f"{d}.html").stat().st_mtime_ns for d in done}

    rerun = subprocess.run([sys.executable, str(script), *args], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    recorded = {d for d, t in manifest(folder)["tasks"].items() if t["status"] == "skipped"}
    assert recorded <= done and len(recorded) >= len(done) - 2  # at most the reports in flight are redone
    assert all((folder / f"{d}.html").stat().st_mtime_ns == stamps[d] for d in recorded)
    assert sorted(p.stem for p in folder.glob("sample_*.html")) == [f"sample_{i:02d}" for i in range(1, 17)]
    assert len(set(LINK.findall((folder / "index.html").read_text(encoding="utf-8")))) == 16
    assert [p.name for p in folder.rglob("*.tmp")] == []


@pytest.mark.slow
def test_report_batch_on_a_dask_local_cluster(tmp_path):
    from distributed import Client, LocalCluster

    csv, fw = tiny(tmp_path / "data")
    spec = tmp_path / "data" / "spec.yaml"
    spec.write_text(TINY_SPEC, encoding="utf-8")
    out = tmp_path / "reports"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                      host="127.0.0.1") as cluster, Client(cluster):
        outcomes = run_reports([2023, 2024], csv, fw, out=out, scheduler=cluster.scheduler_address,
                               progress=False, uncertainty=spec, replications=8)
    assert [(o.year, sorted(o.reports), o.exit_code, o.batch.workers) for o in outcomes] == [
        (2023, ["x", "y"], 0, "dask"), (2024, ["x", "y", "z"], 0, "dask")]
    workers = {t.record["worker"] for o in outcomes for t in o.batch.tasks}
    assert all(str(os.getpid()) != w.rsplit(":", 1)[1] for w in workers)
    index = (out / "tiny" / "2023" / "index.html").read_text(encoding="utf-8")
    assert "../2024/index.html" in index
    # the uncertainty analysis: on the index page (interval chart, Sobol indices) and in each report
    assert "不确定性与敏感性分析 / Uncertainty and sensitivity" in index and index.count("<img ") >= 3
    report = (out / "tiny" / "2024" / "x.html").read_text(encoding="utf-8")
    assert "排名的稳健性 / Rank robustness" in report and "次模拟" in report and report.count("<img ") == 5
    params = json.loads((out / "tiny" / "2024" / "manifest.json").read_text(encoding="utf-8"))["tasks"]["x"]
    # parameters are relative to the year folder (the kernels' working folder), so a copied folder resumes
    year_folder = out / "tiny" / "2024"
    shown = (year_folder / params["parameters"]["uncertainty"]).resolve()
    assert shown.parent == (out / "tiny" / "uncertainty").resolve()
    assert any(p.endswith("ranks.npz") for p in params["inputs"])


@pytest.mark.slow
def test_demo_makes_every_sample_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    assert main(["demo"]) == 0
    printed = capsys.readouterr().out
    landing = tmp_path / "reports" / "index.html"
    assert f"{landing}   (every data set and year)" in printed
    assert str(tmp_path / "reports" / "synthetic_panel" / "district_rol" / "2024" / "index.html") in printed
    hrefs = LINK.findall(landing.read_text(encoding="utf-8"))
    assert hrefs == [f"seed_districts/district_rol/{y}/index.html" for y in (2020, 2024)] + [
        f"synthetic_panel/district_rol/{y}/index.html" for y in range(2019, 2025)] + [
        "judicial_office_std/scores_synthetic_offices.rollup/2024/index.html"]  # the office roll-up's pages
    counts = {h: len(list((landing.parent / h).parent.glob("*.html"))) - 1 for h in hrefs}
    assert list(counts.values()) == [2, 1] + [16] * 6 + [16]  # every district of every year has its report
    # the second framework: office scores and their district roll-up, 16 districts x 2021-2024
    rolled = pd.read_csv(tmp_path / "reports" / "judicial_office_std" / "scores_synthetic_offices.rollup.csv")
    assert len(rolled) == 64 and rolled["district"].nunique() == 16
    assert "区级汇总 / district roll-up" in printed


# ---------------------------------------------------------------------------------------------
# headless Chromium
# ---------------------------------------------------------------------------------------------
def chromium_or_skip() -> str:
    path = browser.find_chromium()
    if path is None:
        reason = "no chromium on PATH (Debian: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it (.ci/run installs it)")
        pytest.skip(reason)
    return path


@pytest.mark.slow
def test_report_and_index_page_in_headless_chromium(tiny_batch):
    chromium = chromium_or_skip()
    root = tiny_batch["out"] / "tiny"

    report = browser.check_page(root, "2024/y.html", chromium=chromium)
    assert report.problems() == [] and report.console == []
    assert report.result["lang"] == "zh-CN"
    assert report.result["title"].startswith(f"{HOSTILE} 2024年法治建设评估报告")  # shown as text, not run
    assert report.result["cjk_chars"] > 200 and "法治" in report.result["cjk_sample"]
    assert len(report.images) == 4 and report.result["scripts_external"] == 0
    assert all(i["width"] >= 300 and i["height"] >= 50 and not i["external"] for i in report.images), report.images

    index = browser.check_page(root, "2024/index.html", chromium=chromium)
    assert index.problems() == []  # every link answers, images have a size, Chinese text, no console output
    assert {"x.html", "y.html"} <= set(index.links)
    assert len(index.images) == 2 and all(i["width"] >= 300 and i["height"] >= 50 for i in index.images)
    ascending = [float(v) for v in index.result["sort"]["ascending"]]
    assert ascending == sorted(ascending) and index.result["sort"]["descending"] == index.result["sort"][
        "ascending"][::-1]
    assert index.result["title"].startswith("小指数 2024年评估结果")


@pytest.mark.slow
def test_chromium_check_catches_errors(tmp_path):
    chromium = chromium_or_skip()
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><body><p>no Chinese</p><img src="missing.png" alt="gone">'
        '<a href="nowhere.html">x</a><script>undefinedFunction();</script></body></html>', encoding="utf-8")
    check = browser.check_page(tmp_path, "bad.html", chromium=chromium)
    problems = "\n".join(check.problems())
    assert "Uncaught ReferenceError: undefinedFunction is not defined" in problems
    assert "404 GET /missing.png" in problems and "image 0 ('gone') has no size" in problems
    assert "link 'nowhere.html' answered 404" in problems and "no Chinese text" in problems
