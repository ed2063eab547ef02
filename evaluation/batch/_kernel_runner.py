"""Kernel-side helper of :class:`evaluation.batch.execute.WarmKernel`: run a notebook's cells in one request.

Loaded *inside* the IPython kernel by file path (module ``_rolindex_kernel_runner``), so it imports
only the standard library eagerly. Executing a notebook cell by cell costs one execute request per
cell: about 7 ms of kernel and 4.5 ms of client CPU for an empty cell (status, input and reply
messages, their serialisation and the client's polling), a third of a district report's CPU.
:func:`run_cells` instead runs every cell through ``InteractiveShell.run_cell`` — the call the kernel
itself makes for an execute request, so magics, the display hook, ``post_execute`` hooks (the
inline backend's figures) and the ``In [n]`` counter behave as usual — and keeps the iopub
messages each cell would have sent (stream, display data, execute result, error, clear output),
exactly as the kernel built them, by intercepting the kernel session's ``send`` while the cells
run. The client replays those messages through nbclient's own ``process_message``, so the
notebook's outputs are what a cell-by-cell run gives. The records go back in the reply's payload.

A cell that needs the asyncio loop (top-level ``await``) cannot run nested in the kernel's running
loop: then nothing runs and the client executes the notebook cell by cell instead.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from typing import Any

#: Payload ``source`` of the reply that carries the cells' records.
PAYLOAD_SOURCE = "rolindex-cells"

#: iopub message types that belong to a cell's outputs (nbclient's ``process_message`` reads them).
_CAPTURED = frozenset({"stream", "display_data", "update_display_data", "execute_result", "error",
                       "clear_output"})


class _Capture:
    """Keeps the captured iopub messages of the cell running now; passes every other message on."""

    def __init__(self, sessions: list[Any]) -> None:
        self.messages: list[dict[str, Any]] | None = None
        self._patched = []
        for session in sessions:
            original = session.send

            def send(stream, msg_or_type, content=None, parent=None, ident=None, buffers=None,
                     track=False, header=None, metadata=None, _session=session, _original=original):
                sink = self.messages
                if sink is not None:
                    msg = msg_or_type if isinstance(msg_or_type, dict) else _session.msg(
                        msg_or_type, content=content, parent=parent, header=header, metadata=metadata)
                    if msg["msg_type"] in _CAPTURED:
                        sink.append({"msg_type": msg["msg_type"], "content": msg["content"]})
                        return msg
                return _original(stream, msg_or_type, content=content, parent=parent, ident=ident,
                                 buffers=buffers, track=track, header=header, metadata=metadata)

            session.send = send
            self._patched.append((session, "send"))
        for stream in {id(s): s for s in (sys.stdout, sys.stderr)}.values():
            if hasattr(stream, "_buffers") and "flush" not in vars(stream):
                _QuietFlush(stream).install()
                self._patched += [(stream, "flush"), (stream, "_flush")]

    def close(self) -> None:
        for owner, name in self._patched:
            delattr(owner, name)  # the instance attribute goes; the class's method shows again


def _sessions(shell: Any) -> list[Any]:
    """Every distinct session object output can leave the kernel through."""
    found: dict[int, Any] = {}
    for owner in (getattr(shell, "kernel", None), shell.display_pub, shell.displayhook, sys.stdout,
                  sys.stderr):
        session = getattr(owner, "session", None)
        if session is not None:
            found[id(session)] = session
    return list(found.values())


@functools.lru_cache(maxsize=512)
def _needs_loop(shell: Any, source: str) -> bool:
    """True when the cell would need the asyncio loop (top-level await), as the kernel decides.

    A report notebook's cells are the same for every district (only the parameters differ), so
    the answer is remembered per source text.
    """
    try:
        transformed = shell.transform_cell(source)
        exc_tuple = None
    except Exception:
        transformed, exc_tuple = source, sys.exc_info()
    return bool(shell.should_run_async(source, transformed_cell=transformed,
                                       preprocessing_exc_tuple=exc_tuple))


class _QuietFlush:
    """An ipykernel ``OutStream`` whose ``flush`` returns at once when there is nothing to send.

    ``OutStream.flush`` is a round trip to the kernel's IOPub thread even when empty, and every
    display and every result flushes both streams first (~50 times a report). Skipped only when
    the stream's buffers are empty and no flush is under way in the IOPub thread (counted by
    wrapping ``_flush``), so a cell's stream output is still sent before whatever follows it.
    """

    def __init__(self, stream: Any) -> None:
        self.stream, self.busy = stream, 0
        self._flush, self._send = stream.flush, stream._flush

    def install(self) -> None:
        self.stream.flush, self.stream._flush = self.flush, self.sending

    def sending(self) -> None:
        self.busy += 1
        try:
            self._send()
        finally:
            self.busy -= 1

    def flush(self) -> None:
        buffers = getattr(self.stream, "_buffers", None)
        if self.busy or not isinstance(buffers, dict) or any(b.tell() for b in list(buffers.values())):
            self._flush()


def run_cells(spec: str, progress: str | None = None) -> None:
    """Run the cells described by ``spec`` (JSON: a list of ``{index, source, cell_id, allow_errors}``).

    Stops after the first failing cell whose errors are not allowed, or on an interrupt (the
    client's time limit). Writes one payload: ``{source, status, cells: [{index,
    execution_count, status, start, end (Unix times), messages}]}``; ``status`` is ``"unsupported"`` (nothing
    ran) when a cell needs the asyncio loop. ``progress``: a file that holds the index of the cell
    running now, so a client whose kernel died (no reply) still knows which cell it was.
    """
    from IPython import get_ipython

    shell = get_ipython()
    cells = json.loads(spec)
    records: list[dict[str, Any]] = []
    status = "ok"
    if any(_needs_loop(shell, cell["source"]) for cell in cells):
        status = "unsupported"
        cells = []
    capture = _Capture(_sessions(shell)) if cells else None
    progress_fd = os.open(progress, os.O_WRONLY | os.O_CREAT, 0o600) if progress and cells else None
    try:
        for cell in cells:
            if progress_fd is not None:  # fixed width, rewritten in place: no truncation needed
                os.pwrite(progress_fd, f"{cell['index']:>10}".encode("ascii"), 0)
            record: dict[str, Any] = {"index": cell["index"], "execution_count": shell.execution_count,
                                      "status": "ok", "start": time.time(), "messages": []}
            records.append(record)
            capture.messages = record["messages"]
            try:
                result = shell.run_cell(cell["source"], store_history=True, silent=False,
                                        cell_id=cell.get("cell_id"))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                capture.messages = None
                record["end"] = time.time()
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                record["status"] = "error"
                if isinstance(error, KeyboardInterrupt) or not cell.get("allow_errors"):
                    break
    finally:
        if progress_fd is not None:
            os.close(progress_fd)
        if capture is not None:
            capture.close()
        shell.payload_manager.write_payload(
            {"source": PAYLOAD_SOURCE, "status": status, "cells": records}, single=False
        )
