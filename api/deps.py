"""FastAPI dependencies: the service and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.auth import Principal
from rag.errors import AuthError
from rag.service import Service


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def get_principal(request: Request, service: ServiceDep) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise AuthError("missing bearer token")
    principal = service.tokens.authenticate(token)
    service.limiter.hit(principal.token_id)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
