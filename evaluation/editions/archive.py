"""The edition archive: ``<out>/editions/<framework>/<year>/v<N>/`` and its manifest of SHA-256 hashes.

An edition folder is built under a hidden staging name and renamed into place only when complete
(its ``manifest.json`` written last), so ``v<N>`` is either absent or whole; an existing edition
folder is never written into. :func:`verify_manifest` checks every file against the manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..errors import EvaluationError
from ..fileio import atomic_write_text

#: The manifest's file name inside an edition folder.
MANIFEST = "manifest.json"
#: The edition's own record (what was frozen, each district's report fingerprint and edition of issue).
EDITION = "edition.json"


class EditionError(EvaluationError, ValueError):
    """An edition cannot be published or read: it exists already, its archive is missing or altered."""


def year_folder(out: str | Path, framework_id: str, year: int) -> Path:
    """``<out>/editions/<framework id>/<year>``: every edition of one year."""
    from ..report.content import safe_name

    return Path(out) / "editions" / safe_name(framework_id) / str(int(year))


def edition_folder(out: str | Path, framework_id: str, year: int, number: int) -> Path:
    """``<out>/editions/<framework id>/<year>/v<number>``."""
    return year_folder(out, framework_id, year) / f"v{int(number)}"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(folder: Path, meta: dict[str, Any]) -> str:
    """Write ``manifest.json`` (``meta`` + the SHA-256 and size of every other file) atomically; return its hash."""
    files = {p.relative_to(folder).as_posix(): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
             for p in _files(folder)}
    text = json.dumps({**meta, "files": files}, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_write_text(folder / MANIFEST, text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_manifest(folder: str | Path, manifest_sha256: str | None = None) -> list[str]:
    """Every difference between an edition folder and its manifest (empty: the edition is intact).

    Lists files missing, altered (hash differs) or added since publishing, and — with
    ``manifest_sha256`` (as the ledger recorded it) — a manifest that is not the one published.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        return [f"缺少清单 / no {MANIFEST} in {folder}"]
    raw = path.read_bytes()
    problems = []
    if manifest_sha256 is not None and hashlib.sha256(raw).hexdigest() != manifest_sha256:
        problems.append(f"清单已被改动 / {path} is not the manifest the ledger recorded")
    listed = json.loads(raw.decode("utf-8")).get("files", {})
    present = {p.relative_to(folder).as_posix(): p for p in _files(folder)}
    for name, rec in sorted(listed.items()):
        if name not in present:
            problems.append(f"文件缺失 / missing: {name}")
        elif sha256_file(present[name]) != rec["sha256"]:
            problems.append(f"文件已被改动 / altered: {name}")
    for name in sorted(set(present) - set(listed)):
        problems.append(f"清单外文件 / not in the manifest: {name}")
    return problems
