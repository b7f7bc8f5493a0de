"""Ingest is atomic and idempotent: bad files change nothing, the same file twice changes
nothing, a new version replaces the old records."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest


def _tree_digest(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _obs(oid: str, value: float, date: str = "2024-01-01") -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7",
                             "display": "Glucose"}]},
        "effectiveDateTime": date, "valueQuantity": {"value": value, "unit": "mg/dL"},
    }


def _bundle(*resources: dict[str, Any]) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection",
                       "entry": [{"resource": r} for r in resources]}).encode()


@pytest.mark.parametrize(("name", "data", "code"), [
    ("notes.csv", b"\x00\x01garbage\xff" * 40, "unsupported_format"),
    ("notes.json", b"just some words", "invalid_content"),
    ("broken.json", b'{"resourceType": "Bundle", "entry": [', "invalid_content"),
    ("other.json", b'{"hello": "world"}', "unsupported_format"),
    ("empty.json", b"", "empty_input"),
])
def test_bad_file_leaves_vault_byte_for_byte_unchanged(service: Any, tmp_path: Path, name: str,
                                                       data: bytes, code: str) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(_bundle(_obs("g1", 90)))
    assert service.ingest("u1", [good]).ok
    vault_dir = service.vaults.open("u1").path
    service.vaults.close()  # settle the shard's write-ahead log before taking the snapshot
    before = _tree_digest(vault_dir)
    bad = tmp_path / name
    bad.write_bytes(data)
    summary = service.ingest("u1", [bad])
    assert not summary.ok
    assert summary.files[0].error_code == code
    assert _tree_digest(vault_dir) == before


def test_oversized_file_is_rejected_before_reading(service: Any, tmp_path: Path) -> None:
    service.settings.ingest.max_file_bytes = 100
    big = tmp_path / "big.json"
    big.write_bytes(_bundle(*[_obs(f"o{i}", i) for i in range(10)]))
    summary = service.ingest("u1", [big])
    assert summary.files[0].error_code == "too_large"
    assert not service.vaults.open("u1").exists


def test_good_files_still_go_in_next_to_a_bad_one(service: Any, tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "a.json").write_bytes(_bundle(_obs("a1", 100)))
    (folder / "b.json").write_bytes(b"not json at all")
    summary = service.ingest("u1", [folder])
    out = summary.as_json()
    assert out["records"] == 1 and out["documents"] == 1
    assert [e["file"] for e in out["errors"]] == ["b.json"]


def test_reingest_same_file_changes_nothing(service: Any, tmp_path: Path) -> None:
    f = tmp_path / "p.json"
    f.write_bytes(_bundle(_obs("o1", 90), _obs("o2", 95, "2024-02-01")))
    first = service.ingest("u1", [f]).files[0]
    assert first.status == "ingested" and first.embedded == 2
    vault_dir = service.vaults.open("u1").path
    service.vaults.close()  # settle the shard's write-ahead log before taking the snapshot
    before = _tree_digest(vault_dir)
    again = service.ingest("u1", [f]).files[0]
    assert again.status == "unchanged"
    assert _tree_digest(vault_dir) == before


def test_new_version_replaces_old_records_and_reuses_embeddings(service: Any,
                                                                tmp_path: Path) -> None:
    f = tmp_path / "p.json"
    f.write_bytes(_bundle(_obs("o1", 90), _obs("o2", 95, "2024-02-01")))
    service.ingest("u1", [f])
    f.write_bytes(_bundle(_obs("o1", 90), _obs("o3", 120, "2024-03-01")))
    report = service.ingest("u1", [f]).files[0]
    assert report.status == "ingested"
    assert report.embedded == 1  # o1 unchanged: its vector is reused, o3 is new
    vault = service.vaults.open("u1")
    keys = {r for r in vault.facts.content_hashes(["Observation/o1", "Observation/o2",
                                                   "Observation/o3"])}
    assert keys == {"Observation/o1", "Observation/o3"}
    assert vault.index.count() == 2
    assert vault.index.chunk_ids() == vault.facts.all_chunk_ids()


def test_injected_instructions_are_flagged_at_ingest(service: Any, demo_bundle: Path) -> None:
    service.ingest("u1", [demo_bundle])
    vault = service.vaults.open("u1")
    flagged = [r for r in vault.facts.records_by_chunks(sorted(vault.facts.all_chunk_ids()))
               .values() if "prompt_injection" in r.flags]
    assert [r.resource_id for r in flagged] == ["demo-docref-portal-message"]


def test_resource_parity_every_resource_indexed_or_reported(service: Any,
                                                            demo_bundle: Path) -> None:
    bundle = json.loads(demo_bundle.read_bytes())
    report = service.ingest("u1", [demo_bundle]).files[0]
    assert report.resources == len(bundle["entry"])
    vault = service.vaults.open("u1")
    indexed = {k.split("#")[0] for k in vault.facts.content_hashes(
        [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]])}
    assert len(indexed) + report.skipped + len(report.issues) == len(bundle["entry"])


@pytest.mark.parametrize("where", ["embed", "upsert"])
def test_failure_in_the_middle_of_a_file_leaves_the_vault_as_it_was(
        service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Fail after part of a 700-record file is embedded / written: nothing of it stays."""
    good = tmp_path / "good.json"
    good.write_bytes(_bundle(_obs("g1", 90)))
    assert service.ingest("u1", [good]).ok
    vault = service.vaults.open("u1")
    before_records = vault.facts.all_chunk_ids()
    before_points = vault.index.chunk_ids()
    before_sources = vault.facts.sources()
    calls = {"n": 0}
    if where == "embed":
        real = service.embedder.embed

        def flaky(texts: list[str]) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:  # the second batch of 512
                raise RuntimeError("injected failure")
            return real(texts)

        monkeypatch.setattr(service.embedder, "embed", flaky)
    else:
        real_upsert = vault.index.upsert

        def flaky_upsert(points: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 2:  # after 256 points went in
                raise RuntimeError("injected failure")
            real_upsert(points)

        monkeypatch.setattr(vault.index, "upsert", flaky_upsert)
    big = tmp_path / "big.json"
    big.write_bytes(_bundle(*[_obs(f"b{i}", 100 + i, f"2023-{1 + i % 12:02d}-01")
                              for i in range(700)]))
    with pytest.raises(RuntimeError, match="injected"):
        service.ingest("u1", [big])
    assert calls["n"] == 2
    monkeypatch.undo()
    assert vault.facts.all_chunk_ids() == before_records
    assert vault.index.chunk_ids() == before_points
    assert vault.facts.sources() == before_sources
    assert vault.facts.count("measurements") == 1
    assert not list(vault.uploads.glob("*")) or len(list(vault.uploads.glob("*"))) == 1
    assert not vault.work.exists() or not any(vault.work.iterdir())
    # and the same file goes in whole afterwards
    assert service.ingest("u1", [big]).files[0].records == 700
