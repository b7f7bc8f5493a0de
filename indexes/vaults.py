"""Vaults: each person's data, physically apart. Tenant scoping lives here.

A vault is ``<data_dir>/vaults/<vault_id>/`` with an Edge shard (``shard/``), the
facts DB (``facts.sqlite``) and the original uploads (``uploads/``). ``vault_id`` is
an HMAC of the user id, so the directory name reveals nothing and a caller can only
reach a vault through the user id that owns it.

With encryption on (the default) each vault has its own key (indexes/keys.py): the
facts DB is SQLCipher, uploads are sealed files, and the shard's vectors go through
the vault's keyed transforms (indexes/sealed.py). Destroying a vault shreds its key
first, so even a half-finished deletion leaves nothing readable.

One process at a time uses a vault: opening it (or writing its first file) takes
``vault.lock`` (indexes/locks.py), and the shard takes its own lock too, so a second
process gets a clear :class:`~rag.core.errors.IndexBusy` and never touches the live files.
Taking the vault's lock is also when the spooled files that dead processes left in
``work/`` (plaintext uploads, unpacked zip members) are removed: nobody else can be using
them then, and this process keeps its own under ``work/<session>/``.

Deletion and requests are ordered by the manager: requests and jobs hold the vault with
:meth:`VaultManager.using`; a deletion marks the vault first (new users get
:class:`~rag.core.errors.VaultDeleted`, 410), waits for the ones in flight, then removes it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from indexes.base import VectorIndex
from indexes.edge import EdgeIndex
from indexes.facts import FactsStore
from indexes.history import HistoryStore
from indexes.keys import KeyRing, subkey, write_private
from indexes.locks import FileLock, hold, try_hold
from indexes.sealed import IndexSeal, is_sealed, open_sealed, seal_file
from rag.core.errors import ConfigError, NotFound, VaultDeleted
from rag.core.settings import Settings

log = logging.getLogger("healthrag.vaults")

_SEAL_MARKER = "sealed-index"
_LOCK = "vault.lock"
_LINK_SALT = "link.salt"


def new_session() -> str:
    """A name for one process's use of the vaults (its folder under each ``work/``)."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


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
    session: str = field(default_factory=new_session)
    _facts: FactsStore | None = None
    _index: VectorIndex | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    _guard: FileLock | None = None
    gone: bool = False  # destroyed: every use raises VaultDeleted, nothing is re-created

    @property
    def exists(self) -> bool:
        return (self.path / "facts.sqlite").exists()

    def claim(self) -> None:
        """Take the vault for this process (when it is opened, or first written), before any
        file is written, and remove what dead processes left in ``work/``. Idempotent."""
        with self.lock:
            if self.gone:
                raise VaultDeleted("this vault was deleted")
            if self._guard is None:
                self._guard = hold(self.path / _LOCK, f"the vault {self.path}")
                sweep_work(self.path, keep=self.session)

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
                self.claim()
                self._facts = FactsStore(self.path / "facts.sqlite", self._key("facts"))
                if not (self.path / _LINK_SALT).exists():  # made with the vault, not later
                    write_private(self.path / _LINK_SALT, secrets.token_bytes(32))
            return self._facts

    @property
    def index(self) -> VectorIndex:
        with self.lock:
            if self._index is None:
                self.claim()
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
        """Temporary files of this process's ingests into the vault (spooled uploads,
        unpacked members): ``work/<session>/``, inside the vault so deleting the vault
        deletes them too, and apart from what a dead process left (swept on first use)."""
        return self.path / "work" / self.session

    def workspace(self) -> Path:
        """:attr:`work`, created, with the vault held by this process."""
        self.claim()
        self.work.mkdir(parents=True, exist_ok=True)
        return self.work

    def retire(self) -> None:
        """Close for good (the vault is being destroyed): a request that still holds this
        object gets :class:`VaultDeleted` (410), never a new vault under the same id."""
        with self.lock:
            self.gone = True
            self.close()

    def close(self) -> None:
        with self.lock:
            try:
                if self._index is not None:
                    self._index.close()
                    self._index = None
                if self._facts is not None:
                    self._facts.close()
                    self._facts = None
            finally:
                if self._guard is not None:
                    self._guard.release()
                    self._guard = None


def sweep_work(vault_path: Path, keep: str | None = None) -> int:
    """Remove the spooled files under ``work/`` except the session ``keep``; returns how
    many entries went. Call it only while holding the vault's lock: then no other live
    process can be using them (a kill -9 mid-upload leaves its plaintext spool here)."""
    root = vault_path / "work"
    if not root.is_dir():
        return 0
    stale = [p for p in root.iterdir() if p.name != keep]
    for path in stale:
        _remove(path)
    if stale:
        log.info("removed %d stale spool entr(ies) vault=%s", len(stale), vault_path.name[:8])
    return len(stale)


class VaultManager:
    """Opens vaults by user id and keeps them open; the only way to reach a vault."""

    def __init__(self, settings: Settings, keyring: KeyRing | None = None) -> None:
        self._settings = settings
        self.keyring = keyring
        self._root = settings.data_dir / "vaults"
        self._tombstones = settings.data_dir / "tombstones"
        self._open: dict[str, Vault] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._users: dict[str, int] = {}  # vault id -> requests and jobs holding it
        self._deleting: set[str] = set()
        self.session = new_session()

    def vault_id(self, user_id: str) -> str:
        return vault_id_for(user_id, self._settings.index.vault_key)

    def open(self, user_id: str) -> Vault:
        return self._get(self.vault_id(user_id))

    def _get(self, vid: str) -> Vault:
        with self._lock:
            if vid in self._deleting:
                raise VaultDeleted("this vault is being deleted")
            return self._cached(vid)

    def _cached(self, vid: str) -> Vault:
        """The open vault ``vid`` (the manager's lock is held by the caller)."""
        vault = self._open.get(vid)
        if vault is None:
            vault = Vault(vid, self._root / vid, self._settings, self.keyring,
                          session=self.session)
            if vault.path.exists():
                vault.claim()  # IndexBusy if another process has it; sweeps stale spools
            self._open[vid] = vault
        return vault

    @contextmanager
    def using(self, vault_id: str) -> Iterator[None]:
        """Hold a vault for one request or job. A deletion that has begun refuses it
        (:class:`VaultDeleted`); one that begins meanwhile waits until it ends."""
        with self._lock:
            if vault_id in self._deleting:
                raise VaultDeleted("this vault is being deleted")
            self._users[vault_id] = self._users.get(vault_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._users.pop(vault_id) - 1
                if left:
                    self._users[vault_id] = left
                self._idle.notify_all()

    @contextmanager
    def deletion(self, user_id: str) -> Iterator[Vault]:
        """Mark the person's vault as being deleted for the length of the block: every new
        :meth:`using` and :meth:`open` of it is refused (410) until the block ends. Yields
        the vault; call :meth:`wait_idle` and then :meth:`destroy` inside."""
        vid = self.vault_id(user_id)
        with self._lock:
            if vid in self._deleting:
                raise VaultDeleted("this vault is already being deleted")
            vault = self._cached(vid)
            self._deleting.add(vid)
        try:
            yield vault
        finally:
            with self._lock:
                self._deleting.discard(vid)

    def wait_idle(self, vault_id: str, timeout: float) -> bool:
        """Wait until no request or job holds the vault; False when ``timeout`` ran out."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._users.get(vault_id), timeout)

    def link_salt(self, vault_id: str, *, create: bool) -> bytes | None:
        """The vault's own secret for signed links, kept in the vault so that deleting it
        voids every link to it (and a vault made again under the same id gets another).
        None when there is none; ``create`` makes it, for a vault that exists."""
        path = self._root / vault_id / _LINK_SALT
        with self._lock:
            if not path.exists():
                if not create or vault_id in self._deleting or \
                        not (self._root / vault_id / "facts.sqlite").exists():
                    return None
                write_private(path, secrets.token_bytes(32))
            return path.read_bytes()

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
        with self._lock:
            vault = self._open.pop(vid, None)
        if vault is not None:
            vault.retire()
        path = self._root / vid
        # No other process may be using what goes (IndexBusy otherwise, before any change).
        guard = hold(path / _LOCK, f"the vault {path}") if path.exists() else None
        tomb = self._tombstones / vid
        self._tombstones.mkdir(parents=True, exist_ok=True)
        tomb.write_text("deleting\n")
        try:
            if self.keyring is not None:
                self.keyring.shred(vid)  # from here on, every copy of the vault is unreadable
            if path.exists():
                shutil.rmtree(path)
        finally:
            if guard is not None:
                guard.release()
        tomb.unlink()
        return path

    def finish_deletions(self) -> list[str]:
        """Complete every deletion that a crash interrupted; returns their vault ids.
        A vault that another live process holds is left to it."""
        done = []
        if self._tombstones.exists():
            for tomb in sorted(self._tombstones.iterdir()):
                path = self._root / tomb.name
                guard = try_hold(path / _LOCK) if path.exists() else None
                if path.exists() and guard is None:
                    continue
                try:
                    if self.keyring is not None:
                        self.keyring.shred(tomb.name)
                    if path.exists():
                        shutil.rmtree(path)
                finally:
                    if guard is not None:
                        guard.release()
                tomb.unlink()
                done.append(tomb.name)
        return done

    def sweep_spools(self) -> int:
        """Remove what dead processes left in every vault's ``work/`` (at start), skipping
        vaults that a live process holds; returns how many entries went."""
        removed = 0
        for work in sorted(self._root.glob("*/work")) if self._root.exists() else []:
            with self._lock:
                if work.parent.name in self._open:
                    continue  # held by this process: swept when it took the vault
            guard = try_hold(work.parent / _LOCK)
            if guard is None:
                continue
            try:
                removed += sweep_work(work.parent)
            finally:
                guard.release()
        return removed

    def close(self) -> None:
        with self._lock:
            vaults = list(self._open.values())
            self._open.clear()
        for v in vaults:
            v.close()
