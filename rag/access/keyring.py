"""Master-key rotation, for ``healthrag keys rotate``: every vault key is wrapped again
under the new master key; the vault data is not rewritten."""

from __future__ import annotations

from pathlib import Path

from indexes.keys import KeyRing, read_key_file
from rag.core.settings import Settings


def rotate_master_key(settings: Settings, new_master_key_file: Path) -> int | None:
    """The number of vault keys rewrapped, or ``None`` when encryption is off."""
    ring = KeyRing.from_settings(settings)
    if ring is None:
        return None
    return ring.rewrap(read_key_file(new_master_key_file))
