"""``import indicators`` stays light: heavy optional modules load only in the functions that use them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "SALib", "openpyxl", "yaml", "matplotlib", "evaluation")


def test_import_indicators_loads_no_heavy_module():
    code = f"import sys, indicators; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.strip()
    assert out == ""


def test_heavy_modules_still_load_where_used():
    code = ("import sys, indicators; from indicators.io import read_yaml; from indicators import MethodologyError; "
            f"read_yaml({str(ROOT / 'data/methodologies/baseline.yaml')!r}, 'm', MethodologyError); "
            "print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.strip()
    assert out == "True"
