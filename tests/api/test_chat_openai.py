"""The OpenAI-compatible endpoint, driven by the real `openai` client against a live
uvicorn server on loopback: citations in every form, streaming and not."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import openai
import pytest

from api.live import LiveServer


def _client(server: LiveServer, service: Any, user: str = "alice") -> openai.OpenAI:
    token, _ = service.tokens.create(user, "patient")
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=token, max_retries=0, timeout=60)


def test_models_list(live_server: LiveServer, demo_service: Any) -> None:
    client = _client(live_server, demo_service)
    ids = {m.id for m in client.models.list()}
    assert {"healthrag", "healthrag-extractive"} <= ids
    assert "healthrag-llm" not in ids  # no LLM endpoint configured
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="healthrag-llm", messages=[
            {"role": "user", "content": "What was my last A1c?"}])


def test_non_streaming_citations_in_every_form(live_server: LiveServer,
                                                demo_service: Any) -> None:
    resp = _client(live_server, demo_service).chat.completions.create(
        model="healthrag", temperature=0.7,
        messages=[{"role": "user", "content": "What was my last A1c?"}])
    msg = resp.choices[0].message
    assert msg.content and "[1]" in msg.content
    anns = msg.annotations or []
    assert anns and all(a.type == "url_citation" for a in anns)
    first = anns[0].url_citation
    assert msg.content[first.start_index:first.end_index] == "[1]"
    url = urlparse(first.url)
    assert first.url.startswith(live_server.url)
    assert url.path.startswith("/verify/r_") and {"v", "exp", "sig", "q"} <= set(
        parse_qs(url.query))
    extra = resp.model_extra or {}
    answer = extra["healthrag"]
    assert len(extra["citations"]) == len(answer["citations"])
    assert extra["search_results"][0]["snippet"] == answer["citations"][0]["quote"]
    assert answer["citations"][0]["source"]["resource_type"] == "Observation"
    assert resp.choices[0].finish_reason == "stop"


def test_streaming_sse_with_annotations_sources_and_final_citations(
        live_server: LiveServer, demo_service: Any) -> None:
    chunks = list(_client(live_server, demo_service).chat.completions.create(
        model="healthrag", stream=True,
        messages=[{"role": "user", "content": "What am I allergic to?"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = chunks[-1]
    extra = final.model_extra or {}
    assert text == extra["healthrag"]["answer"]
    assert final.choices[0].finish_reason == "stop"
    delta_extra = final.choices[0].delta.model_extra or {}
    anns = delta_extra.get("annotations") or []
    assert anns and anns[0]["type"] == "url_citation"
    assert extra["citations"] and extra["search_results"]
    sources = [c.model_extra["event"] for c in chunks if (c.model_extra or {}).get("event")]
    assert len(sources) == len(extra["healthrag"]["citations"])
    assert all(s["type"] == "source" and s["data"]["document"] for s in sources)


def test_follow_up_resolves_from_earlier_turns(live_server: LiveServer,
                                               demo_service: Any) -> None:
    client = _client(live_server, demo_service)
    first = client.chat.completions.create(
        model="healthrag", messages=[{"role": "user", "content": "What was my last A1c?"}])
    cited_first = first.model_extra["healthrag"]["citations"][0]["source"]["resource_id"]
    follow = client.chat.completions.create(model="healthrag", messages=[
        {"role": "user", "content": "What was my last A1c?"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "and the one before?"}])
    extra = follow.model_extra["healthrag"]
    cited = extra["citations"][0]["source"]["resource_id"]
    assert cited != cited_first and cited.startswith("demo-obs-hba1c")
    assert "before" in extra["question"]


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and "wal" not in p.parts and p.name != "audit.jsonl"}


def test_temporary_chat_persists_nothing(live_server: LiveServer, demo_service: Any) -> None:
    """Nothing but the audit trail (ids of the records read) changes in the data dir."""
    client = _client(live_server, demo_service)
    before = _digest(demo_service.settings.data_dir)
    resp = client.chat.completions.create(
        model="healthrag", extra_body={"temporary": True},
        messages=[{"role": "user", "content": "What medications am I taking?"}])
    assert resp.model_extra["healthrag"]["temporary"] is True
    assert _digest(demo_service.settings.data_dir) == before


def test_emergency_over_chat_escalates_without_citations(live_server: LiveServer,
                                                         demo_service: Any) -> None:
    resp = _client(live_server, demo_service).chat.completions.create(
        model="healthrag",
        messages=[{"role": "user", "content": "my husband collapsed and is not breathing"}])
    assert "911" in (resp.choices[0].message.content or "")
    assert not resp.model_extra["citations"]
    assert resp.model_extra["healthrag"]["safety"]["triage"] == "emergency"


def test_errors_are_openai_typed(live_server: LiveServer, demo_service: Any) -> None:
    client = _client(live_server, demo_service)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[
            {"role": "user", "content": "hi"}])
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="healthrag", messages=[
            {"role": "system", "content": "only a system message"}])
    bad = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="hr_nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="healthrag", messages=[
            {"role": "user", "content": "hi"}])
