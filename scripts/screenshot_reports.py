"""Screenshots of district reports and index pages, for people to look at (headless Chromium).

Each page is first opened by :func:`evaluation.browser.check_page` (which also measures its full
height and lists any problem: console errors, images without size, broken links, no Chinese
text), then photographed at its full height (capped by ``--max-height``) with
``chromium --headless --screenshot``. Chromium sees the machine's fonts only: Chinese renders
with the font the batch ships beside the pages (``_fonts/``, see :mod:`evaluation.report.fonts`).
With ``--print`` each page is also photographed as laid out for print at A4 width
(``<name>_print.png``, unpaginated).

Usage, from the repository root (after ``make demo``)::

    .venv/bin/python scripts/screenshot_reports.py                           # the demo's 2024 pages
    .venv/bin/python scripts/screenshot_reports.py reports/synthetic_panel/district_rol/2024 \\
        --pages index.html sample_01.html --out screenshots/ --width 1280

Exit code 1 when a page has problems (they are printed), 2 when Chromium is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script: this checkout's packages first
    sys.path.insert(0, str(ROOT))

from evaluation.browser import check_page, find_chromium, screenshot, serve  # noqa: E402

DEFAULT_FOLDER = ROOT / "reports" / "synthetic_panel" / "district_rol" / "2024"


def main(argv: list[str] | None = None) -> int:
    """Check and photograph the pages; print where the PNGs went."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER), help="a year's report folder")
    p.add_argument("--pages", nargs="+", help="pages in the folder (default: index.html and the first report)")
    p.add_argument("--out", default=str(ROOT / "reports" / "screenshots"), help="folder for the PNGs")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--max-height", type=int, default=8000, help="cap of the screenshot height in pixels")
    p.add_argument("--print", action="store_true", help="also photograph the print layout (A4 width)")
    args = p.parse_args(argv)

    chromium = find_chromium()
    if chromium is None:
        print("no chromium on PATH: apt-get install chromium", file=sys.stderr)
        return 2
    folder = Path(args.folder)
    pages = args.pages or ["index.html", *sorted(
        f.name for f in folder.glob("*.html") if f.name != "index.html")[:1]]
    out = Path(args.out)
    status = 0
    # serve the parent too, so the index page's links to other years resolve
    root = folder.parent
    for page in pages:
        rel = f"{folder.name}/{page}"
        check = check_page(root, rel, chromium=chromium)
        height = min(int(check.result.get("scroll_height") or 2000) + 40, args.max_height)
        with serve(root) as (base, _):
            png = screenshot(f"{base}{rel}", out / ("_".join(folder.absolute().parts[-3:]) + f"_{Path(page).stem}.png"),
                             width=args.width, height=height, chromium=chromium)
        if args.print:
            from evaluation.report.pdf import PdfPrinter

            with PdfPrinter(chromium) as printer:
                shot = printer.capture(folder / page, png.with_name(png.stem + "_print.png"))
            print(f"{shot}  (print layout, A4 width)")
        problems = check.problems()
        status |= bool(problems)
        print(f"{png}  ({args.width}x{height}; {len(check.images)} images, {check.result.get('cjk_chars')} "
              f"Chinese characters{'; PROBLEMS: ' + '; '.join(problems) if problems else ''})")
    return status


if __name__ == "__main__":
    sys.exit(main())
