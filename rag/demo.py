"""The demo: an invented patient and the starter knowledge base, for `make run`.

The patient is data (``resources/demo/``: a FHIR bundle and a wellness CSV), written once
by ``python -m eval.gen_demo_patient``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from rag.core.settings import Settings
from rag.service import Service

DEMO_USER = "demo"
DEMO_FILES = tuple(
    Path(__file__).parent / "resources" / "demo" / name
    for name in ("demo-patient.json", "demo-wellness.csv")
)
log = logging.getLogger("healthrag.demo")


def prepare_demo(settings: Settings) -> str:
    """Load the starter knowledge and the demo patient if missing; return a fresh token."""
    service = Service(settings)
    try:
        kb = service.ensure_starter_knowledge()
        log.info("starter knowledge: %d added, %d unchanged", kb.documents, kb.unchanged)
        vault = service.vaults.open(DEMO_USER)
        if not vault.exists or vault.facts.count("records") == 0:
            summary = service.ingest(DEMO_USER, list(DEMO_FILES))
            log.info("demo patient: %s", summary.as_json()["records"])
        token, _ = service.tokens.create(DEMO_USER, "patient")
        return token
    finally:
        service.close()
