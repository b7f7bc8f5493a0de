"""Shared fixtures. Tests never reach the network: a guard makes any non-loopback
connection fail. The fake embedder is for speed; tests marked ``slow`` use the real one."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.core.settings import EmbeddingSettings, Settings
from rag.embedder import Embedder, FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


IN_CI = os.environ.get("CI") == "true"


def missing_tool(what: str) -> None:
    """A system tool the test needs is absent: skip on a developer's machine, fail under
    ``CI=true``, where `make test` has installed every tool (see .ci/sysdeps.sh)."""
    if IN_CI:
        pytest.fail(f"{what} is missing, although `make test` installs it (.ci/sysdeps.sh)")
    pytest.skip(f"{what} is not installed (`make test` installs it as root)")


def needs_tool(present: bool, what: str) -> pytest.MarkDecorator:
    """A mark: skip when the tool is absent, except under ``CI=true``, where the test runs
    and fails (see :func:`missing_tool`)."""
    return pytest.mark.skipif(not present and not IN_CI, reason=f"{what} is not installed")


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test cleanly when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data/{'/'.join(parts)} is not available")
    return path


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} and not (
            host.startswith("127.") or host.startswith("/")
        ):
            raise OSError(f"tests may not reach the network ({host})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data",
                    embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"))


@pytest.fixture
def fake_embedder() -> Embedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    from rag.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(EmbeddingSettings())


@pytest.fixture
def service(settings: Settings, fake_embedder: Embedder) -> Iterator[Any]:
    from rag.service import Service

    svc = Service(settings, embedder=fake_embedder)
    yield svc
    svc.close()


@pytest.fixture
def llm() -> Iterator[Any]:
    """A deterministic OpenAI-compatible server on loopback (tests/fakes/llm_server.py)."""
    from tests.fakes.llm_server import FakeLLM

    server = FakeLLM(mode="good")
    with server:
        yield server


@pytest.fixture(scope="session")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from eval.gen_demo_patient import write_demo_bundle

    return write_demo_bundle(tmp_path_factory.mktemp("demo") / "demo-patient.json")


@pytest.fixture
def demo_service(service: Any, demo_bundle: Path) -> Any:
    """A service with the starter knowledge and the demo patient for user 'alice'."""
    service.ensure_starter_knowledge()
    summary = service.ingest("alice", [demo_bundle])
    assert summary.files[0].status == "ingested"
    return service
