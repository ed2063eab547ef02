"""Evidence files (佐证材料) stored content-addressed: ``<evidence dir>/ab/abcdef…`` by their sha256.

A file is written once (atomically) and never replaced or removed; storing the same content again
is a no-op, so a killed intake that stored a file before its transaction rolled back costs nothing
but the bytes, and the rerun finds it there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..fileio import atomic_write_bytes


def evidence_path(folder: Path, sha256: str) -> Path:
    """Where the file with ``sha256`` lives in ``folder``."""
    return folder / sha256[:2] / sha256


def store_file(folder: Path, source: Path) -> tuple[str, int]:
    """Copy ``source`` into the store; return its sha256 and size."""
    data = Path(source).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    target = evidence_path(folder, sha)
    if not target.is_file() or target.stat().st_size != len(data):
        atomic_write_bytes(target, data)
    return sha, len(data)
