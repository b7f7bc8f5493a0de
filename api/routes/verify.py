"""``GET /verify/{citation_id}``: the clinician verification page (HTML).

Governed like the API. Access is proven by either

* a signed link, ``?v=<vault_id>&exp=<unix time>&sig=<HMAC>`` as made by
  :meth:`rag.access.links.LinkSigner.url` (the form chat clients open in a browser); or
* an ``Authorization: Bearer`` token, which reaches its owner's own vault only.

Only the vault's owner is supported: until clinician shares exist, a clinician reads a
patient's citation through a signed link the patient's client produced, never with their
own token. Knowledge citations (``k_…``) open with any valid token or signature.

``q`` (optional) is the citation's quote, URL-encoded; it is highlighted only where it is
an exact part of the stored chunk text.

Errors are minimal HTML pages (the audience is a browser), with the same security headers
as the page: 401 for a missing, invalid or expired link or token; 404 for a citation that
is not in the vault the caller may read (whether or not it exists elsewhere). A malformed
``citation_id`` fails path validation and gets the API's JSON 422.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.deps import ServiceDep, bearer_token
from api.pages.verify import render_error_page, render_verify_page, resolve_vault
from rag.core.errors import HealthragError
from rag.service import Service

router = APIRouter()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def _render(
    service: Service,
    citation_id: str,
    bearer: str | None,
    v: str | None,
    exp: str | None,
    sig: str | None,
    q: str | None,
) -> str:
    def access() -> str | None:
        return resolve_vault(service, citation_id, bearer=bearer, v=v, exp=exp, sig=sig)

    vault_id = access()
    if vault_id is None:  # a knowledge citation
        return render_verify_page(service, citation_id, vault_id=None, quote=q)
    # Access is proven again with the vault held: a deletion meanwhile voided the link.
    with service.hold_vault(vault_id, recheck=access):
        return render_verify_page(service, citation_id, vault_id=vault_id, quote=q)


@router.get("/verify/{citation_id}", response_class=HTMLResponse)
async def verify_citation(
    request: Request,
    service: ServiceDep,
    citation_id: str = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$"),
    v: str | None = Query(None, max_length=64),
    exp: str | None = Query(None, max_length=20),
    sig: str | None = Query(None, max_length=128),
    q: str | None = Query(None, max_length=8000),
) -> HTMLResponse:
    """The citation's quote highlighted in its full source, with the FHIR JSON and
    provenance for a record. Opened through a signed link or by the vault owner's bearer
    token; only the owner is supported until clinician shares exist (module docstring)."""
    try:
        page = await run_in_threadpool(
            _render, service, citation_id, bearer_token(request), v, exp, sig, q
        )
    except HealthragError as exc:
        if exc.status not in (401, 403, 404, 410):
            raise
        headers = dict(SECURITY_HEADERS)
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return HTMLResponse(
            render_error_page(exc.status, exc.message), status_code=exc.status, headers=headers
        )
    return HTMLResponse(page, headers=SECURITY_HEADERS)
