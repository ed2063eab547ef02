"""The Chinese font shipped with a batch of reports, so pages render Chinese on machines without one.

A bare server, a CI runner or an archive converter has no CJK font: the HTML text of a report
would print as boxes (the charts embed their glyphs, the text does not). Each batch folder gets
one font file, ``_fonts/rol-cjk.otf``: a subset (:mod:`fontTools.subset`) of the Noto Sans
CJK SC that ``mplfonts`` ships (the charts' font, :func:`evaluation.report.charts.cjk_font_path`)
holding the characters the batch's pages use, a few hundred kilobytes instead of 16 MB. Every
page declares it with a relative ``@font-face`` whose ``src`` tries the reader's installed Noto
Sans CJK SC first (``local()``), so a page copied elsewhere still opens where the reader has the
font; only a reader without it fetches the file.

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

from ..fileio import atomic_write_bytes, atomic_write_text

__all__ = ["FONT_DIR", "FONT_FILE", "font_face_css", "page_chars", "subset_font"]

FONT_DIR = "_fonts"
#: Family name of the rule: the name the style sheet already lists, so nothing else changes.
FAMILY = "Noto Sans CJK SC"
FONT_FILE = "rol-cjk.otf"
_DATA_URI = re.compile(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+")
_TAG = re.compile(r"<[^>]*>")
#: Always in the subset: ASCII, CJK punctuation and full-width forms the generated text uses.
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。、；：？！（）“”‘’《》【】—–…·％／～－＋≥≤×÷Σ−"


def font_face_css(prefix: str = "") -> str:
    """The ``@font-face`` rule for ``_fonts/rol-cjk.otf`` (relative to the page, with ``prefix``)."""
    return (f'@font-face {{ font-family: "{FAMILY}"; src: local("{FAMILY}"), local("NotoSansCJKsc-Regular"), '
            f'url("{prefix}{FONT_DIR}/{FONT_FILE}") format("opentype"); }}')


def page_chars(html: str) -> set[str]:
    """The characters of a page's text (markup, inline images and scripts left out)."""
    text = _DATA_URI.sub("", html)
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", text)
    return set(_TAG.sub("", text))


def _source() -> Path:
    from .charts import cjk_font_path

    return cjk_font_path()


def subset_font(chars: Iterable[str], folder: str | Path) -> Path:
    """Write ``<folder>/_fonts/rol-cjk.otf`` with ``chars`` (reused when the digest matches) and return it.

    The digest is over the source font's name and size and the sorted characters, kept in the
    folder's ``.rolindex/``; both are written atomically.
    """
    source = _source()
    wanted = "".join(sorted(set(chars) | set(_ALWAYS)))
    digest = hashlib.sha256(f"{source.name}\0{source.stat().st_size}\0{wanted}".encode()).hexdigest()
    out = Path(folder) / FONT_DIR / FONT_FILE
    stamp = Path(folder) / ".rolindex" / "font.sha256"
    try:
        current = stamp.read_text(encoding="utf-8").strip()
    except OSError:
        current = ""
    if not out.is_file() or current != digest:
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
        buf = io.BytesIO()
        font.save(buf)
        font.close()
        atomic_write_bytes(out, buf.getvalue())
        atomic_write_text(stamp, digest + "\n")
    return out
