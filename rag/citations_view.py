"""What ``GET /v1/citations/{id}`` shows: the full source of a citation, scoped to a user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from indexes.facts import StoredRecord
from indexes.vaults import Vault
from rag.core.errors import NotFound
from rag.service import Service


def read_record(service: Service, vault: Vault, citation_id: str, actor: str | None
                ) -> StoredRecord:
    """A record citation of this vault, recorded as read in the audit trail (``actor=None``:
    the caller records the read itself, with more detail, as shares do); a citation that is
    not in this vault is :class:`NotFound`, exactly like one that does not exist."""
    rec = vault.facts.record_by_chunk(citation_id) if vault.exists else None
    if rec is None:
        raise NotFound("no such citation")
    if actor is not None:
        service.audit.record("read", actor=actor, vault=vault.vault_id, resources=[rec.chunk_id])
    return rec


def iso_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


def record_json(rec: StoredRecord) -> dict[str, Any]:
    """A record citation as ``GET /v1/citations/{id}`` returns it (also for clinicians)."""
    return {
        "id": rec.chunk_id,
        "kind": "record",
        "title": rec.title,
        "text": rec.text,
        "flags": list(rec.flags),
        "source": {
            "type": rec.source_type,
            "resource_type": rec.resource_type,
            "resource_id": rec.resource_id,
            "version": rec.version,
            "page": rec.page,
            "span": list(rec.span) if rec.span else None,
        },
        "provenance": {
            "file": rec.source_file,
            "sha256": rec.file_hash,
            "ingested_at": iso_time(rec.ingested_at),
        },
        "resource": rec.raw,
    }


def citation_view(service: Service, user_id: str, citation_id: str) -> dict[str, Any]:
    if citation_id.startswith("r_"):
        return record_json(read_record(service, service.vaults.open(user_id), citation_id,
                                       "owner"))
    sections = service.knowledge.sections([citation_id])
    sec = sections.get(citation_id)
    if sec is None:
        raise NotFound("no such citation")
    return {
        "id": sec.chunk_id,
        "kind": "knowledge",
        "title": sec.title,
        "heading": sec.heading,
        "text": sec.text,
        "source": {
            "type": "knowledge",
            "document_id": sec.doc_id,
            "version": sec.version,
            "url": sec.url,
            "publisher": sec.source,
            "reviewed_by": sec.reviewed_by,
            "language": sec.language,
        },
    }
