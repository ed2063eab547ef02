"""Strict decoding of submitted text: hand-made byte files, one encoding per file."""

from __future__ import annotations

import hashlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.textdecode import decode_strict

HEADER = "district,year,figure,value\n"


def rows(*names: str) -> list[str]:
    return [f"{n},2024,lawyers,{i}\n" for i, n in enumerate(names, start=1)]


def test_utf8_gbk_utf16_and_ascii_files_decode():
    text = HEADER + "".join(rows("静安", "光明"))
    for raw, enc in [(text.encode("utf-8"), "utf-8"), (b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8"),
                     (text.encode("gbk"), "gb18030"), (text.encode("utf-16"), "utf-16")]:
        out = decode_strict(raw)
        assert (out.text, out.encoding, out.error) == (text, enc, None)
    assert decode_strict(b"a,b\n").text == "a,b\n"


def test_utf8_file_with_a_gbk_row_names_the_row():
    raw = (HEADER + rows("静安")[0]).encode("utf-8") + rows("静安")[0].encode("gbk")
    out = decode_strict(raw)
    assert out.text is None and out.line == 3
    assert out.error.startswith("第 3 行的编码与第 2 行（UTF-8）不同，文件混用了编码 / line 3 is not UTF-8 like line 2")
    assert "--encoding gbk" in out.error


def test_gbk_file_with_a_utf8_row_names_the_row():
    raw = (HEADER + "".join(rows("静安", "光明"))).encode("gbk") + rows("静安")[0].encode("utf-8")
    out = decode_strict(raw)
    assert out.text is None and out.line == 4 and "line 4 is not GBK/GB18030 like line 2" in out.error
    assert "--encoding utf-8" in out.error


def test_explicit_encoding_is_strict_and_overrides_detection():
    raw = (HEADER + rows("静安")[0]).encode("gbk")
    assert decode_strict(raw, "gbk").text == HEADER + rows("静安")[0]
    out = decode_strict(raw, "utf-8")
    assert out.text is None and out.line == 2
    assert out.error.startswith("第 2 行不是 utf-8 编码 / line 2 is not valid utf-8 (byte 0xbe)")
    assert decode_strict(raw, "klingon").error.startswith("未知编码 / unknown encoding 'klingon'")


@pytest.mark.parametrize("bad", [b"\xff\xff\xff\n", b"\x81\x20\n"])
def test_neither_utf8_nor_gbk(bad):
    out = decode_strict(HEADER.encode() + bad)
    assert out.line == 2 and "line 2 is neither UTF-8 nor GBK/GB18030" in out.error


# -- through read_figures: a file-level error naming the row; --encoding overrides ---------------


def test_read_figures_refuses_a_mixed_file_naming_the_row(tmp_path):
    from indicators.submission import read_figures

    path = tmp_path / "mixed.csv"
    head = "district,year,figure,value,district_name\n"
    path.write_bytes((head + "ja,2024,lawyers,1,静安\n").encode("utf-8") + "gm,2024,lawyers,2,光明\n".encode("gbk"))
    sub = read_figures(path)
    errors = [p for p in sub.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].file == "mixed.csv" and errors[0].row == 3
    assert "line 3 is not UTF-8 like line 2" in errors[0].message and "--encoding" in errors[0].message
    assert len(sub.figures) == 0  # nothing half-read: no 闈欏畨


def test_read_figures_with_an_explicit_encoding(tmp_path):
    from indicators.submission import read_figures

    path = tmp_path / "gbk.csv"
    path.write_bytes("district,year,figure,value,district_name\nja,2024,lawyers,1,静安\n".encode("gbk"))
    assert list(read_figures(path).figures["district_name"]) == ["静安"]  # detected
    assert list(read_figures(path, encoding="gbk").figures["district_name"]) == ["静安"]
    problems = read_figures(path, encoding="utf-8").problems
    assert [p.row for p in problems] == [2]
    assert problems[0].message.startswith("第 2 行不是 utf-8 编码 / line 2 is not valid utf-8")


@pytest.mark.parametrize("text", ["1e-400", "-1e-320", "0.0000001e-310"])
def test_an_underflowing_value_is_an_error_naming_the_cell(tmp_path, text):
    from indicators.submission import read_figures

    path = tmp_path / "tiny.csv"
    path.write_text(f"district,year,figure,value\nja,2024,lawyers,{text}\nja,2024,notaries,0e-400\n",
                    encoding="utf-8")
    problems = read_figures(path).problems
    assert [(p.row, p.column, p.figure) for p in problems] == [(2, "value", "lawyers")]
    assert f"'{text}' 过小，会被存为 0（下溢） / is too small to be a figure" in problems[0].message


# -- a block of lines at a time: the same text, error and line as the whole file ---------------

_LINE = st.tuples(st.sampled_from(["ascii", "utf-8", "gbk"]),
                  st.text(alphabet="ab,1 静安光明区\r\"", max_size=12),
                  st.sampled_from(["\n", "\r\n", ""]))


def _whole(data: bytes, encoding: str | None):
    """The rules applied to the whole file at once (one block larger than the file)."""
    from indicators.textdecode import StrictLines

    lines = StrictLines(io.BytesIO(data), encoding, block=len(data) + 1)
    text = "".join(lines)
    return (None if lines.error else text), lines.encoding, lines.error, lines.line


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINE, max_size=12), bom=st.booleans(), block=st.integers(1, 9),
       encoding=st.sampled_from([None, None, "utf-8", "gbk"]))
def test_blocks_of_lines_decode_like_the_whole_file(lines, bom, block, encoding):
    from indicators.textdecode import StrictLines

    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join((text + end).encode(enc, "replace") for enc, text, end in lines)
    hasher = hashlib.sha256()
    streamed = StrictLines(io.BytesIO(data), encoding, hasher, block=block)
    text = "".join(streamed)
    streamed.drain()
    got = ((None if streamed.error else text), streamed.encoding, streamed.error, streamed.line)
    assert got == _whole(data, encoding)
    assert hasher.hexdigest() == hashlib.sha256(data).hexdigest()  # every byte hashed, after an error too
    if got[2] is None:
        assert got[0] == decode_strict(data, encoding).text
        if encoding is None and not bom:  # what the file says, line for line (ends kept)
            assert got[0] == data.decode(got[1] or "utf-8")


def test_a_mixed_row_far_into_a_large_file_is_named_and_nothing_is_read(tmp_path, monkeypatch):
    """The mixing check holds across blocks: a GBK row after many blocks of UTF-8 rows."""
    from indicators import textdecode
    from indicators.submission import read_figures

    monkeypatch.setattr(textdecode, "BLOCK", 256)
    path = tmp_path / "big.csv"
    good = "".join(f"d{i},2024,lawyers,{i},静安\n" for i in range(2, 400))
    path.write_bytes(("district,year,figure,value,district_name\n" + good).encode("utf-8")
                     + "gm,2024,lawyers,2,光明\n".encode("gbk") + good.encode("utf-8"))
    sub = read_figures(path)
    assert [(p.row, p.severity) for p in sub.problems] == [(400, "error")]
    assert "line 400 is not UTF-8 like line 2 (the first row with Chinese text)" in sub.problems[0].message
    assert len(sub.figures) == 0
    assert sub.files == {"big.csv": hashlib.sha256(path.read_bytes()).hexdigest()}
    monkeypatch.setattr(textdecode, "BLOCK", 1 << 20)
    path.write_bytes(("district,year,figure,value,district_name\n" + good).encode("utf-8"))
    assert len(read_figures(path).figures) == 398
