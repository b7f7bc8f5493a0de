"""Which parser reads a file: decided from the content, never from the name alone.

Order matters: binary magic first (zip, PDF, images), then markup by its root element
(Apple Health, C-CDA, HTML), then JSON (FHIR resource or bundle, bulk NDJSON), then
CSV exports, then plain text. Anything else is refused with the list of what we read.
Zips are opened defensively (:mod:`ingest.archive`): an Apple Health export goes
through the streaming parser with its ``clinical-records/`` through the FHIR path;
any other zip has each member detected and parsed in turn, and the whole archive is
written as one unit.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from pathlib import Path

from ingest import apple_health, ccda, csv_profiles, documents, fhir_bulk
from ingest.archive import CorruptArchive, SafeZip, ZipBomb, is_zip
from ingest.base import Source
from ingest.fhir import parse_fhir
from rag.core.errors import EmptyInput, IngestError, InvalidContent, TooLarge, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import ParseIssue, ParseResult, Record

SUPPORTED = (
    "FHIR R4 JSON (Bundle or resource), FHIR bulk NDJSON, C-CDA XML, Apple Health export "
    "(export.zip or export.xml), wellness CSV exports (MyFitnessPal, Fitbit, Withings, "
    "Peloton, Google Fit, date/metric/value/unit), PDF, DOCX, HTML, text, images (OCR), "
    "and zip archives of these"
)

_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")


def _text_head(head: bytes) -> str:
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                     (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(enc, errors="ignore")
    return head.decode("utf-8", errors="ignore")


def xml_root(head: bytes) -> str | None:
    """The root element's local name, skipping the declaration, comments and DOCTYPE."""
    text = _text_head(head).lstrip()
    if not text.startswith("<"):
        return None
    body = re.sub(r"<\?.*?\?>|<!--.*?-->", "", text, flags=re.S)
    body = re.sub(r"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", "", body, flags=re.S | re.I)
    m = _XML_ROOT.search(body.lstrip().encode())
    return m.group(1).decode() if m else None


def is_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    sample = head[:4096]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and control / len(sample) > 0.05


# A name that promises a structured format the content does not have is refused rather
# than read as something else (a broken "labs.json" must not become a text document).
_PROMISES = {
    ".json": ("fhir", "fhir_ndjson"), ".ndjson": ("fhir_ndjson", "fhir"),
    ".csv": ("csv",), ".xml": ("apple_health", "ccda"), ".pdf": ("pdf",),
    ".zip": ("zip", "docx"), ".docx": ("docx",),
}


def detect(source: Source) -> str:
    """The kind of ``source``: zip, pdf, docx, image, apple_health, ccda, html, fhir,
    fhir_ndjson, csv or text. Raises :class:`UnsupportedFormat` for anything else."""
    kind = _detect(source)
    suffix = Path(source.name).suffix.lower()
    if kind == "text" and suffix in _PROMISES:
        raise InvalidContent(f"{source.name}: named {suffix} but the content is not "
                             f"{suffix[1:].upper()}")
    return kind


def _detect(source: Source) -> str:
    if source.size == 0:
        raise EmptyInput(f"{source.name}: the file is empty")
    head = source.head(65536)
    if not head.strip():
        raise EmptyInput(f"{source.name}: the file is empty")
    if is_zip(head):
        return documents.sniff_document_path(source.path) or "zip"
    sniffed = documents.sniff_document(head)
    if sniffed in ("pdf", "image"):
        return sniffed
    root = xml_root(head)
    if root is not None:
        if apple_health.is_apple_health(head):
            return "apple_health"
        if ccda.is_ccda(head):
            return "ccda"
        if root.lower() == "html" or sniffed == "html":
            return "html"
        raise UnsupportedFormat(
            f"{source.name}: XML with root <{root}> is neither an Apple Health export nor a "
            f"C-CDA document; supported: {SUPPORTED}"
        )
    if sniffed == "html":
        return "html"
    stripped = _text_head(head).lstrip()
    if stripped[:1] in ("{", "["):
        # A first line longer than the head can't be recognised as NDJSON by content;
        # then the name decides between the two JSON readers.
        ndjson = fhir_bulk.is_ndjson(head) or (
            len(head) == 65536 and Path(source.name).suffix.lower() == ".ndjson")
        return "fhir_ndjson" if ndjson else "fhir"
    if is_binary(head):
        raise UnsupportedFormat(f"{source.name}: binary content of an unknown kind; "
                                f"supported: {SUPPORTED}")
    if csv_profiles.looks_like_csv(head):
        return "csv"
    if sniffed == "text":
        return "text"
    raise UnsupportedFormat(f"{source.name}: unsupported content; supported: {SUPPORTED}")


def parse_source(
    source: Source, settings: IngestSettings, workdir: Path, *, depth: int = 0
) -> tuple[str, ParseResult]:
    """Detect and parse one file. Raises an :class:`IngestError` if it can't be used."""
    kind = detect(source)
    if kind == "zip":
        if depth > 0:
            raise UnsupportedFormat(f"{source.name}: zips inside zips are not read")
        return _parse_zip(source, settings, workdir)
    if kind == "apple_health":
        if source.size > settings.max_upload_bytes:
            raise TooLarge(f"{source.name}: {source.size} bytes is over the "
                           f"{settings.max_upload_bytes}-byte cap")
        return kind, apple_health.parse_apple_health(source, settings)
    if kind == "fhir":
        data = source.read_bytes(settings.max_file_bytes)
        return kind, parse_fhir(data, source.name, chunk_chars=settings.chunk_chars)
    if kind == "fhir_ndjson":
        return kind, fhir_bulk.parse_ndjson(source, settings)
    if kind == "ccda":
        return kind, ccda.parse_ccda(source, settings)
    if kind == "csv":
        return kind, csv_profiles.parse_csv(source, settings)
    return kind, documents.parse_document(source, settings)


def _restamp(records: list[Record], source: Source, member: str) -> list[Record]:
    """Records of a zip member belong to the zip: its hash (so deleting the upload deletes
    them) and its name, with the member's path after it."""
    return [
        dataclasses.replace(
            r, provenance=dataclasses.replace(
                r.provenance, file_hash=source.file_hash, source_file=f"{source.name}/{member}"
            )
        )
        for r in records
    ]


def _apple_member(archive: SafeZip) -> tuple[str, object] | None:
    for name, info in archive.members:
        base = name.rsplit("/", 1)[-1].lower()
        if base == "export.xml":
            with archive.open(info) as fh:
                head = fh.read(65536)
            if apple_health.is_apple_health(head):
                return name, info
    return None


def _parse_zip(source: Source, settings: IngestSettings, workdir: Path
               ) -> tuple[str, ParseResult]:
    with SafeZip(source.path, source.name, max_unpacked=settings.max_unpacked_bytes,
                 max_members=settings.max_archive_members) as archive:
        found = _apple_member(archive)
        if found is not None:
            return "apple_health", _parse_apple_zip(source, archive, found, settings)
        return "zip", _parse_members(source, archive, settings, workdir)


def _parse_apple_zip(source: Source, archive: SafeZip, found: tuple[str, object],
                     settings: IngestSettings) -> ParseResult:
    import zipfile

    xml_name, info = found
    assert isinstance(info, zipfile.ZipInfo)
    with archive.open(info) as stream:
        result = apple_health.parse_apple_xml(
            stream, source_file=source.name, file_hash=source.file_hash, size=info.file_size,
            progress=source.progress,
        )
    result.records = _restamp(result.records, source, xml_name)
    for name, member in archive.members:
        if name == xml_name:
            continue
        if "clinical-records/" in name and name.lower().endswith(".json"):
            if member.file_size > settings.max_file_bytes:
                result.issues.append(ParseIssue(source.name, f"{name}: over the size cap"))
                continue
            with archive.open(member) as fh:
                data = fh.read(settings.max_file_bytes + 1)
            try:
                parsed = parse_fhir(data, name, chunk_chars=settings.chunk_chars)
            except IngestError as exc:
                result.issues.append(ParseIssue(source.name, f"{name}: {exc.message}"))
                continue
            result.records.extend(_restamp(parsed.records, source, name))
            result.issues.extend(parsed.issues)
            result.skipped += parsed.skipped
        else:
            # export_cda.xml repeats export.xml; routes, ECGs and images are not indexed.
            result.skipped += 1
    return result


def _parse_members(source: Source, archive: SafeZip, settings: IngestSettings,
                   workdir: Path) -> ParseResult:
    result = ParseResult()
    usable = 0
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="zip-", dir=workdir))
    try:
        for name, info in archive.members:
            base = name.rsplit("/", 1)[-1]
            if base.startswith((".", "__MACOSX")) or name.startswith("__MACOSX/"):
                continue
            target = tmp / "member"
            try:
                archive.extract(info, target, cap=settings.max_file_bytes)
                member = Source.from_path(target, name)
                _, parsed = parse_source(member, settings, workdir, depth=1)
            except (ZipBomb, CorruptArchive):
                raise
            except TooLarge as exc:
                result.issues.append(ParseIssue(source.name, f"{name}: {exc.message}"))
                continue
            except IngestError as exc:
                result.issues.append(ParseIssue(source.name, f"{name}: {exc.message}"))
                continue
            finally:
                target.unlink(missing_ok=True)
            usable += 1
            result.records.extend(_restamp(parsed.records, source, name))
            result.issues.extend(parsed.issues)
            result.skipped += parsed.skipped
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if usable == 0:
        reasons = "; ".join(i.reason for i in result.issues[:5]) or "no members"
        raise UnsupportedFormat(f"{source.name}: nothing in this zip could be read ({reasons})")
    return result
