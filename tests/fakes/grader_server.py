"""A deterministic OpenAI-compatible *grader* for tests: the fake LLM server's lifecycle
(real uvicorn on 127.0.0.1, free port) with a chat endpoint that grades rubric items.

    server = FakeGrader(decide=lambda criterion, reply: "[met]" in criterion)
    with server as url:               # "http://127.0.0.1:PORT/v1"
        ...
    server.graded                     # (criterion, reply) of every request, in order

It reads the grader prompt of ``eval/healthbench.py``: the rubric item between
``<rubric_item>`` tags (``[points] text``) and the conversation between ``<conversation>``
tags, whose last ``assistant:`` block is the reply being graded. ``decide`` (the test's own
rule) says whether the criterion is met.

Behaviours:
- ``json``: ``{"explanation": ..., "criteria_met": bool}``
- ``fenced``: the same inside a ```json fence, with a sentence before it
- ``malformed``: prose with no JSON object, every time
- ``malformed_once``: malformed on the first request for each criterion, valid after
- ``string_bool``: ``"criteria_met": "true"`` (a string, which graders must refuse)
- ``error``: HTTP 500
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tests.fakes.llm_server import FakeLLM, _error

BEHAVIOURS = ("json", "fenced", "malformed", "malformed_once", "string_bool", "error")

_ITEM = re.compile(r"<rubric_item>\n\[(-?[\d.]+)\] (.*?)\n</rubric_item>", re.S)
_CONVO = re.compile(r"<conversation>\n(.*?)\n</conversation>", re.S)


def parse_grader_prompt(prompt: str) -> tuple[float, str, str]:
    """(points, criterion, reply) from a grader prompt."""
    item = _ITEM.search(prompt)
    convo = _CONVO.search(prompt)
    if item is None or convo is None:
        raise ValueError("not a grader prompt")
    reply = convo.group(1).rsplit("\n\nassistant: ", 1)[-1]
    return float(item.group(1)), item.group(2), reply


class FakeGrader(FakeLLM):
    def __init__(self, decide: Callable[[str, str], bool], behaviour: str = "json") -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}")
        super().__init__(mode="good", model="fake-grader")
        self.decide = decide
        self.behaviour = behaviour
        self.graded: list[tuple[str, str]] = []
        self._seen: set[str] = set()

    def _content(self, criterion: str, reply: str) -> str:
        met = self.decide(criterion, reply)
        verdict = {"explanation": f"rule says {'met' if met else 'not met'}",
                   "criteria_met": met}
        behaviour = self.behaviour
        if behaviour == "malformed_once":
            first = criterion not in self._seen
            self._seen.add(criterion)
            behaviour = "malformed" if first else "json"
        if behaviour == "malformed":
            return "I think the response mostly meets the rubric item."
        if behaviour == "string_bool":
            return json.dumps({**verdict, "criteria_met": "true" if met else "false"})
        if behaviour == "fenced":
            return f"Here is my grade.\n```json\n{json.dumps(verdict)}\n```"
        return json.dumps(verdict)

    async def _chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        if self.behaviour == "error":
            with self._lock:
                self.requests.append(body)
            return _error(500, "fake grader failure")
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        _, criterion, reply = parse_grader_prompt(prompt)
        with self._lock:
            self.requests.append(body)
            self.graded.append((criterion, reply))
            content = self._content(criterion, reply)
            n = len(self.requests)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        return JSONResponse({
            "id": f"chatcmpl-grader-{n}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model") or self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })
