"""FastAPI dependencies: the service and the authorized principal.

Authorization happens here and only here, one dependency per capability
(:data:`rag.access.auth.POLICY`). Deny by default: :data:`PrincipalDep`, the dependency every vault
route uses, means "the owner of the vault this route touches" and admits the patient role
only, so a route added without thinking about roles is still closed to clinician, curator
and admin tokens. Routes for the other roles ask for their capability explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from rag.access.auth import Capability, Principal, authorize
from rag.core.errors import AuthError
from rag.service import Service


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def authenticated(request: Request, service: ServiceDep) -> Principal:
    """Who is calling (401 otherwise), charged to their rate-limit bucket. Not a permission:
    routes depend on :func:`require` (or :data:`PrincipalDep`), never on this alone."""
    token = bearer_token(request)
    if token is None:
        raise AuthError("missing bearer token")
    principal = service.tokens.authenticate(token)
    service.limiter.hit(principal.token_id)
    return principal


def require(capability: Capability) -> Callable[[Principal], Principal]:
    """A dependency that admits only roles granted ``capability`` (403 otherwise)."""

    def dependency(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        return authorize(principal, capability)

    dependency.__name__ = f"require_{capability}"
    return dependency


def get_principal(principal: Annotated[Principal, Depends(require("own_vault"))]) -> Principal:
    """The vault owner (patient role): the default for every route that uses it."""
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
ClinicianDep = Annotated[Principal, Depends(require("shared_read"))]
CuratorDep = Annotated[Principal, Depends(require("knowledge_write"))]
AdminDep = Annotated[Principal, Depends(require("tokens_manage"))]
