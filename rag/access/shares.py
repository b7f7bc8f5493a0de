"""Clinician shares: a patient lets one clinician read their vault, for a while.

A share names the patient and the clinician by user id, has a scope (only ``read`` exists:
a clinician never writes or deletes) and an expiry, and can be revoked at any time. The
clinician's identity always comes from their token; the patient id they send only *selects*
among the vaults whose active share names them (:meth:`ShareStore.active`).

Stored in ``<data_dir>/shares.sqlite`` with ``secure_delete`` on, so rows removed by
``forget`` are overwritten on disk, not just unlinked from the b-tree.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rag.core.errors import InvalidContent

Scope = Literal["read"]
MAX_DAYS = 365


@dataclass(frozen=True)
class Share:
    share_id: str
    patient: str
    clinician: str
    scope: Scope
    created_at: float
    expires_at: float
    revoked_at: float | None

    def status(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"

    def as_json(self, now: float) -> dict[str, object]:
        return {**self.__dict__, "status": self.status(now)}


def _check_user(user_id: str, what: str) -> None:
    if not user_id or len(user_id) > 256 or not user_id.isprintable():
        raise InvalidContent(f"{what} is 1 to 256 printable characters", code="invalid_user")


class ShareStore:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS shares (share_id TEXT PRIMARY KEY, patient TEXT NOT NULL,"
            " clinician TEXT NOT NULL, scope TEXT NOT NULL, created_at REAL NOT NULL,"
            " expires_at REAL NOT NULL, revoked_at REAL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS shares_pc ON shares (patient, clinician)")

    def _rows(self, where: str, args: tuple[object, ...]) -> list[Share]:
        with self._lock:
            rows = self._db.execute(
                "SELECT share_id, patient, clinician, scope, created_at, expires_at, revoked_at "
                f"FROM shares WHERE {where} ORDER BY created_at, share_id", args
            ).fetchall()
        return [Share(*row) for row in rows]

    def create(self, patient: str, clinician: str, *, expires_in_days: int,
               scope: Scope = "read") -> Share:
        """A new active share; the patient cannot share with themself."""
        _check_user(patient, "the patient id")
        _check_user(clinician, "the clinician id")
        if clinician == patient:
            raise InvalidContent("a share names another user", code="invalid_share")
        if not 1 <= expires_in_days <= MAX_DAYS:
            raise InvalidContent(f"expires_in_days is 1 to {MAX_DAYS}", code="invalid_share")
        now = self.clock()
        share = Share("shr_" + secrets.token_hex(8), patient, clinician, scope, now,
                      now + expires_in_days * 86400.0, None)
        with self._lock:
            self._db.execute("INSERT INTO shares VALUES (?,?,?,?,?,?,?)",
                             tuple(share.__dict__.values()))
        return share

    def for_patient(self, patient: str) -> list[Share]:
        """Every share the patient granted, revoked and expired ones included."""
        return self._rows("patient = ?", (patient,))

    def for_clinician(self, clinician: str) -> list[Share]:
        """The clinician's active shares only."""
        now = self.clock()
        return self._rows("clinician = ? AND revoked_at IS NULL AND expires_at > ?",
                          (clinician, now))

    def active(self, patient: str, clinician: str) -> Share | None:
        """The share that lets ``clinician`` read ``patient``'s vault now, if any."""
        found = self._rows(
            "patient = ? AND clinician = ? AND revoked_at IS NULL AND expires_at > ?",
            (patient, clinician, self.clock()),
        )
        return found[-1] if found else None

    def revoke(self, patient: str, share_id: str) -> bool:
        """Revoke one of the patient's own shares; False if it is not theirs or already off."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE shares SET revoked_at = ? WHERE share_id = ? AND patient = ? "
                "AND revoked_at IS NULL", (self.clock(), share_id, patient))
        return cur.rowcount > 0

    def delete_user(self, user_id: str) -> int:
        """Remove every share that names the user, as patient or as clinician (forget)."""
        with self._lock:
            cur = self._db.execute("DELETE FROM shares WHERE patient = ? OR clinician = ?",
                                   (user_id, user_id))
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()
