"""Decode submitted text files strictly: one encoding per file, never a silent mojibake.

A CSV saved partly by one program and partly by another can mix UTF-8 and GBK rows. Decoding it
all as GB18030 (which accepts almost any byte sequence) turns the UTF-8 rows' 静安 into ``闈欏畨``
without an error. Here the encoding is detected from the file's first row with non-ASCII text —
UTF-16 by its BOM, otherwise UTF-8 when that row is valid UTF-8, else GBK/GB18030 — and every row
must then be valid in it: in GB18030 a row that is valid UTF-8 with non-ASCII text is refused as
well, since that is how mixed files look (a genuine GBK row is almost never also valid UTF-8). The
first bad row is named by its line, with the ``--encoding`` option that overrides the detection
(an explicit encoding is applied strictly to the whole file, without the mixing check).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["Decoded", "decode_strict"]

#: What the detection can choose, and its label in messages.
_LABELS = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}


@dataclass(frozen=True)
class Decoded:
    """The text of a file and the encoding used, or ``error`` and the ``line`` it is about."""

    text: str | None
    encoding: str | None
    error: str | None = None
    line: int | None = None


def _valid(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _fix(encoding: str | None) -> str:
    label = _LABELS.get(encoding or "", encoding or "")
    return (f"请将文件统一保存为一种编码（Excel：另存为“CSV UTF-8”），或用 --encoding 指定 / save the whole "
            f"file in one encoding (Excel: Save As 'CSV UTF-8'), or give it with --encoding "
            f"(e.g. --encoding {'gbk' if label.startswith('UTF') else 'utf-8'})")


def decode_strict(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode ``data`` in one encoding, detected (see the module docstring) or given.

    Returns :class:`Decoded`; on failure ``text`` is None and ``error`` names the first bad line
    and how to fix the file.
    """
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            return Decoded(None, None, f"未知编码 / unknown encoding {encoding!r}; use e.g. utf-8, gbk, gb18030, "
                                       "utf-16")
        raw = data[len(codecs.BOM_UTF8):] if codec == "utf-8" and data.startswith(codecs.BOM_UTF8) else data
        try:
            return Decoded(raw.decode(codec), codec)
        except UnicodeDecodeError as exc:
            line = _line_of(raw, exc.start)
            return Decoded(None, codec, f"第 {line} 行不是 {encoding} 编码 / line {line} is not valid {encoding} "
                                        f"(byte {raw[exc.start]:#04x}); check the encoding the file was saved in",
                           line)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
            return Decoded(None, "utf-16", f"第 {line} 行不是 UTF-16 编码（文件以 UTF-16 标记开头） / line {line} "
                                           f"is not valid UTF-16 although the file starts with a UTF-16 mark; "
                                           + _fix("utf-16"), line)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:  # the common case, in one pass: the whole file is UTF-8 (or ASCII)
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    detected, first = None, None
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        utf8 = _valid(line, "utf-8")
        if detected is None:
            detected, first = ("utf-8" if utf8 else "gb18030"), number
            if detected == "gb18030" and not _valid(line, "gb18030"):
                return Decoded(None, None, f"第 {number} 行既不是 UTF-8 也不是 GBK 编码 / line {number} is neither "
                                           "UTF-8 nor GBK/GB18030; " + _fix(None), number)
            continue
        ok = utf8 if detected == "utf-8" else (_valid(line, "gb18030") and not utf8)
        if not ok:
            label = _LABELS[detected]
            return Decoded(None, detected,
                           f"第 {number} 行的编码与第 {first} 行（{label}）不同，文件混用了编码 / line {number} is not "
                           f"{label} like line {first} (the first row with Chinese text): the file mixes "
                           f"encodings; " + _fix(detected), number)
    return Decoded(data.decode(detected or "utf-8"), detected or "utf-8")
