"""``rolindex framework``: export a framework as a table (one row per node, and its figures)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from indicators import load_framework
from indicators.io import atomic_write_bytes

from .options import add_framework

HELP = ("导出框架为表格（每个节点一行） / "
        "export a framework as a table (one row per node)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--framework`` and ``--out`` (.csv or .xlsx)."""
    add_framework(p)
    p.add_argument("--out", "-o", required=True, help="output .csv or .xlsx")


def run(args: argparse.Namespace) -> int:
    """Export the framework tree (and its figures) as CSV or XLSX."""
    fw = load_framework(args.framework)
    out = Path(args.out)
    table = fw.to_table()
    if out.suffix.lower() == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            table.to_excel(xw, sheet_name="nodes", index=False)
            fw.figures_table().to_excel(xw, sheet_name="figures", index=False)
        tmp.replace(out)
    else:
        # UTF-8 with BOM so Excel opens the Chinese names correctly; figures go beside the nodes.
        figures_out = out.with_name(out.name.replace(".nodes", "").replace(".csv", "") + ".figures.csv")
        atomic_write_bytes(out, table.to_csv(index=False, lineterminator="\n").encode("utf-8-sig"))
        atomic_write_bytes(figures_out, fw.figures_table().to_csv(
            index=False, lineterminator="\n").encode("utf-8-sig"))
        print(f"wrote {figures_out} ({len(fw.figures)} figures)")
    print(f"wrote {out} ({len(table)} nodes)")
    return 0
