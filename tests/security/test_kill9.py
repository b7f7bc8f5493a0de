"""A real kill -9 in the middle of a deletion: the process is stopped with SIGKILL while it
is removing the vault's files; the next start completes the deletion (tombstone), and by
then the vault key is already gone, so what was left was never readable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from rag.core.settings import EmbeddingSettings, Settings
from rag.service import Service
from tests.security.test_deletion import _bundle, _scan

ROOT = Path(__file__).resolve().parents[2]
CANARY = "Killnineqvar"

CHILD = textwrap.dedent("""
    import shutil, sys, time
    from pathlib import Path
    import indexes.vaults
    from rag.service import Service
    from rag.core.settings import EmbeddingSettings, Settings

    real = shutil.rmtree
    def halfway(path, *args, **kwargs):
        if Path(path).parent.name != "vaults":           # not the vault itself: as usual
            return real(path, *args, **kwargs)
        real(Path(path) / "uploads", ignore_errors=True)   # some files go, the rest stay
        print("HALFWAY", flush=True)
        time.sleep(600)
    indexes.vaults.shutil.rmtree = halfway
    settings = Settings(data_dir=Path(sys.argv[1]),
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    Service(settings).forget("alice")
""")


def test_kill9_during_deletion_completes_at_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    service = Service(settings)
    service.ensure_starter_knowledge()
    assert service.ingest_bytes("alice", _bundle(tmp_path, "alice", CANARY).read_bytes(),
                                "alice.json").ok
    service.ingest("bob", [_bundle(tmp_path, "bob", "Bobmarker")])
    vid = service.vaults.vault_id("alice")
    service.close()
    vault_dir = settings.data_dir / "vaults" / vid
    assert (vault_dir / "facts.sqlite").exists()

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.data_dir)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "HALFWAY"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    # Killed mid-way: the tombstone is there, files remain, but the key is already shredded.
    assert (settings.data_dir / "tombstones" / vid).exists()
    assert (vault_dir / "facts.sqlite").exists()
    assert not (settings.data_dir / "keys" / f"{vid}.key").exists()
    assert _scan(settings.data_dir, CANARY) == []  # and what is left is ciphertext

    restarted = Service(settings)
    try:
        assert not vault_dir.exists()
        assert not any((settings.data_dir / "tombstones").iterdir())
        assert restarted.documents("alice") == []
        assert [d["file"] for d in restarted.documents("bob")] == ["bob.json"]
        assert _scan(settings.data_dir, CANARY) == []
    finally:
        restarted.close()
