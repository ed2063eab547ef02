"""Tests of :mod:`evaluation.fileio`: atomic writes and clean-up of interrupted ones."""

from __future__ import annotations

import os
import stat

import pytest

from evaluation import fileio
from evaluation.fileio import (
    atomic_write_bytes,
    atomic_write_text,
    remove_stale_temps,
    temp_path_for,
    temp_target,
)


def test_atomic_write_replaces_and_uses_ordinary_permissions(tmp_path):
    target = tmp_path / "sub" / "D001.html"
    atomic_write_text(target, "<html>一</html>")
    atomic_write_bytes(target, b"<html>two</html>")
    assert target.read_bytes() == b"<html>two</html>"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert sorted(p.name for p in target.parent.iterdir()) == ["D001.html"]


def test_failed_write_leaves_neither_temp_nor_target(tmp_path, monkeypatch):
    target = tmp_path / "r.html"

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"x")
    assert list(tmp_path.iterdir()) == []


def test_temp_names_round_trip_and_cleanup_is_selective(tmp_path):
    mine = temp_path_for(tmp_path / "D001.html")
    other = temp_path_for(tmp_path / "D002.html")
    assert temp_target(mine.name) == "D001.html"
    for name in (".D001.html.tmp", "D001.html.abcdefabcdef.tmp", ".x.nothex12345.tmp"):
        assert temp_target(name) is None
    for p in (mine, other, tmp_path / "D001.html", tmp_path / ".hidden.tmp"):
        p.write_text("x")
    assert remove_stale_temps(tmp_path, ["D001.html"]) == [mine]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [other.name, "D001.html", ".hidden.tmp"])
    assert remove_stale_temps(tmp_path) == [other]
    assert remove_stale_temps(tmp_path / "absent") == []
