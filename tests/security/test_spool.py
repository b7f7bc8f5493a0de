"""Spooled uploads are plaintext while an ingest runs (README, residual risks). What a
process killed mid-upload leaves in a vault's ``work/`` is removed as soon as a live
process takes the vault, not only at the next server start (issue #22)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from tests.security.test_deletion import _scan

ROOT = Path(__file__).resolve().parents[2]
CANARY = "Spoolwraith"

# Takes eve's vault, starts spooling an upload into it, and is killed -9 mid-way.
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from indexes.keys import KeyRing
    from indexes.vaults import VaultManager
    from rag.core.settings import EmbeddingSettings, Settings

    settings = Settings(data_dir=Path(sys.argv[1]),
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    vault = VaultManager(settings, KeyRing.from_settings(settings)).open("eve")
    spool = vault.workspace() / "upload-0123456789abcdef.part"
    with spool.open("wb") as out:
        out.write(b"date,metric,value,unit\\n2024-01-01,steps,1,count,%s\\n" % sys.argv[2].encode())
        out.flush()
        print(spool, flush=True)
        time.sleep(600)
""")


def test_spool_of_a_killed_process_is_removed_when_the_vault_is_next_used(
        service: Any) -> None:
    data = service.settings.data_dir
    token = service.tokens.create("eve")[0]
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(data), CANARY], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        spool = Path(child.stdout.readline().strip())
        assert spool.exists()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    legacy = spool.parents[1] / "upload-fedcba9876543210.part"  # the layout before sessions
    legacy.write_bytes(CANARY.encode())
    assert _scan(data, CANARY), "the killed upload left plaintext behind"
    # The server is running all along; the vault's next use sweeps, before anything else.
    with TestClient(create_app(service.settings, service=service)) as client:
        r = client.get("/v1/records", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    assert not spool.exists() and not legacy.exists()
    assert _scan(data, CANARY) == []


def test_this_processes_own_spool_survives_a_reopen(service: Any) -> None:
    vault = service.vaults.open("fay")
    mine = vault.workspace() / "upload-in-flight.part"
    mine.write_bytes(b"still being written")
    service.vaults.release(vault.vault_id)  # closed and opened again meanwhile
    _ = service.vaults.open("fay").facts
    assert mine.exists()
