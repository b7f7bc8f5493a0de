"""The caller's own data: documents (list, download, delete), chat history, the audit
trail, and deleting everything."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.deps import OwnerDep, PrincipalDep, ServiceDep
from rag.core.types import CONVERSATION_ID

router = APIRouter()


@router.get("/v1/records")
async def list_documents(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    return {"documents": await run_in_threadpool(service.documents, principal.user_id)}


@router.delete("/v1/records/{document_id}")
async def delete_document(principal: PrincipalDep, service: ServiceDep,
                          document_id: str = Path(min_length=16, max_length=64,
                                                  pattern=r"^[0-9a-f]+$")) -> dict[str, Any]:
    return await run_in_threadpool(service.delete_document, principal.user_id, document_id)


@router.get("/v1/me/audit")
async def my_audit(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    """Who read, wrote or deleted this person's data: actor, action, resource ids, time."""
    vault = service.vaults.vault_id(principal.user_id)
    intact, _ = await run_in_threadpool(service.audit.verify)
    entries = await run_in_threadpool(service.audit.for_vault, vault)
    return {"chain_intact": intact, "entries": entries}


@router.delete("/v1/me")
async def forget_me(principal: OwnerDep, service: ServiceDep) -> dict[str, Any]:
    """Erase everything the service holds for the caller; returns the deletion receipt."""
    receipt = await run_in_threadpool(service.forget, principal.user_id)
    return receipt.as_json()


ConversationId = Annotated[str, Path(pattern=CONVERSATION_ID.pattern)]


@router.get("/v1/me/conversations")
async def my_conversations(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    """The caller's kept chats (newest first), each with when it expires."""
    found = await run_in_threadpool(service.history.list, principal.user_id)
    return {"conversations": found,
            "retention_days": service.settings.privacy.history_ttl_days}


@router.get("/v1/me/conversations/{conversation_id}")
async def my_conversation(conversation_id: ConversationId, principal: PrincipalDep,
                          service: ServiceDep) -> dict[str, Any]:
    return await run_in_threadpool(service.history.get, principal.user_id, conversation_id)


@router.delete("/v1/me/conversations/{conversation_id}")
async def delete_conversation(conversation_id: ConversationId, principal: PrincipalDep,
                              service: ServiceDep) -> dict[str, Any]:
    return await run_in_threadpool(service.history.delete, principal.user_id, conversation_id)


@router.delete("/v1/me/conversations")
async def delete_conversations(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    """Delete the caller's whole chat history (their records stay)."""
    return await run_in_threadpool(service.history.delete, principal.user_id)


@router.get("/v1/records/{document_id}/original", response_model=None)
async def original(principal: PrincipalDep, service: ServiceDep,
                   document_id: str = Path(min_length=64, max_length=64,
                                           pattern=r"^[0-9a-f]+$")) -> StreamingResponse:
    """The file as it was uploaded (decrypted from the vault), as a download."""
    name, chunks = await run_in_threadpool(service.original, principal.user_id, document_id)
    return StreamingResponse(chunks, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})
