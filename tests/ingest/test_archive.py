"""Zips are read defensively: bombs, traversal, encryption, corruption and member floods
are refused as a whole with a typed error, and nothing of the zip reaches the vault."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from ingest.archive import SafeZip, ZipBomb
from ingest.base import Source
from ingest.detect import parse_source
from rag.core.errors import InvalidContent, TooLarge
from rag.core.settings import IngestSettings


def _obs(oid: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7",
                             "display": "Glucose"}]},
        "effectiveDateTime": "2024-01-01", "valueQuantity": {"value": value, "unit": "mg/dL"},
    }


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _source(path: Path) -> Source:
    return Source.from_path(path)


def _tree_digest(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_bomb_is_refused_by_real_decompressed_bytes(tmp_path: Path) -> None:
    # 40 MB of zeros compress to ~40 KB: a 1000:1 bomb.
    bomb = _zip(tmp_path / "bomb.zip", {"a.json": b"0" * 40_000_000})
    assert bomb.stat().st_size < 200_000
    settings = IngestSettings(max_unpacked_bytes=5_000_000, max_file_bytes=100_000_000)
    with pytest.raises(ZipBomb) as err:
        parse_source(_source(bomb), settings, tmp_path / "work")
    assert err.value.status == 413
    assert not any((tmp_path / "work").rglob("*.json")) if (tmp_path / "work").exists() else True


def test_bomb_hidden_behind_a_lying_size_is_still_caught(tmp_path: Path) -> None:
    data = b"1" * 3_000_000
    path = _zip(tmp_path / "liar.zip", {"a.csv": data})
    raw = bytearray(path.read_bytes())
    # Patch the declared uncompressed size (local header and central directory) to 100 bytes.
    small = (100).to_bytes(4, "little")
    real = len(data).to_bytes(4, "little")
    assert raw.count(real) == 2
    raw = bytearray(bytes(raw).replace(real, small))
    path.write_bytes(bytes(raw))
    settings = IngestSettings(max_unpacked_bytes=1_000_000)
    with pytest.raises((TooLarge, InvalidContent)):
        parse_source(_source(path), settings, tmp_path / "work")


def zip_of_zeros(members: int, size: int) -> bytes:
    """A zip of ``members`` members of ``size`` zero bytes each, written by hand from one
    deflate stream: the issue's bomb (180 x 49 MB in 9 MB) takes a second to build, where
    zipfile would deflate 8.8 GB."""
    raw = b"\0" * size
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = deflate.compress(raw) + deflate.flush()
    crc, out, central = zlib.crc32(raw), io.BytesIO(), []
    for i in range(members):
        name = f"m{i:04d}.csv".encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 33, crc, len(data),
                              size, len(name), 0) + name + data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 33, crc,
                                   len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name)
    directory = b"".join(central)
    offset = out.tell()
    out.write(directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, members, members,
                                      len(directory), offset, 0))
    return out.getvalue()


def test_declared_sizes_over_the_cap_are_refused_before_inflating(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #22, F4: 180 members x 49 MB in a 9 MB zip was refused only after 42 s of
    inflating 8 GiB. The central directory declares the sizes: refused before any read."""
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_of_zeros(180, 49 * 1024 * 1024))
    assert path.stat().st_size < 10_000_000
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def counting(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting)
    began = time.monotonic()
    with pytest.raises(ZipBomb, match="declares") as err:
        parse_source(_source(path), IngestSettings(), tmp_path / "work")
    assert err.value.status == 413
    assert time.monotonic() - began < 5
    assert opened == [], "a member was inflated before the refusal"


def test_a_member_declared_over_the_file_cap_is_reported_without_inflating(
        tmp_path: Path) -> None:
    rows = "date,metric,value,unit\n" + "".join(
        f"2024-01-{d:02d},steps,{1000 + d},count\n" for d in range(1, 29))
    path = tmp_path / "mixed.zip"
    big = zip_of_zeros(1, 3_000_000)
    path.write_bytes(big)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("steps.csv", rows)
    archive = SafeZip(path, "mixed.zip", max_unpacked=10_000_000, max_members=10)
    with archive, pytest.raises(TooLarge, match="declares 3000000 bytes"):
        archive.extract(archive.members[0][1], tmp_path / "out", cap=1_000_000)
    assert archive.unpacked == 0 and not (tmp_path / "out").exists()
    kind, parsed = parse_source(_source(path), IngestSettings(max_file_bytes=1_000_000),
                                tmp_path / "work")
    assert kind == "zip" and any("m0000.csv" in i.reason for i in parsed.issues)
    assert any(m.code == "41950-7" for r in parsed.records for m in r.measurements)


def test_ratio_alone_is_not_a_test_a_20_to_1_export_goes_in(tmp_path: Path) -> None:
    # Real exports compress ~20:1; a highly compressible but legitimate file passes.
    rows = "date,metric,value,unit\n" + "".join(
        f"2024-01-{d:02d},steps,{1000 + d},count\n" for d in range(1, 29)) * 1
    bundle = json.dumps({"resourceType": "Bundle", "type": "collection",
                         "entry": [{"resource": _obs(f"o{i}", 90 + i % 5)}
                                   for i in range(400)]}).encode()
    path = _zip(tmp_path / "ok.zip", {"labs.json": bundle, "steps.csv": rows.encode()})
    ratio = (len(bundle) + len(rows)) / path.stat().st_size
    assert ratio > 10
    kind, parsed = parse_source(_source(path), IngestSettings(), tmp_path / "work")
    assert kind == "zip"
    assert sum(1 for r in parsed.records if r.key.startswith("Observation/")) == 400
    assert any(m.code == "41950-7" for r in parsed.records for m in r.measurements)
    zip_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    assert {r.provenance.file_hash for r in parsed.records} == {zip_hash}


@pytest.mark.parametrize("name", ["../evil.json", "a/../../evil.json", "/etc/evil.json",
                                  "C:/evil.json", "a\\..\\evil.json"])
def test_member_names_outside_the_archive_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "trav.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("fine.json", json.dumps(_obs("x", 1)))
        zf.writestr(zipfile.ZipInfo(name), json.dumps(_obs("y", 2)))
    with pytest.raises(InvalidContent, match="outside the archive"):
        parse_source(_source(path), IngestSettings(), tmp_path / "work")


def test_symlink_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    info = zipfile.ZipInfo("link.json")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(InvalidContent, match="outside the archive"):
        parse_source(_source(path), IngestSettings(), tmp_path / "work")


def test_encrypted_members_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "enc.zip", {"a.json": b"ciphertext"})
    raw = bytearray(path.read_bytes())
    # zipfile cannot write encrypted members: set the "encrypted" bit by hand in the local
    # header (flags at offset 6) and the central directory entry (offset 8).
    raw[6] |= 0x1
    central = raw.index(b"PK\x01\x02")
    raw[central + 8] |= 0x1
    path.write_bytes(bytes(raw))
    with pytest.raises(InvalidContent, match="encrypted"):
        parse_source(_source(path), IngestSettings(), tmp_path / "work")


def test_member_flood_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "flood.zip", {f"f{i}.txt": b"x" for i in range(50)})
    with pytest.raises(TooLarge, match="member"):
        SafeZip(path, "flood.zip", max_unpacked=10**9, max_members=20)


@pytest.mark.parametrize("cut", [0.3, 0.7])
def test_corrupt_zip_is_invalid_content(tmp_path: Path, cut: float) -> None:
    path = _zip(tmp_path / "c.zip", {"a.json": json.dumps(_obs("a", 1)).encode() * 50})
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises((InvalidContent, TooLarge)):
        parse_source(_source(path), IngestSettings(), tmp_path / "work")


def test_zip_inside_zip_is_reported_not_followed(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.json", json.dumps(_obs("i", 1)))
    path = _zip(tmp_path / "outer.zip", {"inner.zip": inner.getvalue(),
                                         "a.json": json.dumps(_obs("a", 1)).encode()})
    _, parsed = parse_source(_source(path), IngestSettings(), tmp_path / "work")
    assert [r.key for r in parsed.records] == ["Observation/a"]
    assert any("zips inside zips" in i.reason for i in parsed.issues)


def test_rejected_zip_leaves_the_vault_unchanged_and_no_temp_files(
        service: Any, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_obs("g", 90)))
    assert service.ingest("u1", [good]).ok
    vault = service.vaults.open("u1")
    service.vaults.close()
    before = _tree_digest(vault.path)
    service.settings.ingest.max_unpacked_bytes = 2_000_000
    bomb = _zip(tmp_path / "bomb.zip", {"a.json": b" " * 30_000_000,
                                       "b.json": json.dumps(_obs("b", 1)).encode()})
    report = service.ingest("u1", [bomb]).files[0]
    assert report.status == "rejected" and report.error_code == "too_large"
    after = _tree_digest(vault.path)
    assert {k: v for k, v in after.items() if not k.startswith("work/")} == before
    assert not [k for k in after if k.startswith("work/")]


def test_deleting_a_zip_deletes_every_member_record(service: Any, tmp_path: Path) -> None:
    path = _zip(tmp_path / "two.zip", {"a.json": json.dumps(_obs("a", 1)).encode(),
                                      "b.json": json.dumps(_obs("b", 2)).encode()})
    report = service.ingest("u1", [path]).files[0]
    assert report.status == "ingested" and report.records == 2
    receipt = service.delete_document("u1", report.file_hash)
    assert receipt["records"] == 2
    vault = service.vaults.open("u1")
    assert vault.facts.count("records") == 0 and vault.index.count() == 0
