"""Vaults: each person's data, physically apart. Tenant scoping lives here.

A vault is ``<data_dir>/vaults/<vault_id>/`` with an Edge shard (``shard/``), the
facts DB (``facts.sqlite``) and the original uploads (``uploads/``). ``vault_id`` is
an HMAC of the user id, so the directory name reveals nothing and a caller can only
reach a vault through the user id that owns it.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from indexes.base import VectorIndex
from indexes.edge import EdgeIndex
from indexes.facts import FactsStore
from rag.errors import ConfigError
from rag.settings import Settings


def vault_id_for(user_id: str, key: str) -> str:
    if not user_id or len(user_id) > 256:
        raise ConfigError("a user id is 1 to 256 characters")
    return hmac.new(key.encode(), user_id.encode(), hashlib.sha256).hexdigest()[:32]


def open_index(settings: Settings, path: Path) -> VectorIndex:
    """Select the vector backend by its settings key."""
    if settings.index.backend == "edge":
        return EdgeIndex(
            path, settings.index.dense_dim, hnsw_min_points=settings.index.hnsw_min_points
        )
    raise ConfigError(f"unknown index backend {settings.index.backend!r}")


@dataclass
class Vault:
    """One person's storage. Obtain it from :class:`VaultManager`, never build it by hand."""

    vault_id: str
    path: Path
    settings: Settings
    _facts: FactsStore | None = None
    _index: VectorIndex | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def exists(self) -> bool:
        return (self.path / "facts.sqlite").exists()

    @property
    def facts(self) -> FactsStore:
        with self.lock:
            if self._facts is None:
                self.path.mkdir(parents=True, exist_ok=True)
                self._facts = FactsStore(self.path / "facts.sqlite")
            return self._facts

    @property
    def index(self) -> VectorIndex:
        with self.lock:
            if self._index is None:
                self._index = open_index(self.settings, self.path / "shard")
            return self._index

    @property
    def uploads(self) -> Path:
        return self.path / "uploads"

    @property
    def work(self) -> Path:
        """Temporary files of this vault's ingests (spooled uploads, unpacked members);
        inside the vault so deleting the vault deletes them too."""
        return self.path / "work"

    def close(self) -> None:
        with self.lock:
            if self._index is not None:
                self._index.close()
                self._index = None
            if self._facts is not None:
                self._facts.close()
                self._facts = None


class VaultManager:
    """Opens vaults by user id and keeps them open; the only way to reach a vault."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._root = settings.data_dir / "vaults"
        self._tombstones = settings.data_dir / "tombstones"
        self._open: dict[str, Vault] = {}
        self._lock = threading.Lock()

    def vault_id(self, user_id: str) -> str:
        return vault_id_for(user_id, self._settings.index.vault_key)

    def open(self, user_id: str) -> Vault:
        return self._get(self.vault_id(user_id))

    def _get(self, vid: str) -> Vault:
        with self._lock:
            vault = self._open.get(vid)
            if vault is None:
                vault = Vault(vid, self._root / vid, self._settings)
                self._open[vid] = vault
            return vault

    def open_by_id(self, vault_id: str) -> Vault:
        """Open a vault by its id. Only for callers that have already proven access to it
        (a signed verification link); everything else goes through :meth:`open`."""
        if len(vault_id) != 32 or any(c not in "0123456789abcdef" for c in vault_id):
            raise ConfigError("malformed vault id")
        return self._get(vault_id)

    def destroy(self, user_id: str) -> Path:
        """Close and remove a vault's files; returns the removed path.

        A tombstone is written first and removed last, so a deletion interrupted by a crash
        (kill -9) is completed by :meth:`finish_deletions` at the next start."""
        vid = self.vault_id(user_id)
        tomb = self._tombstones / vid
        self._tombstones.mkdir(parents=True, exist_ok=True)
        tomb.write_text("deleting\n")
        with self._lock:
            vault = self._open.pop(vid, None)
        if vault is not None:
            vault.close()
        path = self._root / vid
        if path.exists():
            shutil.rmtree(path)
        tomb.unlink()
        return path

    def finish_deletions(self) -> list[str]:
        """Complete every deletion that a crash interrupted; returns their vault ids."""
        done = []
        if self._tombstones.exists():
            for tomb in sorted(self._tombstones.iterdir()):
                path = self._root / tomb.name
                if path.exists():
                    shutil.rmtree(path)
                tomb.unlink()
                done.append(tomb.name)
        return done

    def close(self) -> None:
        with self._lock:
            vaults = list(self._open.values())
            self._open.clear()
        for v in vaults:
            v.close()
