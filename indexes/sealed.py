"""What a vault key protects outside SQLCipher: kept uploads, and the Edge shard's vectors.

Files (uploads) are sealed with AES-256-GCM in 1 MiB chunks (a STREAM construction):
each chunk's nonce is a random per-file prefix plus its counter, and its associated data
binds the header, the counter and a "last chunk" flag, so reordering, truncating or
extending a file fails authentication instead of yielding altered bytes.

Qdrant Edge writes its own segment files, which cannot be encrypted transparently. What
it stores is made useless without the vault key instead:
- dense vectors are multiplied by a secret orthogonal matrix derived from the key. Cosine
  similarity is unchanged (queries are rotated the same way), but a stolen shard cannot be
  fed to an embedding-inversion model, or compared with vectors of known texts, without
  the matrix. It is not a cipher: someone who knows ~384 (text, stored vector) pairs of one
  vault can solve for the matrix, and the geometry between a vault's own points is kept;
- BM25 token ids are keyed hashes of Qdrant's token ids, so the words of a record cannot be
  recovered by hashing a dictionary; only term statistics within the vault remain;
- payload values (record kind, resource type, source type) are keyed tags; equality
  filters still work because queries are tagged the same way. Point ids and the ``cid``
  payload are already opaque (hashes of the vault id and record key).
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from indexes.keys import subkey
from rag.core.errors import IndexError_

MAGIC = b"HRSEAL01"
CHUNK = 1 << 20
_TAG = 16
_HEADER = struct.Struct(">8sI8s")  # magic, chunk size, nonce prefix


def is_sealed(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if last else 0)


def seal_file(src: Path, dst: Path, key: bytes) -> None:
    """Encrypt ``src`` into ``dst`` (written whole, then renamed into place)."""
    aead = AESGCM(subkey(key, "uploads"))
    prefix = os.urandom(8)
    header = _HEADER.pack(MAGIC, CHUNK, prefix)
    tmp = dst.with_name(dst.name + ".tmp")
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            fout.write(header)
            index = 0
            block = fin.read(CHUNK)
            while True:
                ahead = fin.read(CHUNK) if len(block) == CHUNK else b""
                last = not ahead
                nonce = prefix + struct.pack(">I", index)
                fout.write(aead.encrypt(nonce, block, _aad(header, index, last)))
                if last:
                    break
                block, index = ahead, index + 1
            fout.flush()
            os.fsync(fout.fileno())
        tmp.replace(dst)
    finally:
        tmp.unlink(missing_ok=True)


def open_sealed(path: Path, key: bytes) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk; raises :class:`IndexError_` when
    any chunk fails authentication (wrong key, tampering, truncation)."""
    aead = AESGCM(subkey(key, "uploads"))
    with path.open("rb") as fh:
        header = fh.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise IndexError_("a sealed file is truncated", code="sealed_file_corrupt")
        magic, chunk, prefix = _HEADER.unpack(header)
        if magic != MAGIC or not 0 < chunk <= 1 << 26:
            raise IndexError_("not a sealed file", code="sealed_file_corrupt")
        index = 0
        block = fh.read(chunk + _TAG)
        while True:
            ahead = fh.read(chunk + _TAG)
            last = not ahead
            nonce = prefix + struct.pack(">I", index)
            try:
                yield aead.decrypt(nonce, block, _aad(header, index, last))
            except InvalidTag as exc:
                raise IndexError_("a sealed file fails authentication (wrong key, altered "
                                  "or truncated)", code="sealed_file_corrupt") from exc
            if last:
                return
            block, index = ahead, index + 1


def read_sealed(path: Path, key: bytes) -> bytes:
    return b"".join(open_sealed(path, key))


class IndexSeal:
    """The keyed transforms applied to everything a vault writes to or asks of its shard."""

    def __init__(self, key: bytes, dim: int) -> None:
        seed = int.from_bytes(subkey(key, "dense"), "big")
        rng = np.random.Generator(np.random.PCG64(seed))
        q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
        self._rotation = q * np.sign(np.diag(r))  # a uniformly random orthogonal matrix
        self._sparse_key = subkey(key, "sparse")
        self._tag_key = subkey(key, "payload")

    def dense(self, vector: Sequence[float]) -> list[float]:
        out: list[float] = (self._rotation @ np.asarray(vector, dtype=np.float64)).tolist()
        return out

    def tag(self, value: object) -> str:
        """A payload value as a keyed tag (same value, same tag, within this vault)."""
        return hashlib.blake2b(str(value).encode(), key=self._tag_key,
                               digest_size=12).hexdigest()

    def sparse(self, indices: Sequence[int], values: Sequence[float]
               ) -> tuple[list[int], list[float]]:
        merged: dict[int, float] = {}
        for index, value in zip(indices, values, strict=True):
            digest = hashlib.blake2b(index.to_bytes(8, "big"), key=self._sparse_key,
                                     digest_size=4).digest()
            keyed = int.from_bytes(digest, "big")
            merged[keyed] = merged.get(keyed, 0.0) + value  # a collision adds, never drops
        return list(merged), list(merged.values())
