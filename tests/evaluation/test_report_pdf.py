"""``rolindex report --pdf`` and the batch font: A4 PDFs with searchable Chinese, no clipped column.

Chromium runs with the machine's fonts only (no private fontconfig): on a machine without a CJK
font the pages' Chinese comes from the font the batch ships, so a missing font shows up here.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from evaluation import browser
from evaluation.cli import main
from evaluation.report import content as rd
from evaluation.report import fonts, store
from evaluation.report.pdf import PdfError, PdfPrinter, print_pages
from tests.evaluation.test_reports import chromium_or_skip, report_args, tiny

A4 = (595.28, 841.89)


def system_has_cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return False
    return bool(out.strip())


@pytest.fixture(scope="module")
def pdf_batch(tmp_path_factory):
    chromium_or_skip()
    tmp = tmp_path_factory.mktemp("pdf")
    csv, fw = tiny(tmp / "data")
    out = tmp / "reports"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(report_args(csv, fw, out, "--workers", "1", "--pdf"))
    store.clear_cache()
    return {"csv": csv, "fw": fw, "out": out, "folder": out / "tiny" / "2024", "code": code,
            "printed": printed.getvalue(), "result": store.load_result(csv, fw, None)}


def pdf_fonts(path) -> list[tuple[str, str, list[str]]]:
    """(font subtype, descendant CIDFont subtype or "", embedded font-file keys) of every font in the PDF."""
    found = []
    for page in PdfReader(path).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            if font["/Subtype"] == "/Type0":
                cid = font["/DescendantFonts"][0].get_object()
                files = [k for k in cid["/FontDescriptor"].get_object() if k.startswith("/FontFile")]
                found.append(("/Type0", cid["/Subtype"], files))
            else:
                descriptor = font.get("/FontDescriptor")
                files = [k for k in descriptor.get_object() if k.startswith("/FontFile")] if descriptor else []
                found.append((font["/Subtype"], "", files))
    return found


def assert_real_fonts(path) -> None:
    """Every font of the PDF is embedded as a font program (no Type 3 drawings, bold included): TrueType CID fonts."""
    found = pdf_fonts(path)
    assert found and not [f for f in found if f[0] == "/Type3"], found
    assert ("/Type0", "/CIDFontType2", ["/FontFile2"]) in found, found
    names = {str(font["/BaseFont"]).split("+")[-1] for page in PdfReader(path).pages
             for font in (f.get_object() for f in page["/Resources"]["/Font"].values())}
    assert "NotoSansCJKsc-Regular" in names, names


def pdf_text(path) -> tuple[list[tuple[float, float]], str]:
    reader = PdfReader(path)
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return sizes, "\n".join(p.extract_text() for p in reader.pages)


@pytest.mark.slow
def test_pdf_is_a4_with_searchable_chinese_and_every_scorecard_column(pdf_batch):
    folder = pdf_batch["folder"]
    assert pdf_batch["code"] == 0, pdf_batch["printed"]
    assert re.search(r"PDF: 4 printed or unchanged, 0 failed in [\d.]+ s", pdf_batch["printed"])
    for name in ("x", "y", "z", "index"):
        sizes, text = pdf_text(folder / f"{name}.pdf")
        assert sizes and all(abs(w - A4[0]) <= 1 and abs(h - A4[1]) <= 1 for w, h in sizes), sizes
        assert re.search(r"1 / \d", text) and f"/ {len(sizes)}" in text  # page numbers: n / total
    sizes, text = pdf_text(folder / "x.pdf")
    if not system_has_cjk_font():  # the text's CJK font is the shipped one: a TrueType subset, not Type 3
        assert_real_fonts(folder / "x.pdf")
    flat = re.sub(r"\s+", "", text)
    assert "甲区2024年法治建设评估报告" in flat  # title and running header, as text
    assert flat.count("甲区2024年法治建设评估报告") >= 1 + len(sizes)  # the header repeats on every page
    assert "计分卡" in flat and "数据来源" in flat and "结案率" in flat
    # the right-most columns (rank, contribution / weight) of every row are on the page
    card = rd.scorecard(pdf_batch["result"], "x", 2024)
    for r in card.itertuples(index=False):
        points = f"{r.contribution:.2f}"
        assert points in flat, (r.code, points)
        assert f"/{r.realised_weight:.2f}" in flat, (r.code, r.realised_weight)
        assert f"{int(r.rank)}/{r.n_ranked}" in flat, r.code
    # the hand-computed numbers of x (tiny_report.py): index 72.0, A.1 contributes 0.6*40/60*80 = 32.00
    assert "72.0" in flat and "32.00" in flat


@pytest.mark.slow
def test_batch_ships_one_font_covering_every_character_and_reruns_reuse_it(pdf_batch):
    folder = pdf_batch["folder"]
    shipped = sorted((folder / "_fonts").iterdir())
    assert [p.name for p in shipped] == ["rol-cjk-bold.ttf", "rol-cjk.ttf"]  # regular and (emboldened) bold
    bold, font = shipped
    assert font.stat().st_size < 1_000_000 and bold.stat().st_size < 1_000_000  # subsets, not the 16 MB font
    cmap = TTFont(font).getBestCmap()
    assert TTFont(bold).getBestCmap() == cmap
    for page in ("x.html", "y.html", "z.html", "index.html"):
        html = (folder / page).read_text(encoding="utf-8")
        assert f'url("_fonts/{font.name}")' in html and 'src: local("Noto Sans CJK SC")' in html
        assert f'url("_fonts/{bold.name}")' in html
        chinese = {c for c in fonts.page_chars(html) if "\u4e00" <= c <= "\u9fff"}
        assert chinese and not [c for c in chinese if ord(c) not in cmap]
    stamps = {p: p.stat().st_mtime_ns for p in [font, bold, *folder.glob("*.pdf"), *folder.glob("*.html")]
              if p.name != "index.html" and p.name != "index.pdf"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(report_args(pdf_batch["csv"], pdf_batch["fw"], pdf_batch["out"], "--workers", "0", "--pdf")) == 0
    assert "0 made, 3 unchanged (skipped)" in printed.getvalue()  # the patched font rule kept the sizes
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # same font, same reports, PDFs not reprinted


@pytest.mark.slow
def test_pages_use_the_shipped_font_and_a_page_without_it_is_caught(pdf_batch, tmp_path):
    chromium = chromium_or_skip()
    folder = pdf_batch["folder"]
    check = browser.check_page(folder, "x.html", chromium=chromium)
    assert check.problems() == [], check.problems()
    assert ["Noto Sans CJK SC", "loaded"] in check.result["webfonts"]
    if system_has_cjk_font():
        pytest.skip("this machine has a CJK font: a page without the shipped font would still render")
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(folder / "x.html", bare / "x.html")  # without _fonts/
    problems = "\n".join(browser.check_page(bare, "x.html", chromium=chromium).problems())
    assert "renders as boxes" in problems


def test_shipped_font_is_embedded_as_a_truetype_font_not_type3(tmp_path):
    """A page whose text is set in the batch font prints with a CIDFontType2 + FontFile2, and its Chinese extracts."""
    chromium = chromium_or_skip()
    text = "区级法治建设评估报告 甲区 2024 计分卡 数据来源 结案率 / rule of law"
    fonts.subset_font(set(text), tmp_path)
    page = tmp_path / "p.html"
    page.write_text('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
                    f'{fonts.font_face_css()} body {{ font-family: "Noto Sans CJK SC"; }}</style></head>'
                    f"<body><p>{text}</p><h1>{text}</h1></body></html>", encoding="utf-8")  # h1: bold
    done, failed = print_pages({"p": page}, chromium=chromium)
    assert failed == {}
    assert re.sub(r"\s+", "", pdf_text(done["p"])[1]) == re.sub(r"\s+", "", text) * 2
    if system_has_cjk_font():
        pytest.skip("this machine has a CJK font: local() picks it instead of the shipped file")
    # two real fonts (regular, and the shipped bold: Chromium's own synthetic bold would be Type 3)
    assert pdf_fonts(done["p"]) == [("/Type0", "/CIDFontType2", ["/FontFile2"])] * 2


def test_subset_has_truetype_outlines_matching_the_cff_source(tmp_path):
    """cu2qu keeps every glyph within a font unit or two of the source: same bounds, advances and characters."""
    from fontTools.pens.boundsPen import BoundsPen

    chars = "法治建设评估区甲乙丙 Rule of law 2024%"
    path = fonts.subset_font(set(chars), tmp_path)
    assert path.name == "rol-cjk.ttf"
    font = TTFont(path)
    bold = TTFont(path.with_name("rol-cjk-bold.ttf"))
    assert bold["OS/2"].usWeightClass == 700 and font["OS/2"].usWeightClass == 400
    assert font.sfntVersion == "\x00\x01\x00\x00" and "glyf" in font and "CFF " not in font
    source = TTFont(fonts._source(), lazy=True)
    src_cmap, cmap = source.getBestCmap(), font.getBestCmap()
    src_glyphs, glyphs = source.getGlyphSet(), font.getGlyphSet()
    for ch in chars:
        new, old = cmap[ord(ch)], src_cmap[ord(ch)]
        assert glyphs[new].width == src_glyphs[old].width, ch
        bounds = []
        for gs, name in ((glyphs, new), (src_glyphs, old)):
            pen = BoundsPen(gs)
            gs[name].draw(pen)
            bounds.append(pen.bounds)
        pen = BoundsPen(bold.getGlyphSet())
        bold.getGlyphSet()[new].draw(pen)
        assert bold.getGlyphSet()[new].width == glyphs[new].width, ch  # bold keeps the layout
        if ch == " ":
            assert bounds == [None, None] and pen.bounds is None
            continue
        assert max(abs(a - b) for a, b in zip(*bounds, strict=True)) <= 2, (ch, bounds)
        # the bold outline grows by 1/48 em (~21 units of 1000) on every side: more at sharp corners, never less
        grow = [bounds[0][0] - pen.bounds[0], bounds[0][1] - pen.bounds[1], pen.bounds[2] - bounds[0][2],
                pen.bounds[3] - bounds[0][3]]
        assert all(19 <= g <= 70 for g in grow), (ch, grow)
    # a rerun with the same characters keeps the file; one left by an earlier version (CFF, .otf) goes
    stamp = tmp_path / ".rolindex" / "font.sha256"
    before = (path.stat().st_mtime_ns, stamp.read_text())
    (path.parent / "rol-cjk.otf").write_bytes(b"old")
    assert fonts.subset_font(set(chars), tmp_path) == path and (path.stat().st_mtime_ns, stamp.read_text()) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["rol-cjk-bold.ttf", "rol-cjk.ttf"]


def test_pdf_failures_are_reported_per_page(tmp_path):
    chromium = chromium_or_skip()
    good = tmp_path / "good.html"
    good.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><p>ok</p></body></html>',
                    encoding="utf-8")
    done, failed = print_pages({"gone": tmp_path / "gone.html", "good": good}, chromium=chromium)
    assert list(done) == ["good"] and PdfReader(done["good"]).pages
    assert "page not found" in failed["gone"] and not (tmp_path / "gone.pdf").exists()
    done, failed = print_pages({"good": good}, chromium="/bin/false", timeout=5)
    assert done == {} and re.search(r"Chromium (exited unexpectedly|did not answer)", failed["good"])
    with pytest.raises(PdfError, match="not started"):
        PdfPrinter(chromium).print(good, tmp_path / "x.pdf")
