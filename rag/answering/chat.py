"""The OpenAI-compatible chat surface: requests in, chat.completion objects out.

Citations are given in every form clients render, all at once:
- inline ``[n]`` markers in the text;
- ``choices[0].message.annotations`` of type ``url_citation`` (``delta.annotations`` when
  streaming) whose URL is a signed link to the clinician verification page;
- top-level ``citations`` (URLs) and ``search_results`` (Perplexity style), on the final
  chunk when streaming;
- an Open WebUI ``source`` event per citation in the stream.
The answer is composed and verified in full before the first token is sent: nothing
unverified ever reaches the client.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as urlquote

from guardrails.verify import MARKER
from rag.core.types import Answer

MODELS = {
    "healthrag": "the configured default composer",
    "healthrag-extractive": "offline extractive composer (deterministic)",
    "healthrag-llm": "OpenAI-compatible LLM composer, verified, with extractive fallback",
}


@dataclass(frozen=True)
class ChatResult:
    answer: Answer
    model: str
    question: str
    vault_id: str
    temporary: bool
    conversation_id: str | None = None


def citation_links(result: ChatResult, links: Any, base_url: str = "") -> dict[int, str]:
    """marker -> signed verification URL (with the quote to highlight). Relative links get
    ``base_url`` (the address the client used) so chat clients can open them."""
    out: dict[int, str] = {}
    for c in result.answer.citations:
        vault = result.vault_id if c.kind == "record" else "0" * 32
        url = f"{links.url(vault, c.id)}&q={urlquote(c.quote, safe='')}"
        out[c.marker] = f"{base_url.rstrip('/')}{url}" if url.startswith("/") else url
    return out


def url_annotations(text: str, result: ChatResult, urls: dict[int, str]) -> list[dict[str, Any]]:
    by_marker = {c.marker: c for c in result.answer.citations}
    out = []
    for m in MARKER.finditer(text):
        marker = int(m.group(1))
        c = by_marker.get(marker)
        if c is None:
            continue
        out.append({"type": "url_citation", "url_citation": {
            "url": urls[marker], "title": c.source.title or c.id,
            "start_index": m.start(), "end_index": m.end()}})
    return out


def search_results(result: ChatResult, urls: dict[int, str]) -> list[dict[str, Any]]:
    return [{"title": c.source.title or c.id, "url": urls[c.marker], "snippet": c.quote,
             "source": c.kind, "marker": c.marker, "id": c.id}
            for c in result.answer.citations]


def _usage(result: ChatResult) -> dict[str, int]:
    prompt = len(result.question.split())
    completion = len(result.answer.answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}


def _extras(result: ChatResult, urls: dict[int, str]) -> dict[str, Any]:
    return {
        "citations": [urls[c.marker] for c in result.answer.citations],
        "search_results": search_results(result, urls),
        "healthrag": {**result.answer.model_dump(mode="json"), "temporary": result.temporary,
                      "question": result.question, "conversation_id": result.conversation_id},
    }


def completion(result: ChatResult, links: Any, base_url: str = "") -> dict[str, Any]:
    urls = citation_links(result, links, base_url)
    text = result.answer.answer
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": result.model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text, "refusal": None,
                        "annotations": url_annotations(text, result, urls)},
            "finish_reason": "stop",
            "logprobs": None,
        }],
        "usage": _usage(result),
        **_extras(result, urls),
    }


def _pieces(text: str, words: int = 6) -> Iterator[str]:
    """Word groups, whitespace kept, so the pieces concatenate to the exact text."""
    tokens = re.findall(r"\S+\s*|\s+", text)
    for i in range(0, len(tokens), words):
        yield "".join(tokens[i : i + words])


def stream(result: ChatResult, links: Any, base_url: str = "") -> Iterator[str]:
    """SSE ``data:`` lines of chat.completion.chunk objects, ending with ``[DONE]``."""
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    urls = citation_links(result, links, base_url)
    text = result.answer.answer

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created,
                "model": result.model, "choices": choices, **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk([{"index": 0, "delta": {"role": "assistant", "content": ""},
                  "finish_reason": None}])
    for piece in _pieces(text):
        yield chunk([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
    for c in result.answer.citations:
        source = {"source": {"name": c.source.title or c.id, "url": urls[c.marker]},
                  "document": [c.quote],
                  "metadata": [{"source": urls[c.marker], "name": f"[{c.marker}] "
                                f"{c.source.title or c.id}"}]}
        yield chunk([], event={"type": "source", "data": source})
    yield chunk([{"index": 0, "delta": {"annotations": url_annotations(text, result, urls)},
                  "finish_reason": "stop"}], usage=_usage(result), **_extras(result, urls))
    yield "data: [DONE]\n\n"


def models_list(available: set[str]) -> dict[str, Any]:
    """The model variants; ``healthrag-llm`` only when an LLM endpoint is configured."""
    now = int(time.time())
    return {"object": "list", "data": [
        {"id": name, "object": "model", "created": now, "owned_by": "healthrag",
         "description": desc} for name, desc in MODELS.items()
        if name != "healthrag-llm" or "llm" in available]}
