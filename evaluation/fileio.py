"""Crash-safe file writes for report outputs and batch manifests.

A report file only ever appears under its final name complete: it is written to a temporary file
in the same folder (``.<name>.<random>.tmp``), flushed and fsynced, then renamed with
:func:`os.replace`, which is atomic on POSIX and Windows when source and target share a folder.
A killed process can therefore leave temporary files behind, never a half-written report;
:func:`remove_stale_temps` clears them.

References
----------
POSIX ``rename(2)``: "If the link named by the new argument exists, it shall be removed and old
renamed to new ... a link named new shall remain visible to other threads throughout the
renaming operation and refer either to the file referred to by new or old".
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_path_for(path: Path) -> Path:
    """A fresh temporary name beside ``path`` (same folder, so the final rename is atomic)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Unlike :func:`tempfile.mkstemp` (mode 0600) the file is created with mode 0666 minus the
    umask, like any ordinary file, so published reports stay readable by e.g. a web server.
    ``durable=True`` fsyncs the data before the rename, so even after a power cut the final name
    refers to complete content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | Path, text: str, *, durable: bool = True) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


def stale_temps(path: str | Path) -> list[Path]:
    """Temporary files that :func:`atomic_write_bytes` may have left beside ``path``."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    return sorted(path.parent.glob(f".{_glob_escape(path.name)}.*{TEMP_SUFFIX}"))


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Delete the temporary files left beside ``path`` by an interrupted write; return them."""
    removed = []
    for tmp in stale_temps(path):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
