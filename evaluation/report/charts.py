"""Report charts (matplotlib, Agg): one function per chart, each returning a ``Figure``.

Charts are built on :class:`matplotlib.figure.Figure` directly (not pyplot), so Jupyter's inline
backend shows nothing twice and no global figure list grows in a warm kernel. :func:`setup_fonts`
registers the Noto Sans CJK SC font shipped by ``mplfonts`` so Chinese renders on a machine
without system CJK fonts; every chart function calls it.

Speed. On this machine a matplotlib text costs about 1 ms to lay out and draw, a tick about 1 ms
more and a ``barh`` patch about 1 ms, so a naive chart with 30 labels costs 0.15 s. The district
charts therefore (1) draw bars as one ``PolyCollection``, labels as plain texts, few fixed
ticks and no ``tight_layout``/``bbox_inches="tight"``; and (2) split into a *static* layer —
title, legend, axes, ticks, category labels: the same for every district of a year — and the
*dynamic* artists (bars, lines, values). :func:`figure_png` draws the static layer once per
process and then, for every district, restores its pixels and draws only the dynamic artists.
The static layer is keyed by everything it is drawn from (its labels, limits and ticks, figure
size, dpi and all ``rcParams``), and both paths draw static first and dynamic on top, so a
cached and an uncached render give the same bytes.

Building a figure costs more than drawing it: an axes is ~10 ms to make, a text ~0.5 ms. With
``reuse=True`` (what the report cells pass) a chart function therefore builds its figure — static
artists and a fixed set of dynamic *slots* (bars, lines, value texts) — once per static key and
thread, and for every later district only updates the slots' data (``set_verts``, ``set_ydata``,
``set_text``); the returned figure is then the same object for every district with that layout,
valid until the next call. Without ``reuse`` (the default, for notebook users who keep figures)
every call builds a new figure the same way. :func:`figure_png` encodes the pixels itself (no
alpha channel when the figure is opaque, no per-row filter search, zlib level 1): half the time
of Pillow's encoder for these flat-colour charts.
"""

from __future__ import annotations

import struct
import textwrap
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import font_manager, rcParams
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from indicators import IndexResult

from ..errors import EvaluationError
from .content import (
    bi,
    check_lang,
    check_row,
    check_year,
    realised_weights,
)
from .store import district_peers

__all__ = [
    "CJK_FAMILY", "FontSetupError", "cjk_font_path", "clear_cache", "contribution_chart", "dimension_chart",
    "dimension_panels", "figure_png", "figure_size", "grade_counts_chart", "index_distribution_chart", "setup_fonts",
    "trend_chart",
]

CJK_FAMILY = "Noto Sans CJK SC"
CJK_FILE = "NotoSansCJKsc-Regular.otf"
#: Charts are drawn at the A4 content width (210 mm − 2 × 12 mm margins = 186 mm ≈ 7.3 in) so that
#: their point sizes are the printed sizes; every text is at least :data:`TEXT_PT` (9 pt) on paper.
DPI = 100
WIDTH = 7.3
TEXT_PT = 9.0
TITLE_PT = 11.0
ACCENT = "#1f5f99"
PEER = "#9aa5b1"
LIGHT = "#e4e7eb"
MISSING_COLOUR = "#b42318"
DIM_COLOURS = ("#1f5f99", "#2f8f6f", "#c47f17", "#8e44ad", "#c0392b", "#34495e", "#16a085", "#7f8c8d")


class FontSetupError(EvaluationError):
    """The CJK font shipped by mplfonts cannot be found."""


# ---------------------------------------------------------------------------------------------
# fonts
# ---------------------------------------------------------------------------------------------
def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package."""
    import mplfonts

    path = Path(mplfonts.__file__).resolve().parent / "fonts" / CJK_FILE
    if not path.is_file():
        raise FontSetupError(f"{CJK_FILE} not found in the mplfonts package at {path.parent}; "
                             "reinstall mplfonts (pinned in pyproject.toml)")
    return path


def setup_fonts() -> str:
    """Register Noto Sans CJK SC from ``mplfonts`` and make it the first sans-serif font.

    Adds the font file to matplotlib's in-memory font manager once per process (no font-cache
    rebuild, no system fonts needed), then sets ``font.family``, ``font.sans-serif`` and
    ``axes.unicode_minus=False`` (the CJK font has no U+2212 minus) on every call, because a
    reused kernel may have reset ``rcParams`` between reports. Returns the family name.
    """
    path = str(cjk_font_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    sans = [CJK_FAMILY] + [f for f in rcParams["font.sans-serif"] if f != CJK_FAMILY]
    if rcParams["font.sans-serif"] != sans:
        rcParams["font.sans-serif"] = sans
    if list(rcParams["font.family"]) != ["sans-serif"]:
        rcParams["font.family"] = ["sans-serif"]
    if rcParams["axes.unicode_minus"]:
        rcParams["axes.unicode_minus"] = False
    return CJK_FAMILY


# ---------------------------------------------------------------------------------------------
# rendering: static layer cached, dynamic artists drawn per figure
# ---------------------------------------------------------------------------------------------
#: Attribute of a chart figure holding (static key, dynamic artists). Kept on the figure itself, not in a
#: ``WeakKeyDictionary``: the artists refer back to their figure, so a dictionary value would keep its
#: own key alive and every chart ever drawn would leak (~4 MB per report in a warm kernel).
_LAYERS_ATTR = "_rolindex_layers"
_BACKGROUNDS: OrderedDict[Hashable, Any] = OrderedDict()
_BACKGROUNDS_MAX = 24
_LOCK = threading.Lock()


def _rc_fingerprint() -> str:
    """Every rcParam as text (dict's own repr skips the validating getter: ~0.2 ms, not 3 ms)."""
    return dict.__repr__(rcParams)


def clear_cache() -> None:
    """Forget the cached static layers and reused figures (they are rebuilt on the next render)."""
    with _LOCK:
        _BACKGROUNDS.clear()
        _FIGURES.clear()


#: Reused figures, keyed by (thread, static key, dpi, rcParams): (figure, slots). See :func:`_built`.
_FIGURES: OrderedDict[Hashable, tuple[Figure, dict[str, Any]]] = OrderedDict()
_FIGURES_MAX = 16


def _built(static_key: Hashable, build: Callable[[], tuple[Figure, dict[str, Any]]], reuse: bool
           ) -> tuple[Figure, dict[str, Any]]:
    """``build()`` (a figure with its static artists and dynamic slots), or with ``reuse`` this thread's copy.

    The key holds the thread (a figure is never shared between threads), the static key, the dpi
    and every rcParam, so a reused figure is the one ``build()`` would make now.
    """
    setup_fonts()
    if not reuse:
        return build()
    key = (threading.get_ident(), static_key, DPI, _rc_fingerprint())
    with _LOCK:
        hit = _FIGURES.get(key)
        if hit is not None:
            _FIGURES.move_to_end(key)
            return hit
    hit = build()
    with _LOCK:
        _FIGURES[key] = hit
        while len(_FIGURES) > _FIGURES_MAX:
            _FIGURES.popitem(last=False)
    return hit


def _layered(fig: Figure, static_key: Hashable, dynamic: Sequence[Artist]) -> Figure:
    """Record which artists of ``fig`` change between districts; the rest is drawn from ``static_key``."""
    setattr(fig, _LAYERS_ATTR, (static_key, list(dynamic)))
    return fig


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes at its own dpi (fixed layout, no tight bounding box).

    For a chart made by this module the static layer comes from the per-process cache when
    present (see the module docstring); any other figure is drawn in full.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    layers = getattr(fig, _LAYERS_ATTR, None)
    if layers is None:
        canvas.draw()
    else:
        static_key, dynamic = layers
        key = (static_key, canvas.get_width_height(), fig.dpi, _rc_fingerprint())
        with _LOCK:
            region = _BACKGROUNDS.get(key)
            if region is not None:
                _BACKGROUNDS.move_to_end(key)
        if region is None:
            for a in dynamic:
                a.set_visible(False)
            canvas.draw()
            region = canvas.copy_from_bbox(fig.bbox)
            with _LOCK:
                _BACKGROUNDS[key] = region
                while len(_BACKGROUNDS) > _BACKGROUNDS_MAX:
                    _BACKGROUNDS.popitem(last=False)
            for a in dynamic:
                a.set_visible(True)
        else:
            canvas.restore_region(region)
        renderer = canvas.get_renderer()
        for a in dynamic:
            a.draw(renderer)
    return _png(np.asarray(canvas.buffer_rgba()))


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _png(rgba: np.ndarray) -> bytes:
    """8-bit PNG of an (h, w, 4) uint8 image: RGB when fully opaque, no row filter, zlib level 1.

    Pillow tries five filters on every row (adaptive filtering); for these flat-colour charts that
    doubles the time and barely changes the size (see docs/performance.md).
    """
    h, w, _ = rgba.shape
    opaque = bool((rgba[..., 3] == 255).all())
    pixels = rgba[..., :3] if opaque else rgba
    raw = np.zeros((h, 1 + w * pixels.shape[2]), dtype=np.uint8)  # column 0: filter type 0 (none)
    raw[:, 1:].reshape(h, w, pixels.shape[2])[...] = pixels  # one strided copy, no temporary
    header = struct.pack(">IIBBBBB", w, h, 8, 2 if opaque else 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 1)) + _png_chunk(b"IEND", b""))


def figure_size(fig: Figure) -> tuple[int, int]:
    """(width, height) of the figure's PNG in pixels."""
    return round(fig.get_figwidth() * fig.dpi), round(fig.get_figheight() * fig.dpi)


# ---------------------------------------------------------------------------------------------
# small drawing helpers
# ---------------------------------------------------------------------------------------------
def _new(width: float, height: float, title: str) -> Figure:
    """A figure of ``width`` × ``height`` inches with its title at the top left."""
    setup_fonts()
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.suptitle(title, x=0.01, y=1 - 0.06 / height, ha="left", va="top", fontsize=TITLE_PT)
    return fig


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=TEXT_PT, length=2)


#: Height of one legend row, in inches.
LEGEND_ROW = 0.22


def _legend(fig: Figure, items: Sequence[tuple[str, str]], per_row: int = 4, top: float = 0.30) -> None:
    """A cheap legend: a coloured square and a label per item, ``per_row`` fixed slots a row under the title."""
    h = fig.get_figheight()
    slot = 0.98 / per_row
    for i, (label, colour) in enumerate(items):
        x = 0.01 + slot * (i % per_row)
        y = 1 - (top + LEGEND_ROW * (i // per_row)) / h
        fig.text(x, y, "■", ha="left", va="top", fontsize=TEXT_PT + 1, color=colour)
        fig.text(x + 0.025, y, label, ha="left", va="top", fontsize=TEXT_PT)


def _legend_height(n: int, per_row: int = 4) -> float:
    """Inches taken by a legend of ``n`` items (see :func:`_legend`)."""
    return LEGEND_ROW * -(-n // per_row)


def _bar_verts(y: np.ndarray, widths: np.ndarray, height: float) -> np.ndarray:
    """Corners of horizontal bars from 0 to ``widths`` centred on ``y``; NaN widths are empty bars."""
    w = np.nan_to_num(np.asarray(widths, dtype=float))
    y = np.asarray(y, dtype=float)
    lo, hi, zero = y - height / 2, y + height / 2, np.zeros_like(w)
    return np.stack([np.column_stack([zero, lo]), np.column_stack([w, lo]),
                     np.column_stack([w, hi]), np.column_stack([zero, hi])], axis=1)


def _hbars(ax, y: np.ndarray, widths: np.ndarray, height: float, colours) -> PolyCollection:
    """Horizontal bars as one PolyCollection (``barh`` makes a patch per bar, ~1 ms each).

    NaN widths draw nothing; the caller sets the axes limits (no autoscaling). Move the bars of a
    reused figure with ``coll.set_verts(_bar_verts(...))``.
    """
    coll = PolyCollection(_bar_verts(y, widths, height), facecolors=colours, edgecolors="none")
    ax.add_collection(coll, autolim=False)
    return coll


def _set_text(t: Text, x: float, y: float, text: str, colour: str, va: str | None = None) -> None:
    """Move and rewrite a text slot of a reused figure (an empty text draws nothing)."""
    t.set_position((x, y))
    t.set_text(text)
    t.set_color(colour)
    if va is not None:
        t.set_verticalalignment(va)


def _category_labels(ax, labels: Sequence[str], fontsize: float = TEXT_PT) -> None:
    """Labels left of a horizontal-bar axes at y = 0, 1, …, drawn as texts (no tick objects)."""
    ax.set_yticks([])
    trans = ax.get_yaxis_transform()
    for i, label in enumerate(labels):
        ax.text(-0.015, i, label, transform=trans, ha="right", va="center", fontsize=fontsize)


def _x_labels(ax, labels: Sequence[str], fontsize: float = TEXT_PT) -> None:
    """Labels under the x axis at x = 0, 1, …, drawn as texts (a tick is ~1 ms; a text ~0.3 ms to make)."""
    ax.set_xticks([])
    trans = ax.get_xaxis_transform()
    for i, label in enumerate(labels):
        ax.text(i, -0.04, label, transform=trans, ha="center", va="top", fontsize=fontsize)


def _value_grid(ax, axis: str, values: Sequence[float], fontsize: float = TEXT_PT) -> None:
    """Value labels with light grid lines instead of ticks (each matplotlib tick costs ~1 ms)."""
    values = [float(v) for v in values]
    if axis == "x":
        ax.set_xticks([])
        trans = ax.get_xaxis_transform()
        for v in values:
            ax.axvline(v, color=LIGHT, linewidth=0.6, zorder=0)
            ax.text(v, -0.02, f"{v:g}", transform=trans, ha="center", va="top", fontsize=fontsize)
    else:
        ax.set_yticks([])
        trans = ax.get_yaxis_transform()
        for v in values:
            ax.axhline(v, color=LIGHT, linewidth=0.6, zorder=0)
            ax.text(-0.02, v, f"{v:g}", transform=trans, ha="right", va="center", fontsize=fontsize)


def _wrap(text: str, lang: str, width_zh: int = 12, width_en: int = 26) -> str:
    if lang == "zh":
        return "\n".join(text[i:i + width_zh] for i in range(0, len(text), width_zh))
    return textwrap.fill(text, width_en)


def _name(node, lang: str) -> str:
    return node.zh if lang == "zh" else node.en


def _missing_label(lang: str) -> str:
    return "缺失" if lang == "zh" else "missing"


_NICE = ((1, 0.25), (1.5, 0.5), (2, 0.5), (3, 1), (4, 1), (5, 1), (6, 2), (8, 2), (10, 2.5))


def _nice_axis(x: float) -> tuple[float, tuple[float, ...]]:
    """A round upper limit at or above ``x`` and its ticks (few distinct ranges across districts)."""
    if not np.isfinite(x) or x <= 0:
        x = 1.0
    base = 10 ** np.floor(np.log10(x))
    m, step = next(((m, st) for m, st in _NICE if m * base >= x - 1e-12), _NICE[-1])
    top, step = m * base, step * base
    return float(top), tuple(float(t) for t in np.arange(0, top + step / 2, step))


# ---------------------------------------------------------------------------------------------
# district report charts
# ---------------------------------------------------------------------------------------------
def dimension_chart(result: IndexResult, district: str, year: int, lang: str = "zh", reuse: bool = False) -> Figure:
    """Dimension scores of the district against that year's peer median (horizontal bars).

    A dimension without a score is labelled missing instead of drawn as a zero bar. ``reuse``:
    see the module docstring.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    view = district_peers(result, district, year)  # the district's peer group, else every district
    dims = [c for c in fw.children(fw.root) if c in view.scores.columns]
    own = view.scores.loc[district, dims].to_numpy(dtype=float)
    med = view.medians[dims].to_numpy(dtype=float)
    labels = tuple(_wrap(_name(fw.nodes[d], lang), lang, 14, 26) for d in dims)
    title = bi("维度得分与同级中位数", "Dimension scores vs peer median", lang)
    legend = (("本区" if lang == "zh" else "district", ACCENT), ("同级中位数" if lang == "zh" else "peer median", PEER))
    rows = [label.count("\n") + 1 for label in labels]
    row_h = max(0.40, 0.08 + 0.16 * max(rows, default=1))
    head = 0.30 + _legend_height(len(legend)) + 0.10
    height = head + 0.35 + row_h * len(dims)
    y = np.arange(len(dims))
    static_key = ("dimension", title, legend, labels, height)

    def build() -> tuple[Figure, dict[str, Any]]:
        fig = _new(WIDTH, height, title)
        _legend(fig, legend)
        ax = fig.add_axes((0.25, 0.35 / height, 0.70, 1 - (head + 0.35) / height))
        ax.set_ylim(len(dims) - 0.5, -0.5)
        ax.set_xlim(0, 105)
        _value_grid(ax, "x", [0, 25, 50, 75, 100])
        _category_labels(ax, labels)
        _style(ax)
        ax.spines["left"].set_visible(False)
        empty = np.full(len(dims), np.nan)
        return fig, {"own": _hbars(ax, y - 0.19, empty, 0.38, ACCENT), "med": _hbars(ax, y + 0.19, empty, 0.38, PEER),
                     "values": [ax.text(0, i - 0.19, "", va="center", fontsize=TEXT_PT) for i in range(len(dims))]}

    fig, slots = _built(static_key, build, reuse)
    slots["own"].set_verts(_bar_verts(y - 0.19, own, 0.38))
    slots["med"].set_verts(_bar_verts(y + 0.19, med, 0.38))
    for i, (t, v) in enumerate(zip(slots["values"], own, strict=True)):
        if np.isnan(v):
            _set_text(t, 1, i - 0.19, _missing_label(lang), MISSING_COLOUR)
        else:
            _set_text(t, v + 1, i - 0.19, f"{v:.1f}", rcParams["text.color"])
    return _layered(fig, static_key, [slots["own"], slots["med"], *slots["values"]])


def _trend_floor(result: IndexResult, year: int) -> float:
    """Lower end of the index axis for every district's trend chart in ``year`` (shared scale)."""
    idx = result.index[result.index.index.get_level_values("year") <= year]
    low = idx.min()
    if not np.isfinite(low):
        return 0.0
    return float(max(0.0, np.floor(low / 10) * 10 - 10))


def trend_chart(result: IndexResult, district: str, year: int, lang: str = "zh", reuse: bool = False) -> Figure:
    """Index score (with the peer median) and rank over the district's years up to ``year``.

    Years without an index are gaps, not zeros, and are labelled missing; the rank axis is
    inverted (1 at the top) and each point is labelled "rank/N". Every district of a year
    shares the index axis (from 10 below the year's lowest index to 100). ``reuse``: see the
    module docstring.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    hist = result.index.xs(district, level="district")
    years = tuple(int(y) for y in hist.index if y <= year)
    score = hist.reindex(years).to_numpy(dtype=float)
    med = result.index.groupby(level="year").median().reindex(years).to_numpy(dtype=float)
    n_ranked = result.ranks.groupby(level="year").count().reindex(years).fillna(0).astype(int).to_numpy()
    ranks = result.ranks.xs(district, level="district").reindex(years).astype(float).to_numpy()
    lo = _trend_floor(result, year)
    top = int(max([*n_ranked, 1]))
    title = bi("指数与排名变化", "Index and rank over time", lang)
    legend = (("本区" if lang == "zh" else "district", ACCENT), ("同级中位数" if lang == "zh" else "peer median", PEER))
    sub1 = "指数" if lang == "zh" else "Index"
    sub2 = "排名（1 = 最好）" if lang == "zh" else "Rank (1 = best)"
    height = 3.0
    x = np.arange(len(years))
    static_key = ("trend", title, legend, sub1, sub2, years, lo, top)

    def build() -> tuple[Figure, dict[str, Any]]:
        fig = _new(WIDTH, height, title)
        _legend(fig, legend)
        axes_top = 1 - (0.30 + _legend_height(len(legend)) + 0.35) / height
        ax1 = fig.add_axes((0.08, 0.40 / height, 0.38, axes_top - 0.40 / height))
        ax2 = fig.add_axes((0.58, 0.40 / height, 0.36, axes_top - 0.40 / height))
        ax1.set_ylim(lo, 100)
        _value_grid(ax1, "y", np.arange(lo, 100.5, 10 if 100 - lo <= 40 else 20))
        ax1.set_title(sub1, fontsize=TEXT_PT, loc="left", pad=8)
        # a little room above rank 1 so its "1/N" label stays inside the panel, under the title
        ax2.set_ylim(top + 0.5, 0.5 - 0.12 * max(top, 2))
        _value_grid(ax2, "y", [1, top] if top > 1 else [1])
        ax2.set_title(sub2, fontsize=TEXT_PT, loc="left", pad=8)
        for ax in (ax1, ax2):
            ax.set_xlim(-0.5, len(years) - 0.5)
            _x_labels(ax, [str(y) for y in years])
            _style(ax)
        fixed = {"scalex": False, "scaley": False, "marker": "o"}
        empty = np.full(len(years), np.nan)
        [med_line] = ax1.plot(x, empty, color=PEER, linestyle="--", markersize=3, linewidth=1, **fixed)
        [score_line] = ax1.plot(x, empty, color=ACCENT, markersize=4, linewidth=1.6, **fixed)
        [rank_line] = ax2.plot(x, empty, color=ACCENT, markersize=4, linewidth=1.6, **fixed)
        return fig, {
            "lines": (med_line, score_line, rank_line),
            "score_missing": [ax1.text(i, lo + 0.04 * (100 - lo), "", ha="center", fontsize=TEXT_PT,
                                       color=MISSING_COLOUR) for i in range(len(years))],
            "ranks": [ax2.text(i, 0, "", ha="center", fontsize=TEXT_PT) for i in range(len(years))],
        }

    fig, slots = _built(static_key, build, reuse)
    for line, values in zip(slots["lines"], (med, score, ranks), strict=True):
        line.set_ydata(values)
    for i, (s, r, n) in enumerate(zip(score, ranks, n_ranked, strict=True)):
        slots["score_missing"][i].set_text(_missing_label(lang) if np.isnan(s) else "")
        if np.isnan(r):
            _set_text(slots["ranks"][i], i, (top + 1) / 2, _missing_label(lang), MISSING_COLOUR, "baseline")
        else:
            _set_text(slots["ranks"][i], i, r - 0.04 * max(top, 2), f"{int(r)}/{n}", rcParams["text.color"], "bottom")
    return _layered(fig, static_key, [*slots["lines"], *slots["score_missing"], *slots["ranks"]])


def contribution_chart(result: IndexResult, district: str, year: int, lang: str = "zh", reuse: bool = False
                       ) -> Figure:
    """Each indicator's contribution to the index (points), over the most it could add.

    The light bar is the indicator's weight in this district's index in points (its contribution
    at a score of 100, after the weight of missing indicators is shared out among the present
    ones, see :func:`~evaluation.report.content.realised_weights`); the coloured bar, by dimension,
    is what it contributed. Indicators without a score are labelled missing; when the index
    itself is missing the light bars are the nominal weights and the chart says there are no
    contributions. ``reuse``: see the module docstring.
    """
    check_lang(lang)
    district, year = check_row(result, district, year)
    fw = result.framework
    row = (district, year)
    codes = [c for c in fw.indicators if c in result.contributions.columns]
    index_missing = bool(np.isnan(result.index[row]))
    weights = result.effective_weights if index_missing else realised_weights(result, district, year)
    maxes = weights.reindex(codes).to_numpy(dtype=float) * fw.scale
    contrib = result.contributions.loc[row, codes].to_numpy(dtype=float)
    scored = result.normalised.loc[row, codes].notna().to_numpy()
    dims = list(fw.children(fw.root))
    colours = tuple(DIM_COLOURS[dims.index(fw.dimension_of(c)) % len(DIM_COLOURS)] for c in codes)
    labels = tuple(_wrap(f"{c} {_name(fw.nodes[c], lang)}", lang, 19, 34) for c in codes)
    title = bi("各指标对指数的贡献（分）", "Contribution of each indicator to the index (points)", lang)
    legend = (*((_name(fw.nodes[d], lang), DIM_COLOURS[i % len(DIM_COLOURS)]) for i, d in enumerate(dims)),
              (bi("满分时的贡献（本区权重）", "at a score of 100 (weight)", lang), LIGHT))
    per_row = 3 if lang == "zh" else 2
    xmax, ticks = _nice_axis(float(np.nanmax(maxes)) if np.isfinite(maxes).any() else 1.0)
    lines = [label.count("\n") + 1 for label in labels]
    row_h = [0.06 + 0.15 * n for n in lines]
    head = 0.30 + _legend_height(len(legend), per_row) + 0.10
    height = head + 0.35 + sum(row_h)
    # rows as tall as their labels: y positions in inches from the top of the axes
    edges = np.concatenate([[0.0], np.cumsum(row_h)])
    y = (edges[:-1] + edges[1:]) / 2
    bar = 0.13
    static_key = ("contribution", title, legend, labels, colours, ticks, height)

    def build() -> tuple[Figure, dict[str, Any]]:
        fig = _new(WIDTH, height, title)
        _legend(fig, legend, per_row=per_row)
        ax = fig.add_axes((0.36, 0.35 / height, 0.60, 1 - (head + 0.35) / height))
        ax.set_ylim(edges[-1], 0)
        ax.set_xlim(0, xmax * 1.04)
        _value_grid(ax, "x", ticks)
        ax.set_yticks([])
        trans = ax.get_yaxis_transform()
        for yi, label in zip(y, labels, strict=True):
            ax.text(-0.015, yi, label, transform=trans, ha="right", va="center", fontsize=TEXT_PT, linespacing=1.1)
        _style(ax)
        ax.spines["left"].set_visible(False)
        empty = np.full(len(codes), np.nan)
        return fig, {
            "bars": (_hbars(ax, y, empty, bar, LIGHT), _hbars(ax, y, empty, bar, list(colours))),
            "missing": [ax.text(0.01 * xmax, yi, "", va="center", fontsize=TEXT_PT, color=MISSING_COLOUR)
                        for yi in y],
            "no_index": ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=TITLE_PT,
                                color=MISSING_COLOUR,
                                bbox={"facecolor": "white", "edgecolor": MISSING_COLOUR, "boxstyle": "round"}),
        }

    fig, slots = _built(static_key, build, reuse)
    light, coloured = slots["bars"]
    light.set_verts(_bar_verts(y, maxes, bar))
    coloured.set_verts(_bar_verts(y, np.where(scored & ~np.isnan(contrib), contrib, 0.0), bar))
    for t, ok in zip(slots["missing"], scored, strict=True):
        t.set_text("" if ok else _missing_label(lang))
    slots["no_index"].set_text(bi("指数缺失，无法计算贡献", "index missing: no contributions", lang)
                               if index_missing else "")
    return _layered(fig, static_key, [light, coloured, *slots["missing"], slots["no_index"]])


# ---------------------------------------------------------------------------------------------
# district profile: small multiples of the dimension scores over the years
# ---------------------------------------------------------------------------------------------
def dimension_panels(own: np.ndarray, med: np.ndarray, years: Sequence[int], names: Sequence[str], title: str,
                     legend: Sequence[tuple[str, str]], lang: str = "zh", reuse: bool = False) -> Figure:
    """Small multiples, three a row: each dimension's score over ``years`` (district solid, median dashed).

    ``own`` and ``med`` are (dimensions × years) arrays with NaN for missing; each panel labels
    the last year's score, or says missing. ``reuse``: see the module docstring.
    """
    names, years, legend = tuple(names), tuple(int(y) for y in years), tuple(legend)
    cols = 3
    rows = max(1, -(-len(names) // cols))
    panel_h = 1.55
    head = 0.30 + _legend_height(len(legend)) + 0.15
    height = head + rows * panel_h
    x = np.arange(len(years))
    static_key = ("panels", title, legend, names, years, height)

    def build() -> tuple[Figure, dict[str, Any]]:
        fig = _new(WIDTH, height, title)
        _legend(fig, legend)
        fixed = {"scalex": False, "scaley": False, "marker": "o"}
        empty = np.full(len(years), np.nan)
        lines, values = [], []
        for i, name in enumerate(names):
            r, c = divmod(i, cols)
            bottom = (height - head - (r + 1) * panel_h + 0.40) / height
            ax = fig.add_axes((0.06 + c * 0.32, bottom, 0.26, (panel_h - 0.90) / height))  # room for 2-line titles
            ax.set_xlim(-0.5, len(years) - 0.5)
            ax.set_ylim(0, 105)
            _value_grid(ax, "y", [0, 50, 100])
            _x_labels(ax, [str(y) if len(years) <= 4 or k in (0, len(years) - 1) else ""
                           for k, y in enumerate(years)])
            ax.set_title(name, fontsize=TEXT_PT, loc="left", pad=4)
            _style(ax)
            lines += ax.plot(x, empty, color=PEER, linestyle="--", markersize=2.5, linewidth=1, **fixed)
            lines += ax.plot(x, empty, color=ACCENT, markersize=3.5, linewidth=1.6, **fixed)
            values.append(ax.text(0, 0, "", ha="center", fontsize=TEXT_PT))
        return fig, {"lines": lines, "values": values}

    fig, slots = _built(static_key, build, reuse)
    for i, t in enumerate(slots["values"]):
        slots["lines"][2 * i].set_ydata(med[i])
        slots["lines"][2 * i + 1].set_ydata(own[i])
        last = own[i, -1] if len(years) else np.nan
        if np.isnan(last):  # in the middle of the panel, clear of its title
            _set_text(t, (len(years) - 1) / 2, 50, _missing_label(lang), MISSING_COLOUR, "center")
        else:  # above the last point, or below it near the top (the panel title sits above 105)
            high = last > 80
            _set_text(t, len(years) - 1, last - 6 if high else last + 6, f"{last:.1f}", "#1f2933",
                      "top" if high else "bottom")
    return _layered(fig, static_key, [*slots["lines"], *slots["values"]])


# ---------------------------------------------------------------------------------------------
# index page charts (once per year: drawn in full)
# ---------------------------------------------------------------------------------------------
def index_distribution_chart(result: IndexResult, year: int, lang: str = "zh") -> Figure:
    """Histogram of the year's index scores (5-point bins) with the grade thresholds marked."""
    check_lang(lang)
    year = check_year(result, year)
    values = result.index.xs(year, level="year").to_numpy(dtype=float)
    present = values[~np.isnan(values)]
    n_missing = int(np.isnan(values).sum())
    title = bi(f"{year}年指数分布（{len(present)} 个区有指数，{n_missing} 个缺失）",
               f"Index distribution {year} ({len(present)} districts, {n_missing} missing)", lang)
    fig = _new(WIDTH, 2.4, title)
    ax = fig.add_axes((0.08, 0.17, 0.89, 0.66))
    counts, edges = np.histogram(present, bins=np.arange(0, 105, 5))
    ax.bar(edges[:-1], counts, width=5, align="edge", color=ACCENT, edgecolor="white")
    for band in result.methodology.grades:
        if np.isfinite(band.min):
            ax.axvline(band.min, color=PEER, linestyle="--", linewidth=1)
            ax.text(band.min + 0.5, 0.97, band.zh if lang == "zh" else band.en, transform=ax.get_xaxis_transform(),
                    fontsize=TEXT_PT, va="top", color="#52606d")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, max(1, int(counts.max(initial=0))) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(bi("指数得分", "index score", lang), fontsize=TEXT_PT)
    ax.set_ylabel(bi("区数", "districts", lang), fontsize=TEXT_PT)
    _style(ax)
    return fig


def grade_counts_chart(result: IndexResult, year: int, lang: str = "zh") -> Figure:
    """Number of districts per grade band in the year, plus those without an index."""
    check_lang(lang)
    year = check_year(result, year)
    grades = result.grades.xs(year, level="year")
    bands = list(result.methodology.grades)
    labels = [b.zh if lang == "zh" else b.en for b in bands] + [_missing_label(lang)]
    counts = [int((grades["zh"] == b.zh).sum()) for b in bands] + [int(grades["zh"].isna().sum())]
    fig = _new(WIDTH, 2.2, bi(f"{year}年等次分布", f"Grades {year}", lang))
    ax = fig.add_axes((0.08, 0.14, 0.89, 0.68))
    x = np.arange(len(labels))
    ax.bar(x, counts, color=[*([ACCENT] * len(bands)), MISSING_COLOUR], width=0.6)
    for i, c in enumerate(counts):
        ax.text(i, c, str(c), ha="center", va="bottom", fontsize=TEXT_PT)
    ax.set_xticks(x, labels)
    ax.set_ylim(0, max([*counts, 1]) * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(bi("区数", "districts", lang), fontsize=TEXT_PT)
    _style(ax)
    return fig
