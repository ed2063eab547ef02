"""Crash-safe file writes for report outputs and batch manifests: clean-up of interrupted writes.

The write itself is :func:`indicators.io.atomic_write_bytes` (one implementation for both
packages; re-exported here): a report file only ever appears under its final name complete. It is
written to a temporary file in the same folder (``.<name>.<12 hex>.tmp``), flushed and fsynced,
then renamed with :func:`os.replace`, which is atomic on POSIX and Windows when source and target
share a folder. A killed process can therefore leave temporary files behind, never a half-written
report; :func:`remove_stale_temps` clears them.

References
----------
POSIX ``rename(2)``: "If the link named by the new argument exists, it shall be removed and old
renamed to new ... a link named new shall remain visible to other threads throughout the
renaming operation and refer either to the file referred to by new or old".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import string
from collections.abc import Iterable
from pathlib import Path

from indicators.io import TEMP_SUFFIX, atomic_write_bytes, atomic_write_text, temp_path_for

_HEX = frozenset(string.hexdigits.lower())

__all__ = ["MAX_STEM_BYTES", "TEMP_SUFFIX", "atomic_write_bytes", "atomic_write_text", "file_stem",
           "remove_stale_temps", "temp_path_for", "temp_target"]

#: Longest file stem derived from an id, in UTF-8 bytes: room for ``.failed.ipynb`` and the
#: temporary-file decoration within the usual 255-byte name limit.
MAX_STEM_BYTES = 100
_STEM_HASH = 12


def file_stem(identifier: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A bounded, collision-free file stem for an id (a district code, a task id).

    An id of at most ``max_bytes`` UTF-8 bytes is its own stem. A longer one is cut at a
    character boundary and followed by ``~`` and the first 12 hex digits of the SHA-256 of the
    whole id, so two long ids sharing a prefix get different names; the full id stays in the
    manifest and on the pages.
    """
    data = identifier.encode("utf-8")
    if len(data) <= max_bytes:
        return identifier
    digest = hashlib.sha256(data).hexdigest()[:_STEM_HASH]
    head = data[: max_bytes - _STEM_HASH - 1].decode("utf-8", errors="ignore")
    return f"{head}~{digest}"


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
