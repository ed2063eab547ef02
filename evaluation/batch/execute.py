"""Execute parameterised report notebooks: parameter checks, isolated runs and warm kernels.

The engine knows nothing about what a report notebook computes; it only needs a notebook with a
papermill ``parameters`` cell. Two executors produce the same executed notebook:

- :func:`run_notebook` — the *isolated* path: plain :func:`papermill.execute_notebook`, one fresh
  kernel per notebook. Slow (about 1 s of kernel start, re-import and shutdown per report) but
  nothing can leak between reports.
- :class:`WarmKernel` — the *fast* path: one started kernel reused for many notebooks. Parameters
  are injected by papermill's own :func:`papermill.parameterize.parameterize_notebook` and the
  outputs go through papermill's ``PapermillNotebookClient`` and ``NotebookExecutionManager``, so
  the executed notebook carries the same ``injected-parameters`` cell, outputs and
  ``metadata.papermill`` as a standalone papermill run. By default the whole notebook runs in one
  execute request (:mod:`evaluation.batch._kernel_runner` runs each cell with the kernel's own
  ``run_cell`` and keeps the messages it would have sent; the client replays them through
  nbclient's ``process_message``): a request per cell cost a 30-cell report ~0.35 CPU-s of
  messaging. A notebook with top-level ``await`` runs cell by cell, as papermill does. Before
  each notebook the kernel is reset (user namespace, history and ``In [n]`` counter, warnings,
  environment, working directory, matplotlib and pandas state; see
  :mod:`evaluation.batch._kernel_reset`) while imported modules stay imported — that is the saving.
  After a failure the kernel is replaced; it is also recycled every ``recycle_every`` runs to
  bound memory drift.

Differences between the two executors' notebooks (everything else is identical, see
``tests/evaluation/test_execute.py::test_warm_equivalent_to_papermill``):

- timing: ``metadata.papermill`` start/end/duration, each cell's ``metadata.papermill``
  start/end/duration and nbclient's ``metadata.execution`` timestamps (they differ between any
  two papermill runs too);
- the ``id`` of the cells papermill creates — the injected-parameters cell and, on failure, its
  two error-banner cells (papermill draws random ids per run) — and kernel process ids where
  outputs show them (e.g. ``/tmp/ipykernel_<pid>/…`` in warnings), as between any two runs;
- widget state: in the one-request mode (the default) comm messages are not replayed, so an
  executed notebook carries no ``metadata.widgets``; run notebooks with ipywidgets with
  ``one_request=False``;
- a kernel that dies or exceeds the time limit: papermill raises without returning a notebook;
  the warm kernel returns the partial notebook with the cell marked failed and papermill's error
  banner (in the one-request mode, a kernel that died returns no outputs of the cells before:
  they were to come back in the reply);
- state a warm-kernel reset does not undo: module-level state of imported libraries other than
  matplotlib ``rcParams``/figures and pandas options (numpy print options, random seeds, fonts
  added with ``font_manager.addfont``, ``%config`` changes, monkey-patches). Report notebooks
  must set such state themselves rather than rely on a fresh process. Objects alive after the
  reset are also frozen with :func:`gc.freeze` (visible only through :mod:`gc` introspection).

Both paths record ``metadata.papermill.output_path`` as the file actually written (papermill
itself records whatever path it was given; the isolated path gives it a scratch file and writes
the final file atomically).

Required parameters
-------------------
A parameter is *required* when its comment in the ``parameters`` cell starts with the word
``required`` — by convention with ``None`` as the default, so running the template by hand fails
loudly rather than producing a report for no district::

    district = None  # required: six-digit district code
    year = 2025      # assessment year

Papermill only logs unknown parameters; :func:`check_parameters` raises
:class:`~evaluation.errors.NotebookParameterError` listing every unknown and missing name before
anything executes.

Kernel environment
------------------
Kernels started here import the ``indicators`` and ``evaluation`` packages of the checkout this
module was itself imported from: when it sits in a source checkout (``pyproject.toml`` beside the
packages), that folder is put first on the kernel's ``PYTHONPATH`` (:func:`kernel_env`). Without
it, a kernel started from a second checkout (a git worktree, CI) would import whichever copy the
environment has installed in editable mode.

Kernel transport
----------------
Every kernel started here — warm kernels and papermill's isolated runs (through nbclient's
``kernel_manager_class``) — is managed by :class:`IpcKernelManager`: on POSIX it talks to the
kernel over ZeroMQ IPC (Unix sockets) in a private, short-named folder per kernel
(``/tmp/rk-XXXXXXXX``, mode 0700) that is removed when the kernel is shut down. Over TCP,
jupyter_client picks free ports and releases them before the kernel binds them, so kernels
started at the same moment by parallel workers could be handed the same port ("Address already
in use"). Where IPC is unavailable (Windows) kernels use TCP as before. A process that must exit
abruptly (an orphaned batch worker) removes its kernels' folders with :func:`remove_socket_dirs`
first; a process killed with ``kill -9`` leaves its folders behind, as it leaves TCP kernels'
connection files.

Outputs
-------
Executed notebooks and HTML reports are written atomically (:mod:`evaluation.fileio`). A failed
run never leaves a report under the final names: those are removed and the partially executed
notebook (with papermill's error banner) goes to ``<name>.failed.ipynb`` beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime
import functools
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import IO, Any

import nbformat
import papermill
import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError, strip_color
from papermill.execute import (
    prepare_notebook_metadata,
    raise_for_execution_errors,
    remove_error_markers,
)
from papermill.iorw import load_notebook_node
from papermill.log import logger as papermill_logger
from papermill.parameterize import parameterize_notebook
from traitlets import default

from ..errors import EvaluationError, NotebookParameterError, NotebookRunError
from ..fileio import atomic_write_bytes

__all__ = [
    "ExecutionResult",
    "IpcKernelManager",
    "WarmKernel",
    "check_parameters",
    "declared_parameters",
    "failed_notebook_path",
    "ipc_socket_root",
    "is_required",
    "kernel_env",
    "notebook_kernel_name",
    "remove_socket_dirs",
    "run_notebook",
    "write_outputs",
]

log = logging.getLogger(__name__)

REQUIRED_WORD = "required"
_RESET_MODULE = "_rolindex_kernel_reset"
_RESET_FILE = Path(__file__).with_name("_kernel_reset.py")
_RUNNER_MODULE = "_rolindex_kernel_runner"
_RUNNER_FILE = Path(__file__).with_name("_kernel_runner.py")
_PAYLOAD_SOURCE = "rolindex-cells"  # _kernel_runner.PAYLOAD_SOURCE
_INTERRUPT_GRACE_S = 5.0  # after a time-out's interrupt, how long to wait for the cells' records
_SKIP_TAG = "skip-execution"  # nbclient's default ``skip_cells_with_tag``


# --------------------------------------------------------------------------------------------
# parameters


def is_required(parameter: Mapping[str, Any]) -> bool:
    """Whether a parameter from :func:`papermill.inspect_notebook` is marked required.

    The convention (see the module docstring): its comment starts with the word ``required``.
    """
    words = str(parameter.get("help") or "").strip().split(maxsplit=1)
    return bool(words) and words[0].rstrip(":;,.-").lower() == REQUIRED_WORD


def declared_parameters(notebook_path: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares: name -> papermill's name/type/default/help dict.

    References
    ----------
    :func:`papermill.inspect_notebook` (papermill ≥ 2.3), which parses the ``parameters`` cell.
    """
    return papermill.inspect_notebook(str(notebook_path))


def check_parameters(
    notebook_path: str | Path,
    params: Mapping[str, Any] | None = None,
    *,
    declared: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Check ``params`` against the notebook's ``parameters`` cell; return the declared ones.

    Raises :class:`~evaluation.errors.NotebookParameterError` naming every unknown parameter
    (with the nearest declared name) and every required parameter not passed. ``declared``
    (from :func:`declared_parameters`) avoids re-reading the notebook when checking many
    parameter sets.
    """
    params = dict(params or {})
    if declared is None:
        declared = declared_parameters(notebook_path)
    declared = {name: dict(p) for name, p in declared.items()}
    unknown = [name for name in params if name not in declared]
    missing = [name for name, p in declared.items() if is_required(p) and name not in params]
    if unknown or missing:
        raise NotebookParameterError(notebook_path, unknown, missing, list(declared))
    return declared


def notebook_kernel_name(notebook_path: str | Path) -> str:
    """The kernel a notebook asks for, resolved as papermill does (kernelspec name)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    return papermill_engines.nb_kernel_name(engine_name=None, nb=nb, name=None)


def checkout_root() -> Path | None:
    """The source checkout holding this package (``pyproject.toml`` beside it), else ``None``."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "indicators").is_dir():
        return root
    return None


def kernel_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a kernel: ``base`` (default ``os.environ``) with this checkout first on
    ``PYTHONPATH`` (see "Kernel environment" above); unchanged outside a source checkout."""
    env = dict(os.environ if base is None else base)
    root = checkout_root()
    if root is not None:
        rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(root)]
        env["PYTHONPATH"] = os.pathsep.join([str(root), *rest])
    return env


def _use_kernel_pythonpath() -> None:
    """Put this checkout first on ``PYTHONPATH`` in this process's environment (idempotent).

    Papermill offers no way to hand a kernel its environment, so the isolated path sets it in
    the (worker) process whose kernels inherit it.
    """
    wanted = kernel_env().get("PYTHONPATH")
    if wanted is not None and os.environ.get("PYTHONPATH") != wanted:
        os.environ["PYTHONPATH"] = wanted


def _prepare(notebook_path: Path, params: dict[str, Any], output_path: str | None) -> NotebookNode:
    """Load and parameterise a notebook exactly as :func:`papermill.execute_notebook` does."""
    nb = load_notebook_node(str(notebook_path))
    if params:  # papermill injects nothing when no parameters are passed
        nb = parameterize_notebook(nb, params)
    nb = prepare_notebook_metadata(nb, str(notebook_path), output_path, False)
    return remove_error_markers(nb)


# --------------------------------------------------------------------------------------------
# kernel transport

# jupyter_client picks "free" TCP ports, closes them and only then launches the kernel, which
# binds them: kernels started at the same time (pool workers, Dask workers, threads) can be handed
# the same port and one fails with "Address already in use". Over ZeroMQ IPC each kernel binds
# Unix sockets in a folder of its own, so there is nothing to collide on.
#
# A Unix socket path must fit in ``sockaddr_un.sun_path``: 108 bytes including the terminating
# NUL on Linux, 104 on macOS and the BSDs, and binding a longer path fails. The folders therefore
# go straight under /tmp with a short name ("/tmp/rk-1a2b3c4d/k-1" is 20 bytes) rather than under
# $TMPDIR, which can be long (macOS: /var/folders/…/T/, about 50 bytes; CI runners and pytest
# temporary folders longer still).
_SUN_PATH_MAX = 103  # longest socket path usable on every POSIX system (macOS: 104 minus the NUL)
_SOCKET_DIR_PREFIX = "rk-"
_SOCKET_BASE = "k"  # the kernel binds <folder>/k-1 … <folder>/k-5
_SOCKET_TAIL_MAX = len(f"/{_SOCKET_DIR_PREFIX}12345678/{_SOCKET_BASE}-99")  # mkdtemp adds 8 chars
# socket folders of this process's kernels not yet cleaned up, for remove_socket_dirs()
_live_socket_dirs: set[str] = set()
_live_socket_dirs_lock = threading.Lock()


@functools.cache
def ipc_socket_root() -> str | None:
    """Short parent folder for per-kernel socket folders; ``None`` where kernels must use TCP."""
    if os.name != "posix":  # IPC transport is a POSIX feature of jupyter_client/ipykernel: keep TCP
        return None
    if not zmq.has("ipc"):
        log.warning("libzmq lacks IPC support: kernels use TCP, parallel kernel starts may clash")
        return None
    for root in ("/tmp", tempfile.gettempdir()):
        short = len(os.fsencode(root)) + _SOCKET_TAIL_MAX <= _SUN_PATH_MAX
        if short and os.path.isdir(root) and os.access(root, os.W_OK | os.X_OK):
            return root
    log.warning("no writable temporary folder short enough for Unix socket paths: kernels use "
                "TCP, parallel kernel starts may clash")
    return None


def remove_socket_dirs() -> None:
    """Remove the socket folders of this process's kernels: for a process about to ``os._exit``."""
    with _live_socket_dirs_lock:
        folders = list(_live_socket_dirs)
        _live_socket_dirs.clear()
    for folder in folders:  # the kernels keep their bound sockets; they are exiting too
        shutil.rmtree(folder, ignore_errors=True)


class IpcKernelManager(AsyncKernelManager):
    """Kernel manager using IPC sockets in a private folder, so concurrent kernel starts cannot clash."""

    # Where ipc_socket_root() is None (Windows) this is a plain TCP AsyncKernelManager; an explicit
    # transport="tcp" is honoured too.
    _socket_dir: str | None = None

    @default("transport")
    def _default_transport(self) -> str:
        """IPC wherever it works: it needs no ports, so parallel kernel starts cannot clash."""
        return "ipc" if ipc_socket_root() is not None else "tcp"

    @property
    def socket_dir(self) -> str | None:
        """Private folder of the connection file and sockets (``None`` over TCP or before start)."""
        return self._socket_dir

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        """Point the connection file and sockets into a fresh mode-0700 folder before launching."""
        root = ipc_socket_root()
        if self.transport == "ipc" and root is not None and self._socket_dir is None:  # restart: keep
            self._socket_dir = tempfile.mkdtemp(prefix=_SOCKET_DIR_PREFIX, dir=root)
            with _live_socket_dirs_lock:
                _live_socket_dirs.add(self._socket_dir)
            self.connection_file = os.path.join(self._socket_dir, "kernel.json")
            # absolute, so the kernel (started in the notebook's folder) binds where we connect
            self.ip = os.path.join(self._socket_dir, _SOCKET_BASE)
        return await super()._async_pre_start_kernel(**kw)

    async def start_kernel(self, **kw: Any) -> None:
        """Start the kernel; remove the socket folder if that fails (no shutdown will clean up)."""
        try:
            await super().start_kernel(**kw)
        except BaseException:
            self._remove_socket_dir()
            raise

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Clean up as jupyter_client does, then remove the socket folder unless restarting."""
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._remove_socket_dir()

    cleanup_resources = _async_cleanup_resources  # AsyncKernelManager binds the base method by name

    def _remove_socket_dir(self) -> None:
        """Delete the private folder and what the kernel left in it (sockets, connection file)."""
        folder, self._socket_dir = self._socket_dir, None
        if folder is not None:
            with _live_socket_dirs_lock:
                _live_socket_dirs.discard(folder)
            shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# results and outputs


@dataclass
class ExecutionResult:
    """One executed notebook: the notebook node, the error if it failed, and what was written.

    ``notebook`` is ``None`` only when the isolated path lost the kernel (papermill returns no
    notebook then). ``written`` maps ``"ipynb"``, ``"html"`` or ``"failed_ipynb"`` to paths.
    """

    notebook_path: Path
    notebook: NotebookNode | None
    error: NotebookRunError | None
    duration_s: float
    written: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every cell ran without error."""
        return self.error is None

    def raise_for_error(self) -> ExecutionResult:
        """Raise the :class:`~evaluation.errors.NotebookRunError` if the run failed."""
        if self.error is not None:
            raise self.error
        return self


def failed_notebook_path(output: str | Path) -> Path:
    """Where the notebook of a failed run goes: ``<stem>.failed.ipynb`` beside ``output``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.failed.ipynb")


def write_outputs(
    result: ExecutionResult,
    out_ipynb: str | Path | None = None,
    out_html: str | Path | None = None,
    *,
    title: str | None = None,
) -> dict[str, Path]:
    """Write a run's outputs atomically; on failure write only ``<stem>.failed.ipynb``.

    On success the executed notebook goes to ``out_ipynb`` and the HTML report to ``out_html``
    (each optional) and a stale ``.failed.ipynb`` from an earlier run is removed. On failure any
    existing files under the final names are removed (they would describe other inputs) and the
    partially executed notebook, with papermill's error banner, is written beside them.
    ``metadata.papermill.output_path`` is set to where the notebook file is written.

    The HTML is :func:`evaluation.report.html.render_html` (``nbconvert --no-input`` with the
    ``basic`` template inside a self-contained page: no external scripts, styles or fonts). Its
    title is the one the report's headline recorded, else ``title``, else the file's stem.
    """
    from ..report.html import render_html, report_meta  # pandas & co.: only when writing HTML

    out_ipynb = Path(out_ipynb) if out_ipynb is not None else None
    out_html = Path(out_html) if out_html is not None else None
    anchor = out_ipynb or out_html
    written: dict[str, Path] = {}
    if anchor is None:
        return written
    failed = failed_notebook_path(anchor)
    nb = result.notebook
    if result.ok:
        assert nb is not None  # a successful run always has a notebook
        if out_ipynb is not None:
            nb.metadata.papermill["output_path"] = str(out_ipynb)
            written["ipynb"] = atomic_write_bytes(out_ipynb, nbformat.writes(nb).encode("utf-8"))
        if out_html is not None:
            html = render_html(nb, title=report_meta(nb).get("title") or title or out_html.stem)
            written["html"] = atomic_write_bytes(out_html, html.encode("utf-8"))
        failed.unlink(missing_ok=True)
    else:
        for stale in (out_ipynb, out_html):
            if stale is not None:
                stale.unlink(missing_ok=True)
        if nb is not None:
            nb.metadata.papermill["output_path"] = str(failed)
            written["failed_ipynb"] = atomic_write_bytes(
                failed, nbformat.writes(nb).encode("utf-8")
            )
        else:  # no notebook to show (isolated run lost its kernel): drop an older one
            failed.unlink(missing_ok=True)
    result.written = written
    return written


class _RunClock:
    """nbclient ``timeout_func``: the time left of a per-notebook limit, and a cell counter.

    nbclient calls it once per executed code cell; the limit starts with the first code cell (so
    kernel start-up is excluded) and each cell gets whatever time is left. The counter tells
    which cell was running when a kernel died inside papermill, which reports no cell then.
    """

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.deadline: float | None = None
        self.cells_started = 0

    def __call__(self, cell: NotebookNode) -> float | None:
        self.cells_started += 1
        if self.timeout is None:
            return None
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.timeout
        return max(self.deadline - now, 0.001)  # 0 would mean "no limit" to nbclient


def _executed_cell_index(nb: NotebookNode, n_started: int) -> int | None:
    """Index of the ``n_started``-th cell nbclient actually sends to the kernel."""
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip():
            if _SKIP_TAG in cell.metadata.get("tags", []):
                continue
            count += 1
            if count == n_started:
                return index
    return None


def _kernel_failure_error(
    notebook_path: Path, cell_index: int | None, exc: BaseException, timeout: float | None
) -> NotebookRunError:
    if isinstance(exc, CellTimeoutError):
        evalue = f"the notebook exceeded its time limit of {timeout} s" if timeout else str(exc)
    else:
        evalue = str(exc) or "the kernel died"
    return NotebookRunError(notebook_path, cell_index, type(exc).__name__, evalue)


def _error_from_papermill(notebook_path: Path, exc: PapermillExecutionError) -> NotebookRunError:
    return NotebookRunError(
        notebook_path,
        exc.cell_index,
        exc.ename,
        exc.evalue,
        strip_color("\n".join(exc.traceback or [])),
        exc.exec_count,
    )


def _default_cwd(notebook_path: Path, cwd: str | Path | None) -> Path:
    """The kernel's working directory: ``cwd`` or, as in Jupyter, the notebook's folder."""
    return Path(cwd).resolve() if cwd is not None else notebook_path.parent


# --------------------------------------------------------------------------------------------
# isolated path


def run_notebook(
    notebook_path: str | Path,
    params: Mapping[str, Any] | None = None,
    out_ipynb: str | Path | None = None,
    out_html: str | Path | None = None,
    *,
    cwd: str | Path | None = None,
    timeout: float | None = None,
    raise_on_error: bool = True,
    title: str | None = None,
) -> ExecutionResult:
    """Execute one notebook in a fresh kernel with :func:`papermill.execute_notebook`.

    Parameters are checked first (:func:`check_parameters`). The kernel runs in ``cwd``
    (default: the notebook's folder) and is shut down immediately afterwards. ``timeout`` limits
    the whole notebook in seconds. Outputs are written with :func:`write_outputs`; on failure a
    :class:`~evaluation.errors.NotebookRunError` is raised afterwards unless
    ``raise_on_error=False`` (then it is in ``result.error``).

    References
    ----------
    papermill 2.7 ``execute_notebook``; ``shutdown_kernel="immediate"`` and
    ``kernel_manager_class`` are nbclient traits, passed through (the first saves about 0.25 s
    per notebook, the second gives the kernel private IPC sockets, see "Kernel transport").
    """
    notebook_path = Path(notebook_path).absolute()
    params = dict(params or {})
    check_parameters(notebook_path, params)
    _use_kernel_pythonpath()
    cwd = _default_cwd(notebook_path, cwd)
    clock = _RunClock(timeout)
    start = time.perf_counter()
    error: NotebookRunError | None = None
    with tempfile.TemporaryDirectory(prefix="rolindex-run-") as scratch:
        # papermill writes the notebook (with its error banner on failure) here, never near the
        # final names; we then write it atomically ourselves.
        scratch_nb = os.path.join(scratch, "executed.ipynb")
        try:
            nb = papermill.execute_notebook(
                str(notebook_path),
                scratch_nb,
                parameters=params,
                progress_bar=False,
                request_save_on_cell_execute=False,
                shutdown_kernel="immediate",
                timeout_func=clock,
                resources={"metadata": {"path": str(cwd)}},  # kernel cwd without os.chdir
                kernel_manager_class=IpcKernelManager,  # nbclient trait: no TCP port race
            )
        except PapermillExecutionError as exc:
            nb = nbformat.read(scratch_nb, as_version=4)
            error = _error_from_papermill(notebook_path, exc)
        except (DeadKernelError, CellTimeoutError) as exc:
            shape = _prepare(notebook_path, params, None)
            index = _executed_cell_index(shape, clock.cells_started)
            nb = None
            error = _kernel_failure_error(notebook_path, index, exc, timeout)
    result = ExecutionResult(notebook_path, nb, error, time.perf_counter() - start)
    write_outputs(result, out_ipynb, out_html, title=title)
    if raise_on_error:
        result.raise_for_error()
    return result


# --------------------------------------------------------------------------------------------
# warm path


class WarmKernel:
    """One started kernel that executes many parameterised notebooks, papermill-compatibly.

    Parameters
    ----------
    kernel_name : str
        Kernel spec to start (notebooks asking for another kernel are refused).
    recycle_every : int or None
        Replace the kernel after this many notebooks to bound memory drift (``None``: never).
    startup_timeout : float
        Seconds to wait for the kernel to become ready.
    kernel_log : path, optional
        File to which the kernel process's own stdout/stderr are appended (start-up warnings,
        crash messages); by default they go to this process's stdout/stderr.
    one_request : bool
        Run all of a notebook's cells in one execute request (``evaluation/batch/_kernel_runner.py``)
        and replay their messages through papermill's client: the same notebook, without a round
        trip per cell (a 30-cell report spends ~0.35 CPU-s on those). ``False``: cell by cell.

    Notes
    -----
    The kernel client lives on a private event loop in a background thread, so a
    ``WarmKernel`` works the same from plain scripts, worker threads (Dask) and running Jupyter
    kernels. Runs are serialised by a lock. Use it as a context manager or call :meth:`close`.
    Each kernel process gets its own IPC socket folder (:class:`IpcKernelManager`).

    References
    ----------
    Kernel reuse through nbclient's kernel client and ``execute_cell`` as in the measurements of
    ``shared/reference/papermill-notes.md``; papermill's ``km=`` pass-through is avoided because
    it leaks a kernel client (about 15 file descriptors) per notebook.
    """

    def __init__(
        self,
        kernel_name: str = "python3",
        *,
        recycle_every: int | None = 200,
        startup_timeout: float = 60.0,
        kernel_log: str | Path | None = None,
        one_request: bool = True,
    ) -> None:
        if recycle_every is not None and recycle_every < 1:
            raise ValueError(f"recycle_every must be a positive integer or None: {recycle_every}")
        self.kernel_name = kernel_name
        self.recycle_every = recycle_every
        self.startup_timeout = startup_timeout
        self.kernel_log = Path(kernel_log) if kernel_log is not None else None
        self.one_request = one_request
        self._language_info: dict[str, Any] | None = None
        self._progress: str | None = None
        self.runs_on_kernel = 0  # notebooks executed by the current kernel process
        self.runs_total = 0
        self.kernels_started = 0
        self._km: IpcKernelManager | None = None
        self._kc: Any = None
        self._log_fh: IO[bytes] | None = None
        self._needs_replacing = False
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="rolindex-warm-kernel", daemon=True
        )
        self._thread.start()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> WarmKernel:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, coro: Any) -> Any:
        if self._closed:
            coro.close()
            raise EvaluationError("this WarmKernel is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    @property
    def kernel_pid(self) -> int | None:
        """Process id of the current kernel (``None`` when none is running)."""
        provisioner = getattr(self._km, "provisioner", None)
        return getattr(provisioner, "pid", None)

    @property
    def connection_info(self) -> dict[str, Any] | None:
        """Transport and socket addresses of the current kernel, no keys (``None`` if none runs)."""
        if self._km is None:
            return None
        info = dict(self._km.get_connection_info())
        for secret in ("key", "curve_publickey", "curve_secretkey"):
            info.pop(secret, None)
        return info

    def start(self) -> None:
        """Start the kernel now (otherwise the first run starts it)."""
        with self._lock:
            if self._km is None:
                self._call(self._astart())

    def close(self) -> None:
        """Shut the kernel down immediately and stop the background event loop."""
        if self._closed:
            return
        with self._lock:
            with contextlib.suppress(Exception):
                self._call(self._astop())
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()
            if self._log_fh is not None:
                self._log_fh.close()
                self._log_fh = None
            if self._progress is not None:
                Path(self._progress).unlink(missing_ok=True)
                self._progress = None

    async def _astart(self) -> None:
        km = IpcKernelManager(kernel_name=self.kernel_name)
        kwargs: dict[str, Any] = {"env": kernel_env()}
        if km.ipykernel:  # as nbclient: keep IPython history in memory, not in a shared sqlite
            kwargs["extra_arguments"] = ["--HistoryManager.hist_file=:memory:"]
        if self.kernel_log is not None:
            if self._log_fh is None:
                self.kernel_log.parent.mkdir(parents=True, exist_ok=True)
                self._log_fh = open(self.kernel_log, "ab")
            kwargs["stdout"] = kwargs["stderr"] = self._log_fh
        await km.start_kernel(**kwargs)
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=self.startup_timeout)
        except Exception:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            raise
        kc.allow_stdin = False
        self._km, self._kc = km, kc
        self.kernels_started += 1
        self.runs_on_kernel = 0
        self._language_info = None
        self._needs_replacing = False
        bootstrap = "import importlib.util as _u, sys as _s\n"
        for module, path in ((_RESET_MODULE, _RESET_FILE), (_RUNNER_MODULE, _RUNNER_FILE)):
            bootstrap += (
                f"_spec = _u.spec_from_file_location({module!r}, {str(path)!r})\n"
                "_m = _u.module_from_spec(_spec)\n"
                f"_s.modules[{module!r}] = _m\n"
                "_spec.loader.exec_module(_m)\n"
            )
        bootstrap += f"_s.modules[{_RESET_MODULE!r}].capture()\ndel _u, _s, _spec, _m\n"
        await self._silent(bootstrap)

    async def _astop(self) -> None:
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if km is None:
            return
        try:
            if await ensure_async(km.is_alive()):
                await ensure_async(km.shutdown_kernel(now=True))
        except RuntimeError as exc:  # as nbclient: tolerate an already dead kernel
            if "No kernel is running!" not in str(exc):
                raise
        finally:
            await ensure_async(km.cleanup_resources())
            if kc is not None:
                kc.stop_channels()

    async def _silent(self, code: str, timeout: float = 60.0) -> None:
        """Run our own helper code in the kernel without output, history or ``In [n]`` count."""
        kc = self._kc
        msg_id = kc.execute(code, silent=True, store_history=False, stop_on_error=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = await kc.get_shell_msg(timeout=1.0)
            except Empty:  # nothing yet — is the kernel still there?
                if not await ensure_async(self._km.is_alive()):
                    raise DeadKernelError("Kernel died") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"kernel did not answer within {timeout} s") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise EvaluationError(
                f"kernel helper code failed: {content.get('ename')}: {content.get('evalue')}"
            )

    async def _aready(self) -> None:
        """Make sure a usable kernel is running: replace it after failures, death or recycling."""
        recycle = self.recycle_every is not None and self.runs_on_kernel >= self.recycle_every
        alive = self._km is not None and await ensure_async(self._km.is_alive())
        if self._km is not None and (self._needs_replacing or recycle or not alive):
            reason = ("it died" if not alive else "the last run failed" if self._needs_replacing
                      else f"{self.runs_on_kernel} runs (recycle_every)")
            log.info("replacing kernel %s: %s", self.kernel_pid, reason)
            await self._astop()
        if self._km is None:
            await self._astart()

    # -- running ---------------------------------------------------------------------------

    def execute(
        self,
        notebook_path: str | Path,
        params: Mapping[str, Any] | None = None,
        *,
        cwd: str | Path | None = None,
        timeout: float | None = None,
        output_path: str | Path | None = None,
    ) -> ExecutionResult:
        """Execute one notebook in the warm kernel and return the result without writing files.

        ``cwd`` defaults to the notebook's folder; ``timeout`` limits the whole notebook in
        seconds; ``output_path`` is only recorded in ``metadata.papermill`` as papermill does.
        Cell errors, a dead kernel and time-outs are returned in ``result.error``; the kernel
        is then replaced before the next run.
        """
        notebook_path = Path(notebook_path).absolute()
        params = dict(params or {})
        check_parameters(notebook_path, params)
        nb = _prepare(notebook_path, params, None if output_path is None else str(output_path))
        wanted = papermill_engines.nb_kernel_name(engine_name=None, nb=nb, name=None)
        if wanted != self.kernel_name:
            raise EvaluationError(
                f"notebook {str(notebook_path)!r} asks for kernel {wanted!r}; "
                f"this WarmKernel runs {self.kernel_name!r}"
            )
        cwd = _default_cwd(notebook_path, cwd)
        clock = _RunClock(timeout)
        with self._lock:
            start = time.perf_counter()
            try:
                nb, failure = self._call(self._arun(nb, cwd, clock))
            except BaseException:
                self._needs_replacing = True
                raise
            finally:
                self.runs_on_kernel += 1
                self.runs_total += 1
            duration = time.perf_counter() - start
        error: NotebookRunError | None = None
        try:
            raise_for_execution_errors(nb, None)  # adds papermill's error banner cells
        except PapermillExecutionError as exc:
            error = _error_from_papermill(notebook_path, exc)
        if failure is not None:
            index, exc = failure
            error = _kernel_failure_error(notebook_path, index, exc, timeout)
        if error is not None:
            self._needs_replacing = True
        return ExecutionResult(notebook_path, nb, error, duration)

    def run(
        self,
        notebook_path: str | Path,
        params: Mapping[str, Any] | None = None,
        out_ipynb: str | Path | None = None,
        out_html: str | Path | None = None,
        *,
        cwd: str | Path | None = None,
        timeout: float | None = None,
        raise_on_error: bool = True,
        title: str | None = None,
    ) -> ExecutionResult:
        """:meth:`execute`, then :func:`write_outputs`; same contract as :func:`run_notebook`."""
        result = self.execute(
            notebook_path, params, cwd=cwd, timeout=timeout, output_path=out_ipynb
        )
        write_outputs(result, out_ipynb, out_html, title=title)
        if raise_on_error:
            result.raise_for_error()
        return result

    async def _arun(
        self, nb: NotebookNode, cwd: Path, clock: _RunClock
    ) -> tuple[NotebookNode, tuple[int, BaseException] | None]:
        """Papermill's engine loop (``Engine.execute_notebook`` + ``PapermillNotebookClient``).

        With ``one_request`` (and an IPython kernel) every cell runs in one execute request and the
        cells' messages are replayed through the same client (:meth:`_arun_one_request`); a notebook
        that needs the asyncio loop, or another kernel, runs cell by cell.
        """
        await self._aready()
        nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=False)
        client = PapermillNotebookClient(
            nb_man,
            km=self._km,
            kernel_name=self.kernel_name,
            log=papermill_logger,
            timeout_func=clock,
            startup_timeout=int(self.startup_timeout),
            shutdown_kernel="immediate",
        )
        client.kc = self._kc
        failure: tuple[int, BaseException] | None = None
        nb_man.notebook_start()
        try:
            replayed = False
            if self.one_request and self._km.ipykernel:
                replayed, failure = await self._arun_one_request(nb_man, client, cwd, clock)
            if not replayed:
                await self._silent(f"__import__({_RESET_MODULE!r}).reset({str(cwd)!r})")
                failure = await self._arun_cell_by_cell(nb_man, client)
            if failure is None:
                if self._language_info is None:
                    info = await client.async_wait_for_reply(await ensure_async(self._kc.kernel_info()))
                    self._language_info = info["content"]["language_info"]
                nb_man.nb.metadata["language_info"] = copy.deepcopy(self._language_info)
                client.set_widgets_metadata()
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb, failure

    async def _arun_cell_by_cell(
        self, nb_man: NotebookExecutionManager, client: PapermillNotebookClient
    ) -> tuple[int, BaseException] | None:
        """One execute request per cell, as papermill runs a notebook."""
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                await client.async_execute_cell(cell, index)
            except CellExecutionError as exc:
                nb_man.cell_exception(nb_man.nb.cells[index], cell_index=index, exception=exc)
                break
            except (DeadKernelError, CellTimeoutError) as exc:
                nb_man.cell_exception(nb_man.nb.cells[index], cell_index=index, exception=exc)
                return index, exc
            finally:
                nb_man.cell_complete(nb_man.nb.cells[index], cell_index=index)
        return None

    async def _arun_one_request(
        self, nb_man: NotebookExecutionManager, client: PapermillNotebookClient, cwd: Path,
        clock: _RunClock,
    ) -> tuple[bool, tuple[int, BaseException] | None]:
        """Reset the kernel and run every cell in one request, then replay the cells' messages.

        Returns ``(False, None)`` when nothing ran (a cell needs the asyncio loop); otherwise
        ``(True, failure)``, ``failure`` as in the cell-by-cell loop (time limit, dead kernel).
        """
        cells = nb_man.nb.cells
        plan = [
            {"index": index, "source": cell.source, "cell_id": cell.get("id"), "allow_errors": _allows_errors(cell)}
            for index, cell in enumerate(cells)
            if cell.cell_type == "code" and cell.source.strip()
            and client.skip_cells_with_tag not in cell.metadata.get("tags", [])
        ]
        progress = self._progress_file()
        Path(progress).write_text("", encoding="ascii")
        code = (f"__import__({_RESET_MODULE!r}).reset({str(cwd)!r})\n"
                f"__import__({_RUNNER_MODULE!r}).run_cells({json.dumps(plan)!r}, {progress!r})")
        limit = clock(cells[plan[0]["index"]]) if plan else None
        msg_id = self._kc.execute(code, silent=True, store_history=False, stop_on_error=True)
        reply, failure = await self._await_reply(msg_id, limit)
        await self._drain_iopub()
        content = reply["content"] if reply is not None else {}
        payload = next((p for p in content.get("payload", []) if p.get("source") == _PAYLOAD_SOURCE), None)
        if payload is not None and payload["status"] == "unsupported":
            return False, None
        records = {r["index"]: r for r in (payload or {}).get("cells", [])}
        if reply is not None and (payload is None or (  # the runner itself failed, not a cell
                content.get("status") == "error" and failure is None
                and not any(r["status"] == "error" for r in records.values()))):
            raise EvaluationError(f"kernel runner failed: {content.get('ename')}: {content.get('evalue')}")
        failed_at: int | None = None
        if failure is not None:
            last = max(records) if records else None
            if last is None or records[last]["status"] != "error":  # no reply: ask the progress file
                text = Path(progress).read_text(encoding="ascii").strip()  # "" if none started
                last = int(text) if text.isdigit() else (plan[0]["index"] if plan else 0)
            failed_at = last
        for index, cell in enumerate(cells):
            nb_man.cell_start(cell, index)
            record = records.get(index)
            try:
                if record is not None:
                    _replay_cell(client, cell, index, record, msg_id, drop_error=index == failed_at)
                if index == failed_at:
                    nb_man.cell_exception(cell, cell_index=index, exception=failure)
                    return True, (index, failure)
                if record is not None and record["status"] == "error" and not _allows_errors(cell):
                    exc = CellExecutionError.from_cell_and_msg(cell, _error_content(record))
                    nb_man.cell_exception(cell, cell_index=index, exception=exc)
                    return True, None
            finally:
                nb_man.cell_complete(cell, cell_index=index)
                if record is not None:
                    _record_timing(cell, record)
        return True, None

    async def _await_reply(
        self, msg_id: str, limit: float | None
    ) -> tuple[dict[str, Any] | None, BaseException | None]:
        """The shell reply to ``msg_id``; on the time limit interrupt the kernel and wait a grace period.

        Returns ``(reply, failure)``: failure is a :class:`CellTimeoutError` (reply may still come,
        with the interrupted cell's record) or :class:`DeadKernelError` (no reply).
        """
        kc = self._kc
        deadline = None if limit is None else time.monotonic() + limit
        failure: BaseException | None = None
        while True:
            try:
                reply = await kc.get_shell_msg(timeout=1.0)
            except Empty:
                if not await ensure_async(self._km.is_alive()):
                    return None, DeadKernelError("Kernel died")
                if deadline is not None and time.monotonic() > deadline:
                    if failure is not None:  # the interrupt did not help either
                        return None, failure
                    failure = CellTimeoutError(f"Cell execution timed out after {limit} s")
                    await ensure_async(self._km.interrupt_kernel())
                    deadline = time.monotonic() + _INTERRUPT_GRACE_S
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply, failure

    async def _drain_iopub(self) -> None:
        """Drop the iopub messages already received (status of our own requests), so none pile up."""
        while True:
            try:
                await self._kc.get_iopub_msg(timeout=0)
            except Empty:
                return

    def _progress_file(self) -> str:
        """This kernel's progress file (created with the kernel's first one-request run)."""
        if self._progress is None:
            fd, name = tempfile.mkstemp(prefix="rolindex-progress-", suffix=".txt")
            os.close(fd)
            self._progress = name
        return self._progress


def _allows_errors(cell: NotebookNode) -> bool:
    """nbclient's rule: a cell tagged ``raises-exception`` may fail and the run goes on."""
    return "raises-exception" in cell.metadata.get("tags", [])


def _error_content(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``error`` message content of a failed cell (ename, evalue, traceback)."""
    for message in record["messages"]:
        if message["msg_type"] == "error":
            return message["content"]
    return {"ename": "Error", "evalue": "", "traceback": []}


def _replay_cell(client: PapermillNotebookClient, cell: NotebookNode, index: int,
                 record: Mapping[str, Any], msg_id: str, *, drop_error: bool) -> None:
    """Fill a cell's outputs and count from its captured messages, through nbclient's own handling."""
    cell.outputs = []
    client.clear_before_next_output = False
    if client.record_timing:
        cell["metadata"]["execution"] = {}
    messages = record["messages"]
    if drop_error:  # the interrupt's KeyboardInterrupt: nbclient keeps no output for a time-out
        messages = [m for m in messages if m["msg_type"] != "error"]
    parent = {"msg_id": msg_id}
    for message in messages:
        client.process_message(
            {"msg_type": message["msg_type"], "content": message["content"],
             "header": {"msg_type": message["msg_type"]}, "parent_header": parent},
            cell, index,
        )
    cell["execution_count"] = record["execution_count"]


def _record_timing(cell: NotebookNode, record: Mapping[str, Any]) -> None:
    """The cell's start, end and duration as the kernel measured them (papermill and nbclient keys)."""
    start, end = (datetime.datetime.fromtimestamp(record[k], datetime.UTC) for k in ("start", "end"))
    pm = cell.metadata.papermill
    pm["start_time"], pm["end_time"] = start.isoformat(), end.isoformat()
    pm["duration"] = record["end"] - record["start"]
    if "execution" in cell.metadata:  # nbclient's message-date format
        begun, done = (t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in (start, end))
        cell.metadata.execution.update({
            "iopub.execute_input": begun, "iopub.status.busy": begun,
            "iopub.status.idle": done, "shell.execute_reply": done,
        })
