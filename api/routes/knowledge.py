"""``POST /v1/knowledge``: curators add or update one curated document (curator role only).

The body is one Markdown document with front matter, as ``healthrag knowledge add`` reads
from disk; a new version of a document replaces the old one. No vault is reachable here.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import CuratorDep, ServiceDep
from rag.core.errors import EmptyInput, TooLarge

router = APIRouter()

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


@router.post("/v1/knowledge")
async def add_knowledge(
    request: Request,
    principal: CuratorDep,
    service: ServiceDep,
    name: str = Query("document.md", min_length=1, max_length=200,
                      pattern=r"^[A-Za-z0-9._-]+\.(md|markdown)$",
                      description="File name recorded as the document's source."),
) -> JSONResponse:
    """Add or update one Markdown knowledge document (raw body, front matter required)."""
    data = bytearray()
    async for block in request.stream():
        data += block
        if len(data) > MAX_DOCUMENT_BYTES:
            raise TooLarge(f"a knowledge document is at most {MAX_DOCUMENT_BYTES} bytes")
    if not data.strip():
        raise EmptyInput("the request body is empty")
    report = await run_in_threadpool(service.add_knowledge_bytes, bytes(data), name)
    return JSONResponse(report.as_json())
