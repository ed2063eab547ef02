"""Exceptions of the evaluation layer.

Every error a user can trigger derives from :class:`EvaluationError`; errors about bad input
(unknown notebook parameters, a malformed task list) also derive from ``ValueError``. The
exceptions carry their facts as attributes (notebook, cell index, ...) so callers such as the batch
manifest can record them without parsing messages, and they survive pickling between processes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class EvaluationError(Exception):
    """Base class of every error raised by :mod:`evaluation`."""


class ReportDataError(EvaluationError, ValueError):
    """Bad input to a report: unknown district or year, language, output name or input file.

    Raised before anything is rendered, with the allowed values in the message.
    """


class NotebookParameterError(EvaluationError, ValueError):
    """Parameters passed to a report notebook do not match its ``parameters`` cell.

    Raised before anything executes. ``unknown`` lists every passed name the notebook does not
    declare; ``missing`` every declared parameter marked required (see
    :func:`evaluation.batch.execute.check_parameters`) that was not passed.
    """

    def __init__(
        self,
        notebook: str | Path,
        unknown: Iterable[str] = (),
        missing: Iterable[str] = (),
        declared: Iterable[str] = (),
    ) -> None:
        self.notebook = str(notebook)
        self.unknown = sorted(unknown)
        self.missing = sorted(missing)
        self.declared = list(declared)
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [f"parameters do not match notebook {self.notebook!r}"]
        for name in self.unknown:
            import difflib  # only when a name is wrong: keeps it off every command's start-up

            hint = difflib.get_close_matches(name, self.declared, n=1)
            near = f"; did you mean {hint[0]!r}?" if hint else ""
            lines.append(f"  - unknown parameter {name!r}{near}")
        for name in self.missing:
            lines.append(f"  - missing required parameter {name!r}")
        allowed = ", ".join(self.declared) or "(none: the notebook has no 'parameters' cell)"
        lines.append(f"  declared parameters: {allowed}")
        return "\n".join(lines)

    def __reduce__(self):
        return (type(self), (self.notebook, self.unknown, self.missing, self.declared))


class NotebookRunError(EvaluationError):
    """A report notebook failed while executing.

    ``cell_index`` is the position of the failing cell in the executed notebook (after the
    injected-parameters cell, before papermill's error-banner cells), as in papermill's
    ``PapermillExecutionError``; ``None`` when no cell can be blamed (e.g. the kernel would not
    start). ``ename``/``evalue`` are the exception name and value reported by the kernel, or
    ``DeadKernelError``/``CellTimeoutError`` for a dead or timed-out kernel.
    """

    def __init__(
        self,
        notebook: str | Path,
        cell_index: int | None,
        ename: str,
        evalue: str,
        traceback: str = "",
        execution_count: int | None = None,
    ) -> None:
        self.notebook = str(notebook)
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
        self.execution_count = execution_count
        where = "before any cell ran" if cell_index is None else f"at cell {cell_index}"
        if execution_count is not None:
            where += f" (In [{execution_count}])"
        super().__init__(f"notebook {self.notebook!r} failed {where}: {ename}: {evalue}")

    def __reduce__(self):
        return (
            type(self),
            (self.notebook, self.cell_index, self.ename, self.evalue, self.traceback,
             self.execution_count),
        )

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready dict (what the batch manifest stores)."""
        return {
            "notebook": self.notebook,
            "cell_index": self.cell_index,
            "execution_count": self.execution_count,
            "ename": self.ename,
            "evalue": self.evalue,
            "traceback": self.traceback,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> NotebookRunError:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data["notebook"], data.get("cell_index"), data["ename"], data["evalue"],
            data.get("traceback", ""), data.get("execution_count"),
        )


class TaskError(EvaluationError, ValueError):
    """A batch task list is malformed; ``problems`` lists every problem found, one per task."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"batch task list has {n} problem{'s' if n != 1 else ''}"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))

    def __reduce__(self):
        return (type(self), (self.problems,))


class BatchLockedError(EvaluationError, RuntimeError):
    """Another batch is already writing to the same output folder (its lock file is held)."""

    def __init__(self, lock_path: str | Path) -> None:
        self.lock_path = str(lock_path)
        super().__init__(
            f"another batch holds {self.lock_path!r}; wait for it to finish or pick another "
            "output folder (the lock is released automatically when that process exits)"
        )

    def __reduce__(self):
        return (type(self), (self.lock_path,))


class OverwriteRefusedError(EvaluationError, FileExistsError):
    """A file would be overwritten without the caller asking for it (e.g. a tuned methodology)."""
