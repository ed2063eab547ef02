"""A cache of parsed configuration files, so a command need not import yaml and parse YAML each run.

``rolindex validate`` spends more time importing PyYAML and parsing the district framework than
validating a submission. What the strict loader produced for a file is therefore kept as JSON in the
user's cache folder, keyed by the SHA-256 of the file's bytes, the kind of file and
:data:`FORMAT`; the next run reads it back with the standard library's C JSON parser instead.

Rules that keep it safe and invisible:

- **JSON only** (never pickle, marshal or eval): a cache entry is data, and whatever it says is
  validated again by the caller (a framework is still checked by ``framework_from_dict``).
- **Exact round trips only.** A value is cached only when JSON gives back the same types and
  values (dicts with string keys, lists, strings, finite floats, ints, booleans, None). A YAML date,
  integer key, ``.nan`` or ``.inf`` makes the file uncached — it is simply parsed every time.
- **Never an error.** A missing, unreadable, corrupt or foreign entry is a miss; an unwritable folder
  means nothing is stored. Entries are written atomically (:func:`indicators.io.atomic_write_bytes`).
- **Configuration.** The folder is ``$ROLINDEX_CACHE_DIR``, else ``$XDG_CACHE_HOME/rolindex``, else
  ``~/.cache/rolindex``. ``ROLINDEX_NO_CACHE=1`` turns the cache off.

The content hash of a framework is computed from the parsed data, not from this cache, so it is the
same whether the file was parsed or read back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, Final

__all__ = ["DISABLE_ENV", "DIR_ENV", "FORMAT", "MISS", "cache_dir", "json_exact", "load", "store"]

#: Bump when what a loader produces for the same bytes changes (new line markers, new loader rules):
#: entries written under another format are never read.
FORMAT: Final = 1
#: Environment variable naming the cache folder.
DIR_ENV: Final = "ROLINDEX_CACHE_DIR"
#: Environment variable that turns the cache off when set to anything but ``""``, ``0``, ``false`` or ``no``.
DISABLE_ENV: Final = "ROLINDEX_NO_CACHE"
#: Entries of one kind kept; older ones are removed when a new one is written.
KEEP: Final = 32
#: Returned by :func:`load` on a miss (None is a valid parsed value).
MISS: Final = object()


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off (or there is no home folder for it)."""
    if os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no"):
        return None
    explicit = os.environ.get(DIR_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home.startswith("~"):  # no home folder to be found: do not cache into a folder named "~"
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "rolindex"


def _key(kind: str, data: bytes) -> str:
    return hashlib.sha256(f"{kind}\0{FORMAT}\0".encode() + data).hexdigest()


def _entry(folder: Path, kind: str, key: str) -> Path:
    return folder / f"{kind}-{key}.json"


def load(kind: str, data: bytes) -> Any:
    """The value stored for a file of ``kind`` whose bytes are ``data``, or :data:`MISS`."""
    folder = cache_dir()
    if folder is None:
        return MISS
    key = _key(kind, data)
    try:
        entry = json.loads(_entry(folder, kind, key).read_bytes())
    except (OSError, ValueError, RecursionError):  # absent, unreadable, truncated, not UTF-8, too deep
        return MISS
    if (not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("kind") != kind
            or entry.get("key") != key or "value" not in entry):
        return MISS
    return entry["value"]


def store(kind: str, data: bytes, value: Any) -> bool:
    """Keep ``value`` (what was parsed from ``data``) if it survives JSON exactly; True when written."""
    folder = cache_dir()
    if folder is None:
        return False
    key = _key(kind, data)
    try:
        if not json_exact(value):
            return False
        text = json.dumps({"format": FORMAT, "kind": kind, "key": key, "value": value},
                          ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        from .io import atomic_write_bytes

        atomic_write_bytes(_entry(folder, kind, key), text.encode("ascii"), durable=False)
        _prune(folder, kind)
    except (OSError, ValueError, TypeError, RecursionError):  # unwritable folder, odd value: stay quiet
        return False
    return True


def _prune(folder: Path, kind: str) -> None:
    """Remove the oldest entries of ``kind`` beyond :data:`KEEP` (best effort)."""
    entries = list(folder.glob(f"{kind}-*.json"))
    if len(entries) <= KEEP:
        return
    dated = []
    for p in entries:
        with contextlib.suppress(OSError):
            dated.append((p.stat().st_mtime, p))
    for _, p in sorted(dated)[:-KEEP]:
        with contextlib.suppress(OSError):
            p.unlink()


def json_exact(value: Any) -> bool:
    """True when ``json.loads(json.dumps(value))`` gives back the same types and values.

    Plain dicts with string keys, lists, str, int, bool, None and finite floats qualify; anything
    else (dates, bytes, sets, tuples, int keys, NaN, infinities, subclasses, a container reachable twice) does not.
    """
    stack = [value]
    seen: set[int] = set()  # a container met twice (shared or cyclic) would come back as copies
    while stack:
        cur = stack.pop()
        t = type(cur)
        if t is dict or t is list:
            if id(cur) in seen:
                return False
            seen.add(id(cur))
        if t is dict:
            if not all(type(k) is str for k in cur):
                return False
            stack.extend(cur.values())
        elif t is list:
            stack.extend(cur)
        elif t is float:
            if not math.isfinite(cur):
                return False
        elif t not in (str, int, bool, type(None)):
            return False
    return True
