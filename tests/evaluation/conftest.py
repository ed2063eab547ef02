"""Fixtures of the evaluation tests: toy notebooks and a check that no kernel outlives a test."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import psutil
import pytest

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def notebook(name: str) -> Path:
    """Path of a toy notebook in ``tests/evaluation/notebooks``."""
    return NOTEBOOKS / f"{name}.ipynb"


def printed_connection(nb: nbformat.NotebookNode) -> dict:
    """What the ``connection`` toy notebook printed: its kernel's transport, socket addresses, pid."""
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("name") == "stdout")
    return json.loads(text)


def kernel_processes() -> list[psutil.Process]:
    """Running IPython kernels started (directly or via workers) by this test process."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if any("ipykernel_launcher" in part for part in proc.cmdline()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture(autouse=True)
def no_kernel_left_behind():
    """Fail a test that leaves kernels running (they must be shut down or exit on their own)."""
    before = {p.pid for p in kernel_processes()}
    yield
    deadline = time.monotonic() + 10
    while True:
        left = [p for p in kernel_processes() if p.pid not in before]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not left, f"kernels still running after the test: {[p.pid for p in left]}"
