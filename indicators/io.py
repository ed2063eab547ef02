"""Small file helpers shared by the library and the evaluation layer: atomic writes and hashes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

#: Suffix of the temporary files of :func:`atomic_write_bytes` (``.<name>.<12 hex>.tmp``).
TEMP_SUFFIX = ".tmp"


def temp_path_for(path: Path) -> Path:
    """A fresh temporary name beside ``path`` (same folder, so the final rename is atomic)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    A killed process leaves at most a temporary ``.<name>.<12 hex>.tmp`` (which
    :func:`evaluation.fileio.remove_stale_temps` recognises), never a half-written file. Unlike
    :func:`tempfile.mkstemp` (mode 0600) the file is created with mode 0666 minus the umask, like
    any ordinary file, so published reports stay readable by e.g. a web server. ``durable=True``
    fsyncs the data before the rename, so even after a power cut the final name refers to complete
    content.

    References
    ----------
    POSIX ``rename(2)``: the new name "shall remain visible to other threads throughout the
    renaming operation and refer either to the file referred to by new or old".
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


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_yaml(path: str | Path, what: str, error: type[Exception]) -> Any:
    """Parse a configuration YAML file strictly (UTF-8, no aliases); errors name the file and line.

    See :mod:`indicators.configfile`; ``what`` says what the file is.
    """
    from .configfile import read_config_yaml

    return read_config_yaml(path, what, error)[0]
