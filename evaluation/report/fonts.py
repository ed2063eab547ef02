"""The Chinese font shipped with a batch of reports, so pages render Chinese on machines without one.

A bare server, a CI runner or an archive converter has no CJK font: the HTML text of a report
would print as boxes (the charts embed their glyphs, the text does not). Each batch folder gets
one font file, ``_fonts/rol-cjk.ttf``: a subset (:mod:`fontTools.subset`) of the Noto Sans
CJK SC that ``mplfonts`` ships (the charts' font, :func:`evaluation.report.charts.cjk_font_path`)
holding the characters the batch's pages use, a few hundred kilobytes instead of 16 MB. Every
page declares it with a relative ``@font-face`` whose ``src`` tries the reader's installed Noto
Sans CJK SC first (``local()``), so a page copied elsewhere still opens where the reader has the
font; only a reader without it fetches the file.

The subset has TrueType (quadratic) outlines, converted from the source's CFF ones with
:mod:`fontTools.cu2qu` (within 1 font unit of 1000). Chromium's PDF backend (Skia) embeds only
TrueType and CID-keyed Type 1 fonts as real fonts: a CFF-flavoured OpenType font — as FreeType
reports every ``.otf`` with PostScript outlines — is written as a Type 3 font (glyph drawings
without hinting, rendered poorly by many viewers and dropped by some text extractors). With
TrueType outlines the PDF carries a ``CIDFontType2`` subset with its ``FontFile2``.

mplfonts ships only the Regular weight. Bold text (headings, table headers) would make Chromium
embolden the Regular glyphs itself, and Skia writes such synthetic-bold glyphs as Type 3 again;
so the batch also gets ``_fonts/rol-cjk-bold.ttf``, the same subset emboldened the way FreeType
does it for Chromium (:func:`embolden`: every outline point moved outwards by 1/48 em), declared
as the family's weight 700.

The file has a fixed name, so a page is complete as its worker writes it and is never rewritten
afterwards (the batch engine verifies every report by its content hash). The subset covers every
page of the folder; a digest of the source font and the characters (``.rolindex/font.sha256``)
lets a rerun with the same pages reuse the file.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..fileio import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

__all__ = ["FONT_BOLD", "FONT_DIR", "FONT_FILE", "embolden", "font_face_css", "page_chars", "subset_font",
           "to_truetype"]

FONT_DIR = "_fonts"
#: Family name of the rule: the name the style sheet already lists, so nothing else changes.
FAMILY = "Noto Sans CJK SC"
FONT_FILE = "rol-cjk.ttf"
FONT_BOLD = "rol-cjk-bold.ttf"
#: Changes when the way the files are made changes, so a rerun replaces files made the old way.
_FORMAT = "truetype-cu2qu-1+bold-48"
#: Outward shift of every outline point of the bold face, in em: what Chromium's synthetic bold
#: does (Skia: ``FT_Outline_Embolden`` with strength em/24, which FreeType splits between the sides).
BOLD_SHIFT = 1 / 48
_DATA_URI = re.compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+")
_TAG = re.compile(r"<[^>]*>")
#: Always in the subset: ASCII, CJK punctuation and full-width forms the generated text uses.
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。、；：？！（）“”‘’《》【】—–…·％／～－＋≥≤×÷Σ−"


def font_face_css(prefix: str = "") -> str:
    """The ``@font-face`` rules for ``_fonts/rol-cjk.ttf`` and its bold (relative to the page, with ``prefix``)."""
    return (f'@font-face {{ font-family: "{FAMILY}"; font-weight: 400; src: local("{FAMILY}"), '
            f'local("NotoSansCJKsc-Regular"), url("{prefix}{FONT_DIR}/{FONT_FILE}") format("truetype"); }}\n'
            f'@font-face {{ font-family: "{FAMILY}"; font-weight: 700; src: local("{FAMILY} Bold"), '
            f'local("NotoSansCJKsc-Bold"), url("{prefix}{FONT_DIR}/{FONT_BOLD}") format("truetype"); }}')


def page_chars(html: str) -> set[str]:
    """The characters of a page's text (markup, inline images and scripts left out)."""
    text = _DATA_URI.sub("", html)
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", text)
    return set(_TAG.sub("", text))


def _source() -> Path:
    from .charts import cjk_font_path

    return cjk_font_path()


def to_truetype(font: TTFont, max_err: float = 1.0) -> TTFont:
    """Replace the CFF outlines of ``font`` (in place) by quadratic TrueType ones; return it.

    Each glyph is drawn through :class:`fontTools.pens.cu2quPen.Cu2QuPen` (cubic to quadratic
    splines, at most ``max_err`` font units off) into a ``glyf`` table; ``maxp`` becomes the
    TrueType version and ``post`` keeps the glyph names (format 2). After fontTools'
    ``Snippets/otf2ttf.py``.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    if "CFF " not in font:
        return font
    order = font.getGlyphOrder()
    source = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(source)
        source[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))  # TrueType winds clockwise
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quadratic
    for glyph in quadratic.values():  # bounding boxes (the subsetter's font does not recalculate them)
        glyph.recalcBounds(glyf)
    del font["CFF "]
    if "VORG" in font:  # vertical origins belong to CFF fonts
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in quadratic.items():  # left side bearing = the new outline's xMin
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones, maxp.maxTwilightPoints, maxp.maxStorage = 1, 0, 0
    maxp.maxFunctionDefs = maxp.maxInstructionDefs = maxp.maxStackElements = maxp.maxSizeOfInstructions = 0
    maxp.numGlyphs = len(order)
    maxp.recalc(font)  # points, contours, components from the new outlines
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def _shift_contour(pts: np.ndarray, strength: float, truetype: bool) -> np.ndarray:
    """One closed contour's points moved outwards by ``strength`` (FreeType's ``FT_Outline_EmboldenXY``)."""
    n = len(pts)
    nxt = np.roll(pts, -1, axis=0) - pts
    length = np.hypot(nxt[:, 0], nxt[:, 1])
    if not length.any():
        return pts
    # the edges into and out of each point, skipping repeated points (which all move together)
    real = length > 0
    nxt_i = np.where(real, np.arange(n), 3 * n)
    nxt_i = np.minimum.accumulate(np.concatenate([nxt_i, nxt_i + n])[::-1])[::-1][:n] % n  # first j >= i
    prv_i = np.where(real, np.arange(n), -3 * n)
    prv_i = np.maximum.accumulate(np.concatenate([prv_i - n, prv_i]))[n - 1:2 * n - 1] % n  # last j < i
    unit = np.where(real[:, None], nxt / np.where(real, length, 1)[:, None], 0.0)
    out, l_out = unit[nxt_i], length[nxt_i]
    inn, l_in = unit[prv_i], length[prv_i]
    d = 1 + (inn * out).sum(axis=1)  # 1 + cos of the turn
    shift = np.column_stack([inn[:, 1] + out[:, 1], inn[:, 0] + out[:, 0]])
    if truetype:
        shift[:, 0] = -shift[:, 0]
    else:
        shift[:, 1] = -shift[:, 1]
    q = out[:, 0] * inn[:, 1] - out[:, 1] * inn[:, 0]  # sine of the turn
    if truetype:
        q = -q
    lim = np.minimum(l_in, l_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(strength * q <= lim * d, strength / d, lim / q)
    scale = np.where(d > 1 / 16, scale, 0.0)  # a U-turn: no lateral shift
    return pts + shift * scale[:, None]


def embolden(font: TTFont, shift: float = BOLD_SHIFT) -> TTFont:
    """Make a TrueType-outline ``font`` bold (in place): outlines grown by ``shift`` em on every side.

    The same operation as FreeType's ``FT_Outline_EmboldenXY`` (which Chromium applies for a
    bold style the font lacks), minus its translation, so advance widths and side bearings stay
    and the text keeps its layout. Weight class 700 and the bold style bits are set.

    References
    ----------
    FreeType, ``src/base/ftoutln.c``, ``FT_Outline_EmboldenXY``.
    """
    from fontTools.ttLib.tables._g_l_y_f import GlyphCoordinates

    strength = shift * font["head"].unitsPerEm
    glyf = font["glyf"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if glyph.isComposite() or glyph.numberOfContours <= 0:
            continue
        coords = np.array(glyph.coordinates, dtype=float)
        ends = [-1, *glyph.endPtsOfContours]
        area = sum(_area(coords[a + 1:b + 1]) for a, b in zip(ends, ends[1:], strict=False))
        truetype = area < 0  # clockwise outer contours, ink on the right of the path
        moved = [_shift_contour(coords[a + 1:b + 1], strength, truetype) for a, b in zip(ends, ends[1:], strict=False)]
        glyph.coordinates = GlyphCoordinates([tuple(round(v) for v in p) for p in np.concatenate(moved)])
        glyph.recalcBounds(glyf)
    hmtx = font["hmtx"]
    for name in font.getGlyphOrder():
        glyph = glyf[name]
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"].recalc(font)
    font["OS/2"].usWeightClass = 700
    font["OS/2"].fsSelection = (font["OS/2"].fsSelection | 1 << 5) & ~(1 << 6)  # bold, not regular
    font["head"].macStyle |= 1
    return font


def _area(pts: np.ndarray) -> float:
    """Signed area of a closed polygon (positive: counter-clockwise, y up)."""
    x, y = pts[:, 0], pts[:, 1]
    return float((x * np.roll(y, -1) - np.roll(x, -1) * y).sum() / 2)


def subset_font(chars: Iterable[str], folder: str | Path) -> Path:
    """Write ``<folder>/_fonts/rol-cjk.ttf`` with ``chars`` (reused when the digest matches) and return it.

    The subset is converted to TrueType outlines (:func:`to_truetype`). The digest is over the
    source font's name and size, the sorted characters and the file format, kept in the folder's
    ``.rolindex/``; both are written atomically. A font file of another format left by an
    earlier version (``rol-cjk.otf``) is removed: the report code's fingerprint includes this
    module, so every page of the folder is remade and names the new file.
    """
    source = _source()
    wanted = "".join(sorted(set(chars) | set(_ALWAYS)))
    digest = hashlib.sha256(f"{source.name}\0{source.stat().st_size}\0{wanted}\0{_FORMAT}".encode()).hexdigest()
    out = Path(folder) / FONT_DIR / FONT_FILE
    stamp = Path(folder) / ".rolindex" / "font.sha256"
    try:
        current = stamp.read_text(encoding="utf-8").strip()
    except OSError:
        current = ""
    if not out.is_file() or not out.with_name(FONT_BOLD).is_file() or current != digest:
        from fontTools import subset

        options = subset.Options()
        options.layout_features = ["*"]  # keep vertical/proportional forms; the file stays small
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=wanted)
        subsetter.subset(font)
        to_truetype(font)
        buf = io.BytesIO()
        font.save(buf)
        atomic_write_bytes(out, buf.getvalue())
        embolden(font)
        buf = io.BytesIO()
        font.save(buf)
        font.close()
        atomic_write_bytes(out.with_name(FONT_BOLD), buf.getvalue())
        atomic_write_text(stamp, digest + "\n")
    for stale in out.parent.glob("rol-cjk*"):  # a file made the old way (rol-cjk.otf): no page names it now
        if stale.name not in (FONT_FILE, FONT_BOLD):
            stale.unlink()
    return out
