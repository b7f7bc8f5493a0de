"""OpenAI-compatible chat: ``POST /v1/chat/completions`` (JSON or SSE) and ``GET /v1/models``.
Base URL for OpenAI clients: ``http://HOST:PORT/v1``; the API key is a healthrag token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep, ServiceDep
from rag.answering.chat import completion, models_list, stream
from rag.core.errors import InvalidContent
from rag.core.types import CONVERSATION_ID

router = APIRouter()


class ChatRequest(BaseModel):
    # OpenAI clients send many optional fields (temperature, top_p, n, user, ...): accepted
    # and ignored. `user` never selects a vault: the token does.
    model_config = ConfigDict(extra="ignore")
    model: str = Field("healthrag", max_length=64)
    messages: list[dict[str, Any]] = Field(min_length=1, max_length=100)
    stream: bool = False
    temporary: bool = False
    metadata: dict[str, Any] | None = None
    locale: str | None = Field(None, max_length=16)
    conversation_id: str | None = Field(None, max_length=64, pattern=CONVERSATION_ID.pattern)


def _temporary(body: ChatRequest, request: Request) -> bool:
    meta = body.metadata or {}
    header = request.headers.get("x-healthrag-temporary", "").lower()
    return bool(body.temporary or str(meta.get("temporary", "")).lower() in {"true", "1"}
                or header in {"1", "true", "yes"})


def _conversation(body: ChatRequest, request: Request) -> str | None:
    """The history conversation to continue: the body, ``metadata`` or a header name it."""
    meta = body.metadata or {}
    found = (body.conversation_id or meta.get("conversation_id")
             or request.headers.get("x-healthrag-conversation"))
    if found is None:
        return None
    if not isinstance(found, str) or not CONVERSATION_ID.fullmatch(found):
        raise InvalidContent("malformed conversation id", code="invalid_request")
    return found


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(body: ChatRequest, request: Request, principal: PrincipalDep,
                           service: ServiceDep) -> JSONResponse | StreamingResponse:
    result = await run_in_threadpool(
        service.chat, principal.user_id, body.messages, model=body.model,
        temporary=_temporary(body, request), locale=body.locale,
        conversation_id=_conversation(body, request))
    base = str(request.base_url)
    if body.stream:
        return StreamingResponse(stream(result, service.links, base),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    return JSONResponse(completion(result, service.links, base))


@router.get("/v1/models")
async def models(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    return models_list(set(service.composers))
