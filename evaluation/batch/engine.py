"""Run many independent report notebooks in parallel, resumably, with a crash-safe manifest.

A :class:`Task` is one report: an id (e.g. the district code), a notebook, its parameters and
where the HTML and/or executed notebook go. :func:`run_batch` runs tasks

- locally on a pool of worker processes (default: one per core), each keeping one warm kernel
  (:class:`~evaluation.batch.execute.WarmKernel`) for all its tasks, or a fresh papermill kernel per
  task with ``mode="isolated"``;
- or on a Dask cluster (``scheduler="tcp://host:8786"`` or a ``distributed.Client``), where
  each Dask worker process likewise keeps a warm kernel across tasks. Workers write the outputs
  themselves, so the output folder must be on a file system they share.

Record keeping (all in the output folder):

- ``manifest.jsonl`` — a journal; the parent process appends one JSON line per finished task
  and fsyncs it before counting the task as done, so ``kill -9`` at any moment loses nothing
  already recorded. A torn last line (killed mid-append) is ignored on the next run.
- ``manifest.json`` — the readable state: for every task its status (``ok``, ``failed`` or
  ``skipped``), parameters, input hash, outputs with sizes, timing and, for failures, the cell,
  ``ename`` and ``evalue``. Rebuilt from the previous ``manifest.json`` plus the journal at the
  start of every batch, rewritten atomically every few seconds while running and at the end;
  after the final rewrite the journal is compacted to one line per task, so either file rebuilds
  the other. An unreadable or wrong-shaped manifest or journal line is "unknown state": it is
  ignored with a bilingual warning and the state rebuilt from the rest.
- ``.rolindex/lock`` — an exclusive ``flock`` so two batches cannot write the same folder (the
  operating system releases it when the process dies); ``.rolindex/logs/`` — kernel stderr.

Resume: a task is skipped when the manifest says it succeeded with the same input hash (SHA-256
of the notebook file, the canonical JSON of the parameters and every declared input file) and all
its outputs still exist with the recorded sizes and SHA-256 — keyed on content, never on paths
outside the folder or times, so a copied folder resumes and a report edited in place is redone;
``force=True`` reruns everything. Outputs are
only ever created by atomic rename (:mod:`evaluation.fileio`) and temporary files left by a
killed run are deleted before tasks start, so a half-written report never exists under its final
name. A failing task does not stop the others; failed tasks are listed in the
:class:`BatchOutcome` (``exit_code`` is 1 then) and rerun on the next batch.

References
----------
Futures API of :mod:`concurrent.futures` and Dask ``distributed`` ("Futures",
docs.dask.org/en/stable/futures.html); ``WorkerPlugin`` for per-worker teardown.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import multiprocessing.util
import os
import socket
import sys
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from indicators.io import sha256_file

from ..errors import BatchLockedError, NotebookParameterError, NotebookRunError, TaskError
from ..fileio import atomic_write_text, file_stem, remove_stale_temps
from .execute import (
    WarmKernel,
    check_parameters,
    declared_parameters,
    failed_notebook_path,
    notebook_kernel_name,
    remove_socket_dirs,
    run_notebook,
)

try:  # POSIX; on other systems batches are not protected against running twice at once
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["BatchOutcome", "Task", "TaskOutcome", "run_batch"]

Mode = Literal["warm", "isolated"]
MANIFEST = "manifest.json"
JOURNAL = "manifest.jsonl"
STATE_DIR = ".rolindex"
MANIFEST_FORMAT = "rolindex-batch-manifest"
MANIFEST_VERSION = 1
_HASH_SCHEME = b"rolindex-task-input-v1\0"
_MANIFEST_EVERY_S = 5.0


# --------------------------------------------------------------------------------------------
# tasks


@dataclass(frozen=True)
class Task:
    """One report to produce.

    Parameters
    ----------
    task_id : str
        Unique id within the batch, e.g. the district code; keys the manifest.
    notebook : path
        The parameterised report notebook (template).
    params : mapping
        Papermill parameters; must be JSON-serialisable (they are hashed and recorded).
    out_html, out_ipynb : path, optional
        Where the HTML report and the executed notebook go (at least one).
    inputs : paths
        Data files the notebook reads; their content is part of the input hash, so changing
        one reruns the task.
    cwd : path, optional
        Kernel working directory (default: the notebook's folder).
    timeout : float, optional
        Time limit for the whole notebook in seconds.
    """

    task_id: str
    notebook: Path
    params: Mapping[str, Any] = field(default_factory=dict)
    out_html: Path | None = None
    out_ipynb: Path | None = None
    inputs: tuple[Path, ...] = ()
    cwd: Path | None = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        def absolute(p: str | Path | None) -> Path | None:
            return None if p is None else Path(p).expanduser().absolute()

        object.__setattr__(self, "task_id", str(self.task_id))
        object.__setattr__(self, "notebook", absolute(self.notebook))
        object.__setattr__(self, "params", dict(self.params))
        object.__setattr__(self, "out_html", absolute(self.out_html))
        object.__setattr__(self, "out_ipynb", absolute(self.out_ipynb))
        object.__setattr__(self, "inputs", tuple(absolute(p) for p in self.inputs))
        object.__setattr__(self, "cwd", absolute(self.cwd))

    @classmethod
    def for_report(
        cls,
        task_id: str,
        notebook: str | Path,
        output_dir: str | Path,
        params: Mapping[str, Any] | None = None,
        *,
        html: bool = True,
        ipynb: bool = True,
        **kwargs: Any,
    ) -> Task:
        """A task writing ``<output_dir>/<stem>.html`` and/or ``.ipynb``, ``stem`` from
        :func:`~evaluation.fileio.file_stem` (the id itself unless too long)."""
        output_dir = Path(output_dir)
        stem = file_stem(str(task_id))
        return cls(
            task_id,
            Path(notebook),
            dict(params or {}),
            out_html=output_dir / f"{stem}.html" if html else None,
            out_ipynb=output_dir / f"{stem}.ipynb" if ipynb else None,
            **kwargs,
        )

    @property
    def outputs(self) -> dict[str, Path]:
        """The requested outputs by kind (``html``, ``ipynb``)."""
        out = {}
        if self.out_html is not None:
            out["html"] = self.out_html
        if self.out_ipynb is not None:
            out["ipynb"] = self.out_ipynb
        return out


def _params_json(params: Mapping[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


class _Hasher:
    """Input hashes of tasks; each declared input file is read once per batch."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[tuple[int, int], str]] = {}

    def file_digest(self, path: Path) -> str:
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
        cached = self._files.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        digest = h.hexdigest()
        self._files[path] = (key, digest)
        return digest

    def task_hash(self, task: Task) -> str:
        h = hashlib.sha256(_HASH_SCHEME)
        h.update(self.file_digest(task.notebook).encode())
        h.update(b"\0" + _params_json(task.params).encode("utf-8") + b"\0")
        for path in sorted(task.inputs):
            h.update(f"{path.name}\0{self.file_digest(path)}\0".encode())
        return "sha256:" + h.hexdigest()


def _validate(tasks: list[Task]) -> None:
    """Collect every problem in the task list and raise one :class:`TaskError`."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    owners: dict[Path, str] = {}
    param_errors: dict[str, list[str]] = defaultdict(list)
    declared: dict[Path, dict[str, Any]] = {}
    for task in tasks:
        tid = task.task_id
        if tid in seen_ids:
            problems.append(f"task {tid!r}: duplicate task id")
        seen_ids.add(tid)
        if not task.outputs:
            problems.append(f"task {tid!r}: no output requested (set out_html and/or out_ipynb)")
        clashes: dict[str, Path] = {}
        for path in task.outputs.values():
            for claimed in (path, failed_notebook_path(path)):
                other = owners.setdefault(claimed, tid)
                if other != tid:
                    clashes.setdefault(other, claimed)
        for other, claimed in clashes.items():
            problems.append(f"task {tid!r}: output {str(claimed)!r} also written by task {other!r}")
        if "{" in str(task.notebook) or "}" in str(task.notebook):
            problems.append(f"task {tid!r}: notebook path {str(task.notebook)!r} contains braces, "
                            "which papermill treats as a template")
            continue
        if not task.notebook.is_file():
            problems.append(f"task {tid!r}: notebook {str(task.notebook)!r} does not exist")
            continue
        for path in task.inputs:
            if not path.is_file():
                problems.append(f"task {tid!r}: declared input {str(path)!r} does not exist")
        try:
            _params_json(task.params)
        except (TypeError, ValueError) as exc:
            problems.append(f"task {tid!r}: parameters are not JSON-serialisable ({exc})")
            continue
        try:
            if task.notebook not in declared:
                declared[task.notebook] = declared_parameters(task.notebook)
            check_parameters(task.notebook, task.params, declared=declared[task.notebook])
        except NotebookParameterError as exc:
            param_errors[str(exc)].append(tid)
    for message, ids in param_errors.items():
        shown = ", ".join(repr(i) for i in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5
                                                          else "")
        problems.append(f"task{'s' if len(ids) > 1 else ''} {shown}: {message}")
    if problems:
        raise TaskError(problems)


# --------------------------------------------------------------------------------------------
# outcome


@dataclass
class TaskOutcome:
    """What happened to one task in this batch (``record`` is its manifest entry)."""

    task_id: str
    status: Literal["ok", "failed", "skipped"]
    record: dict[str, Any]
    error: NotebookRunError | None = None

    @property
    def duration_s(self) -> float | None:
        """Execution time including writing outputs (of the original run for skipped tasks)."""
        return self.record.get("duration_s")


@dataclass
class BatchOutcome:
    """The result of :func:`run_batch`: one :class:`TaskOutcome` per task, in task order."""

    tasks: list[TaskOutcome]
    manifest_path: Path
    wall_s: float
    mode: str
    workers: int | str

    def _with(self, status: str) -> list[TaskOutcome]:
        return [t for t in self.tasks if t.status == status]

    @property
    def ok(self) -> list[TaskOutcome]:
        """Tasks executed successfully in this batch."""
        return self._with("ok")

    @property
    def failed(self) -> list[TaskOutcome]:
        """Tasks that failed (each with ``error``)."""
        return self._with("failed")

    @property
    def skipped(self) -> list[TaskOutcome]:
        """Tasks skipped because their outputs were up to date."""
        return self._with("skipped")

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, else 1 (for a command-line front end)."""
        return 1 if self.failed else 0

    def summary(self) -> str:
        """One line: counts and wall time."""
        return (
            f"{len(self.ok)} ok, {len(self.failed)} failed, {len(self.skipped)} skipped of "
            f"{len(self.tasks)} in {self.wall_s:.1f} s ({self.mode}, workers={self.workers})"
        )


# --------------------------------------------------------------------------------------------
# manifest


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class _Manifest:
    """``manifest.json`` plus its append-only journal ``manifest.jsonl`` (see module docstring)."""

    def __init__(self, output_dir: Path) -> None:
        self.dir = output_dir
        self.path = output_dir / MANIFEST
        self.journal_path = output_dir / JOURNAL
        self.records: dict[str, dict[str, Any]] = {}
        self.batch: dict[str, Any] = {}
        self.warnings: list[str] = []
        self._load()
        self._fd: int | None = None
        self._last_flush = 0.0

    def _load(self) -> None:
        """Records from ``manifest.json``, then the journal; anything unreadable is "unknown state".

        A manifest that is not JSON, not an object, of another format, or holds wrong-shaped
        records is not trusted: the state is rebuilt from the journal (which :meth:`close` leaves
        holding every record) and every record kept is checked against the files by content hash
        before a task is skipped (:func:`_up_to_date`). Each problem becomes one bilingual warning.
        """
        remove_stale_temps(self.dir, [MANIFEST, JOURNAL])
        if self.path.exists():
            problem = None
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict):
                    problem = f"a JSON {type(data).__name__}, not an object"
                elif data.get("format") != MANIFEST_FORMAT:
                    problem = f"not a {MANIFEST_FORMAT} file"
                elif not isinstance(data.get("tasks", {}), dict):
                    problem = "'tasks' is not an object"
                else:
                    bad = []
                    for key, record in data.get("tasks", {}).items():
                        if _record_ok(record) and record["task_id"] == key:
                            self.records[key] = record
                        else:
                            bad.append(key)
                    if bad:
                        problem = f"{len(bad)} wrong-shaped task record(s), e.g. {bad[0]!r}"
            except (ValueError, OSError) as exc:  # UnicodeDecodeError is a ValueError
                problem = str(exc)
            if problem is not None:
                self.warnings.append(
                    f"清单 {self.path} 无法使用（{problem}），已按日志和文件重建 / "
                    f"unusable {self.path} ({problem}): state rebuilt from the journal and the files")
        if self.journal_path.exists():
            raw = self.journal_path.read_bytes()
            for n, line in enumerate(raw.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if _record_ok(record):
                    self.records[record["task_id"]] = record
                else:
                    self.warnings.append(
                        f"日志 {self.journal_path} 第 {n} 行无法使用，已忽略 / "
                        f"ignored torn or wrong-shaped line {n} of {self.journal_path}")

    def open(self) -> None:
        self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        size = os.fstat(self._fd).st_size
        if size:  # a torn last line must not swallow the next record
            with open(self.journal_path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    os.write(self._fd, b"\n")

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Journal records durably (one write, one fsync), then apply them."""
        records = list(records)
        if not records:
            return
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        assert self._fd is not None
        os.write(self._fd, data.encode("utf-8"))
        os.fsync(self._fd)
        for r in records:
            self.records[r["task_id"]] = r

    def write(self, *, force: bool = False) -> None:
        """Rewrite ``manifest.json`` atomically (at most every few seconds unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._last_flush < _MANIFEST_EVERY_S:
            return
        self._last_flush = now
        counts: dict[str, int] = defaultdict(int)
        for r in self.records.values():
            counts[r["status"]] += 1
        doc = {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "updated": _now(),
            "counts": dict(sorted(counts.items())),
            "last_batch": self.batch,
            "tasks": dict(sorted(self.records.items())),
        }
        atomic_write_text(self.path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")

    def close(self) -> None:
        """Final rewrite of ``manifest.json``, then compact the journal to one line per task.

        The journal then holds the same state as the manifest, so either file rebuilds the other
        when one is damaged.
        """
        self.write(force=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                            for _, r in sorted(self.records.items()))
            atomic_write_text(self.journal_path, lines)


_STATUSES = ("ok", "failed", "skipped")


def _record_ok(record: Any) -> bool:
    """Whether a manifest/journal record has the shape the engine relies on."""
    if not isinstance(record, dict) or not isinstance(record.get("task_id"), str):
        return False
    if record.get("status") not in _STATUSES:
        return False
    outputs = record.get("outputs", {})
    if outputs is None:
        return True
    return isinstance(outputs, dict) and all(isinstance(e, dict) for e in outputs.values())


@contextlib.contextmanager
def _locked(output_dir: Path) -> Iterator[None]:
    state = output_dir / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    lock_path = state / "lock"
    fh = open(lock_path, "a+")
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BatchLockedError(lock_path) from None
        yield
    finally:
        fh.close()


def _rel(path: Path | None, base: Path) -> str | None:
    """A path as stored in the manifest: relative to the output folder when inside it."""
    if path is None:
        return None
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def _up_to_date(task: Task, record: dict[str, Any] | None, input_hash: str, base: Path) -> bool:
    """Whether ``record`` says the task succeeded with these inputs and its outputs are unchanged.

    Keyed on content, not on locations or times: the input hash (notebook, parameters and input
    file contents) and each output's size and SHA-256 as recorded when it was written, with output
    paths relative to the output folder — so a copied folder resumes, and a report edited in
    place (even at the same size) is redone.
    """
    if not record or record.get("status") not in ("ok", "skipped"):
        return False
    if record.get("input_hash") != input_hash:
        return False
    recorded = record.get("outputs") or {}
    if set(recorded) != set(task.outputs):
        return False
    for kind, path in task.outputs.items():
        entry = recorded[kind]
        if entry.get("path") != _rel(path, base) or not isinstance(entry.get("sha256"), str):
            return False
        try:
            if path.stat().st_size != entry.get("bytes") or sha256_file(path) != entry["sha256"]:
                return False
        except FileNotFoundError:
            return False
    return True


# --------------------------------------------------------------------------------------------
# running one task (inside a worker)


@dataclass(frozen=True)
class _WorkerConfig:
    mode: Mode
    recycle_every: int | None
    log_dir: Path | None


_kernels: dict[tuple[int, int, str], WarmKernel] = {}
_kernels_lock = threading.Lock()


def _warm_kernel(kernel_name: str, config: _WorkerConfig) -> WarmKernel:
    """This process's and thread's warm kernel for ``kernel_name`` (created on first use)."""
    key = (os.getpid(), threading.get_ident(), kernel_name)
    with _kernels_lock:
        kernel = _kernels.get(key)
        if kernel is None:
            log = None
            if config.log_dir is not None:
                log = config.log_dir / f"kernel-{socket.gethostname()}-{os.getpid()}.log"
            kernel = WarmKernel(kernel_name, recycle_every=config.recycle_every, kernel_log=log)
            _kernels[key] = kernel
    return kernel


def _close_kernels() -> None:
    """Shut down every warm kernel of this process (worker exit / Dask worker teardown)."""
    with _kernels_lock:
        kernels = list(_kernels.values())
        _kernels.clear()
    for kernel in kernels:
        with contextlib.suppress(Exception):
            kernel.close()


def _file_entry(path: Path, base: Path) -> dict[str, Any]:
    """An output as recorded: path (relative to the output folder), size and SHA-256."""
    return {"path": _rel(path, base), "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _execute_task(task: Task, config: _WorkerConfig, base: Path) -> dict[str, Any]:
    """Run one task where this function is called and describe the result as a manifest record.

    Never raises for a failing notebook or a broken kernel: every failure becomes a record with
    status ``failed`` and an ``error``.
    """
    started = _now()
    t0 = time.perf_counter()
    error: NotebookRunError | None = None
    written: dict[str, Path] = {}
    try:
        if config.mode == "warm":
            kernel = _warm_kernel(notebook_kernel_name(task.notebook), config)
            result = kernel.run(
                task.notebook, task.params, task.out_ipynb, task.out_html,
                cwd=task.cwd, timeout=task.timeout, raise_on_error=False, title=task.task_id,
            )
        else:
            result = run_notebook(
                task.notebook, task.params, task.out_ipynb, task.out_html,
                cwd=task.cwd, timeout=task.timeout, raise_on_error=False, title=task.task_id,
            )
        error, written = result.error, result.written
    except Exception as exc:  # infrastructure: kernel would not start, disk full, ...
        error = NotebookRunError(
            task.notebook, None, type(exc).__name__, str(exc), traceback.format_exc()
        )
        for path in task.outputs.values():  # never leave a possibly mixed set of outputs
            path.unlink(missing_ok=True)
            failed_notebook_path(path).unlink(missing_ok=True)
    outputs = {}
    if error is None:
        outputs = {kind: _file_entry(path, base) for kind, path in task.outputs.items()}
    failed_nb = written.get("failed_ipynb")
    return {
        "task_id": task.task_id,
        "status": "ok" if error is None else "failed",
        "outputs": outputs,
        "failed_notebook": _rel(failed_nb, base),
        "started": started,
        "finished": _now(),
        "duration_s": round(time.perf_counter() - t0, 4),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "error": None if error is None else error.to_dict(),
    }


def _crash_record(task: Task, exc: BaseException) -> dict[str, Any]:
    """Record for a task whose worker process died or whose future failed."""
    error = NotebookRunError(task.notebook, None, type(exc).__name__, str(exc) or repr(exc))
    return {
        "task_id": task.task_id, "status": "failed", "outputs": {}, "failed_notebook": None,
        "started": None, "finished": _now(), "duration_s": None, "worker": None,
        "error": error.to_dict(),
    }


# local process pool ------------------------------------------------------------------------

_worker_config: _WorkerConfig | None = None


def _init_pool_worker(config: _WorkerConfig, parent_pid: int) -> None:
    """Pool-worker initializer: remember the config, exit if orphaned, close kernels at exit."""
    global _worker_config
    _worker_config = config
    multiprocessing.util.Finalize(None, _close_kernels, exitpriority=100)

    def watch_parent() -> None:  # a killed batch must not leave workers running tasks
        while True:
            if os.getppid() != parent_pid:
                with contextlib.suppress(Exception):  # nobody else will: kernels exit via os._exit
                    remove_socket_dirs()
                os._exit(1)  # kernels notice their parent is gone and exit too (ipykernel)
            time.sleep(0.25)

    threading.Thread(target=watch_parent, name="rolindex-orphan-guard", daemon=True).start()


def _pool_execute(task: Task, base: Path) -> dict[str, Any]:
    assert _worker_config is not None
    return _execute_task(task, _worker_config, base)


def _run_local(
    todo: list[Task], workers: int, config: _WorkerConfig, base: Path,
    done: Callable[[Task, dict[str, Any]], None],
) -> None:
    """Run tasks on a spawn-based process pool, at most ``workers`` in flight.

    If a worker process itself dies (not just its kernel), the pool breaks: the tasks in flight
    are recorded as failed and a new pool continues with the rest.
    """
    pending = list(reversed(todo))
    ctx = multiprocessing.get_context("spawn")
    while pending:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_init_pool_worker,
            initargs=(config, os.getpid()),
        ) as pool:
            in_flight: dict[Future[dict[str, Any]], Task] = {}
            broken = False
            while (pending or in_flight) and not broken:
                while pending and len(in_flight) < workers:
                    task = pending.pop()
                    in_flight[pool.submit(_pool_execute, task, base)] = task
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    task = in_flight.pop(fut)
                    try:
                        record = fut.result()
                    except BrokenProcessPool as exc:
                        broken = True
                        record = _crash_record(task, exc)
                    done(task, record)
            if broken:
                for task in in_flight.values():
                    done(task, _crash_record(task, BrokenProcessPool("worker process died")))
                in_flight.clear()


def _run_inline(
    todo: list[Task], config: _WorkerConfig, base: Path,
    done: Callable[[Task, dict[str, Any]], None],
) -> None:
    """``workers=0``: run in this process (debugging, notebooks, tests)."""
    try:
        for task in todo:
            done(task, _execute_task(task, config, base))
    finally:
        _close_kernels()


# Dask --------------------------------------------------------------------------------------


def _dask_execute(task: Task, config: _WorkerConfig, base: Path) -> dict[str, Any]:
    return _execute_task(task, config, base)


def _dask_plugin() -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmKernelTeardown(WorkerPlugin):
        """Shut the worker's warm kernels down when the Dask worker closes."""

        name = "rolindex-warm-kernels"
        idempotent = True

        def teardown(self, worker: Any) -> None:
            _close_kernels()

    return WarmKernelTeardown()


def _run_dask(
    todo: list[Task], scheduler: Any, config: _WorkerConfig, base: Path,
    done: Callable[[Task, dict[str, Any]], None],
) -> None:
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        if config.mode == "warm":
            client.register_plugin(_dask_plugin(), name="rolindex-warm-kernels")
        batch_key = hashlib.sha1(f"{time.time_ns()}-{os.getpid()}".encode()).hexdigest()[:10]
        futures = {
            client.submit(
                _dask_execute, task, config, base, pure=False,
                key=f"rolindex-report-{batch_key}-{i}",
            ): task
            for i, task in enumerate(todo)
        }
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                record = fut.result()
            except Exception as exc:  # e.g. KilledWorker after repeated worker deaths
                record = _crash_record(task, exc)
            done(task, record)
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------------------------
# the batch


def default_workers() -> int:
    """Cores available to this process (affinity/cgroup aware where Python can tell)."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def run_batch(
    tasks: Iterable[Task],
    *,
    output_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    mode: Mode = "warm",
    force: bool = False,
    progress: bool = True,
    recycle_every: int | None = 200,
) -> BatchOutcome:
    """Run report tasks in parallel, skipping up-to-date ones, and record them in a manifest.

    Parameters
    ----------
    tasks : iterable of Task
        Independent reports; validated together before anything runs (:class:`TaskError`
        lists every problem, including unknown or missing notebook parameters).
    output_dir : path, optional
        Folder of ``manifest.json``; default: the deepest folder containing every output.
    workers : int, optional
        Local worker processes (default: the cores available). ``0`` runs in this process.
        Ignored with ``scheduler``.
    scheduler : str or distributed.Client, optional
        Run on this Dask cluster instead of locally.
    mode : {"warm", "isolated"}
        One reused kernel per worker (fast) or a fresh papermill kernel per task.
    force : bool
        Rerun tasks even when their outputs are up to date.
    progress : bool
        Show a tqdm bar on stderr with ok/failed/skipped counts, rate and ETA.
    recycle_every : int or None
        Replace each warm kernel after this many reports.

    Returns
    -------
    BatchOutcome
        Per-task outcomes; ``exit_code`` is 1 if any task failed. Failing tasks never stop the
        others.

    Notes
    -----
    Local workers are started with the ``spawn`` method (no fork of a process that may hold
    threads, event loops or kernels), so a *script* calling ``run_batch`` with workers must
    guard its entry point with ``if __name__ == "__main__":``; notebooks need nothing. Worker
    processes exit on their own when the batch process is killed, and their kernels follow
    (ipykernel polls its parent).
    """
    if mode not in ("warm", "isolated"):
        raise ValueError(f"mode must be 'warm' or 'isolated', not {mode!r}")
    if workers is not None and workers < 0:
        raise ValueError(f"workers must be >= 0, not {workers}")
    t_start = time.perf_counter()
    tasks = list(tasks)
    _validate(tasks)
    if output_dir is None:
        parents = [str(p.parent) for t in tasks for p in t.outputs.values()]
        if not parents:
            raise TaskError(["no tasks given and no output_dir"])
        output_dir = os.path.commonpath(parents)
    base = Path(output_dir).expanduser().absolute()
    base.mkdir(parents=True, exist_ok=True)

    with _locked(base):
        manifest = _Manifest(base)
        for message in manifest.warnings:
            print(f"rolindex batch: {message}", file=sys.stderr)
        hasher = _Hasher()
        hashes: dict[str, str] = {}
        todo: list[Task] = []
        skipped: list[dict[str, Any]] = []
        by_folder: dict[Path, set[str]] = defaultdict(set)
        for task in tasks:
            for path in task.outputs.values():
                by_folder[path.parent].update({path.name, failed_notebook_path(path).name})
        for folder, names in by_folder.items():
            remove_stale_temps(folder, names)
        for task in tasks:
            hashes[task.task_id] = h = hasher.task_hash(task)
            previous = manifest.records.get(task.task_id)
            if not force and _up_to_date(task, previous, h, base):
                assert previous is not None
                skipped.append({**previous, "status": "skipped", "skipped_at": _now()})
            else:
                todo.append(task)

        if scheduler is not None:
            n_workers: int | str = "dask"
        elif workers is None:
            n_workers = max(1, min(default_workers(), len(todo)))
        else:
            n_workers = workers
        config = _WorkerConfig(mode, recycle_every, base / STATE_DIR / "logs")
        manifest.batch = {
            "started": _now(), "finished": None, "mode": mode, "workers": n_workers,
            "tasks": len(tasks), "to_run": len(todo), "skipped": len(skipped), "force": force,
        }
        outcomes: dict[str, TaskOutcome] = {}
        manifest.open()
        bar = _progress(len(tasks), len(skipped), progress)
        counts = {"ok": 0, "failed": 0, "skipped": len(skipped)}
        try:
            manifest.append(skipped)
            for record in skipped:
                outcomes[record["task_id"]] = TaskOutcome(record["task_id"], "skipped", record)
            manifest.write(force=True)

            def done(task: Task, record: dict[str, Any]) -> None:
                record = {
                    **record,
                    "notebook": str(task.notebook),
                    "parameters": task.params,
                    "inputs": [str(p) for p in task.inputs],
                    "input_hash": hashes[task.task_id],
                    "mode": mode,
                }
                manifest.append([record])
                error = record["error"]
                outcomes[task.task_id] = TaskOutcome(
                    task.task_id, record["status"], record,
                    None if error is None else NotebookRunError.from_dict(error),
                )
                counts[record["status"]] += 1
                if bar is not None:
                    bar.set_postfix(counts, refresh=False)
                    bar.update(1)
                manifest.write()

            if todo:
                if scheduler is not None:
                    _run_dask(todo, scheduler, config, base, done)
                elif n_workers == 0:
                    _run_inline(todo, config, base, done)
                else:
                    _run_local(todo, int(n_workers), config, base, done)
        finally:
            if bar is not None:
                bar.close()
            manifest.batch["finished"] = _now()
            manifest.close()

    ordered = [outcomes[t.task_id] for t in tasks if t.task_id in outcomes]
    return BatchOutcome(ordered, base / MANIFEST, time.perf_counter() - t_start, mode, n_workers)


def _progress(total: int, initial: int, enabled: bool) -> Any:
    """A tqdm bar on stderr; when stderr is not a terminal (a log file, a pipe), one plain line at the
    end instead of ``\r`` updates (:class:`_PlainProgress`); None when disabled."""
    if not enabled:
        return None
    if not _is_terminal(sys.stderr):
        return _PlainProgress(total, initial)
    from tqdm import tqdm

    bar = tqdm(total=total, initial=initial, unit="report", file=sys.stderr, dynamic_ncols=True,
               desc="reports")
    bar.set_postfix({"ok": 0, "failed": 0, "skipped": initial})
    return bar


class _PlainProgress:
    """The progress bar's counts for a log file: nothing while running, one line when done."""

    def __init__(self, total: int, initial: int) -> None:
        self.total, self.n, self.t0 = total, initial, time.perf_counter()
        self.counts: dict[str, int] = {"ok": 0, "failed": 0, "skipped": initial}

    def set_postfix(self, counts: Mapping[str, int], refresh: bool = False) -> None:
        self.counts = dict(counts)

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items())
        print(f"reports: {self.n}/{self.total} in {time.perf_counter() - self.t0:.1f} s, {counts}",
              file=sys.stderr, flush=True)


def _is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal (False for files, pipes and closed streams)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
