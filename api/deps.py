"""FastAPI dependencies: the service and the authorized principal.

Authorization happens here and only here, one dependency per capability
(:data:`rag.access.auth.POLICY`). Deny by default: :data:`PrincipalDep`, the dependency every vault
route uses, means "the owner of the vault this route touches" and admits the patient role
only, so a route added without thinking about roles is still closed to clinician, curator
and admin tokens. Routes for the other roles ask for their capability explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


OwnerDep = Annotated[Principal, Depends(require("own_vault"))]
"""The vault owner, without holding the vault: only for ``DELETE /v1/me``, which would
otherwise wait for itself (a deletion waits for the requests that hold the vault)."""


def get_principal(request: Request, principal: OwnerDep, service: ServiceDep
                  ) -> Iterator[Principal]:
    """The vault owner (patient role): the default for every route that uses it. The vault
    is held while the request runs, so a deletion either waits for it or refuses it (410),
    and the token is checked again once held (401 if a deletion revoked it meanwhile)."""
    token = bearer_token(request)
    with service.vault_session(principal.user_id,
                               recheck=lambda: service.tokens.authenticate(token)):
        yield principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
ClinicianDep = Annotated[Principal, Depends(require("shared_read"))]
CuratorDep = Annotated[Principal, Depends(require("knowledge_write"))]
AdminDep = Annotated[Principal, Depends(require("tokens_manage"))]
