"""Curated knowledge sources: Markdown with YAML front matter, and MedQuAD JSONL.

Markdown documents are chunked by heading (``#``/``##``/``###``); a long section is
split further at paragraph ends. Every document needs ``title`` and ``source`` in
its front matter; ``reviewed_by`` defaults to ``unreviewed``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ingest.fhir import split_text
from rag.core.errors import EmptyInput, InvalidContent
from rag.core.types import KnowledgeSection

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$", re.M)
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:80] or "doc"


def _version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        raise InvalidContent(f"{name}: a knowledge document starts with YAML front matter (---)")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise InvalidContent(f"{name}: the front matter is not closed with ---")
    try:
        meta = yaml.safe_load(parts[0].lstrip("-").strip()) or {}
    except yaml.YAMLError as exc:
        raise InvalidContent(f"{name}: front matter is not valid YAML") from exc
    if not isinstance(meta, dict):
        raise InvalidContent(f"{name}: front matter must be a mapping")
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    return meta, body


def parse_markdown(
    data: bytes, source_file: str, *, chunk_chars: int = 1200
) -> list[KnowledgeSection]:
    if not data.strip():
        raise EmptyInput(f"{source_file}: the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidContent(f"{source_file}: knowledge documents must be UTF-8") from exc
    meta, body = split_front_matter(text.replace("\r\n", "\n"), source_file)
    for key in ("title", "source"):
        if not meta.get(key):
            raise InvalidContent(f"{source_file}: front matter needs {key!r}")
    doc_id = str(meta.get("id") or slugify(Path(source_file).stem))
    tags = meta.get("tags") or []
    if not isinstance(tags, list):
        raise InvalidContent(f"{source_file}: tags must be a list")
    common: dict[str, Any] = {
        "doc_id": doc_id,
        "version": _version(data),
        "title": str(meta["title"]),
        "source": str(meta["source"]),
        "url": str(meta["url"]) if meta.get("url") else None,
        "language": str(meta.get("language") or "en"),
        "reviewed_by": str(meta.get("reviewed_by") or "unreviewed"),
        "tags": tuple(str(t) for t in tags),
    }
    sections = [
        KnowledgeSection(heading=heading, text=part, **common)
        for heading, section in _sections(body, str(meta["title"]))
        for part in _parts(section, chunk_chars)
    ]
    if not sections:
        raise EmptyInput(f"{source_file}: the document has no text")
    return sections


def _sections(body: str, title: str) -> Iterator[tuple[str, str]]:
    matches = list(_HEADING.finditer(body))
    intro = body[: matches[0].start()] if matches else body
    if intro.strip():
        yield title, intro.strip()
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        text = body[m.end() : nxt.start() if nxt else len(body)].strip()
        if text:
            yield m.group(2).strip(), text


def _parts(text: str, limit: int) -> list[str]:
    return [text[a:b].strip() for a, b in split_text(text, limit) if text[a:b].strip()]


def parse_medquad(
    data: bytes, source_file: str, *, limit: int | None = None, chunk_chars: int = 1200
) -> Iterator[list[KnowledgeSection]]:
    """One document per MedQuAD question-answer pair (``../shared/data/medquad``)."""
    count = 0
    for n, line in enumerate(data.decode("utf-8").splitlines()):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidContent(f"{source_file}: line {n + 1} is not JSON") from exc
        answer = str(row.get("answer") or "").strip()
        question = str(row.get("question") or "").strip()
        if not answer or not question:
            continue
        answer = re.sub(r"[ \t]+", " ", answer)
        answer = re.sub(r"\n\s*\n+", "\n\n", answer)
        doc_id = f"medquad-{row.get('qid') or n}"
        common: dict[str, Any] = {
            "doc_id": doc_id,
            "version": _version(line.encode()),
            "title": question,
            "source": f"MedQuAD / {row.get('source') or 'NIH'}",
            "url": row.get("url"),
            "language": "en",
            "reviewed_by": "unreviewed",
            "tags": tuple(t for t in ("medquad", f"qtype:{row.get('qtype')}") if t),
        }
        yield [
            KnowledgeSection(heading=str(row.get("focus") or question), text=part, **common)
            for part in _parts(answer, chunk_chars)
        ]
        count += 1
        if limit is not None and count >= limit:
            return
