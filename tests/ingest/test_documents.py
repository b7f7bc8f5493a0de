"""Documents: detection, text per page, OCR of scans, chunks with exact spans.

The PDFs here are written by a small PDF writer in this file (Helvetica text drawn
at given positions, optionally a JPEG image), so every test knows the words on each
page without trusting the parser.
"""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from ingest import documents
from ingest.base import Source
from ingest.documents import (
    chunk_spans,
    decode_text,
    ocr_image,
    parse_document,
    sniff_document,
    sniff_document_path,
    tesseract_path,
)
from rag.core.errors import EmptyInput, InvalidContent, TooLarge, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import ParseResult, Record
from tests.conftest import missing_tool, needs_tool

SETTINGS = IngestSettings()
needs_ocr = needs_tool(tesseract_path() is not None, "tesseract-ocr")

# ------------------------------------------------------------------ test helpers

Line = str | Sequence[tuple[float, str]]  # a plain line, or (x, text) cells on one baseline


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(
    path: Path,
    pages: Sequence[Sequence[Line]],
    *,
    images: dict[int, bytes] | None = None,
    encrypted: bool = False,
) -> Path:
    """A real PDF: each page draws its lines in Helvetica 10 pt from the top; a page
    index in ``images`` gets that JPEG drawn over the whole page instead."""
    images = images or {}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for index, lines in enumerate(pages):
        ops = []
        resources = f"/Font << /F1 {font} 0 R >>".encode()
        if index in images:
            jpeg = images[index]
            from PIL import Image

            width, height = Image.open(io.BytesIO(jpeg)).size
            image = add(
                f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
                f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode "
                f"/Length {len(jpeg)} >>\nstream\n".encode() + jpeg + b"\nendstream"
            )
            resources += f" /XObject << /Im1 {image} 0 R >>".encode()
            ops.append(b"q 612 0 0 792 0 0 cm /Im1 Do Q")
        y = 760.0
        for line in lines:
            cells = [(50.0, line)] if isinstance(line, str) else list(line)
            for x, text in cells:
                ops.append(b"BT /F1 10 Tf %.1f %.1f Td " % (x, y) + _pdf_string(text) + b" Tj ET")
            y -= 14
        content = b"\n".join(ops)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(
            f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 612 792] "
            f"/Resources << {resources.decode()} >> /Contents {stream} 0 R >>".encode()
        ))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
        f"/Count {len(kids)} >>".encode()
    )
    encrypt = None
    if encrypted:  # Standard handler, RC4 40-bit; no password opens it
        encrypt = add(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <"
                      + b"cd" * 32 + b"> /P -44 >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = f"<< /Size {len(objects) + 1} /Root {catalog} 0 R".encode()
    if encrypt:
        trailer += f" /Encrypt {encrypt} 0 R /ID [<{'11' * 16}> <{'11' * 16}>]".encode()
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


def text_image(lines: Sequence[str], *, size: int = 40, width: int = 2400,
               height: int | None = None) -> bytes:
    """A PNG of black text on white, like a scanned page (DejaVu Sans from matplotlib)."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font_path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    font = ImageFont.truetype(str(font_path), size)
    height = height or 200 + len(lines) * int(size * 1.6)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((100, 100 + n * int(size * 1.6)), line, fill=0, font=font)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def png_to_jpeg(png: bytes) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("L").save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def make_docx(path: Path, paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    document.save(str(path))
    return path


def parse_path(path: Path, settings: IngestSettings = SETTINGS) -> ParseResult:
    return parse_document(Source.from_path(path), settings)


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{4,}", text)


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image"),
        (b"II*\x00\x08\x00", "image"),
        (b"MM\x00*\x00\x08", "image"),
        (b"GIF89a\x01\x00", "image"),
        (b"BM" + b"\x00" * 12 + b"\x28\x00\x00\x00", "image"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "html"),
        (b"\n\n<html lang='en'><body>", "html"),
        (b"Glucose 95 mg/dL\n", "text"),
        ("Résultats: glycémie 5,6 mmol/L\n".encode("utf-16"), "text"),
        ("Hémoglobine 13,5 g/dL\n".encode("latin-1"), "text"),
        (b'{"resourceType": "Bundle"}', None),
        (b"<?xml version='1.0'?><ClinicalDocument/>", None),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x00garbage\x00\x00", None),
        (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml", None),
        (b"", None),
    ],
)
def test_sniff_document(head: bytes, kind: str | None) -> None:
    assert sniff_document(head) == kind


def test_sniff_document_path_opens_the_zip(tmp_path: Path) -> None:
    docx_file = make_docx(tmp_path / "a.docx", ["hello"])
    plain_zip = tmp_path / "b.zip"
    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("readme.txt", "not a document")
    assert sniff_document_path(docx_file) == "docx"
    assert sniff_document_path(plain_zip) is None


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_decode_text_round_trips(codec: str) -> None:
    text = "Créatinine 80 µmol/L — « normal »\nLigne deux\n"
    if codec == "utf-16-le":
        text = text.replace("—", "-")  # no BOM: the NUL pattern decides
    assert decode_text(text.encode(codec)) == text


# ------------------------------------------------------------------ PDF


def _page_lines(page: int) -> list[str]:
    return [f"Page {page} line {n}: the quick brown fox number {page * 100 + n}" for n in range(30)]


def test_pdf_pages_spans_and_keys(tmp_path: Path) -> None:
    pages = [_page_lines(p) for p in (1, 2, 3)]
    pdf = make_pdf(tmp_path / "three.pdf", pages)
    settings = IngestSettings(chunk_chars=400)
    result = parse_path(pdf, settings)
    source = Source.from_path(pdf)
    assert not result.issues
    by_page: dict[int, list[Record]] = {}
    for record in result.records:
        assert record.provenance.source_type == "document"
        assert record.provenance.file_hash == source.file_hash
        by_page.setdefault(record.provenance.page or 0, []).append(record)
    assert sorted(by_page) == [1, 2, 3]
    for page, records in by_page.items():
        joined = " ".join(r.text for r in records)
        # Every line drawn on the page is in that page's chunks, in order, and no other page's.
        for line in pages[page - 1]:
            assert line in joined
        assert f"Page {page % 3 + 1} line" not in joined
        for n, record in enumerate(records):
            assert record.key == f"doc/{source.file_hash[:12]}/p{page}/{n}"
            assert len(record.text) <= 400
            start, end = record.provenance.span or (0, 0)
            assert end - start == len(record.text)
    # Spans index the page text: consecutive chunks of a page do not overlap.
    for records in by_page.values():
        spans = [r.provenance.span or (0, 0) for r in records]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert parse_path(pdf, settings).records == result.records  # deterministic


def test_pdf_span_slices_the_page_text(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "one.pdf", [_page_lines(7)])
    source = Source.from_path(pdf)
    pages, _ = documents.extract_pages(source, "pdf")
    result = parse_document(source, IngestSettings(chunk_chars=300))
    for record in result.records:
        start, end = record.provenance.span or (0, 0)
        assert pages[0].text[start:end] == record.text


@pytest.mark.shared
@pytest.mark.parametrize(
    "relative",
    [
        "pdf/Results/Result_with_Multiple_Reference_Ranges/164947.pdf",
        "pdf/Unstructured/CDA_reference_PDF/UD_sample.pdf",
    ],
)
def test_real_pdfs_match_pdftotext(relative: str) -> None:
    from tests.conftest import shared_path

    path = shared_path("ccda_examples", *relative.split("/"))
    if not Path("/usr/bin/pdftotext").exists():
        missing_tool("pdftotext (poppler-utils)")
    reference = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8", "replace")
    reference_pages = reference.split("\f")[:-1]
    result = parse_path(path)
    pages = sorted({r.provenance.page for r in result.records if r.provenance.page})
    assert pages == list(range(1, len(reference_pages) + 1))
    for number, expected in enumerate(reference_pages, start=1):
        ours = set(words(" ".join(r.text for r in result.records if r.provenance.page == number)))
        theirs = set(words(expected))
        # Two independent extractors agree on the words of each page.
        assert len(ours & theirs) >= 0.9 * len(theirs)


def test_password_protected_pdf(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "locked.pdf", [["secret"]], encrypted=True)
    with pytest.raises(InvalidContent, match="password-protected"):
        parse_path(pdf)


@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_pdf(tmp_path: Path, cut: float) -> None:
    whole = make_pdf(tmp_path / "whole.pdf", [_page_lines(1)]).read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(whole[: int(len(whole) * cut)])
    with pytest.raises(InvalidContent):
        parse_path(broken)


def test_too_many_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_PAGES", 5)
    pdf = make_pdf(tmp_path / "long.pdf", [[f"page {n}"] for n in range(6)])
    with pytest.raises(TooLarge, match="6 pages"):
        parse_path(pdf)


def test_file_size_cap(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf", [_page_lines(1)])
    with pytest.raises(TooLarge):
        parse_path(pdf, IngestSettings(max_file_bytes=100))


# ------------------------------------------------------------------ OCR

SCAN_LINES = ["DISCHARGE INSTRUCTIONS", "Drink plenty of water every day",
              "Follow up with your doctor next Tuesday"]


@needs_ocr
def test_scanned_pdf_page_is_ocred(tmp_path: Path) -> None:
    jpeg = png_to_jpeg(text_image(SCAN_LINES, size=48, width=2550, height=3300))
    pdf = make_pdf(tmp_path / "scan.pdf", [[], _page_lines(2)], images={0: jpeg})
    result = parse_path(pdf)
    page1 = [r for r in result.records if r.provenance.page == 1]
    page2 = [r for r in result.records if r.provenance.page == 2]
    assert page1 and all(r.flags == ("ocr",) for r in page1)
    assert page2 and all(r.flags == () for r in page2)
    text = " ".join(r.text for r in page1).lower()
    for line in SCAN_LINES:
        for word in words(line):
            assert word.lower() in text


@needs_ocr
def test_image_is_ocred(tmp_path: Path) -> None:
    png = tmp_path / "photo.png"
    png.write_bytes(text_image(SCAN_LINES))
    result = parse_path(png)
    text = " ".join(r.text for r in result.records).lower()
    assert all(w.lower() in text for line in SCAN_LINES for w in words(line))
    assert {r.provenance.page for r in result.records} == {1}


@needs_ocr
def test_ocr_timeout_is_a_clear_error() -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(text_image(SCAN_LINES * 20)))
    with pytest.raises(InvalidContent, match="OCR took longer than"):
        ocr_image(image, timeout=0.01)


def test_scan_without_ocr_says_what_to_install(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "tesseract_path", lambda: None)
    jpeg = png_to_jpeg(text_image(["a scanned page"], size=30, width=1275, height=1650))
    pdf = make_pdf(tmp_path / "scan.pdf", [[]], images={0: jpeg})
    with pytest.raises(InvalidContent, match="tesseract-ocr"):
        parse_path(pdf)


def test_corrupt_image(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10)
    with pytest.raises(InvalidContent, match="cannot be decoded"):
        parse_path(bad)


# ------------------------------------------------------------------ DOCX, HTML, text


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    rows = [["Test", "Result", "Units", "Range"], ["Sodium", "140", "mmol/L", "136-145"]]
    path = make_docx(tmp_path / "r.docx", ["Visit summary", "Second paragraph."], rows)
    result = parse_path(path)
    text = "\n".join(r.text for r in result.records)
    assert "Visit summary\nSecond paragraph." in text
    for row in rows:
        assert " | ".join(row) in text
    assert {r.provenance.page for r in result.records} == {1}


def test_docx_broken(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<not-closed")
    with pytest.raises(InvalidContent):
        parse_path(path)


def test_html_drops_scripts_and_keeps_tables(tmp_path: Path) -> None:
    html = (
        "<!DOCTYPE html><html><head><title>My results</title><style>p{color:red}</style>"
        "<script>var secret = 'do not index';</script></head><body><h1>Results</h1>"
        "<p>Seen on <b>March 3</b>, all well.</p><table><tr><th>Test</th><th>Value</th></tr>"
        "<tr><td>Potassium</td><td>4.1</td></tr></table><!-- a comment --></body></html>"
    )
    path = tmp_path / "r.html"
    path.write_text(html, encoding="utf-8")
    text = "\n".join(r.text for r in parse_path(path).records)
    assert "do not index" not in text and "color:red" not in text and "comment" not in text
    assert "Seen on March 3, all well." in text
    assert "Test | Value" in text and "Potassium | 4.1" in text
    assert "Results" in text and "My results" in text


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_encodings(tmp_path: Path, codec: str) -> None:
    body = "Compte rendu: créatinine normale, état stable.\nSecond line é à ü.\n"
    path = tmp_path / "note.txt"
    path.write_bytes(body.encode(codec))
    records = parse_path(path).records
    assert [r.text for r in records] == [body.strip()]


def test_empty_and_unsupported(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(EmptyInput):
        parse_path(empty)
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b"  \n\n  ")
    with pytest.raises(EmptyInput):
        parse_path(blank)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UnsupportedFormat):
        parse_path(junk)


# ------------------------------------------------------------------ chunks


@pytest.mark.parametrize("limit", [200, 500, 1200])
def test_chunk_spans_cover_the_text(limit: int) -> None:
    paragraphs = [
        " ".join(f"Sentence {p}.{s} has several words in it." for s in range(p % 7 + 1))
        for p in range(40)
    ]
    text = "\n\n".join(paragraphs)
    spans = chunk_spans(text, limit)
    assert all(b - a <= limit for a, b in spans)
    assert all(not text[a].isspace() and not text[b - 1].isspace() for a, b in spans)
    # Nothing but whitespace is left out, and nothing is repeated.
    assert "".join(text[a:b] for a, b in spans).replace(" ", "").replace("\n", "") == (
        text.replace(" ", "").replace("\n", "")
    )
