"""The caller's own data: list and delete documents, delete everything."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from api.deps import PrincipalDep, ServiceDep

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
async def forget_me(principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
    """Erase everything the service holds for the caller; returns the deletion receipt."""
    receipt = await run_in_threadpool(service.forget, principal.user_id)
    return receipt.as_json()
