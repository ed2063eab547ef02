"""Atomic writes: content, no temp files left behind, and permissions that follow the umask."""

from __future__ import annotations

import os
import stat

import pytest

from indicators.io import atomic_write_bytes, atomic_write_text, sha256_file


def test_atomic_write_replaces_content_and_leaves_no_temp(tmp_path):
    p = tmp_path / "sub" / "out.txt"
    atomic_write_text(p, "一")
    atomic_write_text(p, "二")
    assert p.read_text(encoding="utf-8") == "二"
    assert [f.name for f in p.parent.iterdir()] == ["out.txt"]
    # sha256("二" in UTF-8 = e4 ba 8c), computed independently with hashlib in the expected value
    import hashlib

    assert sha256_file(p) == hashlib.sha256(b"\xe4\xba\x8c").hexdigest()


def test_atomic_write_follows_umask_not_mkstemp_0600(tmp_path):
    old = os.umask(0o022)
    try:
        p = atomic_write_bytes(tmp_path / "r.html", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    p = tmp_path / "keep.txt"
    atomic_write_text(p, "old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(p, "new")
    assert p.read_text(encoding="utf-8") == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["keep.txt"]
