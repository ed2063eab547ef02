"""What a result must carry to be cited and rebuilt: package version, git commit, licence.

The version in ``pyproject.toml`` is static between releases, so a score computed from a
development checkout also records the git commit of the code that computed it (``-dirty`` when
the checkout has uncommitted changes to tracked files).
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

#: The project's licence (SPDX identifier), as declared in ``pyproject.toml``.
LICENCE = "Apache-2.0"

_PACKAGE_DIR = Path(__file__).resolve().parent


def package_version() -> str:
    """The installed ``rolindex`` distribution's version, or ``0+unknown`` when it is not installed."""
    try:
        from importlib.metadata import version

        return version("rolindex")
    except Exception:
        return "0+unknown"


@functools.cache
def git_commit() -> str | None:
    """The commit of the git checkout this package runs from, ``-dirty`` appended if it has changes.

    None outside a git checkout, without git, or on any other failure: provenance must never stop
    a computation. Computed once per process.
    """
    return _git_commit(_PACKAGE_DIR)


def _git_commit(folder: Path) -> str | None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10,
                              check=True, stdin=subprocess.DEVNULL).stdout.strip()

    try:
        head = git("rev-parse", "--verify", "HEAD")
        if len(head) != 40:
            return None
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return head + ("-dirty" if dirty else "")
    except Exception:
        return None
