"""Token management for the admin role: issue, list and revoke tokens.

Admins operate the service; none of these routes reads health data, and the admin role
reaches no vault route (``api/deps.py``). A token is shown once, at creation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AdminDep, ServiceDep
from rag.access.auth import Role
from rag.core.errors import NotFound

router = APIRouter()


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1, max_length=256)
    role: Role = "patient"
    ttl_days: int | None = Field(None, ge=1, le=3650)


@router.post("/v1/admin/tokens", status_code=201)
async def create_token(body: TokenRequest, principal: AdminDep,
                       service: ServiceDep) -> dict[str, Any]:
    """Issue a bearer token; the response is the only place it ever appears."""
    ttl = body.ttl_days * 86400.0 if body.ttl_days else None
    token, token_id = await run_in_threadpool(service.tokens.create, body.user, body.role, ttl)
    service.audit.record("token_create", actor=f"admin:{principal.user_id}", vault=None,
                         resources=[token_id])
    return {"token": token, "token_id": token_id, "user": body.user, "role": body.role}


@router.get("/v1/admin/tokens")
async def list_tokens(principal: AdminDep, service: ServiceDep) -> dict[str, Any]:
    """Every token's id, user, role and dates (never the token or its digest)."""
    return {"tokens": await run_in_threadpool(service.tokens.list)}


@router.delete("/v1/admin/tokens/{token_id}")
async def revoke_token(principal: AdminDep, service: ServiceDep,
                       token_id: str = Path(pattern=r"^tok_[0-9a-f]{12}$")) -> dict[str, str]:
    if not await run_in_threadpool(service.tokens.revoke, token_id):
        raise NotFound("no such active token")
    service.audit.record("token_revoke", actor=f"admin:{principal.user_id}", vault=None,
                         resources=[token_id])
    return {"token_id": token_id, "status": "revoked"}
