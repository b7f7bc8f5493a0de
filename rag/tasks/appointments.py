"""Appointment packets for the interfaces: prepare one, keep it (unless temporary), list,
show, edit its questions, delete it, and export it as PDF or International Patient
Summary.

Kept packets live in the person's own vault (:mod:`indexes.appointments`), so forgetting
the person removes them. Reads of records and writes and deletes of packets are in the
audit trail (ids and counts, never content). An unknown user and an empty vault are the
same :class:`~rag.core.errors.NotFound` (404, exit 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from indexes.appointments import AppointmentStore
from indexes.facts import StoredRecord
from indexes.vaults import Vault, VaultManager
from rag.access.audit import AuditLog
from rag.core.errors import InvalidContent, NotFound
from rag.tasks.ips import ips_bundle
from rag.tasks.packet_pdf import render_pdf
from rag.tasks.prepare import person_question, prepare_packet

MAX_QUESTIONS = 50
MAX_QUESTION_CHARS = 500


def language_of(locale: str | None) -> str:
    return "fr" if (locale or "").lower().startswith("fr") else "en"


def check_questions(questions: Sequence[str]) -> list[str]:
    texts = [q.strip() for q in questions]
    if len(texts) > MAX_QUESTIONS or any(len(t) > MAX_QUESTION_CHARS for t in texts):
        raise InvalidContent(f"at most {MAX_QUESTIONS} questions of {MAX_QUESTION_CHARS} "
                             "characters each", code="invalid_questions")
    return [t for t in texts if t]


class Appointments:
    def __init__(self, vaults: VaultManager, audit: AuditLog, *, locale: str = "en-US",
                 public_url: str = "") -> None:
        self._vaults = vaults
        self._audit = audit
        self._locale = locale
        self._public_url = public_url

    def _vault(self, user_id: str) -> Vault:
        vault = self._vaults.open(user_id)
        if not vault.exists:
            raise NotFound("there are no records for this user: ingest some first",
                           code="no_records")
        return vault

    def prepare(self, user_id: str, *, reason: str | None = None, date: dt.date | None = None,
                questions: Sequence[str] = (), include_sensitive: bool = False,
                temporary: bool = False, locale: str | None = None,
                today: dt.date | None = None) -> dict[str, Any]:
        """A new packet; kept in the vault unless ``temporary`` (then ``id`` is None)."""
        if reason is not None and len(reason) > 500:
            raise InvalidContent("the reason is at most 500 characters", code="invalid_reason")
        extra = check_questions(questions)
        vault = self._vault(user_id)
        packet = prepare_packet(
            vault, reason=reason.strip() if reason else None, date=date, today=today,
            default_language=language_of(locale or self._locale),
            include_sensitive=include_sensitive, extra_questions=extra,
            public_url=self._public_url)
        read = [c["id"] for c in packet["citations"]]
        if read:
            self._audit.record("read", actor="owner", vault=vault.vault_id, resources=read,
                               what="appointment")
        packet["temporary"] = temporary
        if temporary:
            return {**packet, "id": None}
        appointment_id = AppointmentStore(vault.facts).save(packet)
        self._audit.record("write", actor="owner", vault=vault.vault_id,
                           resources=[appointment_id], what="appointment")
        return {**packet, "id": appointment_id}

    def list(self, user_id: str) -> list[dict[str, Any]]:
        vault = self._vaults.open(user_id)
        if not vault.exists:
            return []
        found = AppointmentStore(vault.facts).list()
        self._audit.record("read", actor="owner", vault=vault.vault_id,
                           resources=[a["id"] for a in found], what="appointments")
        return found

    def _store(self, user_id: str) -> tuple[Vault, AppointmentStore]:
        vault = self._vaults.open(user_id)
        if not vault.exists:
            raise NotFound("no such appointment")
        return vault, AppointmentStore(vault.facts)

    def get(self, user_id: str, appointment_id: str) -> dict[str, Any]:
        vault, store = self._store(user_id)
        packet = store.get(appointment_id)
        self._audit.record("read", actor="owner", vault=vault.vault_id,
                           resources=[appointment_id], what="appointment")
        return packet

    def set_questions(self, user_id: str, appointment_id: str,
                      questions: Sequence[str]) -> dict[str, Any]:
        """Replace the packet's questions with the person's list (edited, added, removed):
        a question kept word for word keeps its evidence; a new one is the person's own."""
        texts = check_questions(questions)
        vault, store = self._store(user_id)
        packet = store.get(appointment_id)
        known = {qi["text"]: qi for qi in packet.get("question_items") or []}
        items = [known.get(t) or person_question(t) for t in texts]
        packet["question_items"] = items
        packet["questions"] = [qi["text"] for qi in items]
        store.update(appointment_id, packet)
        self._audit.record("write", actor="owner", vault=vault.vault_id,
                           resources=[appointment_id], what="appointment_questions")
        return store.get(appointment_id)

    def delete(self, user_id: str, appointment_id: str) -> dict[str, Any]:
        vault, store = self._store(user_id)
        store.delete(appointment_id)
        self._audit.record("delete", actor="owner", vault=vault.vault_id,
                           resources=[appointment_id], what="appointment")
        return {"id": appointment_id, "deleted": True,
                "deleted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    # ------------------------------------------------------------ exports

    def pdf(self, packet: dict[str, Any]) -> bytes:
        return render_pdf(packet)

    def ips(self, user_id: str, packet: dict[str, Any]) -> dict[str, Any]:
        """The packet's IPS Bundle, with copies of the cited resources from the vault."""
        vault = self._vault(user_id)
        records = vault.facts.records_by_chunks([str(c["id"]) for c in packet["citations"]])
        patient = _patient_record(vault, records)
        return ips_bundle(packet, records, patient)

    def pdf_of(self, user_id: str, appointment_id: str) -> bytes:
        return self.pdf(self.get(user_id, appointment_id))

    def ips_of(self, user_id: str, appointment_id: str) -> dict[str, Any]:
        return self.ips(user_id, self.get(user_id, appointment_id))


def _patient_record(vault: Vault, records: dict[str, StoredRecord]) -> StoredRecord | None:
    found = [r for r in records.values() if r.resource_type == "Patient"]
    if found:
        return found[0]
    items = vault.facts.items("patient")
    if not items:
        return None
    return vault.facts.records_by_chunks([items[-1].chunk_id]).get(items[-1].chunk_id)
