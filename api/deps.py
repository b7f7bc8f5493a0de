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


def get_principal(request: Request, service: ServiceDep) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("missing bearer token")
    principal = service.tokens.authenticate(token.strip())
    service.limiter.hit(principal.token_id)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
