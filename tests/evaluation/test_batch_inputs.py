"""One batch, one version of the inputs: a figures file rewritten by another process while ``rolindex report``
runs never mixes into its pages; the run says so (file, sha256 before and after) and a rerun uses the new file."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.evaluation.tiny_report import write_tiny

RUN = "import sys\nfrom evaluation.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def _sidecars(folder: Path) -> dict[str, dict]:
    """Each report's own numbers (the JSON its notebook writes beside the HTML)."""
    out = {}
    for path in folder.glob("*.json"):
        if path.name != "manifest.json":
            data = json.loads(path.read_text(encoding="utf-8"))
            out[data["district"]] = data
    return out


@pytest.mark.slow
def test_figures_rewritten_by_another_process_mid_run_never_mix(tmp_path):
    (tmp_path / "data").mkdir()
    csv, fw = write_tiny(tmp_path / "data")
    original = csv.read_text(encoding="utf-8")
    changed = original.replace(",2024,sat,95%,", ",2024,sat,81%,")  # x 2024: index 72 -> 44
    assert changed != original
    old, new = (hashlib.sha256(t.encode()).hexdigest() for t in (original, changed))
    out = tmp_path / "reports"
    folder = out / "tiny" / "2024"
    args = ["report", "--year", "2024", "--figures", str(csv), "--framework", str(fw), "--out", str(out),
            "--no-progress", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", RUN, *args], env=env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        snapshot = folder / ".rolindex" / "inputs" / old  # placed before the first report starts
        deadline = time.monotonic() + 120
        while not snapshot.is_dir():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the batch never started"
            time.sleep(0.02)
        assert not (folder / "index.html").exists() and not list(folder.glob("x*.html"))  # mid-run indeed
        csv.write_text(changed, encoding="utf-8")  # someone saves the figures while the reports run
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stdout + stderr
    note = f"{csv} changed while the batch ran (sha256 {old} → {new})"
    assert note in stderr and f"注意：{csv} 在运行期间被修改（sha256 {old} → {new}）" in stderr
    # every page from the file as it was at the start: the index page's table and each report's own numbers
    scores = pd.read_csv(folder / "scores.csv").set_index("district")
    sidecars = _sidecars(folder)
    assert sorted(sidecars) == ["x", "y", "z"]
    assert scores.loc["x", "index"] == pytest.approx(72) and sidecars["x"]["index"] == pytest.approx(72)
    for d, side in sidecars.items():
        assert side["index"] == pytest.approx(scores.loc[d, "index"]) and side["rank"] == scores.loc[d, "rank"]
    assert {p.name for p in (folder / ".rolindex" / "inputs").iterdir()} == {old, _sha(fw)}  # only the snapshot

    # a rerun takes the new file: every report redone from it, no note
    rerun = subprocess.run([sys.executable, "-c", RUN, *args], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "changed while the batch ran" not in rerun.stderr + rerun.stdout
    tasks = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["tasks"]
    assert {d: t["status"] for d, t in tasks.items()} == {"x": "ok", "y": "ok", "z": "ok"}
    scores = pd.read_csv(folder / "scores.csv").set_index("district")
    assert scores.loc["x", "index"] == pytest.approx(44) and _sidecars(folder)["x"]["index"] == pytest.approx(44)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
