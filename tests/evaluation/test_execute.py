"""Tests of :mod:`evaluation.batch.execute`: parameter checks, isolated runs, the warm kernel."""

from __future__ import annotations

import copy
import json
import os
import pickle
import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from papermill.exceptions import PapermillExecutionError

from evaluation.batch import execute
from evaluation.batch.execute import (
    ExecutionResult,
    IpcKernelManager,
    WarmKernel,
    check_parameters,
    failed_notebook_path,
    ipc_socket_root,
    is_required,
    run_notebook,
    write_outputs,
)
from evaluation.errors import EvaluationError, NotebookParameterError, NotebookRunError

from .conftest import NOTEBOOKS, notebook, printed_connection

needs_ipc = pytest.mark.skipif(ipc_socket_root() is None, reason="kernels use TCP here (no IPC transport)")

# ---------------------------------------------------------------------------------------------
# parameters (no kernel needed)


def test_required_convention():
    assert is_required({"help": "required: six-digit district code"})
    assert is_required({"help": "Required"})
    assert not is_required({"help": "assessment year"})
    assert not is_required({"help": "not required"})
    assert not is_required({"help": ""})


def test_check_parameters_returns_declared():
    declared = check_parameters(notebook("trivial"), {"district": "110101", "year": 2024})
    assert list(declared) == ["district", "year", "label", "sleep_s"]
    assert declared["district"]["help"].startswith("required")


def test_check_parameters_lists_every_unknown_and_missing_name():
    with pytest.raises(NotebookParameterError, match=r"unknown parameter 'yaer'; did you mean "
                       r"'year'\?") as info:
        check_parameters(notebook("trivial"), {"yaer": 2024, "colour": "red"})
    err = info.value
    assert err.unknown == ["colour", "yaer"]
    assert err.missing == ["district"]
    assert "missing required parameter 'district'" in str(err)
    assert "declared parameters: district, year, label, sleep_s" in str(err)
    assert isinstance(err, ValueError) and isinstance(err, EvaluationError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.unknown, again.missing, str(again)) == (err.unknown, err.missing, str(err))


def test_notebook_without_parameters_cell_accepts_no_parameters(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "plain.ipynb"
    nbformat.write(nb, path)
    assert check_parameters(path, {}) == {}
    with pytest.raises(NotebookParameterError, match="no 'parameters' cell"):
        check_parameters(path, {"x": 2})


def test_run_notebook_checks_parameters_before_executing(tmp_path, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("papermill.execute_notebook was called")

    monkeypatch.setattr(execute.papermill, "execute_notebook", must_not_run)
    with pytest.raises(NotebookParameterError, match="missing required parameter 'district'"):
        run_notebook(notebook("trivial"), {"yr": 1}, out_html=tmp_path / "x.html")
    assert list(tmp_path.iterdir()) == []


def test_warm_kernel_checks_parameters_before_starting_a_kernel():
    kernel = WarmKernel()
    try:
        with pytest.raises(NotebookParameterError, match="unknown parameter 'distrct'"):
            kernel.execute(notebook("trivial"), {"distrct": "1"})
        assert kernel.kernels_started == 0
    finally:
        kernel.close()


def test_run_error_fields_survive_pickling_and_dicts():
    err = NotebookRunError("a.ipynb", 3, "ValueError", "bad", "Traceback...", 4)
    assert str(err) == "notebook 'a.ipynb' failed at cell 3 (In [4]): ValueError: bad"
    for copy_ in (pickle.loads(pickle.dumps(err)), NotebookRunError.from_dict(err.to_dict())):
        assert copy_.to_dict() == err.to_dict()


def test_write_outputs_on_failure_removes_stale_reports(tmp_path):
    html, ipynb = tmp_path / "r.html", tmp_path / "r.ipynb"
    html.write_text("old report")
    ipynb.write_text("{}")
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {}
    error = NotebookRunError("t.ipynb", 1, "ValueError", "x")
    result = ExecutionResult(NOTEBOOKS / "t.ipynb", nb, error, 0.0)
    written = write_outputs(result, ipynb, html)
    assert not html.exists() and not ipynb.exists()
    assert written == {"failed_ipynb": failed_notebook_path(ipynb)}
    assert nbformat.read(written["failed_ipynb"], 4).metadata.papermill["output_path"] == str(
        written["failed_ipynb"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.failed.ipynb"]


# ---------------------------------------------------------------------------------------------
# equivalence with papermill

_TIMING = ("start_time", "end_time", "duration")


def comparable(nb: nbformat.NotebookNode, mask: str | None = None) -> dict:
    """The notebook as written to disk, minus what legitimately differs between two runs.

    Consecutive stream outputs of one name are joined (a kernel's stream batching depends on timing).
    Dropped: papermill's notebook and cell timings, nbclient's ``metadata.execution``
    timestamps, ``output_path`` (each run writes elsewhere) and the random ``id`` of the cells
    papermill creates (injected parameters, error banner). Kept: every cell, its source, tags,
    status, execution count and outputs (stream text, rich data including PNG bytes, errors).
    ``mask``: a regex whose matches are blanked (outputs that differ by construction, like a
    printed process id).
    """
    data = json.loads(nbformat.writes(nb))
    pm = data["metadata"]["papermill"]
    for key in (*_TIMING, "output_path"):
        pm.pop(key)
    for cell in data["cells"]:
        cell["metadata"].pop("execution", None)
        for key in _TIMING:
            cell["metadata"].get("papermill", {}).pop(key, None)
        tags = set(cell["metadata"].get("tags", []))
        if tags & {"injected-parameters", "papermill-error-cell-tag"}:
            cell.pop("id")  # papermill creates these cells with random ids
    for cell in data["cells"]:  # how a kernel splits a stream into messages depends on timing
        merged: list[dict] = []
        for out in cell.get("outputs", []):
            if (out["output_type"] == "stream" and merged and merged[-1]["output_type"] == "stream"
                    and merged[-1]["name"] == out["name"]):
                merged[-1]["text"] = ["".join(merged[-1]["text"]) + "".join(out["text"])]
            else:
                if out["output_type"] == "stream":
                    out["text"] = ["".join(out["text"])]
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    text = re.sub(r"ipykernel_\d+", "ipykernel_PID", text)
    if mask:
        text = re.sub(mask, "MASKED", text)
    return json.loads(text)


def papermill_reference(name: str, params: dict, tmp_path) -> nbformat.NotebookNode:
    """Standalone ``papermill.execute_notebook``, also for failing runs (its saved notebook)."""
    out = tmp_path / f"papermill-{name}.ipynb"
    try:
        papermill.execute_notebook(str(notebook(name)), str(out), parameters=params,
                                   progress_bar=False, cwd=str(NOTEBOOKS))
    except PapermillExecutionError:
        pass
    return nbformat.read(out, as_version=4)


def image_outputs(nb: dict) -> list[str]:
    return [o["data"]["image/png"] for c in nb["cells"] for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})]


@pytest.mark.slow
@pytest.mark.parametrize("one_request", [True, False], ids=["one-request", "cell-by-cell"])
def test_warm_equivalent_to_papermill(tmp_path, one_request):
    cases = [
        ("chart", {"district": "110102", "seed": 3}),
        ("chart", {}),  # no parameters: papermill injects no cell
        ("failing", {"district": "999999"}),  # failure: error banner cells, status metadata
        ("trivial", {"district": "110105", "label": "朝阳"}),
        # streams, displays, an updated display, a cleared output, a suppressed result, a cell
        # magic, empty and skipped cells, an allowed error; then top-level await (cell by cell)
        ("outputs", {"label": "乙"}),
        ("awaiting", {"n": 5}),
    ]
    with WarmKernel(one_request=one_request) as kernel:
        # dirty the kernel first: a variable, rcParams, figures, a warning
        kernel.execute(notebook("leak"), {"run": 7})
        kernel.execute(notebook("chart"), {"district": "000000", "seed": 1})
        for name, params in cases:
            warm = kernel.execute(notebook(name), params)
            mask = r"kernel_pid=\d+" if name == "trivial" else None  # differs by construction
            ref = comparable(papermill_reference(name, params, tmp_path), mask)
            got = comparable(warm.notebook, mask)
            assert got == ref, f"{name} {params}"
            # papermill fails a run on any error output, even a raises-exception cell's (after running on)
            assert warm.ok == (name not in ("failing", "outputs"))
            if name == "chart":
                assert len(image_outputs(got)) == 1
                assert "".join(got["cells"][-1]["outputs"][0]["text"]).startswith("总分 ")
            assert [c.get("execution_count") for c in got["cells"] if c["cell_type"] == "code"][
                0] == 1


def _count_requests(kernel: WarmKernel) -> list[str]:
    """Record the code of every execute request the kernel's client sends from now on."""
    sent: list[str] = []
    original = kernel._kc.execute

    def execute(code, *args, **kwargs):
        sent.append(code)
        return original(code, *args, **kwargs)

    kernel._kc.execute = execute
    return sent


@pytest.mark.slow
def test_one_request_per_notebook_and_cell_by_cell_fallback():
    with WarmKernel() as kernel:
        kernel.start()
        sent = _count_requests(kernel)
        first = kernel.execute(notebook("trivial"), {"district": "110101"})
        second = kernel.execute(notebook("trivial"), {"district": "110102"})
        assert first.ok and second.ok
        assert len(sent) == 2  # one request per notebook: reset and every cell
        assert "kernel_pid=" in json.dumps(second.notebook)  # the cells' output came back
        del sent[:]
        awaited = kernel.execute(notebook("awaiting"), {"n": 4})
        assert awaited.ok
        # the one-request attempt ran nothing; then the reset and one request per code cell
        assert len(sent) == 1 + 1 + 4  # 4 code cells: parameters, injected parameters and two
        outputs = [o for c in awaited.notebook.cells for o in c.get("outputs", [])]
        assert outputs[0]["text"] == "awaited 4\n" and outputs[1]["data"]["text/plain"] == "12"
    with WarmKernel(one_request=False) as kernel:
        kernel.start()
        sent = _count_requests(kernel)
        assert kernel.execute(notebook("trivial"), {"district": "110101"}).ok
        assert len(sent) == 1 + 4  # the reset, then each of the four code cells (with the injected one)


# ---------------------------------------------------------------------------------------------
# warm kernel behaviour


@pytest.mark.slow
def test_namespace_and_library_state_reset_between_runs():
    with WarmKernel() as kernel:
        first = kernel.execute(notebook("leak"), {"run": 1})
        second = kernel.execute(notebook("leak"), {"run": 2})
        assert kernel.kernels_started == 1  # same kernel, reset in between

    def texts(result: ExecutionResult) -> str:
        return "".join(o.get("text", "") for c in result.notebook.cells
                       for o in c.get("outputs", []))

    assert "run=1 previous=absent" in texts(first)
    assert "run=2 previous=absent" in texts(second)  # leaked_value=1 did not survive
    assert "font.size 10.0" in texts(second)  # rcParams["font.size"] = 30 was undone
    # the once-only warning shows again (IPython's input transformer also invalidates warning
    # registries on every cell; the reset does it explicitly as well)
    assert "toy warning" in texts(second)
    counts = [c.execution_count for c in second.notebook.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3, 4]  # In [n] restarts as in a fresh kernel


@pytest.mark.slow
def test_cell_error_dead_kernel_and_timeout_are_structured_and_kernel_is_replaced():
    with WarmKernel() as kernel:
        failed = kernel.execute(notebook("failing"), {"district": "1", "fail_on": "1"})
        err = failed.error
        assert (err.cell_index, err.ename, err.evalue, err.execution_count) == (
            3, "ValueError", "bad district 1", 4)  # cell 3 = after the injected cell
        assert "raise ValueError" in err.traceback and "\x1b[" not in err.traceback
        tags = [c.metadata.get("tags") for c in failed.notebook.cells]
        assert tags.count(["papermill-error-cell-tag"]) == 2  # papermill's banner + anchor
        with pytest.raises(NotebookRunError, match="ValueError: bad district 1"):
            failed.raise_for_error()

        ok = kernel.execute(notebook("failing"), {"district": "2", "fail_on": "1"})
        assert ok.ok and kernel.kernels_started == 2  # replaced after the failure

        dead = kernel.execute(notebook("failing"), {"district": "3", "crash_on": "3"})
        assert (dead.error.ename, dead.error.cell_index) == ("DeadKernelError", 3)
        # banner cell 0 and the anchor before the failing cell shift it from 3 to 5
        assert dead.notebook.cells[5].metadata.papermill["status"] == "failed"

        slow = kernel.execute(notebook("trivial"), {"district": "4", "sleep_s": 30}, timeout=1)
        assert (slow.error.ename, slow.error.cell_index) == ("CellTimeoutError", 3)
        assert "time limit of 1 s" in slow.error.evalue

        after = kernel.execute(notebook("trivial"), {"district": "5"})
        assert after.ok and kernel.kernels_started == 4


@pytest.mark.slow
def test_kernel_recycled_every_n_runs_without_leaking_file_descriptors():
    me = psutil.Process()
    with WarmKernel(recycle_every=3) as kernel:
        pids = set()
        for i in range(7):
            result = kernel.execute(notebook("trivial"), {"district": str(i)})
            pids.add(re.search(r"kernel_pid=(\d+)", json.dumps(result.notebook)).group(1))
            if i == 0:
                fds = me.num_fds()
            elif i in (2, 5):  # last run on the first and second kernel
                assert me.num_fds() == fds  # papermill's km= reuse would add ~15 per run
        assert kernel.kernels_started == 3 and len(pids) == 3 and kernel.runs_total == 7


def test_warm_kernel_refuses_other_kernels(tmp_path):
    nb = nbformat.read(notebook("trivial"), 4)
    nb.metadata.kernelspec.name = "ir"
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, path)
    kernel = WarmKernel()
    try:
        with pytest.raises(EvaluationError, match="asks for kernel 'ir'"):
            kernel.execute(path, {"district": "1"})
    finally:
        kernel.close()


# ---------------------------------------------------------------------------------------------
# outputs of both paths


@pytest.mark.slow
@pytest.mark.parametrize("path", ["isolated", "warm"])
def test_outputs_html_without_code_and_failed_notebook(tmp_path, path):
    html, ipynb = tmp_path / "r.html", tmp_path / "r.ipynb"

    def run(name, params, **kw):
        if path == "isolated":
            return run_notebook(notebook(name), params, ipynb, html, **kw)
        with WarmKernel() as kernel:
            return kernel.run(notebook(name), params, ipynb, html, **kw)

    result = run("chart", {"district": "110108"})
    page = html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "科学立法" in page
    assert "font_manager.fontManager.addfont" not in page  # no input cells
    assert result.written == {"ipynb": ipynb, "html": html}
    saved = nbformat.read(ipynb, 4)
    assert saved.metadata.papermill["output_path"] == str(ipynb)
    assert saved.metadata.papermill["parameters"] == {"district": "110108"}

    with pytest.raises(NotebookRunError, match="ValueError: bad district 9") as info:
        run("failing", {"district": "9", "fail_on": "9"})
    assert info.value.cell_index == 3  # parameters 0, injected 1, import 2, raising cell 3
    assert not html.exists() and not ipynb.exists()
    failed = nbformat.read(tmp_path / "r.failed.ipynb", 4)
    assert failed.metadata.papermill["exception"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.failed.ipynb"]

    result = run("failing", {"district": "8"}, raise_on_error=False)
    assert result.ok and html.exists() and not (tmp_path / "r.failed.ipynb").exists()


@pytest.mark.slow
def test_isolated_dead_kernel_and_timeout_name_the_cell(tmp_path):
    result = run_notebook(notebook("failing"), {"district": "7", "crash_on": "7"},
                          out_html=tmp_path / "r.html", raise_on_error=False)
    assert (result.error.ename, result.error.cell_index) == ("DeadKernelError", 3)
    assert result.notebook is None and list(tmp_path.iterdir()) == []
    slow = run_notebook(notebook("trivial"), {"district": "7", "sleep_s": 30}, timeout=1,
                        out_html=tmp_path / "r.html", raise_on_error=False)
    assert (slow.error.ename, slow.error.cell_index) == ("CellTimeoutError", 3)
    assert "time limit of 1 s" in slow.error.evalue


def test_comparable_ignores_only_timing():
    nb = nbformat.read(notebook("trivial"), 4)
    nb.metadata["papermill"] = {"start_time": "a", "end_time": "b", "duration": 1,
                                "output_path": "x", "parameters": {}}
    other = copy.deepcopy(nb)
    other.metadata.papermill["duration"] = 2
    assert comparable(nb) == comparable(other)
    other.cells[2].source += "\n"
    assert comparable(nb) != comparable(other)


# ---------------------------------------------------------------------------------------------
# kernel transport: IPC sockets in a private folder per kernel (no TCP port race)

_CHANNELS = ("shell", "iopub", "stdin", "control", "hb")


class RecordingKernelManager(IpcKernelManager):
    """:class:`IpcKernelManager` that remembers the socket folder of every kernel it starts."""

    folders: list[Path] = []

    async def _async_pre_start_kernel(self, **kw):
        try:
            return await super()._async_pre_start_kernel(**kw)
        finally:  # also when the start fails after the folder was made
            if self.socket_dir is not None:
                type(self).folders.append(Path(self.socket_dir))


@pytest.fixture
def recorded_folders(monkeypatch) -> list[Path]:
    """Socket folders of the kernels started during the test (both paths look the class up here)."""
    monkeypatch.setattr(RecordingKernelManager, "folders", [])
    monkeypatch.setattr(execute, "IpcKernelManager", RecordingKernelManager)
    return RecordingKernelManager.folders


def test_ipc_socket_root_leaves_room_for_the_socket_names():
    root = ipc_socket_root()
    if os.name != "posix":
        assert root is None
    elif root is not None:
        assert os.access(root, os.W_OK)
        # longest path a kernel binds: <root>/rk-XXXXXXXX/k-NN, within macOS's 104-byte sun_path
        assert len(os.fsencode(os.path.join(root, "rk-12345678", "k-99"))) <= 103


def test_tcp_where_ipc_is_unavailable(monkeypatch):
    monkeypatch.setattr(execute, "ipc_socket_root", lambda: None)
    assert IpcKernelManager(kernel_name="python3").transport == "tcp"
    assert IpcKernelManager(kernel_name="python3", transport="tcp").transport == "tcp"


@pytest.mark.slow
def test_warm_kernel_falls_back_to_tcp(monkeypatch):
    monkeypatch.setattr(execute, "ipc_socket_root", lambda: None)
    with WarmKernel() as kernel:
        result = kernel.execute(notebook("connection"), {"district": "1"})
        assert result.ok and kernel.connection_info["transport"] == "tcp"
        assert printed_connection(result.notebook)["transport"] == "tcp"
        assert kernel._km.socket_dir is None


@pytest.mark.slow
@needs_ipc
def test_warm_kernel_binds_ipc_sockets_in_a_private_folder_removed_on_shutdown():
    with WarmKernel(recycle_every=1) as kernel:
        kernel.start()
        info = kernel.connection_info
        assert info["transport"] == "ipc" and "key" not in info
        folder = Path(info["ip"]).parent
        # private: only we may connect (jupyter_client adds the sticky bit to the folder)
        assert folder.name.startswith("rk-") and folder.stat().st_mode & 0o777 == 0o700
        sockets = {f"{info['ip']}-{info[f'{channel}_port']}" for channel in _CHANNELS}
        assert len(sockets) == 5
        assert sorted(os.listdir(folder)) == sorted([*(Path(s).name for s in sockets), "kernel.json"])
        assert all(stat.S_ISSOCK(os.stat(s).st_mode) for s in sockets)
        assert max(len(os.fsencode(s)) for s in sockets) <= 103  # sun_path limit, see execute.py
        # the kernel process itself bound them (ipykernel's own IOPub pipe still listens on a TCP
        # port, but one the OS assigns at bind time: no gap in which another kernel could take it)
        unix = {c.laddr for c in psutil.Process(kernel.kernel_pid).net_connections(kind="unix")}
        assert sockets <= unix

        first = kernel.execute(notebook("connection"), {"district": "1"})
        seen = printed_connection(first.notebook)
        assert (seen["transport"], seen["ip"], seen["kernel_pid"]) == ("ipc", info["ip"], kernel.kernel_pid)
        assert seen["connection_file"] == str(folder / "kernel.json")

        # recycle_every=1: the next run starts a new kernel in a new folder; the old one is gone
        second = printed_connection(kernel.execute(notebook("connection"), {"district": "2"}).notebook)
        new_folder = Path(second["ip"]).parent
        assert kernel.kernels_started == 2 and new_folder != folder
        assert new_folder.is_dir() and not folder.exists()
    assert not new_folder.exists()


@pytest.mark.slow
@needs_ipc
def test_socket_folders_removed_after_dead_kernels_and_timeouts(recorded_folders):
    with WarmKernel() as kernel:
        dead = kernel.execute(notebook("failing"), {"district": "1", "crash_on": "1"})
        assert dead.error.ename == "DeadKernelError"
        assert kernel.execute(notebook("trivial"), {"district": "2"}).ok  # replaces the dead kernel
        assert len(recorded_folders) == 2 and not recorded_folders[0].exists()
    dead = run_notebook(notebook("failing"), {"district": "3", "crash_on": "3"}, raise_on_error=False)
    slow = run_notebook(notebook("trivial"), {"district": "4", "sleep_s": 30}, timeout=1,
                        raise_on_error=False)
    assert (dead.error.ename, slow.error.ename) == ("DeadKernelError", "CellTimeoutError")
    assert len(recorded_folders) == 4
    assert [f for f in recorded_folders if f.exists()] == []


@needs_ipc
def test_socket_folder_removed_when_the_kernel_cannot_start(recorded_folders):
    kernel = WarmKernel("no-such-kernel")
    try:
        with pytest.raises(NoSuchKernel):
            kernel.start()
    finally:
        kernel.close()
    assert len(recorded_folders) == 1 and not recorded_folders[0].exists()


@pytest.mark.slow
@needs_ipc
def test_isolated_run_uses_ipc_in_a_private_folder_removed_afterwards(tmp_path, recorded_folders):
    result = run_notebook(notebook("connection"), {"district": "1"}, tmp_path / "r.ipynb")
    seen = printed_connection(result.notebook)
    assert seen["transport"] == "ipc"
    folder = Path(seen["connection_file"]).parent
    assert recorded_folders == [folder] and Path(seen["ip"]).parent == folder
    assert folder.name.startswith("rk-") and not folder.exists()


@pytest.mark.slow
@needs_ipc
def test_four_warm_kernels_start_at_once_without_clashing():
    kernels = [WarmKernel() for _ in range(4)]
    barrier = threading.Barrier(len(kernels))

    def start_and_run(pair: tuple[int, WarmKernel]) -> dict:
        i, kernel = pair
        barrier.wait()  # all four start_kernel calls at the same moment
        kernel.start()
        result = kernel.execute(notebook("connection"), {"district": str(i)})
        assert result.ok, result.error
        return printed_connection(result.notebook)

    try:
        with ThreadPoolExecutor(len(kernels)) as pool:
            seen = list(pool.map(start_and_run, enumerate(kernels)))
        assert [s["district"] for s in seen] == ["0", "1", "2", "3"]
        assert {s["transport"] for s in seen} == {"ipc"}
        assert len({s["kernel_pid"] for s in seen}) == 4
        folders = {Path(s["ip"]).parent for s in seen}
        assert len(folders) == 4 and all(f.is_dir() for f in folders)
        assert [k.kernels_started for k in kernels] == [1, 1, 1, 1]
    finally:
        for kernel in kernels:
            kernel.close()
    assert [f for f in folders if f.exists()] == []


def test_warm_kernel_survives_the_previous_reports_folder_being_removed(tmp_path):
    """A published edition renames its staging folder: the next report must not need the old folder.

    IPython's reset records the working folder (``os.getcwd()``), which raised FileNotFoundError
    when the previous report's folder was gone (seen in ``rolindex demo``'s edition v2).
    """
    import shutil

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    with WarmKernel() as kernel:
        assert kernel.execute(notebook("trivial"), {"district": "110105", "label": "朝阳"}, cwd=first).ok
        shutil.rmtree(first)
        again = kernel.execute(notebook("trivial"), {"district": "110105", "label": "朝阳"}, cwd=second)
        assert again.ok
