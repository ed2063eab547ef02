"""Reading reports: plain text (UTF-8 or GBK/GB18030), HTML, ``.docx`` and the text layer of a PDF.

Each reader uses a maintained library (beautifulsoup4 + lxml, python-docx, pypdf), imported only when
a file of that kind is read. Every failure is an :class:`~indicators.errors.ExtractionError` that
names the file and says what to do (Chinese first): an undecodable text, a file above the size limit
(checked before reading, so a 200 MB file is never loaded), a PDF without a text layer (a scan),
an encrypted PDF, a broken ``.docx``.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExtractionError

__all__ = ["Document", "read_document", "document_from_text", "SUPPORTED", "MAX_BYTES"]

#: File suffixes read, by kind.
SUPPORTED = {".txt": "text", ".text": "text", ".md": "text", ".html": "html", ".htm": "html",
             ".docx": "docx", ".pdf": "pdf"}
#: Largest file read (bytes); work reports are well under 5 MB, a larger file is refused up front.
MAX_BYTES = 50 * 1024 * 1024
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Document:
    """A report's text with where it came from: path, title, kind, SHA-256 of the file's bytes."""

    text: str
    title: str
    path: str
    kind: str
    sha256: str

    @property
    def cjk_share(self) -> float:
        """Share of non-space characters that are Chinese characters (0 for an empty text)."""
        chars = sum(1 for c in self.text if not c.isspace())
        return len(_CJK.findall(self.text)) / chars if chars else 0.0


def document_from_text(text: str, title: str = "", path: str = "<text>") -> Document:
    """A :class:`Document` from a string (tests, notebooks)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(text, title or _title(text, path), path, "text", digest)


def read_document(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read a report; raise :class:`ExtractionError` naming the file and the remedy on failure."""
    path = Path(path)
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise ExtractionError(f"{path}: 不支持的文件类型 {path.suffix!r} / unsupported file type; "
                              f"use {', '.join(sorted(SUPPORTED))}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(f"{path}: 无法读取 / cannot read the file ({exc.strerror})") from None
    if size > max_bytes:
        raise ExtractionError(f"{path}: 文件过大 / file too large ({size / 2**20:.0f} MB > "
                              f"{max_bytes / 2**20:.0f} MB); a work report is a few MB — split it or "
                              f"check it is the right file")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if kind == "text":
        text, title = _decode(data, path), ""
    elif kind == "html":
        text, title = _html(data, path)
    elif kind == "docx":
        text, title = _docx(data, path)
    else:
        text, title = _pdf(data, path)
    return Document(text, title or _title(text, path.name), str(path), kind, digest)


def _title(text: str, fallback: str) -> str:
    """The first non-empty line when it is short enough to be a title, else ``fallback``."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= 60 else fallback
    return fallback


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (BOM optional) or GB18030 (a superset of GBK), strictly: no replacement characters."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExtractionError(f"{path}: 无法识别编码 / cannot decode the text as UTF-8 or GBK/GB18030; "
                          f"save it as UTF-8")


def _html(data: bytes, path: Path) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "footer"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    body = soup.body or soup
    lines = [line.strip() for line in body.get_text("\n").splitlines()]
    return "\n".join(line for line in lines if line), title


def _docx(data: bytes, path: Path) -> tuple[str, str]:
    import io

    from docx import Document as DocxDocument
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = DocxDocument(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractionError(f"{path}: 不是可读取的 .docx 文件 / not a readable .docx file ({exc}); "
                              f"save it again from Word as .docx") from None
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines), (doc.core_properties.title or "").strip()


def _pdf(data: bytes, path: Path) -> tuple[str, str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError(f"{path}: PDF 已加密 / the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = (meta.title if meta and meta.title else "") or ""
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(f"{path}: 不是可读取的 PDF / not a readable PDF ({exc})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise ExtractionError(f"{path}: PDF 没有文字层（可能是扫描件）/ the PDF has no text layer "
                              f"({len(pages)} page(s), probably a scan); run OCR first or use the "
                              f"published web or Word version")
    return text, str(title).strip()
