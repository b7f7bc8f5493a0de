"""The clinician verification page behind ``GET /verify/{citation_id}``.

A citation's link opens one self-contained HTML page: the quote highlighted inside the
full source chunk and, for a record, the FHIR resource JSON and its provenance (file,
SHA-256, ingest time); for a knowledge section, its document, publisher and review status.

The HTML lives in Jinja2 templates (``templates/``). Everything that comes from data
(document text, FHIR JSON, titles, file names, the quote) is untrusted and goes through
:func:`html.escape`. The page has no scripts, no external
resources and no links: a reference URL from a knowledge document is shown as text only.
The route serves it under a strict Content-Security-Policy.

The quote to highlight (``q``) is not covered by the link's signature, so it can only
*select* part of the stored text: it is highlighted when it is an exact substring of the
chunk, and otherwise ignored without being echoed (no attacker text on a trusted page).

Access (who may see which vault) is decided by :func:`resolve_vault`, so the route stays
thin: a valid signed link names its vault; a bearer token reaches its owner's vault only.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from rag.citations_view import iso_time, read_record
from rag.core.errors import AuthError, NotFound
from rag.service import Service

QUARANTINE_NOTE = "contains text that looks like instructions; shown as data"


def _escape(value: Any) -> Markup:
    """Every value a template prints is escaped by :func:`html.escape` (quotes included),
    unless it is already markup (a macro's output)."""
    if isinstance(value, Markup):
        return value
    return Markup(escape("" if value is None else str(value)))


_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    finalize=_escape,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def _render(name: str, **context: Any) -> str:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return _TEMPLATES.get_template(name).render(now=now, **context)


# ------------------------------------------------------------------ access


def resolve_vault(
    service: Service,
    citation_id: str,
    *,
    bearer: str | None,
    v: str | None,
    exp: str | None,
    sig: str | None,
) -> str | None:
    """The vault a verification request may read, or ``None`` for a knowledge citation.

    A request that carries any of the link parameters (``v``, ``exp``, ``sig``) is judged
    by the link alone: all three must be present, well formed, authentic for this citation
    and unexpired. Otherwise an ``Authorization: Bearer`` token is required and reaches
    only its owner's vault. Raises :class:`AuthError` (401) when neither proves access.
    """
    if v is not None or exp is not None or sig is not None:
        if not v or not exp or not sig or not exp.isdigit() or len(exp) > 12:
            raise AuthError("invalid verification link")
        if len(v) != 32 or any(c not in "0123456789abcdef" for c in v):
            raise AuthError("invalid verification link")
        service.links.check(v, citation_id, int(exp), sig)
        return None if citation_id.startswith("k_") else v
    if not bearer:
        raise AuthError("a signed verification link or a bearer token is required")
    principal = service.tokens.authenticate(bearer)
    if citation_id.startswith("k_"):
        return None
    return service.vaults.vault_id(principal.user_id)


# ------------------------------------------------------------------ rendering


def _record_body(service: Service, vault_id: str, citation_id: str, quote: str | None,
                 actor: str | None) -> str:
    rec = read_record(service, service.vaults.open_by_id(vault_id), citation_id, actor)
    span = f"characters {rec.span[0]}–{rec.span[1]}" if rec.span else None
    source_rows = [
        ("Source type", rec.source_type),
        ("Resource type", rec.resource_type),
        ("Resource id", rec.resource_id),
        ("Version", rec.version),
        ("Page", str(rec.page) if rec.page is not None else None),
        ("Span in document", span),
        ("Flags", ", ".join(rec.flags) or None),
    ]
    provenance_rows = [
        ("File", rec.source_file), ("SHA-256", rec.file_hash),
        ("Ingested at", iso_time(rec.ingested_at)),
    ]
    resource_json = (json.dumps(rec.raw, indent=2, ensure_ascii=False)
                     if rec.raw is not None else None)
    return _render(
        "verify_record.html", title=f"Verify: {rec.title} — healthrag", rec=rec, quote=quote,
        quarantined="prompt_injection" in rec.flags, quarantine_note=QUARANTINE_NOTE,
        source_rows=source_rows, provenance_rows=provenance_rows, resource_json=resource_json,
    )


def _knowledge_body(service: Service, citation_id: str, quote: str | None) -> str:
    sec = service.knowledge.sections([citation_id]).get(citation_id)
    if sec is None:
        raise NotFound("no such citation")
    review = (
        "not reviewed"
        if sec.reviewed_by.strip().lower() in {"", "unreviewed"}
        else f"reviewed by {sec.reviewed_by}"
    )
    source_rows = [
        ("Document", sec.title),
        ("Section", sec.heading),
        ("Publisher", sec.source),
        ("Reference URL (not a link)", sec.url),
        ("Review status", review),
        ("Document id", sec.doc_id),
        ("Version", sec.version),
        ("Language", sec.language),
    ]
    return _render("verify_knowledge.html", title=f"Verify: {sec.title} — healthrag", sec=sec,
                   quote=quote, source_rows=source_rows)


def render_verify_page(
    service: Service, citation_id: str, *, vault_id: str | None, quote: str | None,
    actor: str | None = "verify-link",
) -> str:
    """The complete HTML page for one citation.

    ``vault_id`` is the vault the caller has already proven access to (see
    :func:`resolve_vault`); record citations (``r_…``) are looked up only there, and a
    citation outside it is :class:`NotFound`, exactly as one that does not exist.
    Knowledge citations (``k_…``) come from the shared knowledge base. ``actor`` is who the
    audit log records as reading the record (``None``: the caller records it).
    """
    if citation_id.startswith("k_"):
        return _knowledge_body(service, citation_id, quote)
    if citation_id.startswith("r_") and vault_id is not None:
        return _record_body(service, vault_id, citation_id, quote, actor)
    raise NotFound("no such citation")


def render_error_page(status: int, message: str) -> str:
    """A minimal page for a refused or missing citation; reveals nothing about any vault."""
    return _render("error.html", title=f"{status} — healthrag", status=status, message=message)
