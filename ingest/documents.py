"""Documents: PDF, DOCX, HTML, plain text and images, with OCR for scans.

Every format reduces to a list of pages of plain text (one page for formats without
pages). That text *is* the document as far as the rest of healthrag knows: chunks
are exact slices of it, with the 1-based page number and the character span in
provenance, so a citation can quote the page verbatim and a reader can find it.

Parsers, chosen for being fast and offline (``eval/reports/documents.md`` has the
measurements and why ``unstructured`` is not used):

- PDF: pypdfium2's text layer; a page with (almost) no text is a scan, rendered with
  pypdfium2 and read by the ``tesseract`` CLI (Debian ``tesseract-ocr``);
- images: ``tesseract`` directly (after Pillow checks and normalises the image);
- DOCX: python-docx, paragraphs and tables in body order, table rows as ``a | b | c``;
- HTML: lxml, scripts and styles dropped, block elements as lines, rows as ``a | b``;
- text: UTF-8 / UTF-16 by BOM / UTF-8 / cp1252, in that order.

Lab rows found in a page become :class:`~rag.core.types.Measurement` facts on the chunk
that holds the row (:mod:`ingest.labs`); a radiology report becomes one record per
section (:mod:`ingest.radiology`).
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ingest.base import Source
from ingest.fhir import split_text
from ingest.labs import LabResult, extract_labs
from ingest.radiology import is_radiology_report, report_title, split_report
from rag.core.errors import EmptyInput, InvalidContent, TooLarge, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import Measurement, ParseIssue, ParseResult, Provenance, Record

log = logging.getLogger(__name__)

DocumentKind = Literal["pdf", "docx", "html", "image", "text"]
RESOURCE_TYPE = "DocumentReference"
MAX_PAGES = 500  # a longer PDF is refused (413), not half-read
MIN_TEXT_CHARS = 16  # fewer visible characters on a PDF page means a scan: OCR it
OCR_TIMEOUT_S = 60.0  # per page; a page that takes longer is reported, not waited on
OCR_DPI = 300
MAX_OCR_PIXELS = 40_000_000  # a rendered page or an image is scaled down to this
MAX_IMAGE_PIXELS = 100_000_000  # a larger image is refused before decoding (pixel bombs)
MAX_DOCX_XML_BYTES = 200 * 1024 * 1024  # uncompressed document.xml (zip bombs)

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


# ------------------------------------------------------------------ detection


def sniff_document(head: bytes) -> DocumentKind | None:
    """The document kind the first bytes show, or None.

    A DOCX is a zip; from the head alone it is recognised only when the entry name
    ``word/document.xml`` is visible there (use :func:`sniff_document_path` to be
    sure). CSV is plain text here: the caller tests for CSV before asking.
    """
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/document.xml" in head else None
    if _is_image(head):
        return "image"
    text = _decode_head(head)
    if text is None:
        return None
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")) or (
        start.startswith("<!--") and "<html" in start[:2048]
    ):
        return "html"
    if start.startswith(("{", "[", "<")):
        return None  # JSON or XML: other parsers' business
    return "text"


def sniff_document_path(path: Path) -> DocumentKind | None:
    """Like :func:`sniff_document`, but opens a zip to look for ``word/document.xml``."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                return "docx" if "word/document.xml" in zf.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    return sniff_document(head)


def _is_image(head: bytes) -> bool:
    if head.startswith(_IMAGE_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    # BMP: "BM" alone is too weak; also check the DIB header size.
    return head[:2] == b"BM" and len(head) >= 18 and head[14] in (12, 40, 52, 56, 108, 124)


def _decode_head(head: bytes) -> str | None:
    """Text from the first bytes, tolerating a character cut at the end."""
    if not head:
        return None
    for cut in range(4):
        chunk = head[: len(head) - cut] if cut else head
        try:
            text = decode_text(chunk, strict=True)
        except UnicodeDecodeError:
            continue
        return text if _looks_textual(text) else None
    return None


def _looks_textual(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if c in "\x00" or (ord(c) < 32 and c not in "\t\r\n\f"))
    return bad <= len(text) // 100


def decode_text(data: bytes, *, strict: bool = False) -> str:
    """Decode text: a BOM decides; else UTF-8; else UTF-16 (NUL pattern); else cp1252.

    ``strict`` stops before the cp1252/latin-1 fallbacks (which accept any bytes), for
    sniffing.
    """
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="strict" if strict else "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") * 3 > len(sample):
        even_nuls = sample[0::2].count(b"\x00")
        codec = "utf-16-be" if even_nuls > sample[1::2].count(b"\x00") else "utf-16-le"
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if strict:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnicodeDecodeError("cp1252", data, 0, 1, "not text") from None
        return text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ------------------------------------------------------------------ pages


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    ocr: bool = False


def clean_text(text: str) -> str:
    """Newlines as ``\\n``, control characters out, trailing spaces off each line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def extract_pages(
    source: Source, kind: DocumentKind, *, ocr_timeout: float = OCR_TIMEOUT_S
) -> tuple[list[Page], list[ParseIssue]]:
    """The text of each page, and the pages that could not be read."""
    if kind == "pdf":
        return _pdf_pages(source, ocr_timeout)
    if kind == "image":
        return _image_pages(source, ocr_timeout)
    if kind == "docx":
        return [Page(1, clean_text(docx_text(source)))], []
    data = source.read_bytes()
    if kind == "html":
        return [Page(1, clean_text(html_text(data, source.name)))], []
    return [Page(1, clean_text(decode_text(data)))], []


def _pdf_pages(source: Source, ocr_timeout: float) -> tuple[list[Page], list[ParseIssue]]:
    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed; only PDFs load it

    try:
        pdf = pdfium.PdfDocument(source.path)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise InvalidContent(
                f"{source.name}: the PDF is password-protected; remove the password and "
                "upload it again"
            ) from exc
        raise InvalidContent(f"{source.name}: not a readable PDF ({exc})") from exc
    pages: list[Page] = []
    issues: list[ParseIssue] = []
    try:
        count = len(pdf)
        if count > MAX_PAGES:
            raise TooLarge(f"{source.name}: {count} pages is over the {MAX_PAGES}-page cap")
        if count == 0:
            raise InvalidContent(f"{source.name}: the PDF has no pages")
        for index in range(count):
            try:
                page = pdf[index]
                textpage = page.get_textpage()
                text = clean_text(pdf_page_text(textpage))
                textpage.close()
                if sum(not c.isspace() for c in text) < MIN_TEXT_CHARS:
                    bitmap = page.render(scale=_ocr_scale(page.get_size()), grayscale=True)
                    image = bitmap.to_pil()
                    try:
                        text = clean_text(ocr_image(image, timeout=ocr_timeout))
                        pages.append(Page(index + 1, text, ocr=True))
                    except InvalidContent as exc:
                        issues.append(ParseIssue(source.name, f"page {index + 1}: {exc.message}"))
                    finally:
                        bitmap.close()
                else:
                    pages.append(Page(index + 1, text))
                page.close()
            except pdfium.PdfiumError as exc:
                issues.append(ParseIssue(source.name, f"page {index + 1} is unreadable: {exc}"))
            source.advance(int(source.size * (index + 1) / count))
    finally:
        pdf.close()
    return pages, issues


def pdf_page_text(textpage: object) -> str:
    """A page's text layer, with each visual row on one line.

    PDFium breaks a line wherever a new text object starts lower or higher than the
    last glyph's box, so a result row drawn as separate cells ("212", "H", "mg/dL")
    can come out as two lines. A break between two glyphs on the same baseline,
    left to right, is turned back into a space: the row stays readable for
    :mod:`ingest.labs` and for people.
    """
    count = textpage.count_chars()  # type: ignore[attr-defined]
    text: str = textpage.get_text_range(0, count)  # type: ignore[attr-defined]
    if len(text) != count:  # surrogate pairs break the index mapping: keep PDFium's text
        return text
    chars = list(text)
    for match in re.finditer(r"\r\n", text):
        before, after = match.start() - 1, match.end()
        while before >= 0 and text[before] == " ":
            before -= 1
        if before < 0 or after >= count or text[after] in "\r\n":
            continue
        _, bottom, right, top = textpage.get_charbox(before, loose=True)  # type: ignore[attr-defined]
        n_left, n_bottom, _, n_top = textpage.get_charbox(after, loose=True)  # type: ignore[attr-defined]
        height = max(top - bottom, n_top - n_bottom, 1.0)
        if abs(bottom - n_bottom) < 0.25 * height and n_left >= right - 0.5:
            chars[match.start()], chars[match.start() + 1] = " ", ""
    return "".join(chars)


def _ocr_scale(size: tuple[float, float]) -> float:
    width, height = size
    scale = OCR_DPI / 72
    pixels = width * height * scale * scale
    if pixels > MAX_OCR_PIXELS:
        scale *= (MAX_OCR_PIXELS / pixels) ** 0.5
    return scale


def _image_pages(source: Source, ocr_timeout: float) -> tuple[list[Page], list[ParseIssue]]:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    data = source.read_bytes()
    try:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise TooLarge(
                f"{source.name}: {image.width}x{image.height} pixels is over the "
                f"{MAX_IMAGE_PIXELS}-pixel cap"
            )
        if frames > MAX_PAGES:
            raise TooLarge(f"{source.name}: {frames} frames is over the {MAX_PAGES}-page cap")
        pages: list[Page] = []
        issues: list[ParseIssue] = []
        # A multi-page TIFF is a scanned document: one page per frame (not GIF frames).
        sequence = ImageSequence.Iterator(image) if image.format == "TIFF" else iter([image])
        for number, frame in enumerate(sequence, start=1):
            frame.load()
            try:
                pages.append(Page(number, clean_text(ocr_image(frame, timeout=ocr_timeout)),
                                  ocr=True))
            except InvalidContent as exc:
                issues.append(ParseIssue(source.name, f"page {number}: {exc.message}"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidContent(f"{source.name}: the image cannot be decoded ({exc})") from exc
    return pages, issues


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_image(image: object, *, timeout: float = OCR_TIMEOUT_S, language: str = "eng") -> str:
    """Text of a PIL image, read by the ``tesseract`` CLI within ``timeout`` seconds."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    exe = tesseract_path()
    if exe is None:
        raise InvalidContent(
            "the page is a scan and OCR is not available (install Debian's tesseract-ocr)"
        )
    gray = image.convert("L")
    pixels = gray.width * gray.height
    if pixels > MAX_OCR_PIXELS:
        ratio = (MAX_OCR_PIXELS / pixels) ** 0.5
        gray = gray.resize((max(1, int(gray.width * ratio)), max(1, int(gray.height * ratio))))
    with tempfile.TemporaryDirectory(prefix="healthrag-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        gray.save(png, format="PNG", dpi=(OCR_DPI, OCR_DPI))
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # deterministic, and 1 core per page
        try:
            done = subprocess.run(
                [exe, str(png), "stdout", "-l", language, "--psm", "3"],
                capture_output=True, timeout=timeout, env=env, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InvalidContent(f"OCR took longer than {timeout:g} s and was stopped") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise InvalidContent(f"OCR failed (tesseract exit {done.returncode}: {reason[0]})")
    return done.stdout.decode("utf-8", "replace")


# ------------------------------------------------------------------ DOCX and HTML


def docx_text(source: Source) -> str:
    """Paragraphs and tables of a DOCX body, in order; table rows as ``a | b | c``."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        with zipfile.ZipFile(source.path) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise TooLarge(
                    f"{source.name}: word/document.xml unpacks to {info.file_size} bytes, "
                    f"over the {MAX_DOCX_XML_BYTES}-byte cap"
                )
        document = docx.Document(str(source.path))
    except TooLarge:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidContent(f"{source.name}: not a readable DOCX ({exc})") from exc
    except Exception as exc:  # python-docx raises lxml and its own errors on broken parts
        raise InvalidContent(f"{source.name}: not a readable DOCX ({type(exc).__name__})") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_docx_table_lines(block))
            lines.append("")
    return "\n".join(lines)


def _docx_table_lines(table: object) -> Iterator[str]:
    from docx.table import Table

    assert isinstance(table, Table)
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text or not text:  # merged cells repeat
                cells.append(text)
        if any(cells):
            yield " | ".join(cells)


_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
    "section", "article", "header", "footer", "pre", "blockquote", "dd", "dt", "dl", "title",
    "hr", "address", "caption",
})
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object")


def html_text(data: bytes, name: str) -> str:
    """Readable text of an HTML page: one line per block, table rows as ``a | b``."""
    import lxml.etree  # type: ignore[import-untyped]  # no stubs installed (types-lxml)
    import lxml.html  # type: ignore[import-untyped]  # no stubs installed (types-lxml)

    try:
        root = lxml.html.document_fromstring(data)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InvalidContent(f"{name}: not readable HTML ({exc})") from exc
    for element in root.iter(*_DROP_TAGS):
        element.drop_tree() if element.getparent() is not None else None
    lxml.etree.strip_elements(root, lxml.etree.Comment, with_tail=False)
    out: list[str] = []
    _walk_html(root, out)
    text = "".join(out)
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]*\n[ \t]*", "\n", text))


def _walk_html(element: object, out: list[str]) -> None:
    import lxml.html

    assert isinstance(element, lxml.html.HtmlElement)
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag == "tr":
        cells = [" ".join(c.text_content().split()) for c in element if c.tag in ("td", "th")]
        out.append("\n" + " | ".join(cells) + "\n")
        out.append(_space(element.tail))
        return
    if tag in _BLOCK_TAGS:
        out.append("\n")
    out.append(_space(element.text))
    for child in element:
        _walk_html(child, out)
    if tag in _BLOCK_TAGS:
        out.append("\n")
    out.append(_space(element.tail))


def _space(text: str | None) -> str:
    return re.sub(r"\s+", " ", text) if text else ""


# ------------------------------------------------------------------ chunks and records


def chunk_spans(text: str, limit: int) -> list[tuple[int, int]]:
    """Spans of at most about ``limit`` characters, cut where the FHIR text splitter cuts
    (blank lines, then line ends, then sentence ends); leading and trailing whitespace are
    left out of each span, so a chunk is exactly the text it quotes."""
    lead = len(text) - len(text.lstrip())
    spans: list[tuple[int, int]] = []
    for start, end in split_text(text[lead:], limit):
        start, stop = start + lead, end + lead
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        spans.append((start, stop))
    return spans


def parse_document(source: Source, settings: IngestSettings) -> ParseResult:
    """Records of one document: page chunks (or report sections) with lab facts."""
    if source.size == 0:
        raise EmptyInput(f"{source.name}: the file is empty")
    if source.size > settings.max_file_bytes:
        raise TooLarge(
            f"{source.name}: {source.size} bytes is over the {settings.max_file_bytes}-byte cap"
        )
    kind = sniff_document_path(source.path)
    if kind is None:
        raise UnsupportedFormat(
            f"{source.name}: not a PDF, DOCX, HTML, text or image document"
        )
    pages, issues = extract_pages(source, kind)
    if not any(p.text.strip() for p in pages):
        why = "; ".join(i.reason for i in issues)
        if issues:
            raise InvalidContent(f"{source.name}: no text could be read ({why})")
        raise EmptyInput(f"{source.name}: the document has no text")
    records = build_records(source, pages, settings.chunk_chars)
    log.info("document parsed: kind=%s pages=%d records=%d issues=%d",
             kind, len(pages), len(records), len(issues))
    return ParseResult(records=records, issues=issues)


def build_records(source: Source, pages: list[Page], chunk_chars: int) -> list[Record]:
    """Chunks per page; lab rows become facts on the chunk that holds them."""
    full = "\n\n".join(p.text for p in pages)
    radiology = is_radiology_report(full)
    title_base = report_title(full) if radiology else source.name
    records: list[Record] = []
    effective: str | None = None
    for page in pages:
        labs = extract_labs(page.text, effective=effective)
        if labs and labs[0].effective:
            effective = labs[0].effective
        sections: list[tuple[str | None, int, int]]
        if radiology:
            sections = [(name, a, b) for name, a, b in split_report(page.text)]
        else:
            sections = [(None, 0, len(page.text))]
        n = 0
        for section, s_start, s_end in sections:
            body = page.text[s_start:s_end]
            for a, b in chunk_spans(body, chunk_chars):
                start, end = s_start + a, s_start + b
                title = (
                    f"{title_base} — {section.capitalize()}" if section
                    else f"{title_base}, page {page.number}"
                )
                records.append(
                    _record(source, page, n, start, end, title, _facts_in(labs, start, end))
                )
                n += 1
    return records


def _facts_in(labs: list[LabResult], start: int, end: int) -> tuple[Measurement, ...]:
    return tuple(r.measurement() for r in labs if start <= r.start < end)


def _record(source: Source, page: Page, n: int, start: int, end: int, title: str,
            facts: tuple[Measurement, ...]) -> Record:
    return Record(
        key=f"doc/{source.file_hash[:12]}/p{page.number}/{n}",
        text=page.text[start:end],
        provenance=Provenance(
            source_file=source.name,
            file_hash=source.file_hash,
            source_type="document",
            resource_type=RESOURCE_TYPE,
            resource_id=source.file_hash[:12],
            page=page.number,
            span=(start, end),
        ),
        title=title,
        measurements=facts,
        flags=("ocr",) if page.ocr else (),
    )
