"""Encryption at rest: per-vault keys wrapped by the master key; the facts DB, kept uploads
and the shard's vectors are unreadable without them; forgetting shreds the key, so a backup
of the vault taken before is unreadable too."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import qdrant_edge as qe
from fastapi.testclient import TestClient

from api.main import create_app
from indexes.keys import KeyRing, subkey
from indexes.sealed import CHUNK, IndexSeal, open_sealed, read_sealed, seal_file
from indexes.sqlcrypt import is_plaintext
from rag.core.errors import ConfigError, IndexError_
from rag.core.settings import EmbeddingSettings, PrivacySettings, Settings
from rag.service import Service
from tests.security.test_deletion import _scan

CANARY = "Vexandrolith"
VID = "ab" * 16


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _settings(data: Path, master: str, *, encryption: bool = True, **privacy: Any) -> Settings:
    return Settings(data_dir=data,
                    embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"),
                    privacy=PrivacySettings(encryption=encryption, master_key=master, **privacy))


def _bundle(tmp: Path, marker: str = CANARY) -> Path:
    resources = [
        {"resourceType": "Observation", "id": "obs-1", "status": "final",
         "code": {"text": "Ferritin", "coding": [{"system": "http://loinc.org",
                                                 "code": "2276-4"}]},
         "effectiveDateTime": "2025-01-01", "valueString": f"{marker} pattern noted"},
    ]
    path = tmp / "bundle.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": [{"resource": r} for r in resources]}))
    return path


# ------------------------------------------------------------------ keys


def test_vault_keys_are_wrapped_and_bound_to_their_vault(tmp_path: Path) -> None:
    master = os.urandom(32)
    ring = KeyRing(tmp_path / "keys", master)
    key = ring.key(VID)
    assert len(key) == 32 and ring.key(VID) == key
    stored = (tmp_path / "keys" / f"{VID}.key").read_bytes()
    assert key not in stored and base64.b64encode(key) not in stored
    assert KeyRing(tmp_path / "keys", master).key(VID) == key  # unwrapped again from disk
    with pytest.raises(ConfigError, match="another master key"):
        KeyRing(tmp_path / "keys", os.urandom(32)).key(VID)
    # A wrapped key copied onto another vault does not open it (the vault id is bound in).
    other = "cd" * 16
    shutil.copy(tmp_path / "keys" / f"{VID}.key", tmp_path / "keys" / f"{other}.key")
    with pytest.raises(ConfigError, match="fails authentication"):
        KeyRing(tmp_path / "keys", master).key(other)
    doc = json.loads(stored)
    doc["wrapped"] = base64.b64encode(bytes(32 + 16)).decode()
    (tmp_path / "keys" / f"{VID}.key").write_text(json.dumps(doc))
    with pytest.raises(ConfigError):
        KeyRing(tmp_path / "keys", master).key(VID)


def test_shred_and_rewrap(tmp_path: Path) -> None:
    old, new = os.urandom(32), os.urandom(32)
    ring = KeyRing(tmp_path, old)
    key = ring.key(VID)
    assert ring.rewrap(new) == 1
    assert KeyRing(tmp_path, new).key(VID) == key
    with pytest.raises(ConfigError):
        KeyRing(tmp_path, old).key(VID)
    assert ring.shred(VID) and not ring.has_key(VID) and not ring.shred(VID)
    assert ring.key(VID) != key  # a new vault would get a new key


@pytest.mark.parametrize("bad", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_bad_master_keys_are_config_errors(tmp_path: Path, bad: str) -> None:
    settings = _settings(tmp_path / "d", bad)
    if bad == "":
        ring = KeyRing.from_settings(settings)  # development default: a generated key file
        assert ring is not None and (tmp_path / "d" / "master.key").stat().st_mode & 0o077 == 0
        return
    with pytest.raises(ConfigError):
        KeyRing.from_settings(settings)


# ------------------------------------------------------------------ sealed files


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7])
def test_sealed_files_round_trip(tmp_path: Path, size: int) -> None:
    key = os.urandom(32)
    plain = os.urandom(size)
    (tmp_path / "p").write_bytes(plain)
    seal_file(tmp_path / "p", tmp_path / "s", key)
    sealed = (tmp_path / "s").read_bytes()
    if size >= 64:  # shorter plaintexts can occur in ciphertext by chance
        assert plain[:64] not in sealed
    assert read_sealed(tmp_path / "s", key) == plain
    with pytest.raises(IndexError_):
        read_sealed(tmp_path / "s", os.urandom(32))


def test_sealed_files_detect_tampering(tmp_path: Path) -> None:
    key = os.urandom(32)
    (tmp_path / "p").write_bytes(os.urandom(3 * CHUNK))
    seal_file(tmp_path / "p", tmp_path / "s", key)
    sealed = (tmp_path / "s").read_bytes()
    header, block = 20, CHUNK + 16
    flipped = bytearray(sealed)
    flipped[header + 5] ^= 1
    dropped_last = sealed[: header + 2 * block]  # truncated on a chunk boundary
    swapped = sealed[:header] + sealed[header + block: header + 2 * block] + \
        sealed[header: header + block] + sealed[header + 2 * block:]
    for i, bad in enumerate([bytes(flipped), dropped_last, swapped, sealed[:10]]):
        (tmp_path / f"bad{i}").write_bytes(bad)
        with pytest.raises(IndexError_):
            b"".join(open_sealed(tmp_path / f"bad{i}", key))


# ------------------------------------------------------------------ the shard's vectors


def test_index_seal_keeps_similarity_and_hides_ids() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(384), rng.standard_normal(384)
    seal = IndexSeal(os.urandom(32), 384)
    ra, rb = np.array(seal.dense(a)), np.array(seal.dense(b))
    assert np.isclose(ra @ rb, a @ b) and np.isclose(np.linalg.norm(ra), np.linalg.norm(a))
    assert not np.allclose(ra, a)
    bm25 = qe.Bm25(qe.Bm25Config(language="english", ascii_folding=True))
    raw = bm25.embed_document("ferritin hemoglobin metformin")
    keyed, values = seal.sparse(raw.indices, raw.values)
    assert len(keyed) == len(raw.indices) and not set(keyed) & set(raw.indices)
    assert values == list(raw.values)
    assert seal.sparse(raw.indices, raw.values) == (keyed, values)  # deterministic
    other, _ = IndexSeal(os.urandom(32), 384).sparse(raw.indices, raw.values)
    assert set(other) != set(keyed)  # another vault, other ids


# ------------------------------------------------------------------ the whole vault


def test_nothing_of_a_vault_is_in_the_clear(tmp_path: Path) -> None:
    data = tmp_path / "data"
    service = Service(_settings(data, _key()))
    try:
        bundle = _bundle(tmp_path)
        assert service.ingest("alice", [bundle]).ok
        answer = service.ask("alice", "What is my ferritin?")
        assert any(CANARY in c.quote or c.kind == "record" for c in answer.citations)
        vault = service.vaults.open("alice")
        assert any(CANARY in r[0] for r in vault.facts.read("SELECT text FROM records"))
        assert not is_plaintext(vault.path / "facts.sqlite")
        assert _scan(data, CANARY) == []  # raw, lowercase and base64 at every alignment
        # The kept upload is sealed on disk and comes back whole through the API.
        token = service.tokens.create("alice")[0]
        doc = service.documents("alice")[0]["document_id"]
        with TestClient(create_app(service.settings, service=service)) as client:
            r = client.get(f"/v1/records/{doc}/original",
                           headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200 and r.content == bundle.read_bytes()
            assert "bundle.json" in r.headers["content-disposition"]
            bob = service.tokens.create("bob")[0]
            r = client.get(f"/v1/records/{doc}/original",
                           headers={"Authorization": f"Bearer {bob}"})
            assert r.status_code == 404
        stored = next(vault.uploads.iterdir()).read_bytes()
        assert bundle.read_bytes()[:32] not in stored
    finally:
        service.close()


def test_bm25_token_ids_are_keyed_in_the_shard(tmp_path: Path) -> None:
    """A stolen shard cannot be searched for a word by hashing it: the raw token id of a
    word in the record is on disk without the seal and absent with it."""
    bm25 = qe.Bm25(qe.Bm25Config(language="english", ascii_folding=True))
    raw_ids = bm25.embed_document(CANARY.lower()).indices
    needles = [i.to_bytes(4, order) for i in raw_ids for order in ("little", "big")]

    def shard_bytes(encryption: bool) -> bytes:
        data = tmp_path / f"data-{encryption}"
        service = Service(_settings(data, _key(), encryption=encryption))
        try:
            assert service.ingest("alice", [_bundle(tmp_path)]).ok
            service.vaults.open("alice").index.flush()
            shard = service.vaults.open("alice").path / "shard"
            return b"".join(p.read_bytes() for p in sorted(shard.rglob("*")) if p.is_file())
        finally:
            service.close()

    plain, sealed = shard_bytes(False), shard_bytes(True)
    assert any(n in plain for n in needles), "the scan must see raw ids"
    assert not any(n in sealed for n in needles)


def test_forget_crypto_shreds_backups(tmp_path: Path) -> None:
    """A copy of the vault taken before forgetting is unreadable afterwards, even with the
    master key; only a copy of the key file too would open it (keep keys out of backups)."""
    data, master = tmp_path / "data", _key()
    service = Service(_settings(data, master))
    assert service.ingest("alice", [_bundle(tmp_path)]).ok
    vid = service.vaults.vault_id("alice")
    backup = tmp_path / "backup"
    service.vaults.open("alice").close()
    shutil.copytree(data / "vaults" / vid, backup / "vault")
    shutil.copy(data / "keys" / f"{vid}.key", backup / "vault.key")
    receipt = service.forget("alice")
    assert receipt.key_destroyed and not (data / "keys" / f"{vid}.key").exists()
    service.close()

    # Restore the vault backup under the same master key: it cannot be decrypted.
    shutil.copytree(backup / "vault", data / "vaults" / vid)
    service = Service(_settings(data, master))
    try:
        vault = service.vaults.open("alice")
        with pytest.raises(IndexError_, match="cannot be decrypted"):
            _ = vault.facts
        upload = next((backup / "vault" / "uploads").iterdir())
        with pytest.raises(IndexError_):
            read_sealed(upload, service.keyring.key(vid) if service.keyring else b"")
    finally:
        service.close()
    # With the key file restored as well, the backup opens: the key is what protects it.
    shutil.copy(backup / "vault.key", data / "keys" / f"{vid}.key")
    service = Service(_settings(data, master))
    try:
        rows = service.vaults.open("alice").facts.read("SELECT text FROM records")
        assert any(CANARY in r[0] for r in rows)
    finally:
        service.close()


def test_wrong_master_key_opens_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    service = Service(_settings(data, _key()))
    assert service.ingest("alice", [_bundle(tmp_path)]).ok
    service.close()
    service = Service(_settings(data, _key()))
    try:
        with pytest.raises(ConfigError, match="another master key"):
            service.ask("alice", "What is my ferritin?")
    finally:
        service.close()


def test_plaintext_vault_is_encrypted_when_encryption_is_turned_on(tmp_path: Path) -> None:
    data, master = tmp_path / "data", _key()
    service = Service(_settings(data, master, encryption=False))
    assert service.ingest("alice", [_bundle(tmp_path)]).ok
    facts = service.vaults.open("alice").path / "facts.sqlite"
    service.close()
    assert is_plaintext(facts) and _scan(data, CANARY)
    service = Service(_settings(data, master))
    try:
        answer = service.ask("alice", "What is my ferritin?")
        assert [c for c in answer.citations if c.kind == "record"]  # the legacy shard works
        assert not is_plaintext(facts)
        assert not [h for h in _scan(data, CANARY) if h.startswith("vaults") and "facts" in h]
        # Turning encryption off again cannot silently read sealed data as plaintext.
    finally:
        service.close()


def test_interrupted_deletion_shreds_the_key_at_restart(tmp_path: Path) -> None:
    data, master = tmp_path / "data", _key()
    service = Service(_settings(data, master))
    assert service.ingest("alice", [_bundle(tmp_path)]).ok
    vid = service.vaults.vault_id("alice")
    service.close()
    (data / "tombstones").mkdir(parents=True, exist_ok=True)
    (data / "tombstones" / vid).write_text("deleting\n")  # the crash came right after this
    service = Service(_settings(data, master))
    try:
        assert not (data / "keys" / f"{vid}.key").exists()
        assert not (data / "vaults" / vid).exists()
    finally:
        service.close()


def test_subkeys_differ_by_purpose() -> None:
    key = os.urandom(32)
    keys = {subkey(key, p) for p in ("facts", "uploads", "dense", "sparse")}
    assert len(keys) == 4 and key not in keys
