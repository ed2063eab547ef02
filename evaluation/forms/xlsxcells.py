"""A small, fast reader of the cells of an XLSX workbook: values, number formats, sheet names.

Intake reads thousands of returned forms; openpyxl builds an object per XML node (styles, rich
text, every cell) and takes ~90 ms for a 60-row form. The forms reader needs much less: each
sheet's cells with their value and number format, the sheet names and states, the defined names
and whether a sheet is protected. This module parses exactly that with the standard library's C
XML parser (~5 ms a form). Cells look like openpyxl's read-only cells (``value``,
``number_format``, ``row``, ``column``), so :func:`indicators.submission` helpers accept them.

References: ECMA-376 Part 1, §18.3 (worksheets: ``c``/``v``/``is``, cell types ``s``, ``str``,
``inlineStr``, ``b``, ``e``, ``n``, ``d``), §18.4 (shared strings), §18.8.30-31 (number formats,
built-in ids).
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import sys
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DIGITS = "0123456789"
#: Excel's last column (XFD): a cell beyond it is a damaged or hostile sheet.
MAX_COLUMN = 16384
#: Column letters → number, shared by every sheet read (a form has a dozen columns).
_COLUMNS: dict[str, int] = {}


#: Largest uncompressed part read from a workbook: a district form's parts are a few hundred KB, so
#: anything this large is damaged or a zip bomb, refused before it is inflated.
MAX_PART_BYTES = 64 * 1024 * 1024


class XlsxError(ValueError):
    """The bytes are not a readable XLSX workbook (damaged zip, missing part or bad XML)."""


@dataclass(slots=True)
class Cell:
    """One cell: its value (str, int, float, bool or None), number format, row and column (1-based)."""

    value: object
    number_format: str
    row: int
    column: int


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ElementTree.Element, name: str):
    return (c for c in elem if _local(c.tag) == name)


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _text_of(elem: ElementTree.Element) -> str:
    """Text of a shared or inline string: the ``t`` of each run, phonetic runs (``rPh``) left out."""
    if len(elem) == 1 and elem[0].tag.endswith("}t"):  # plain text, the common case
        return elem[0].text or ""
    parts = []
    for child in elem:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


class Workbook:
    """The parts of a workbook the forms reader needs, parsed on demand."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            root_rels = self._xml("_rels/.rels")
            target = next(r.get("Target") for r in root_rels if r.get("Type", "").endswith("/officeDocument"))
            self._book_path = target.lstrip("/")
            book = self._xml(self._book_path)
            rels_path = posixpath.join(posixpath.dirname(self._book_path), "_rels",
                                       posixpath.basename(self._book_path) + ".rels")
            targets = {r.get("Id"): r.get("Target") for r in self._xml(rels_path)}
        except (zipfile.BadZipFile, KeyError, StopIteration, ElementTree.ParseError, OSError, EOFError) as exc:
            raise XlsxError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
        base = posixpath.dirname(self._book_path)
        self._sheets: dict[str, str] = {}
        self.states: dict[str, str] = {}
        for sheets in _children(book, "sheets"):
            for s in _children(sheets, "sheet"):
                target = targets.get(s.get(_REL), "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(base, target))
                self._sheets[s.get("name")] = path
                self.states[s.get("name")] = s.get("state", "visible")
        self.defined_names: dict[str, str] = {}
        for names in _children(book, "definedNames"):
            for dn in _children(names, "definedName"):
                self.defined_names[dn.get("name")] = dn.text or ""
        self._formats: list[str] | None = None
        self._strings: list[str] | None = None
        self._dates: list[bool] | None = None
        self._raw: dict[str, bytes] = {}

    @property
    def sheetnames(self) -> list[str]:
        """Sheet names in workbook order (hidden ones included)."""
        return list(self._sheets)

    def close(self) -> None:
        self._zip.close()

    def _read(self, name: str) -> bytes:
        """A part's bytes, refusing parts whose declared size is implausibly large (zip bombs)."""
        if self._zip.getinfo(name).file_size > MAX_PART_BYTES:
            raise XlsxError(f"part {name!r} of the workbook is larger than {MAX_PART_BYTES // 2**20} MB "
                            "uncompressed; not a district form")
        return self._zip.read(name)

    def _xml(self, name: str) -> ElementTree.Element:
        return ElementTree.fromstring(self._read(name))

    def _sheet_bytes(self, name: str) -> bytes:
        if name not in self._raw:
            try:
                self._raw[name] = self._read(self._sheets[name])
            except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
                raise XlsxError(f"sheet {name!r} cannot be read ({type(exc).__name__})") from None
        return self._raw[name]

    def is_protected(self, name: str) -> bool:
        """True when the sheet carries a ``sheetProtection`` element with ``sheet`` on."""
        xml = self._sheet_bytes(name)
        at = xml.find(b"<sheetProtection")
        if at < 0:
            at = xml.find(b":sheetProtection")
            if at < 0:
                return False
        end = xml.find(b">", at)
        return re.search(rb'\bsheet="(1|true)"', xml[at:end]) is not None

    def destination(self, defined_name: str) -> str | None:
        """The sheet a workbook-scoped defined name points to (``'Sheet 1'!$A$1:$L$9`` → ``Sheet 1``)."""
        text = self.defined_names.get(defined_name)
        if not text:
            return None
        if text.startswith("'"):
            end = text.find("'!")
            return text[1:end].replace("''", "'") if end > 0 else None
        return text.split("!", 1)[0] if "!" in text else None

    def _load_formats(self) -> list[str]:
        if self._formats is None:
            from openpyxl.styles.numbers import BUILTIN_FORMATS

            formats: list[str] = []
            try:
                styles = self._xml(posixpath.join(posixpath.dirname(self._book_path), "styles.xml"))
            except KeyError:
                styles = None
            custom: dict[int, str] = {}
            if styles is not None:
                for nf in _children(styles, "numFmts"):
                    for f in _children(nf, "numFmt"):
                        custom[int(f.get("numFmtId"))] = f.get("formatCode", "General")
                for xfs in _children(styles, "cellXfs"):
                    for xf in _children(xfs, "xf"):
                        fid = int(xf.get("numFmtId", 0))
                        formats.append(custom.get(fid) or BUILTIN_FORMATS.get(fid, "General"))
            self._formats = formats
        return self._formats

    def _load_strings(self) -> list[str]:
        if self._strings is None:
            path = posixpath.join(posixpath.dirname(self._book_path), "sharedStrings.xml")
            try:
                root = self._xml(path)
            except KeyError:
                root = None
            self._strings = [] if root is None else [_text_of(si) for si in root]
        return self._strings

    def rows(self, name: str) -> list[tuple[int, list[Cell]]]:
        """(row number, cells in column order) of every row that has a cell, in sheet order."""
        return self._scan(name, False)  # type: ignore[return-value]  # no None without by_position

    def grid(self, name: str) -> list[tuple[int, list[Cell | None]]]:
        """(row number, cells by position: index = column - 1, None where there is no cell) of every row
        that has a cell; what :func:`dense` gives for :meth:`rows`, built in the same pass."""
        return self._scan(name, True)

    def _scan(self, name: str, by_position: bool) -> list[tuple[int, list[Cell | None]]]:
        """One pass over a sheet's ``sheetData``.

        The hot loop of intake: tags are compared fully qualified (the sheet's own namespace, so
        Transitional and Strict workbooks both read), column letters are converted once per letter
        group, and whether a style is a date is decided once per style, not per cell.
        """
        try:
            root = ElementTree.fromstring(self._sheet_bytes(name))
        except ElementTree.ParseError as exc:
            raise XlsxError(f"sheet {name!r} is not valid XML ({exc})") from None
        tag = root.tag
        ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
        formats = self._load_formats()
        out: list[tuple[int, list[Cell | None]]] = []
        data = root.find(ns + "sheetData")
        if data is None:
            return out
        try:
            self._cells(data, ns, formats, out, by_position)
        except (ValueError, IndexError) as exc:
            if isinstance(exc, XlsxError):
                raise
            raise XlsxError(f"sheet {name!r} has a malformed row or cell ({type(exc).__name__}: {exc})") from None
        return out

    def _cells(self, data: ElementTree.Element, ns: str, formats: list[str],
               out: list[tuple[int, list[Cell | None]]], by_position: bool) -> None:
        """Append ``(row number, cells)`` of each row of ``sheetData`` to ``out``."""
        t_row, t_c, t_v, t_is = ns + "row", ns + "c", ns + "v", ns + "is"
        dates = self._date_styles()
        n_styles = len(formats)
        strings = self._strings
        columns = _COLUMNS
        row_no = 0
        for row in data:
            if row.tag != t_row:
                continue
            r = row.get("r")
            row_no = int(r) if r else row_no + 1
            cells: list[Cell | None] = []
            col_no = 0
            for c in row:
                if c.tag != t_c:
                    continue
                ref = c.get("r")
                if ref:
                    letters = ref.rstrip(_DIGITS)
                    col = columns.get(letters)
                    if col is None:
                        if letters.isascii() and letters.isalpha() and letters.isupper():
                            col = _column_index(letters)
                            if col > MAX_COLUMN:
                                raise ValueError(f"cell {ref} is beyond Excel's last column (XFD)")
                            columns[letters] = col
                        else:  # not a cell reference: the next column, as Excel does for a cell without one
                            col = col_no + 1
                    col_no = col
                else:
                    col_no += 1
                    if col_no > MAX_COLUMN:
                        raise ValueError(f"row {row_no} has more than {MAX_COLUMN} cells")
                s = c.get("s")
                style = int(s) if s else 0
                if not 0 <= style < n_styles:
                    style, fmt = -1, "General"
                else:
                    fmt = formats[style]
                kind = c.get("t")
                if kind == "inlineStr":
                    node = c.find(t_is)
                    value: object = None if node is None else _text_of(node)
                else:
                    v = c.findtext(t_v)
                    if v is None:
                        value = None
                    elif kind == "s":
                        if strings is None:
                            strings = self._load_strings()
                        at = int(v)
                        if at < 0:
                            raise IndexError(f"shared string {at}")
                        value = strings[at]
                    elif kind is None or kind == "n":
                        value = _number(v, style >= 0 and dates[style])
                    elif kind == "b":
                        value = v.strip() in ("1", "true")
                    else:  # str, e, d
                        value = v
                cell = Cell(value, fmt, row_no, col_no)
                if by_position:
                    if col_no > len(cells):
                        cells.extend([None] * (col_no - len(cells)))
                    cells[col_no - 1] = cell
                else:
                    cells.append(cell)
            if cells:
                out.append((row_no, cells))

    def _date_styles(self) -> list[bool]:
        if self._dates is None:
            self._dates = [_is_date(f) for f in self._load_formats()]
        return self._dates


def _number(v: str, is_date: bool) -> object:
    """A numeric cell's value: int when written without a point or exponent, float otherwise; a
    datetime in a date-formatted cell; the text itself when it is not a number or lies outside a
    float's range (``1e999``, ``1e-400``: the value parser refuses that text, naming the cell)."""
    try:
        number: int | float = float(v) if "." in v or "e" in v or "E" in v else int(v)
    except ValueError:
        return v
    if isinstance(number, float) and (math.isinf(number) or abs(number) < sys.float_info.min
                                      and any(ch in v.lower().split("e")[0] for ch in "123456789")):
        return v  # 1e999 / 1e-400: the text, which the value parser refuses as overflow / underflow
    if is_date:
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(number)
        except (ValueError, OverflowError):
            return number
    return number


def _is_date(fmt: str) -> bool:
    if fmt == "General" or "%" in fmt or "0" in fmt and not any(ch in fmt for ch in "dmyhs"):
        return False
    from openpyxl.styles.numbers import is_date_format

    return is_date_format(fmt)


def dense(cells: list[Cell]) -> list[Cell | None]:
    """Cells of a row by position (index = column - 1), None where the row has no cell."""
    if not cells:
        return []
    out: list[Cell | None] = [None] * cells[-1].column
    for c in cells:
        if c.column <= len(out):
            out[c.column - 1] = c
    return out
