"""The demo: a generated patient and the starter knowledge base, for `make run`."""

from __future__ import annotations

import logging

from rag.demo_patient import write_demo_bundle
from rag.service import Service
from rag.settings import Settings

DEMO_USER = "demo"
log = logging.getLogger("healthrag.demo")


def prepare_demo(settings: Settings) -> str:
    """Load the starter knowledge and the demo patient if missing; return a fresh token."""
    service = Service(settings)
    try:
        kb = service.ensure_starter_knowledge()
        log.info("starter knowledge: %d added, %d unchanged", kb.documents, kb.unchanged)
        vault = service.vaults.open(DEMO_USER)
        if not vault.exists or vault.facts.count("records") == 0:
            bundle = write_demo_bundle(settings.data_dir / "demo" / "demo-patient.json")
            summary = service.ingest(DEMO_USER, [bundle])
            log.info("demo patient: %s", summary.as_json()["records"])
        token, _ = service.tokens.create(DEMO_USER, "patient")
        return token
    finally:
        service.close()
