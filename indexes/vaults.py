"""Vaults: each person's data, physically apart. Tenant scoping lives here.

A vault is ``<data_dir>/vaults/<vault_id>/`` with an Edge shard (``shard/``), the
facts DB (``facts.sqlite``) and the original uploads (``uploads/``). ``vault_id`` is
an HMAC of the user id, so the directory name reveals nothing and a caller can only
reach a vault through the user id that owns it.

With encryption on (the default) each vault has its own key (indexes/keys.py): the
facts DB is SQLCipher, uploads are sealed files, and the shard's vectors go through
the vault's keyed transforms (indexes/sealed.py). Destroying a vault shreds its key
first, so even a half-finished deletion leaves nothing readable.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexes.base import VectorIndex
from indexes.edge import EdgeIndex
from indexes.facts import FactsStore
from indexes.history import HistoryStore
from indexes.keys import KeyRing, subkey
from indexes.sealed import IndexSeal, is_sealed, open_sealed, seal_file
from rag.core.errors import ConfigError, NotFound
from rag.core.settings import Settings

log = logging.getLogger("healthrag.vaults")

_SEAL_MARKER = "sealed-index"


def vault_id_for(user_id: str, key: str) -> str:
    if not user_id or len(user_id) > 256:
        raise ConfigError("a user id is 1 to 256 characters")
    return hmac.new(key.encode(), user_id.encode(), hashlib.sha256).hexdigest()[:32]


def open_index(settings: Settings, path: Path, seal: IndexSeal | None = None) -> VectorIndex:
    """Select the vector backend by its settings key."""
    if settings.index.backend == "edge":
        return EdgeIndex(path, settings.index.dense_dim,
                         hnsw_min_points=settings.index.hnsw_min_points, seal=seal)
    raise ConfigError(f"unknown index backend {settings.index.backend!r}")


@dataclass
class Vault:
    """One person's storage. Obtain it from :class:`VaultManager`, never build it by hand."""

    vault_id: str
    path: Path
    settings: Settings
    keyring: KeyRing | None = None
    _facts: FactsStore | None = None
    _index: VectorIndex | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def exists(self) -> bool:
        return (self.path / "facts.sqlite").exists()

    def _key(self, purpose: str | None = None) -> bytes | None:
        """The vault key (None without encryption), or its subkey for one purpose."""
        if self.keyring is None:
            return None
        key = self.keyring.key(self.vault_id)
        return subkey(key, purpose) if purpose else key

    @property
    def facts(self) -> FactsStore:
        with self.lock:
            if self._facts is None:
                self.path.mkdir(parents=True, exist_ok=True)
                self._facts = FactsStore(self.path / "facts.sqlite", self._key("facts"))
            return self._facts

    @property
    def index(self) -> VectorIndex:
        with self.lock:
            if self._index is None:
                self._index = open_index(self.settings, self.path / "shard", self._seal())
            return self._index

    def _seal(self) -> IndexSeal | None:
        """The shard's keyed transforms. A shard written before encryption was on stays
        as it is (re-ingest to seal it); a sealed one cannot be opened without its key."""
        marker = self.path / _SEAL_MARKER
        shard = self.path / "shard"
        if self.keyring is None:
            if marker.exists():
                raise ConfigError("this vault's index is sealed: turn privacy.encryption on")
            return None
        if not marker.exists():
            if shard.exists() and any(shard.iterdir()):
                log.warning("vault=%s has an unsealed index from before encryption; "
                            "re-ingest to seal it", self.vault_id[:8])
                return None
            self.path.mkdir(parents=True, exist_ok=True)
            marker.write_text("v1\n")
        return IndexSeal(self.keyring.key(self.vault_id), self.settings.index.dense_dim)

    @property
    def history(self) -> HistoryStore:
        return HistoryStore(self.facts, self.settings.privacy.history_ttl_days)

    @property
    def uploads(self) -> Path:
        return self.path / "uploads"

    def keep_upload(self, file_hash: str, name: str, original: Path) -> Path:
        """Keep an ingested file's original bytes (sealed with the vault key when encryption
        is on); returns where. Idempotent by content hash."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        suffix = "".join(c for c in Path(name).suffix[:16] if c.isalnum() or c == ".")
        target = self.uploads / f"{file_hash}{suffix}"
        if not target.exists():
            key = self._key()
            if key is not None:
                seal_file(original, target, key)
            else:
                tmp = target.with_suffix(target.suffix + ".tmp")
                shutil.copyfile(original, tmp)
                tmp.replace(target)
        return target

    def read_upload(self, file_hash: str) -> Iterator[bytes]:
        """The original bytes of a kept upload, chunk by chunk (decrypted)."""
        found = [p for p in self.uploads.glob(f"{file_hash}*") if not p.name.endswith(".tmp")]
        if len(file_hash) != 64 or not found:
            raise NotFound("no such document")
        path = found[0]
        if is_sealed(path):
            key = self._key()
            if key is None:
                raise ConfigError("this upload is sealed: turn privacy.encryption on")
            return open_sealed(path, key)
        return iter([path.read_bytes()])

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

    def __init__(self, settings: Settings, keyring: KeyRing | None = None) -> None:
        self._settings = settings
        self.keyring = keyring
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
                vault = Vault(vid, self._root / vid, self._settings, self.keyring)
                self._open[vid] = vault
            return vault

    def open_by_id(self, vault_id: str) -> Vault:
        """Open a vault by its id. Only for callers that have already proven access to it
        (a signed verification link); everything else goes through :meth:`open`."""
        if len(vault_id) != 32 or any(c not in "0123456789abcdef" for c in vault_id):
            raise ConfigError("malformed vault id")
        return self._get(vault_id)

    def vault_ids(self) -> list[str]:
        """Every vault on disk (for maintenance sweeps)."""
        if not self._root.exists():
            return []
        return sorted(p.name for p in self._root.iterdir() if p.is_dir() and len(p.name) == 32)

    def is_open(self, vault_id: str) -> bool:
        with self._lock:
            return vault_id in self._open

    def release(self, vault_id: str) -> None:
        """Close a vault nobody uses any more, and drop its key from memory."""
        with self._lock:
            vault = self._open.pop(vault_id, None)
        if vault is not None:
            vault.close()
        if self.keyring is not None:
            self.keyring.evict(vault_id)

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
        if self.keyring is not None:
            self.keyring.shred(vid)  # from here on, every copy of the vault is unreadable
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
                if self.keyring is not None:
                    self.keyring.shred(tomb.name)
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
