from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.knowledge import parse_markdown, parse_medquad
from rag.core.errors import EmptyInput, InvalidContent
from rag.ingestion.knowledge import STARTER_DIR
from tests.conftest import shared_path

DOC = b"""---
title: Ferritin
source: Example reference
url: https://example.org/ferritin
language: en
reviewed_by: unreviewed
tags: [lab, lab:ferritin]
---

Intro paragraph about ferritin.

## What it measures

Ferritin stores iron.

## When to talk to a clinician

If you feel tired all the time.
"""


def test_markdown_is_chunked_by_heading_with_front_matter() -> None:
    sections = parse_markdown(DOC, "ferritin.md")
    assert [s.heading for s in sections] == ["Ferritin", "What it measures",
                                            "When to talk to a clinician"]
    assert {s.doc_id for s in sections} == {"ferritin"}
    assert sections[1].text == "Ferritin stores iron."
    assert sections[0].tags == ("lab", "lab:ferritin")
    assert sections[0].url == "https://example.org/ferritin"
    assert sections[0].reviewed_by == "unreviewed"


@pytest.mark.parametrize(("data", "error"), [
    (b"", EmptyInput),
    (b"no front matter", InvalidContent),
    (b"---\ntitle: x\n---\ntext", InvalidContent),  # no source
    (b"---\n: : :\n---\ntext", InvalidContent),
    (b"\xff\xfe bad", InvalidContent),
])
def test_bad_markdown_is_typed(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_markdown(data, "x.md")


def test_starter_knowledge_base_is_complete_and_unreviewed() -> None:
    docs = sorted(STARTER_DIR.glob("*.md"))
    assert len(docs) >= 40
    tags: set[str] = set()
    for path in docs:
        sections = parse_markdown(path.read_bytes(), path.name)
        first = sections[0]
        assert first.reviewed_by == "unreviewed", path.name
        assert first.url and first.url.startswith("https://"), path.name
        assert len(sections) >= 3, path.name
        tags.update(first.tags)
    for needed in ("lab:hba1c", "lab:ldl", "lab:egfr", "lab:tsh", "vital:blood_pressure",
                   "medication-safety"):
        assert needed in tags
    assert sum(t.startswith("vaccine:") for t in tags) >= 6
    assert sum(t.startswith("condition:") for t in tags) >= 10


def test_medquad_importer_on_shared_data(tmp_path: Path, service: Any) -> None:
    src = shared_path("medquad", "medquad_qa.jsonl")
    docs = list(parse_medquad(src.read_bytes(), src.name, limit=25))
    assert len(docs) == 25
    first = json.loads(src.read_text().splitlines()[0])
    assert docs[0][0].title == first["question"]
    assert docs[0][0].url == first["url"]
    assert all(s.text for d in docs for s in d)
    report = service.add_knowledge([src], medquad_limit=25)
    assert report.documents == 25 and not report.errors
    again = service.add_knowledge([src], medquad_limit=25)
    assert again.unchanged == 25 and again.documents == 0


def test_kb_version_follows_changes_and_tags_select_documents(service: Any,
                                                              tmp_path: Path) -> None:
    store = service.knowledge
    empty = store.version()
    doc = tmp_path / "ferritin.md"
    doc.write_bytes(DOC)
    service.add_knowledge([doc])
    first = store.version()
    assert first != empty and store.version() == first  # cached, stable
    service.add_knowledge([doc])
    assert store.version() == first  # unchanged document, same version
    doc.write_bytes(DOC.replace(b"Ferritin stores iron.", b"Ferritin stores iron in cells."))
    service.add_knowledge([doc])
    assert store.version() not in {first, empty}
    assert {s.doc_id for s in store.sections_tagged(["LAB:FERRITIN"])} == {"ferritin"}
    assert store.sections_tagged(["lab:ferr"]) == []  # a tag, not a substring of one
