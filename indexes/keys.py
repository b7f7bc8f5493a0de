"""Vault keys: one random key per vault, wrapped by a master key from the settings.

A vault key (32 random bytes) never touches the disk in the clear. It is stored in
``<keys_dir>/<vault_id>.key`` wrapped with AES-256-GCM under the master key, with the
vault id as associated data (a wrapped key copied onto another vault does not open it).
Every use gets its own subkey (HKDF-SHA256): the facts DB, uploads, the shard sealing.

Forgetting a person shreds their key file first. Any copy of their vault made before,
in a backup or a snapshot, is then unreadable even with the master key, as long as the
key files were not backed up with it (``privacy.keys_dir`` can live on another volume).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from rag.core.errors import ConfigError
from rag.core.settings import Settings

log = logging.getLogger("healthrag.keys")

KEY_BYTES = 32
_WRAP_AAD = b"healthrag/vault-key/v1|"


def subkey(key: bytes, purpose: str) -> bytes:
    """A key for one purpose (``facts``, ``uploads``, ``dense``, ``sparse``)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=f"healthrag/{purpose}/v1".encode()).derive(key)


def _decode_key(text: str, where: str) -> bytes:
    """32 bytes from standard or URL-safe base64, padding optional."""
    body = text.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{where} is not base64") from exc
    if len(raw) != KEY_BYTES:
        raise ConfigError(f"{where} must be {KEY_BYTES} bytes, base64 (got {len(raw)} bytes)")
    return raw


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically, synced to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)


def wipe(path: Path, fill: bytes = b"\0") -> None:
    """Overwrite a file's bytes in place and sync them (before it is unlinked or replaced).
    Best effort: SSDs and copy-on-write file systems may keep the old blocks."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.write(fill * size if len(fill) == 1 else fill[:size])
        fh.flush()
        os.fsync(fh.fileno())


def read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the key file {path.name}: {exc}") from exc
    return _decode_key(text, path.name)


def load_master_key(settings: Settings) -> bytes:
    """The master key from the settings, a key file, or (development) <data>/master.key."""
    privacy = settings.privacy
    if privacy.master_key:
        return _decode_key(privacy.master_key, "privacy.master_key")
    if privacy.master_key_file is not None:
        return read_key_file(privacy.master_key_file)
    path = settings.data_dir / "master.key"
    if not path.exists():
        write_private(path, base64.b64encode(os.urandom(KEY_BYTES)) + b"\n")
        log.warning("generated a master key beside the data (%s); set "
                    "HEALTHRAG_PRIVACY__MASTER_KEY_FILE in production", path.name)
    return _decode_key(path.read_text(), str(path.name))


class KeyRing:
    """Creates, unwraps and shreds vault keys. Thread-safe."""

    def __init__(self, root: Path, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise ConfigError("the master key must be 32 bytes")
        self.root = root
        self._master = AESGCM(master)
        self._kek_id = hashlib.sha256(b"healthrag/kek-id|" + master).hexdigest()[:16]
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing | None:
        if not settings.privacy.encryption:
            return None
        root = settings.privacy.keys_dir or settings.data_dir / "keys"
        return cls(root, load_master_key(settings))

    def _path(self, vault_id: str) -> Path:
        if len(vault_id) != 32 or any(c not in "0123456789abcdef" for c in vault_id):
            raise ConfigError("malformed vault id")
        return self.root / f"{vault_id}.key"

    def has_key(self, vault_id: str) -> bool:
        return self._path(vault_id).exists()

    def key(self, vault_id: str) -> bytes:
        """The vault's key, created on first use."""
        with self._lock:
            key = self._cache.get(vault_id)
            if key is not None:
                return key
            path = self._path(vault_id)
            if path.exists():
                key = self._unwrap(vault_id, path)
            else:
                key = os.urandom(KEY_BYTES)
                write_private(path, self._wrap(vault_id, key))
            self._cache[vault_id] = key
            return key

    def _wrap(self, vault_id: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        wrapped = self._master.encrypt(nonce, key, _WRAP_AAD + vault_id.encode())
        return json.dumps({
            "v": 1, "kek": self._kek_id, "alg": "A256GCM",
            "nonce": base64.b64encode(nonce).decode(),
            "wrapped": base64.b64encode(wrapped).decode(),
        }).encode()

    def _unwrap(self, vault_id: str, path: Path) -> bytes:
        try:
            doc = json.loads(path.read_bytes())
            nonce = base64.b64decode(doc["nonce"])
            wrapped = base64.b64decode(doc["wrapped"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"the key file of vault {vault_id[:8]} is unreadable") from exc
        if doc.get("kek") != self._kek_id:
            raise ConfigError(f"vault {vault_id[:8]} was wrapped by another master key")
        try:
            return self._master.decrypt(nonce, wrapped, _WRAP_AAD + vault_id.encode())
        except InvalidTag as exc:
            raise ConfigError(f"the key of vault {vault_id[:8]} fails authentication") from exc

    def evict(self, vault_id: str) -> None:
        """Forget the unwrapped key in memory (a closed vault); it is unwrapped again on use."""
        with self._lock:
            self._cache.pop(vault_id, None)

    def shred(self, vault_id: str) -> bool:
        """Destroy a vault's key: overwritten, synced, then unlinked. True if one existed."""
        with self._lock:
            self._cache.pop(vault_id, None)
            path = self._path(vault_id)
            if not path.exists():
                return False
            wipe(path, os.urandom(path.stat().st_size))
            path.unlink()
            return True

    def rewrap(self, new_master: bytes) -> int:
        """Wrap every vault key under a new master key; returns how many were rewrapped.
        The vault data is untouched (its keys do not change)."""
        new = KeyRing(self.root, new_master)
        count = 0
        with self._lock:
            for path in sorted(self.root.glob("*.key")):
                vault_id = path.stem
                key = self._unwrap(vault_id, path)
                write_private(path, new._wrap(vault_id, key))
                count += 1
            self._master, self._kek_id = new._master, new._kek_id
        return count
