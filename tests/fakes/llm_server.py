"""A deterministic OpenAI-compatible chat server for tests: a real uvicorn server on
127.0.0.1 (free port) in a background thread.

    server = FakeLLM(mode="good")
    with server as url:              # url is "http://127.0.0.1:PORT/v1"
        ...
        server.mode = "timeout"      # switchable at runtime
    server.requests                  # JSON bodies of the chat requests it got

It writes its answers ONLY from the numbered evidence in the prompt: it parses the
``[n] (kind, title) "quote"`` lines (quotes are JSON strings, optionally inside
``<data ...>...</data>``) and reuses numbers and dates from the quotes.

Modes:
- ``good``: a fluent, correctly cited answer ("Your latest result was 6.8 % on 2026-09-14 [1].")
- ``uncited``: adds a factual sentence with a number and no marker
- ``invented_number``: changes the first value (6.8 -> 7.4)
- ``diagnosis``: adds "You have diabetes [1]."
- ``bad_marker``: adds a sentence citing [99]
- ``links``: the good answer with a markdown link and an image
- ``dose_advice``: adds "You should stop taking metformin [1]."
- ``timeout``: sleeps ``delay_s`` before answering
- ``error``: HTTP 500
- ``empty``: an empty message
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MODES = (
    "good",
    "uncited",
    "invented_number",
    "diagnosis",
    "bad_marker",
    "links",
    "dose_advice",
    "timeout",
    "error",
    "empty",
)

_LINE = re.compile(r'^\[(\d+)\] \((record|knowledge), (.*?)\) (?:<data[^>]*>)?(".*?")(?:</data>)?$')
_ISO = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
_VALUE = re.compile(
    r"(?<![\w.,/-])(\d+(?:\.\d+)?)(?:\s?(%|mmHg|[a-zA-Zµ]+/[a-zA-Z0-9.]+|mg|kg|cm|IU|bpm))?(?!\w)"
)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class EvidenceLine:
    marker: int
    kind: str
    title: str
    quote: str
    data: bool


def parse_evidence(prompt: str) -> list[EvidenceLine]:
    out: list[EvidenceLine] = []
    for line in prompt.splitlines():
        m = _LINE.match(line.strip())
        if m:
            out.append(
                EvidenceLine(
                    int(m.group(1)), m.group(2), m.group(3), json.loads(m.group(4)), "<data" in line
                )
            )
    return out


def _value(quote: str) -> tuple[str, str] | None:
    m = _VALUE.search(_ISO.sub(" ", quote))
    if not m:
        return None
    unit = m.group(2) or ""
    return m.group(1), f" {unit}" if unit else ""


def _shifted(number: str) -> str:
    decimals = len(number.split(".")[1]) if "." in number else 0
    return f"{float(number) + 0.6:.{max(decimals, 1)}f}"


def good_sentences(items: list[EvidenceLine], invent: bool = False) -> list[str]:
    sentences: list[str] = []
    first = True
    for it in items[:4]:
        if it.kind == "knowledge":
            head = _SENT.split(it.quote)[0].rstrip(".!? ")
            sentences.append(f"Put simply, {head[:1].lower()}{head[1:]} [{it.marker}].")
            continue
        dates = _ISO.findall(it.quote)
        value = _value(it.quote)
        if value and dates:
            number, unit = value
            if first and invent:
                number = _shifted(number)
            lead = "Your latest result was" if first else "An earlier result was"
            sentences.append(f"{lead} {number}{unit} on {dates[0]} [{it.marker}].")
            first = False
        elif dates:
            sentences.append(f"Your records mention this on {dates[0]} [{it.marker}].")
        else:
            sentences.append(f"Your records mention this [{it.marker}].")
    sentences.append("Your clinician can explain what this means for you.")
    return sentences


def reply_for(mode: str, messages: list[dict[str, Any]]) -> str:
    prompt = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    items = parse_evidence(prompt)
    if mode == "empty":
        return ""
    if not items:
        return "I don't have evidence to answer that."
    sentences = good_sentences(items, invent=mode == "invented_number")
    first = items[0].marker
    if mode == "uncited":
        sentences.insert(1, "Most adults need about 8 glasses of water a day.")
    elif mode == "diagnosis":
        sentences.insert(1, f"You have diabetes [{first}].")
    elif mode == "bad_marker":
        sentences.insert(1, "This was confirmed again later [99].")
    elif mode == "dose_advice":
        sentences.insert(1, f"You should stop taking metformin [{first}].")
    elif mode == "links":
        sentences[0] = sentences[0][:-1] + " ([more](https://example.org/a1c))."
        sentences.append("![chart](https://example.org/pixel.png)")
    return " ".join(sentences)


class FakeLLM:
    def __init__(self, mode: str = "good", delay_s: float = 5.0, model: str = "fake-llm") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        self.delay_s = delay_s
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._count = 0
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    # ------------------------------------------------------------ recorded traffic

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def prompts(self) -> list[str]:
        """Every message content of every chat request, in order."""
        with self._lock:
            return [str(m.get("content", "")) for r in self.requests for m in r["messages"]]

    # ------------------------------------------------------------ endpoints

    async def _models(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "tests"}],
            }
        )

    async def _chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
            self._count += 1
            n = self._count
        mode = self.mode
        if body.get("stream"):
            return _error(400, "streaming is not supported by the fake server")
        if mode == "error":
            return _error(500, "fake upstream failure")
        if mode == "timeout":
            deadline = time.monotonic() + self.delay_s
            while time.monotonic() < deadline and not self._stopping.is_set():
                await asyncio.sleep(0.05)
        content = reply_for(mode, body.get("messages", []))
        words = len(content.split())
        return JSONResponse(
            {
                "id": f"chatcmpl-fake-{n}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model") or self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 1,
                    "completion_tokens": words,
                    "total_tokens": 1 + words,
                },
            }
        )

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-llm"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self._stop()
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": "server_error", "code": None}},
        status_code=status,
    )
