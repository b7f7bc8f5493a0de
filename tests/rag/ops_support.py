"""Vaults and queries for the operation and rendering tests.

Queries are built directly (the understanding half is tested on its own), over two real
vaults: the hand-written clinic bundle (``tests/fakes/clinic_bundle.py``) and the demo
patient with its wellness CSV, both ingested through the real pipeline.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from guardrails.verify import verify
from indexes.facts import FactsStore
from rag.answering.answer import renumber
from rag.answering.citations import CitationBuilder
from rag.answering.operations import run
from rag.answering.query import Category, Concept, Filters, Operation, Query, Reference, Window
from rag.answering.render import render
from rag.answering.results import Result
from rag.core.settings import EmbeddingSettings, Settings
from rag.core.types import Citation
from rag.embedder import FakeEmbedder
from tests.fakes.clinic_bundle import clinic_bundle

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "rag" / "resources" / "demo"


@contextmanager
def vault(tmp: Path, *files: Path) -> Iterator[FactsStore]:
    """The facts store of a vault holding ``files`` (ingested with the fake embedder)."""
    from rag.service import Service

    settings = Settings(data_dir=tmp / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    service = Service(settings, embedder=FakeEmbedder())
    try:
        summary = service.ingest("alice", list(files))
        assert all(f.status == "ingested" for f in summary.files)
        yield service.vaults.open("alice").facts
    finally:
        service.close()


def clinic_file(tmp: Path) -> Path:
    path = tmp / "clinic.json"
    path.write_text(json.dumps(clinic_bundle()), encoding="utf-8")
    return path


def demo_files() -> tuple[Path, Path]:
    return DEMO / "demo-patient.json", DEMO / "demo-wellness.csv"


def concept(category: Category, key: str, display: str | None = None, **kw: object) -> Concept:
    return Concept(category, key, display or key, **kw)  # type: ignore[arg-type]  # test helper


def year(y: int) -> Window:
    return Window(dt.date(y, 1, 1), dt.date(y, 12, 31), str(y))


LAST_VISIT = Window(label="last_visit")


def query(op: Operation, category: Category, *concepts: Concept, question: str = "",
          lang: str = "en", window: Window | None = None, status: str = "any",
          etype: str | None = None, unit: str | None = None, back: int | None = None) -> Query:
    ref = Reference("previous_item", back) if back is not None else None
    filters = Filters(status=status, window=window, encounter_type=etype)  # type: ignore[arg-type]
    return Query(question or f"{op} {category}", lang, op, category, concepts, filters, unit, ref)


def answer(result: Result) -> tuple[str, list[Citation], list[tuple[str, str]]]:
    """Rendered, verified and renumbered as the answer path does: (text, citations,
    sentences the verifier removed)."""
    cites = CitationBuilder()
    draft = render(result, cites)
    quotes = {c.marker: c.quote for c in cites.citations}
    verdict = verify(draft.sentences, quotes, computed=draft.computed, derived=draft.derived)
    text, citations = renumber(verdict.kept, cites.citations)
    return text, citations, verdict.removed


def ask(facts: FactsStore, q: Query) -> tuple[str, list[Citation], list[tuple[str, str]]]:
    return answer(run(q, facts))
