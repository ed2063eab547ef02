"""``rolindex framework``: export a framework as a table (one row per node, and its figures)."""

from __future__ import annotations

import argparse
from pathlib import Path

from indicators import load_framework
from indicators.outputs import write_csv, write_xlsx

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
    # through indicators.outputs: a node named "=..." never becomes a formula cell
    if out.suffix.lower() == ".xlsx":
        write_xlsx({"nodes": table, "figures": fw.figures_table()}, out)
    else:
        # UTF-8 with BOM so Excel opens the Chinese names correctly; figures go beside the nodes.
        figures_out = out.with_name(out.name.replace(".nodes", "").replace(".csv", "") + ".figures.csv")
        write_csv(table, out, bom=True)
        write_csv(fw.figures_table(), figures_out, bom=True)
        print(f"wrote {figures_out} ({len(fw.figures)} figures)")
    print(f"wrote {out} ({len(table)} nodes)")
    return 0
