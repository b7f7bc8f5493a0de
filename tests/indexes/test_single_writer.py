"""One writer per shard and per vault (indexes/locks.py), proven with real processes.

Issue #22, F6: a second process that opened a live Qdrant Edge shard truncated its
``tracker_journal.dat`` before failing on the WAL lock, and every later write of the first
process failed. Now the second opener gets :class:`IndexBusy` naming the holder's pid,
before anything of the shard is touched, and the holder goes on writing.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexes.base import IndexPoint
from indexes.edge import EdgeIndex
from indexes.vaults import VaultManager
from rag.core.errors import IndexBusy
from rag.core.settings import EmbeddingSettings, PrivacySettings, Settings

ROOT = Path(__file__).resolve().parents[2]

# Holds a shard (or a vault), writes once, then obeys commands on stdin.
HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from indexes.base import IndexPoint
    from indexes.edge import EdgeIndex

    idx = EdgeIndex(Path(sys.argv[1]), 4)
    def write(n):
        idx.upsert([IndexPoint(f"p{n}", [1.0, float(n), 0.0, 0.0], f"point {n}", {})])
        idx.flush()
    write(0)
    print("READY", flush=True)
    for n, line in enumerate(sys.stdin, start=1):
        if line.strip() == "write":
            write(n)
            print(f"WROTE {idx.count()}", flush=True)
    idx.close()
""")


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    shard = tmp_path / "shard"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(shard)], cwd=ROOT, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "READY"
        yield child, shard
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()


def _command(child: subprocess.Popen[str], line: str) -> str:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()
    return child.stdout.readline().strip()


def test_second_process_is_refused_and_the_live_shard_is_intact(
        holder: tuple[subprocess.Popen[str], Path]) -> None:
    child, shard = holder
    before = _files(shard)
    assert any(name.endswith("tracker_journal.dat") for name in before)
    busy = rf"in use by another healthrag process \(pid {child.pid}\)"
    with pytest.raises(IndexBusy, match=busy):
        EdgeIndex(shard, 4)
    assert _files(shard) == before, "the refused open touched the live shard"
    # The holder still writes: before the fix this failed ("tracker journal … shorter").
    assert _command(child, "write") == "WROTE 2"
    assert _command(child, "write") == "WROTE 3"


def test_lock_goes_with_a_killed_holder(holder: tuple[subprocess.Popen[str], Path]) -> None:
    child, shard = holder
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    idx = EdgeIndex(shard, 4)  # no stale lock: flock died with the process
    try:
        assert idx.count() == 1
    finally:
        idx.close()


def test_one_process_reopens_after_close_but_not_twice_at_once(tmp_path: Path) -> None:
    idx = EdgeIndex(tmp_path / "s", 4)
    idx.upsert([IndexPoint("a", [1.0, 0.0, 0.0, 0.0], "a", {})])
    with pytest.raises(IndexBusy, match="already open in this process"):
        EdgeIndex(tmp_path / "s", 4)
    idx.close()
    idx.close()  # twice is harmless
    again = EdgeIndex(tmp_path / "s", 4)
    assert again.count() == 1
    again.close()


VAULT_HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from indexes.vaults import VaultManager
    from rag.core.settings import EmbeddingSettings, PrivacySettings, Settings

    settings = Settings(data_dir=Path(sys.argv[1]), privacy=PrivacySettings(encryption=False),
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    vault = VaultManager(settings).open("alice")
    vault.facts.count("records")
    print("READY", flush=True)
    sys.stdin.read()
""")


def test_a_vault_held_by_another_process_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", privacy=PrivacySettings(encryption=False),
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))
    child = subprocess.Popen([sys.executable, "-c", VAULT_HOLDER, str(settings.data_dir)],
                             cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "READY"
        vaults = VaultManager(settings)
        with pytest.raises(IndexBusy, match=rf"in use by another healthrag process "
                                            rf"\(pid {child.pid}\)"):
            vaults.open("alice")
        with pytest.raises(IndexBusy):
            vaults.destroy("alice")  # never removes what a live process holds
        path = settings.data_dir / "vaults" / vaults.vault_id("alice")
        assert (path / "facts.sqlite").exists()
        assert not any((settings.data_dir / "tombstones").glob("*"))  # nor marks it
    finally:
        child.kill()
        child.wait(timeout=30)
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                pipe.close()
