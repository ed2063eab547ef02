"""Decode submitted text files strictly: one encoding per file, never a silent mojibake.

A CSV saved partly by one program and partly by another can mix UTF-8 and GBK rows. Decoding it
all as GB18030 (which accepts almost any byte sequence) turns the UTF-8 rows' 静安 into ``闈欏畨``
without an error. Here the encoding is detected from the file's first row with non-ASCII text —
UTF-16 by its BOM, otherwise UTF-8 when that row is valid UTF-8, else GBK/GB18030 — and every row
must then be valid in it: in GB18030 a row that is valid UTF-8 with non-ASCII text is refused as
well, since that is how mixed files look (a genuine GBK row is almost never also valid UTF-8). The
first bad row is named by its line, with the ``--encoding`` option that overrides the detection
(an explicit encoding is applied strictly to the whole file, without the mixing check).

:class:`StrictLines` does this while the file is read, a block of whole lines at a time, so a
large file is never held as its bytes and its text at once (the reader's memory target); the
bytes of the whole file are hashed on the way. :func:`decode_strict` is the same on bytes in
memory. In the encodings read this way (UTF-8, GBK/GB18030, Big5, single-byte ones) the byte
``\\n`` only ever means a line end, so blocks cut after it decode exactly as the whole file does;
UTF-16/32 files are decoded whole.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

__all__ = ["Decoded", "StrictLines", "decode_strict"]

#: What the detection can choose, and its label in messages.
_LABELS = {"utf-8": "UTF-8", "gb18030": "GBK/GB18030", "utf-16": "UTF-16"}
#: Codecs whose multi-byte sequences never contain the byte ``\n``: decoded a block of lines at a time.
_LINE_SAFE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "ascii", "latin-1",
              "iso8859-15", "cp1252", "cp936", "cp950"}
#: Bytes read at a time.
BLOCK = 1 << 20
_NON_ASCII = re.compile(rb"[\x80-\xff]")


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


def _fix(encoding: str | None) -> str:
    label = _LABELS.get(encoding or "", encoding or "")
    return (f"请将文件统一保存为一种编码（Excel：另存为“CSV UTF-8”），或用 --encoding 指定 / save the whole "
            f"file in one encoding (Excel: Save As 'CSV UTF-8'), or give it with --encoding "
            f"(e.g. --encoding {'gbk' if label.startswith('UTF') else 'utf-8'})")


class StrictLines:
    """The decoded lines of a binary stream (endings kept, as ``io.StringIO(text, newline="")`` gives them).

    Iterate once; iteration stops at the first line that breaks the rules of the module docstring,
    leaving :attr:`error` (bilingual, naming the line and the fix) and :attr:`line` set — the lines
    already yielded must then be discarded. :attr:`encoding` is the encoding used (or detected so
    far). ``hasher`` (e.g. ``hashlib.sha256()``) is fed every byte of the stream, the rest of it too
    once :meth:`drain` is called after an error.
    """

    def __init__(self, stream: BinaryIO, encoding: str | None = None, hasher: Any = None,
                 block: int | None = None) -> None:
        self._stream, self._hasher, self._block = stream, hasher, block or BLOCK
        self._given = encoding
        self.encoding: str | None = None
        self.error: str | None = None
        self.line: int | None = None
        self._first: int | None = None  # line of the first row with non-ASCII text (detection)

    def _read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if self._hasher is not None and data:
            self._hasher.update(data)
        return data

    def drain(self) -> None:
        """Read (and hash) the rest of the stream."""
        while self._read(self._block):
            pass

    def _fail(self, error: str, line: int | None, encoding: str | None = None) -> None:
        self.error, self.line = error, line
        if encoding is not None:
            self.encoding = encoding

    def __iter__(self) -> Iterator[str]:
        head = self._read(self._block)
        while 0 < len(head) < 4:  # enough for a byte-order mark, whatever the block size
            more = self._read(self._block)
            if not more:
                break
            head += more
        if self._given is not None:
            try:
                codec = codecs.lookup(self._given).name
            except LookupError:
                self._fail(f"未知编码 / unknown encoding {self._given!r}; use e.g. utf-8, gbk, gb18030, utf-16", None)
                return
            self.encoding = codec
            if codec == "utf-8" and head.startswith(codecs.BOM_UTF8):
                head = head[len(codecs.BOM_UTF8):]
            if codec not in _LINE_SAFE:  # UTF-16/32 and the like: the whole file at once
                yield from self._whole(head + self._read(), codec)
                return
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            yield from self._whole(head + self._read(), "utf-16")
            return
        elif head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8):]
        done, buf, block = 0, b"", head  # done: lines before the block being decoded
        while True:
            data = buf + block
            if block:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # no line end yet: read on
                    buf, block = data, self._read(self._block)
                    continue
                piece, buf = data[:cut], data[cut:]
            else:
                piece, buf = data, b""
            del data
            text = self._decode(piece, done)
            if text is None:
                return
            done += piece.count(b"\n")
            del piece
            yield from io.StringIO(text, newline="")
            if not block:
                return
            block = self._read(self._block)

    def _whole(self, data: bytes, codec: str) -> Iterator[str]:
        """Decode ``data`` in one go (a UTF-16 file, or an encoding whose characters may hold ``\\n``)."""
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            if self._given is not None:
                line = data.count(b"\n", 0, exc.start) + 1
                self._fail(f"第 {line} 行不是 {self._given} 编码 / line {line} is not valid {self._given} "
                           f"(byte {data[exc.start]:#04x}); check the encoding the file was saved in", line)
            else:
                line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
                self._fail(f"第 {line} 行不是 UTF-16 编码（文件以 UTF-16 标记开头） / line {line} is not valid "
                           f"UTF-16 although the file starts with a UTF-16 mark; " + _fix("utf-16"), line, "utf-16")
            return
        self.encoding = codec
        del data
        yield from io.StringIO(text, newline="")

    def _decode(self, piece: bytes, done: int) -> str | None:
        """Text of ``piece`` (whole lines after ``done`` lines), or None after recording the first bad line."""
        if self._given is not None:
            try:
                return piece.decode(self.encoding)
            except UnicodeDecodeError as exc:
                line = done + piece.count(b"\n", 0, exc.start) + 1
                self._fail(f"第 {line} 行不是 {self._given} 编码 / line {line} is not valid {self._given} "
                           f"(byte {piece[exc.start]:#04x}); check the encoding the file was saved in", line)
                return None
        if self.encoding in (None, "utf-8"):
            try:  # the common case, a block in one pass: UTF-8 (or ASCII) throughout
                text = piece.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if self.encoding is None and not text.isascii():
                    at = _NON_ASCII.search(piece)
                    self.encoding, self._first = "utf-8", done + piece.count(b"\n", 0, at.start()) + 1
                return text
        out = []
        for number, line in enumerate(piece.split(b"\n"), start=done + 1):
            if line.isascii():
                out.append(line.decode("ascii"))
                continue
            utf8 = _valid(line, "utf-8")
            if self.encoding is None:
                self.encoding, self._first = ("utf-8" if utf8 else "gb18030"), number
                if self.encoding == "gb18030" and not _valid(line, "gb18030"):
                    self._fail(f"第 {number} 行既不是 UTF-8 也不是 GBK 编码 / line {number} is neither UTF-8 nor "
                               "GBK/GB18030; " + _fix(None), number)
                    self.encoding = None
                    return None
            ok = utf8 if self.encoding == "utf-8" else (_valid(line, "gb18030") and not utf8)
            if not ok:
                label = _LABELS[self.encoding]
                self._fail(f"第 {number} 行的编码与第 {self._first} 行（{label}）不同，文件混用了编码 / line {number} "
                           f"is not {label} like line {self._first} (the first row with Chinese text): the file "
                           f"mixes encodings; " + _fix(self.encoding), number)
                return None
            out.append(line.decode(self.encoding))
        return "\n".join(out)


def decode_strict(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode ``data`` in one encoding, detected (see the module docstring) or given.

    Returns :class:`Decoded`; on failure ``text`` is None and ``error`` names the first bad line
    and how to fix the file. The same rules as :class:`StrictLines`, on bytes in memory.
    """
    lines = StrictLines(io.BytesIO(data), encoding)
    text = "".join(lines)
    if lines.error is not None:
        return Decoded(None, lines.encoding, lines.error, lines.line)
    return Decoded(text, lines.encoding or "utf-8")
