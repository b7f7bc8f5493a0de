"""Kept appointment packets, in the person's own vault.

They live in the vault's facts DB (table ``appointments``, migration 3 of
:mod:`indexes.facts`), so they are encrypted with the vault, zeroed on delete by
``secure_delete`` and gone with the vault when the person is forgotten. A packet stays
until its owner deletes it; there is no expiry.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from indexes.facts import FactsStore
from rag.core.errors import NotFound

APPOINTMENT_ID = re.compile(r"^apt_[0-9a-f]{24}$")


def new_appointment_id() -> str:
    return "apt_" + secrets.token_hex(12)


class AppointmentStore:
    def __init__(self, facts: FactsStore) -> None:
        self._facts = facts

    def save(self, packet: dict[str, Any], now: float | None = None) -> str:
        """Keep a new packet; returns its id (also written into the packet)."""
        now = now if now is not None else time.time()
        appointment_id = new_appointment_id()
        packet = {**packet, "id": appointment_id}
        with self._facts.transaction() as db:
            db.execute("INSERT INTO appointments VALUES (?,?,?,?,?,?)",
                       (appointment_id, now, now, packet.get("date"), packet.get("reason"),
                        json.dumps(packet, ensure_ascii=False)))
        return appointment_id

    def get(self, appointment_id: str) -> dict[str, Any]:
        if not APPOINTMENT_ID.match(appointment_id):
            raise NotFound("no such appointment")
        rows = self._facts.read("SELECT packet, created_at, updated_at FROM appointments "
                                "WHERE id = ?", (appointment_id,))
        if not rows:
            raise NotFound("no such appointment")
        packet: dict[str, Any] = json.loads(rows[0]["packet"])
        return {**packet, "created_at": rows[0]["created_at"],
                "updated_at": rows[0]["updated_at"]}

    def update(self, appointment_id: str, packet: dict[str, Any],
               now: float | None = None) -> None:
        """Replace a kept packet (its questions were edited)."""
        self.get(appointment_id)
        stored = {k: v for k, v in packet.items() if k not in {"created_at", "updated_at"}}
        with self._facts.transaction() as db:
            db.execute("UPDATE appointments SET packet = ?, updated_at = ? WHERE id = ?",
                       (json.dumps(stored, ensure_ascii=False),
                        now if now is not None else time.time(), appointment_id))

    def list(self) -> list[dict[str, Any]]:
        """Summaries, newest first: id, date, reason, when made and last changed."""
        rows = self._facts.read("SELECT id, date, reason, created_at, updated_at FROM "
                                "appointments ORDER BY created_at DESC, id")
        return [{"id": r["id"], "date": r["date"], "reason": r["reason"],
                 "created_at": r["created_at"], "updated_at": r["updated_at"]} for r in rows]

    def delete(self, appointment_id: str) -> None:
        if not APPOINTMENT_ID.match(appointment_id):
            raise NotFound("no such appointment")
        with self._facts.transaction() as db:
            gone = db.execute("DELETE FROM appointments WHERE id = ?", (appointment_id,))
            if gone.rowcount == 0:
                raise NotFound("no such appointment")
