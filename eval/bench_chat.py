"""Time to the first SSE token of /v1/chat/completions (extractive composer) on a Synthea
vault, over a live uvicorn server on loopback, next to the full non-streaming response.

    python -m eval.bench_chat --out eval/reports/chat_latency.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from api.live import LiveServer
from eval.bench_skeleton import QUESTIONS, pct
from rag.core.settings import Settings
from rag.service import Service


def first_token_ms(client: httpx.Client, url: str, headers: dict[str, str], q: str) -> float:
    body = {"model": "healthrag", "stream": True, "messages": [{"role": "user", "content": q}]}
    t = time.perf_counter()
    with client.stream("POST", url, json=body, headers=headers) as r:
        lines = r.iter_lines()
        for line in lines:
            if line.startswith("data: ") and line != "data: [DONE]":
                chunk = json.loads(line[6:])
                choices = chunk.get("choices") or []
                if choices and choices[0].get("delta", {}).get("content"):
                    ms = 1000 * (time.perf_counter() - t)
                    for _ in lines:  # drain the rest of the stream
                        pass
                    return ms
    raise RuntimeError("no content token")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data/synthea_fhir_r4/bundles"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("eval/reports/chat_latency.md"))
    args = ap.parse_args()
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no bundles under {args.data}")
    work = Path(tempfile.mkdtemp(prefix="healthrag-chat-"))
    service = Service(Settings(data_dir=work / "data"))
    service.ensure_starter_knowledge()
    summary = service.ingest("synthea", files).as_json()
    token, _ = service.tokens.create("synthea")
    headers = {"Authorization": f"Bearer {token}"}
    first: list[float] = []
    full: list[float] = []
    with LiveServer(service) as server, httpx.Client(timeout=60) as client:
        url = f"{server.url}/v1/chat/completions"
        for q in QUESTIONS[:4]:  # warm-up
            first_token_ms(client, url, headers, q)
        for _ in range(args.repeats):
            for q in QUESTIONS:
                first.append(first_token_ms(client, url, headers, q))
                t = time.perf_counter()
                client.post(
                    url,
                    headers=headers,
                    json={"model": "healthrag", "messages": [{"role": "user", "content": q}]},
                )
                full.append(1000 * (time.perf_counter() - t))
    service.close()
    shutil.rmtree(work, ignore_errors=True)
    res = {
        "chunks": summary["chunks"],
        "requests": len(first),
        "first_p50": statistics.median(first),
        "first_p95": pct(first, 0.95),
        "full_p50": statistics.median(full),
        "full_p95": pct(full, 0.95),
    }
    print(json.dumps(res, indent=2))
    text = f"""# Chat latency: first SSE token (extractive composer)

Command: `.venv/bin/python -m eval.bench_chat` ({os.cpu_count()} CPUs). One vault holding all
{len(files)} Synthea patients ({res["chunks"]} chunks) plus the starter knowledge base; a live
uvicorn server on loopback; {res["requests"]} requests over {len(QUESTIONS)} questions, streaming
and non-streaming interleaved. The answer is composed and verified before the first token.

| measure | p50 | p95 |
|---|---|---|
| **first content token (stream=true)** | {res["first_p50"]:.1f} ms \
| **{res["first_p95"]:.1f} ms** (target ≤ 150 ms) |
| full response (stream=false) | {res["full_p50"]:.1f} ms | {res["full_p95"]:.1f} ms |
"""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
