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
import string
from collections.abc import Iterable
from pathlib import Path

TEMP_SUFFIX = ".tmp"
_HEX = frozenset(string.hexdigits.lower())


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


def temp_target(name: str) -> str | None:
    """The final file name a temporary name from :func:`temp_path_for` stands for, else None."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return None
    stem = name[1 : -len(TEMP_SUFFIX)]
    target, dot, token = stem.rpartition(".")
    if not dot or not target or len(token) != 12 or not all(c in _HEX for c in token):
        return None
    return target


def remove_stale_temps(folder: str | Path, names: Iterable[str] | None = None) -> list[Path]:
    """Delete temporary files an interrupted :func:`atomic_write_bytes` left in ``folder``.

    Only temporaries standing for one of ``names`` are removed (all when ``names`` is None).
    One directory scan, whatever the number of names, so cleaning thousands of report outputs
    stays linear.
    """
    folder = Path(folder)
    wanted = None if names is None else set(names)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        target = temp_target(entry.name)
        if target is None or (wanted is not None and target not in wanted):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed
