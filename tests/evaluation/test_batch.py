"""Tests of :mod:`evaluation.batch.engine`: validation, manifest, failures, resume, kill -9, Dask."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from evaluation.batch.engine import JOURNAL, MANIFEST, STATE_DIR, Task, _Manifest, run_batch
from evaluation.batch.execute import ipc_socket_root
from evaluation.errors import BatchLockedError, NotebookRunError, TaskError
from evaluation.fileio import MAX_STEM_BYTES, file_stem

from .conftest import notebook, printed_connection

ROOT = Path(__file__).resolve().parents[2]


def trivial_tasks(out: Path, n: int, **params) -> list[Task]:
    return [Task.for_report(f"D{i}", notebook("trivial"), out, {"district": f"D{i}", **params})
            for i in range(n)]


def kernel_pid(path: Path) -> str:
    return re.search(r"kernel_pid=(\d+)", path.read_text(encoding="utf-8")).group(1)


def manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def leftover_temps(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def assert_complete_outputs(out: Path) -> None:
    """Every report under a final name is whole: HTML closes, the notebook parses."""
    for html in out.glob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>"), html
    for ipynb in out.glob("*.ipynb"):
        nbformat.validate(nbformat.read(ipynb, 4))


# ---------------------------------------------------------------------------------------------
# no kernels needed


def test_task_list_problems_are_reported_together(tmp_path):
    data = tmp_path / "figures.csv"
    tasks = [
        *trivial_tasks(tmp_path, 2),
        Task.for_report("D1", notebook("trivial"), tmp_path / "x", {"district": "D1"}),
        Task("D9", notebook("trivial"), {"district": "D9"}),
        Task.for_report("N1", tmp_path / "missing.ipynb", tmp_path),
        Task.for_report("I1", notebook("trivial"), tmp_path / "i", {"district": "1"},
                        inputs=(data,)),
        Task.for_report("J1", notebook("trivial"), tmp_path / "j", {"district": {1, 2}}),
        *[Task.for_report(f"T{i}", notebook("trivial"), tmp_path / "t",
                          {"district": str(i), "yeer": 1}) for i in range(7)],
        Task("C1", notebook("trivial"), {"district": "c"}, out_html=tmp_path / "D0.html"),
    ]
    with pytest.raises(TaskError) as info:
        run_batch(tasks, progress=False)
    problems = info.value.problems
    expected = [
        "task 'D1': duplicate task id",
        "task 'D9': no output requested",
        "task 'N1': notebook '{}' does not exist".format(tmp_path / "missing.ipynb"),
        f"task 'I1': declared input '{data}' does not exist",
        "task 'J1': parameters are not JSON-serialisable",
        "tasks 'T0', 'T1', 'T2', 'T3', 'T4' and 2 more: parameters do not match notebook",
        "task 'C1': output '{}' also written by task 'D0'".format(tmp_path / "D0.html"),
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected)
    assert "unknown parameter 'yeer'; did you mean 'year'?" in str(info.value)
    assert not (tmp_path / MANIFEST).exists()  # nothing ran, nothing recorded


def test_second_batch_on_the_same_folder_is_refused(tmp_path):
    state = tmp_path / STATE_DIR
    state.mkdir()
    with open(state / "lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BatchLockedError, match="another batch holds"):
            run_batch(trivial_tasks(tmp_path, 1), progress=False)


def test_manifest_rebuilt_from_snapshot_and_journal_with_torn_line(tmp_path):
    snapshot = {"format": "rolindex-batch-manifest", "version": 1,
                "tasks": {"A": {"task_id": "A", "status": "ok"},
                          "B": {"task_id": "B", "status": "failed"}}}
    (tmp_path / MANIFEST).write_text(json.dumps(snapshot))
    (tmp_path / JOURNAL).write_bytes(
        b'{"task_id": "B", "status": "ok"}\n{"task_id": "C", "status": "ok"}\n{"task_id": "D", "st'
    )
    m = _Manifest(tmp_path)
    assert {k: r["status"] for k, r in m.records.items()} == {"A": "ok", "B": "ok", "C": "ok"}
    assert any("torn or wrong-shaped line 3" in w for w in m.warnings)
    m.open()
    m.append([{"task_id": "E", "status": "ok"}])  # must not be glued to the torn line
    m.close()
    again = _Manifest(tmp_path)
    assert sorted(again.records) == ["A", "B", "C", "E"] and not again.warnings
    # compacted to one line per task: the journal alone holds the whole state
    lines = [json.loads(line) for line in (tmp_path / JOURNAL).read_text(encoding="utf-8").splitlines()]
    assert [r["task_id"] for r in lines] == ["A", "B", "C", "E"]
    assert manifest(tmp_path)["counts"] == {"ok": 4}


@pytest.mark.parametrize("bad", [b"[]", b'"text"', b"42", b"null", b'{"format": "rolindex-batch-manifest", '
                                 b'"tasks": []}', b"\xff\xfe{", b'{"format": "other", "tasks": {}}'])
def test_wrong_shaped_manifest_is_rebuilt_from_the_journal_with_a_warning(tmp_path, bad):
    m = _Manifest(tmp_path)
    m.open()
    m.append([{"task_id": "A", "status": "ok"}, {"task_id": "B", "status": "failed"}])
    m.close()
    (tmp_path / MANIFEST).write_bytes(bad)
    again = _Manifest(tmp_path)
    assert {k: r["status"] for k, r in again.records.items()} == {"A": "ok", "B": "failed"}
    [warning] = again.warnings
    assert warning.startswith("清单 ") and "state rebuilt from the journal and the files" in warning


def test_wrong_shaped_records_are_dropped_one_by_one(tmp_path):
    doc = {"format": "rolindex-batch-manifest", "tasks": {
        "A": {"task_id": "A", "status": "ok"}, "B": [1], "C": {"task_id": "C", "status": "weird"},
        "D": {"task_id": "X", "status": "ok"}, "E": {"task_id": "E", "status": "ok", "outputs": [1]}}}
    (tmp_path / MANIFEST).write_text(json.dumps(doc))
    (tmp_path / JOURNAL).write_text('[]\n{"task_id": 5, "status": "ok"}\n{"task_id": "F", "status": "ok"}\n')
    m = _Manifest(tmp_path)
    assert sorted(m.records) == ["A", "F"]
    assert "4 wrong-shaped task record(s), e.g. 'B'" in m.warnings[0]
    assert [w.split(" / ")[1] for w in m.warnings[1:]] == [
        f"ignored torn or wrong-shaped line {n} of {tmp_path / JOURNAL}" for n in (1, 2)]


def test_output_file_stems_are_bounded_and_collision_free():
    long_a, long_b = "区" * 300, "区" * 300 + "b"
    stems = {file_stem(i) for i in (long_a, long_b, "区" * 299 + "c")}
    assert len(stems) == 3
    for stem in stems:
        assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
        assert stem.startswith("区" * 29)  # 87 bytes of prefix = 29 whole characters, never half of one
    assert file_stem(long_a).endswith("~" + hashlib.sha256(long_a.encode()).hexdigest()[:12])
    assert file_stem("sample_01") == "sample_01" and file_stem("x" * 100) == "x" * 100
    assert file_stem("x" * 101) == "x" * 87 + "~" + hashlib.sha256(b"x" * 101).hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# batches


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["warm", "isolated"])
def test_failing_tasks_do_not_stop_the_batch(tmp_path, mode, capsys):
    nb = notebook("failing")
    tasks = [Task.for_report(f"D{i}", nb, tmp_path,
                             {"district": f"D{i}", "fail_on": "D1", "crash_on": "D3"})
             for i in range(5)]
    outcome = run_batch(tasks, workers=2, mode=mode, progress=True)
    assert [t.status for t in outcome.tasks] == ["ok", "failed", "ok", "failed", "ok"]
    assert outcome.exit_code == 1
    assert "ok=3" in capsys.readouterr().err  # the progress bar counts on stderr

    bad, dead = outcome.failed
    assert isinstance(bad.error, NotebookRunError)
    assert (bad.error.cell_index, bad.error.ename, bad.error.evalue) == (
        3, "ValueError", "bad district D1")
    assert (dead.error.cell_index, dead.error.ename) == (3, "DeadKernelError")
    record = manifest(tmp_path)["tasks"]["D1"]
    assert record["status"] == "failed" and record["parameters"]["district"] == "D1"
    assert {k: record["error"][k] for k in ("cell_index", "ename", "evalue")} == {
        "cell_index": 3, "ename": "ValueError", "evalue": "bad district D1"}
    assert record["failed_notebook"] == "D1.failed.ipynb"
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == ["D0.html", "D0.ipynb", "D1.failed.ipynb", "D2.html", "D2.ipynb",
                     *(["D3.failed.ipynb"] if mode == "warm" else []),  # papermill: no notebook
                     "D4.html", "D4.ipynb", MANIFEST, JOURNAL]
    for t in outcome.ok:
        assert t.record["mode"] == mode and t.record["input_hash"].startswith("sha256:")
        assert t.record["outputs"]["html"]["bytes"] == (tmp_path / f"{t.task_id}.html").stat(
        ).st_size


@pytest.mark.slow
@pytest.mark.skipif(ipc_socket_root() is None, reason="kernels use TCP here (no IPC transport)")
@pytest.mark.parametrize("mode", ["warm", "isolated"])
def test_four_workers_start_kernels_at_once_over_private_ipc_sockets(tmp_path, mode):
    tasks = [Task.for_report(f"D{i}", notebook("connection"), tmp_path, {"district": f"D{i}"})
             for i in range(4)]
    outcome = run_batch(tasks, workers=4, mode=mode, progress=False)
    assert [t.status for t in outcome.tasks] == ["ok"] * 4, [t.record.get("error") for t in outcome.tasks]
    seen = [printed_connection(nbformat.read(tmp_path / f"D{i}.ipynb", 4)) for i in range(4)]
    assert [s["district"] for s in seen] == ["D0", "D1", "D2", "D3"]
    assert {s["transport"] for s in seen} == {"ipc"}
    folders = {Path(s["ip"]).parent for s in seen}
    assert all(Path(s["connection_file"]).parent in folders for s in seen)
    # one folder per kernel: isolated starts a kernel per task, warm one per worker process
    assert len(folders) == len({s["kernel_pid"] for s in seen})
    if mode == "isolated":
        assert len(folders) == 4
    assert [f for f in folders if f.exists()] == []  # removed with their kernels


@pytest.mark.slow
def test_resume_skips_unchanged_redoes_changed_and_force_redoes_all(tmp_path):
    data = tmp_path / "data" / "figures.csv"
    data.parent.mkdir()
    data.write_text("a,b\n1,2\n")
    out = tmp_path / "reports"
    tasks = trivial_tasks(out, 4)
    tasks[2] = Task.for_report("D2", notebook("trivial"), out, {"district": "D2"},
                               inputs=(data,))

    first = run_batch(tasks, workers=2, progress=False)  # local pool of warm kernels
    assert [t.status for t in first.tasks] == ["ok"] * 4
    pids = {kernel_pid(out / f"D{i}.html") for i in range(4)}
    assert len(pids) <= 2  # each worker process reused its kernel
    stamp = {p.name: p.stat().st_mtime_ns for p in out.glob("D*")}

    second = run_batch(tasks, workers=0, progress=False)
    assert [t.status for t in second.tasks] == ["skipped"] * 4
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("D*")} == stamp
    assert manifest(out)["tasks"]["D0"]["status"] == "skipped"

    tasks[1] = Task.for_report("D1", notebook("trivial"), out, {"district": "D1", "year": 2026})
    data.write_text("a,b\n1,3\n")  # D2's declared input changed
    (out / "D3.html").unlink()  # D3's output is gone
    third = run_batch(tasks, workers=0, progress=False)
    assert [t.status for t in third.tasks] == ["skipped", "ok", "ok", "ok"]
    assert "year=2026" in (out / "D1.html").read_text(encoding="utf-8")
    assert (out / "D0.html").stat().st_mtime_ns == stamp["D0.html"]

    forced = run_batch(tasks, workers=0, force=True, progress=False)
    assert [t.status for t in forced.tasks] == ["ok"] * 4
    assert (out / "D0.html").stat().st_mtime_ns != stamp["D0.html"]
    assert leftover_temps(out) == []


@pytest.mark.slow
def test_resume_verifies_output_content_and_follows_a_copied_folder(tmp_path):
    out = tmp_path / "reports"
    first = run_batch(trivial_tasks(out, 3), workers=0, progress=False)
    assert [t.status for t in first.tasks] == ["ok"] * 3
    recorded = manifest(out)["tasks"]["D1"]["outputs"]["html"]
    assert recorded["sha256"] == hashlib.sha256((out / "D1.html").read_bytes()).hexdigest()

    # D1 edited in place at the same size (and the same mtime): content hash differs, so redone
    html = out / "D1.html"
    text, st = html.read_text(encoding="utf-8"), html.stat()
    edited = text.replace("district=D1", "district=X1")
    assert edited != text and len(edited) == len(text)
    html.write_text(edited, encoding="utf-8")
    os.utime(html, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = run_batch(trivial_tasks(out, 3), workers=0, progress=False)
    assert [t.status for t in again.tasks] == ["skipped", "ok", "skipped"]
    assert "district=D1" in html.read_text(encoding="utf-8")

    # the whole folder copied elsewhere: content unchanged, nothing redone
    import shutil

    copy = tmp_path / "elsewhere" / "reports"
    shutil.copytree(out, copy)
    moved = run_batch(trivial_tasks(copy, 3), workers=0, progress=False)
    assert [t.status for t in moved.tasks] == ["skipped"] * 3


KILL_SCRIPT = """
import sys
from evaluation.batch.engine import Task, run_batch

if __name__ == "__main__":
    nb, out = sys.argv[1], sys.argv[2]
    tasks = [Task.for_report(f"D{i}", nb, out, {"district": f"D{i}", "sleep_s": 0.3})
             for i in range(8)]
    run_batch(tasks, workers=2, progress=False)
"""


@pytest.mark.slow
def test_sigkill_mid_batch_then_rerun(tmp_path):
    out = tmp_path / "reports"
    script = tmp_path / "run.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, str(script), str(notebook("trivial")), str(out)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while len(list(out.glob("D*.html"))) < 2:
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no outputs appeared"
            time.sleep(0.05)
        family = psutil.Process(proc.pid).children(recursive=True)
        socket_dirs = {Path(cmd[cmd.index("-f") + 1]).parent for cmd in (p.cmdline() for p in family)
                       if any("ipykernel_launcher" in part for part in cmd)}
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    # workers notice their parent is gone and exit; their kernels follow
    _, alive = psutil.wait_procs(family, timeout=20)
    assert alive == [], f"processes outlived the killed batch: {alive}"
    if ipc_socket_root() is not None:  # the orphaned workers removed their kernels' socket folders
        assert socket_dirs and all(d.name.startswith("rk-") for d in socket_dirs)
        assert [d for d in socket_dirs if d.exists()] == []

    assert_complete_outputs(out)  # nothing half-written under a final name
    journal = [json.loads(line) for line in (out / JOURNAL).read_text().splitlines()
               if line.strip()]
    recorded = {r["task_id"] for r in journal if r["status"] == "ok"}
    assert 2 <= len(recorded) < 8
    stamps = {t: (out / f"{t}.html").stat().st_mtime_ns for t in recorded}

    tasks = [Task.for_report(f"D{i}", notebook("trivial"), out,
                             {"district": f"D{i}", "sleep_s": 0.3}) for i in range(8)]
    rerun = run_batch(tasks, workers=2, progress=False)
    assert {t.task_id for t in rerun.skipped} == recorded  # completed work was not redone
    assert {t.task_id for t in rerun.ok} == {f"D{i}" for i in range(8)} - recorded
    assert all((out / f"{t}.html").stat().st_mtime_ns == s for t, s in stamps.items())
    assert sorted(p.name for p in out.glob("D*")) == sorted(
        f"D{i}.{ext}" for i in range(8) for ext in ("html", "ipynb"))
    assert_complete_outputs(out)
    assert leftover_temps(out) == []
    assert {r["status"] for r in manifest(out)["tasks"].values()} == {"ok", "skipped"}


@pytest.mark.slow
def test_dask_local_cluster_reuses_a_warm_kernel_per_worker(tmp_path):
    from distributed import Client, LocalCluster

    tasks = trivial_tasks(tmp_path, 6)
    tasks.append(Task.for_report("F", notebook("failing"), tmp_path,
                                 {"district": "x", "fail_on": "x"}))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # by address, as for a remote scheduler; run_batch opens and closes its own client
        outcome = run_batch(tasks, scheduler=cluster.scheduler_address, progress=False)
        worker_pids = set(client.run(os.getpid).values())
    assert [t.status for t in outcome.tasks] == ["ok"] * 6 + ["failed"]
    assert outcome.failed[0].error.ename == "ValueError"
    assert outcome.workers == "dask"
    ran_on = {int(t.record["worker"].rsplit(":", 1)[1]) for t in outcome.tasks}
    assert ran_on <= worker_pids and os.getpid() not in ran_on
    kernels = {kernel_pid(tmp_path / f"D{i}.html") for i in range(6)}
    assert len(kernels) < 6  # kernels were reused across tasks within a worker process
