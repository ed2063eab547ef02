"""Shared fixtures: the project root, the read-only ``../shared`` reference folder and a private parse cache."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """Path inside ``../shared``; skip when absent on a user's machine, fail when CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is not available (../shared is only beside the checkout in CI and dev)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)
    return path


_PARSE_CACHE = pytest.StashKey[tuple[str, dict[str, str | None]]]()


def pytest_configure(config: pytest.Config) -> None:
    """Point the framework parse cache (:mod:`indicators.parsecache`) at a folder of this test run.

    Set here, before any test module is imported (several load a framework at import time), so the
    suite never reads or writes the user's ``~/.cache/rolindex``; subprocesses inherit the variable.
    """
    from indicators.parsecache import DIR_ENV, DISABLE_ENV

    folder = tempfile.mkdtemp(prefix="rolindex-parse-cache-")
    config.stash[_PARSE_CACHE] = (folder, {k: os.environ.get(k) for k in (DIR_ENV, DISABLE_ENV)})
    os.environ[DIR_ENV] = folder
    os.environ.pop(DISABLE_ENV, None)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's parse-cache folder and restore the variables."""
    folder, saved = config.stash.get(_PARSE_CACHE, (None, {}))
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def shared():
    """The ``shared_path`` helper as a fixture."""
    return shared_path
