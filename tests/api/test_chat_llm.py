"""The chat endpoint with `model: healthrag-llm`: a real openai client talks to healthrag,
whose LLM composer talks to a deterministic OpenAI-compatible server that can misbehave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from api.live import LiveServer
from rag.core.settings import EmbeddingSettings, GenerationSettings, Settings
from rag.embedder import FakeEmbedder
from rag.service import Service
from tests.fakes.llm_server import FakeLLM


@pytest.fixture
def llm_server(tmp_path: Path, llm: FakeLLM, demo_bundle: Path) -> Iterator[tuple[str, str]]:
    settings = Settings(
        data_dir=tmp_path / "data",
        embedding=EmbeddingSettings(backend="fake"),
        generation=GenerationSettings(llm_base_url=llm.url, llm_model="fake-llm",
                                      llm_timeout_s=2.0, breaker_failures=50),
    )
    service = Service(settings, embedder=FakeEmbedder())
    service.ensure_starter_knowledge()
    service.ingest("alice", [demo_bundle])
    token, _ = service.tokens.create("alice")
    with LiveServer(service) as server:
        yield server.url, token
    service.close()


def _ask(url: str, token: str, model: str = "healthrag-llm", stream: bool = False) -> Any:
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0, timeout=60)
    messages = [{"role": "user", "content": "What was my last A1c?"}]
    if not stream:
        return client.chat.completions.create(model=model, messages=messages)
    return list(client.chat.completions.create(model=model, messages=messages, stream=True))


def test_llm_answer_is_fluent_cited_and_recorded(llm_server: tuple[str, str],
                                                  llm: FakeLLM) -> None:
    resp = _ask(*llm_server)
    answer = resp.model_extra["healthrag"]
    assert answer["composer"] == "llm" and answer["model"] == "fake-llm"
    assert answer["config_hash"]
    assert "Your latest result was 6.8 %" in resp.choices[0].message.content
    assert resp.choices[0].message.annotations
    assert llm.calls == 1


@pytest.mark.parametrize("mode", ["invented_number", "diagnosis", "timeout", "error"])
def test_misbehaving_llm_falls_back_to_extractive(llm_server: tuple[str, str], llm: FakeLLM,
                                                  mode: str) -> None:
    llm.mode = mode
    chunks = _ask(*llm_server, stream=True)
    final = chunks[-1].model_extra["healthrag"]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert final["composer"] == "extractive" and final["fallback_reason"]
    assert "Your most recent hemoglobin A1c was 6.8 %" in text
    assert "7.4" not in text and "You have diabetes" not in text


def test_models_list_offers_the_llm_variant(llm_server: tuple[str, str]) -> None:
    url, token = llm_server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0)
    assert "healthrag-llm" in {m.id for m in client.models.list()}


def test_extractive_model_never_calls_the_llm(llm_server: tuple[str, str],
                                              llm: FakeLLM) -> None:
    resp = _ask(*llm_server, model="healthrag-extractive")
    assert resp.model_extra["healthrag"]["composer"] == "extractive"
    assert llm.calls == 0
