"""The audit trail: append-only, hash-chained, ids only (never content).

Each line is a JSON object with the previous line's hash in ``prev`` and its own hash in
``hash`` = sha256(prev + canonical JSON of the entry without ``hash``). Changing, removing
or reordering any line breaks the chain, which :meth:`AuditLog.verify` detects.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _digest(prev: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{prev}|{body}".encode()).hexdigest()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._last = GENESIS
        if path.exists():
            for entry in self._entries():
                self._last = str(entry.get("hash", GENESIS))

    def _entries(self) -> Iterator[dict[str, Any]]:
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def record(self, action: str, *, actor: str, vault: str | None,
               resources: Sequence[str] = (), **detail: Any) -> dict[str, Any]:
        """Append one event. ``detail`` must hold ids, counts and digests only."""
        with self._lock:
            entry: dict[str, Any] = {"at": round(time.time(), 3), "action": action,
                                     "actor": actor, "vault": vault,
                                     "resources": list(resources)[:200], **detail,
                                     "prev": self._last}
            entry["hash"] = _digest(self._last, entry)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, sort_keys=True) + "\n")
            self._last = entry["hash"]
            return entry

    def verify(self) -> tuple[bool, int]:
        """(intact, number of entries). Intact means every link of the chain holds."""
        if not self.path.exists():
            return True, 0
        prev = GENESIS
        count = 0
        for entry in self._entries():
            claimed = entry.pop("hash", None)
            if entry.get("prev") != prev or claimed != _digest(prev, entry):
                return False, count
            prev = str(claimed)
            count += 1
        return True, count

    def for_vault(self, vault: str, limit: int = 500) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = [e for e in self._entries() if e.get("vault") == vault]
        return out[-limit:]
