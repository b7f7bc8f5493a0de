"""The FastAPI application. Thin: routes translate HTTP to service calls and
:class:`~rag.core.errors.HealthragError` to ``{"error": {"code", "message"}}`` with a 4xx."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.routes import admin, answer, chat, citations, health, me, records, shares, verify
from api.routes import appointments as appointment_routes
from api.routes import insurance as insurance_routes
from api.routes import knowledge as knowledge_routes
from api.routes import trends as trends_routes
from rag.core.errors import HealthragError, RequestTimeout, TooLarge
from rag.core.settings import Settings
from rag.service import Service

log = logging.getLogger("healthrag.api")


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


class BodyLimit:
    """Counts the body bytes of requests that announce no Content-Length (chunked
    uploads) and stops them past the cap; announced lengths are refused up front by the
    ``limits_and_headers`` middleware before any byte is read."""

    def __init__(self, app: ASGIApp, cap: int) -> None:
        self.app = app
        self.cap = cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(k == b"content-length" for k, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.cap:
                raise TooLarge(f"request body over {self.cap} bytes")
            return message

        await self.app(scope, counted, send)


class BodyTimeout:
    """Answers 408 and closes the connection when a request body stops arriving: each wait
    for the next part of the body is bounded by ``timeout_s``. Without it a client that
    announces ``Content-Length: 500`` and sends 17 bytes holds a worker for as long as it
    likes. A slow upload is not cut off, a stalled one is. Once the body is complete the
    app's own ``receive`` (waiting for a disconnect while streaming) is left alone."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = timed_out = started = False

        async def timed_receive() -> Message:
            nonlocal body_done, timed_out
            if timed_out:
                return {"type": "http.disconnect"}
            if body_done:
                return await receive()
            message: Message | None = None
            with anyio.move_on_after(self.timeout_s):
                message = await receive()
            if message is None:
                timed_out = True
                if not started:
                    await _send_error(send, RequestTimeout(
                        f"the request body stopped arriving for {self.timeout_s:g} s"))
                return {"type": "http.disconnect"}  # the app stops reading; its reply is dropped
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if timed_out:
                return  # the 408 went out already
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except Exception:
            if not timed_out:  # what the timed-out request raised on its way out is moot
                raise


async def _send_error(send: Send, exc: HealthragError) -> None:
    """Send ``exc`` as the JSON error, with ``Connection: close``, from a middleware."""
    body = json.dumps({"error": {"code": exc.code, "message": exc.message}},
                      separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": exc.status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = service is None
        app.state.service = service or Service(settings)
        # Expire old conversations in every vault once per server start (one-shot CLI
        # commands only purge the vault they touch, on access).
        if app.state.service.history.enabled:
            await run_in_threadpool(app.state.service.history.sweep)
        try:
            yield
        finally:
            if owned:
                app.state.service.close()

    app = FastAPI(title="healthrag", version="0.1.0", lifespan=lifespan)
    app.add_middleware(BodyLimit, cap=settings.ingest.max_upload_bytes)
    app.add_middleware(BodyTimeout, timeout_s=settings.server.body_timeout_s)
    if service is not None:
        app.state.service = service

    @app.middleware("http")
    async def limits_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        cap = settings.ingest.max_upload_bytes
        if length is not None and (not length.isdigit() or int(length) > cap):
            return _error(413, "too_large", f"request body over {cap} bytes")
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.exception_handler(HealthragError)
    async def healthrag_error(_: Request, exc: HealthragError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error type=%s", type(exc).__name__)
        return _error(500, "internal_error", "internal error")

    for router in (health.router, answer.router, records.router, citations.router, chat.router,
                   verify.router, me.router):
        app.include_router(router)
    app.include_router(trends_routes.router)
    app.include_router(appointment_routes.router)
    app.include_router(insurance_routes.router)
    for router in (shares.router, knowledge_routes.router, admin.router):
        app.include_router(router)
    return app
