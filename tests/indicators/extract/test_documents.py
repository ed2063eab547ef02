"""Reading reports: text in UTF-8/GBK, HTML, .docx and PDF made here; bad input gives a clear error."""

from __future__ import annotations

import os

import pytest

from indicators.errors import ExtractionError
from indicators.extract import extract_text, read_document
from indicators.framework import load_framework
from tests.conftest import ROOT

SENTENCE = "2023年,全区共办理法律援助案件1,236件,同比增长8.2%。"


@pytest.fixture(scope="module")
def fw():
    return load_framework(ROOT / "data" / "frameworks" / "district_rol.yaml")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_plain_text_encodings(tmp_path, encoding):
    path = tmp_path / "report.txt"
    path.write_bytes(("某区司法局2023年工作总结\n" + SENTENCE).encode(encoding))
    doc = read_document(path)
    assert doc.text.endswith(SENTENCE) and doc.title == "某区司法局2023年工作总结" and doc.kind == "text"
    assert len(doc.sha256) == 64


def test_undecodable_text_is_an_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe\x00\xd8" * 10 + b"\x81")
    with pytest.raises(ExtractionError, match=r"bad.txt: 无法识别编码 / cannot decode the text as UTF-8 or GBK"):
        read_document(path)


def test_html(tmp_path, fw):
    path = tmp_path / "r.html"
    path.write_text(f"<html><head><title>某区2023年法治政府建设报告</title><script>var x='受理纠纷9件';</script>"
                    f"</head><body><p>{SENTENCE}</p></body></html>", encoding="utf-8")
    doc = read_document(path)
    assert doc.title == "某区2023年法治政府建设报告" and "var x" not in doc.text
    assert [p.value for p in extract_text(doc.text, fw).proposals] == [1236]


def test_docx_made_with_python_docx(tmp_path, fw):
    import docx

    d = docx.Document()
    d.core_properties.title = "某区司法局工作总结"
    d.add_paragraph(SENTENCE)
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "执业律师"
    table.rows[0].cells[1].text = "截至年底,全区共有执业律师520名。"
    path = tmp_path / "r.docx"
    d.save(path)
    doc = read_document(path)
    assert doc.title == "某区司法局工作总结" and doc.kind == "docx"
    got = {p.figure: p.value for p in extract_text(doc.text, fw).proposals}
    assert got == {"legal_aid_cases": 1236, "lawyers": 520}


def test_broken_docx(tmp_path):
    path = tmp_path / "r.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ExtractionError, match=r"r.docx: 不是可读取的 .docx 文件 / not a readable .docx file"):
        read_document(path)


def _pdf(path, lines):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.font_manager import FontProperties

    from evaluation.report.charts import cjk_font_path

    font = FontProperties(fname=str(cjk_font_path()))
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        for i, line in enumerate(lines):
            fig.text(0.05, 0.9 - 0.05 * i, line, fontproperties=font)
        pdf.savefig(fig)
        plt.close(fig)


def test_pdf_text_layer_with_embedded_cjk_font(tmp_path, fw):
    path = tmp_path / "r.pdf"
    _pdf(path, ["某区司法局2023年工作总结", SENTENCE])
    doc = read_document(path)
    assert "法律援助案件1,236件" in doc.text
    p = extract_text(doc.text, fw).proposals
    assert [(x.figure, x.value) for x in p] == [("legal_aid_cases", 1236)]
    assert doc.text[p[0].offset:p[0].offset + len(p[0].as_written)] == "1,236件"


def test_scanned_pdf_without_text_layer(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(ExtractionError, match=r"scan.pdf: PDF 没有文字层（可能是扫描件）/ the PDF has no text layer "
                                              r"\(1 page\(s\), probably a scan\)"):
        read_document(path)


def test_not_a_pdf(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(ExtractionError, match=r"x.pdf: 不是可读取的 PDF / not a readable PDF"):
        read_document(path)


def test_empty_file_gives_an_empty_result_that_says_why(tmp_path, fw):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    doc = read_document(path)
    ex = extract_text(doc.text, fw)
    assert ex.proposals == () and ex.reason == "文本为空 / the document has no text"


def test_non_chinese_document(tmp_path, fw):
    path = tmp_path / "en.txt"
    path.write_text("Annual report of the justice bureau. Legal aid cases: 1,236. " * 20, encoding="utf-8")
    ex = extract_text(read_document(path).text, fw)
    assert ex.proposals == () and ex.reason.startswith("不是中文报告 / not a Chinese report")


def test_200_mb_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:  # sparse: no 200 MB written to disk, none read
        fh.truncate(200 * 1024 * 1024)
    assert os.path.getsize(path) == 200 * 1024 * 1024
    with pytest.raises(ExtractionError, match=r"huge.txt: 文件过大 / file too large \(200 MB > 50 MB\)"):
        read_document(path)


@pytest.mark.parametrize("name, message", [
    ("r.xls", r"r.xls: 不支持的文件类型 '.xls' / unsupported file type"),
    ("missing.txt", r"missing.txt: 无法读取 / cannot read the file"),
])
def test_unsupported_or_missing(tmp_path, name, message):
    path = tmp_path / name
    if name.endswith(".xls"):
        path.write_bytes(b"x")
    with pytest.raises(ExtractionError, match=message):
        read_document(path)
