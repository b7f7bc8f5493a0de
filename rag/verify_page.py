"""The clinician verification page behind ``GET /verify/{citation_id}``.

A citation's link opens one self-contained HTML page: the quote highlighted inside the
full source chunk and, for a record, the FHIR resource JSON and its provenance (file,
SHA-256, ingest time); for a knowledge section, its document, publisher and review status.

Everything that comes from data (document text, FHIR JSON, titles, file names, the quote)
is untrusted and goes through :func:`html.escape`. The page has no scripts, no external
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

from rag.citations_view import iso_time, read_record
from rag.errors import AuthError, NotFound
from rag.service import Service

QUARANTINE_NOTE = "contains text that looks like instructions; shown as data"

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1b1f24;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header { margin-bottom: 1rem; }
.kicker { margin: 0; color: #57606a; font-size: .85rem; text-transform: uppercase;
  letter-spacing: .06em; }
h1 { margin: .2rem 0 .3rem; font-size: 1.5rem; line-height: 1.25; }
h2 { margin: 0 0 .6rem; font-size: 1.1rem; }
.meta { margin: 0; color: #57606a; font-size: .9rem; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px;
  padding: 1rem 1.2rem; margin: 0 0 1rem; }
.chunk { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1.02rem;
  border-left: 4px solid #d0d7de; padding: .3rem 0 .3rem .9rem; margin: 0; }
mark#quote { background: #ffe066; color: #1b1f24; padding: 0 .1em; border-radius: 2px;
  outline: 2px solid #f0b400; }
.status { margin: 0 0 .6rem; font-size: .92rem; }
.status.found { color: #1a7f37; }
.status.missing { color: #9a6700; }
.flag { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 8px;
  padding: .7rem 1rem; margin: 0 0 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dt { color: #57606a; }
dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: .88rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .8rem;
  margin: 0; overflow: auto; max-height: 32rem; white-space: pre-wrap;
  overflow-wrap: anywhere; }
footer { color: #57606a; font-size: .85rem; }
"""


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


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _dl(rows: list[tuple[str, str | None]], *, code: frozenset[str] = frozenset()) -> str:
    """A definition list of (label, value); ``None`` values are left out. Escapes both."""
    items = []
    for label, value in rows:
        if value is None or value == "":
            continue
        shown = f"<code>{escape(value)}</code>" if label in code else escape(value)
        items.append(f"<dt>{escape(label)}</dt><dd>{shown}</dd>")
    return "<dl>" + "".join(items) + "</dl>"


def _highlighted(text: str, quote: str | None) -> tuple[str, str]:
    """(status paragraph, chunk HTML): the first exact occurrence of ``quote`` in a mark."""
    at = text.find(quote) if quote else -1
    if quote and at >= 0:
        end = at + len(quote)
        chunk = (
            escape(text[:at])
            + f'<mark id="quote">{escape(text[at:end])}</mark>'
            + escape(text[end:])
        )
        status = '<p class="status found">The quoted passage is highlighted below.</p>'
    else:
        chunk = escape(text)
        why = (
            "No quote was given with this link"
            if not quote
            else "The quote given with this link is not an exact part of this source"
        )
        status = f'<p class="status missing">{why}; nothing is highlighted.</p>'
    return status, f'<div class="chunk">{chunk}</div>'


def _record_body(service: Service, vault_id: str, citation_id: str, quote: str | None,
                 actor: str | None) -> str:
    rec = read_record(service, service.vaults.open_by_id(vault_id), citation_id, actor)
    status, chunk = _highlighted(rec.text, quote)
    parts = [
        '<header><p class="kicker">healthrag · citation verification · patient record</p>'
        f"<h1>{escape(rec.title)}</h1>"
        f'<p class="meta">Citation <code>{escape(rec.chunk_id)}</code></p></header>'
    ]
    if "prompt_injection" in rec.flags:
        parts.append(
            f'<p class="flag" id="quarantine"><strong>Quarantined:</strong> this record '
            f"{QUARANTINE_NOTE}.</p>"
        )
    parts.append(f"<section><h2>Quoted passage in its source</h2>{status}{chunk}</section>")
    span = f"characters {rec.span[0]}–{rec.span[1]}" if rec.span else None
    parts.append(
        "<section><h2>Source</h2>"
        + _dl(
            [
                ("Source type", rec.source_type),
                ("Resource type", rec.resource_type),
                ("Resource id", rec.resource_id),
                ("Version", rec.version),
                ("Page", str(rec.page) if rec.page is not None else None),
                ("Span in document", span),
                ("Flags", ", ".join(rec.flags) or None),
            ],
            code=frozenset({"Resource id"}),
        )
        + "</section>"
    )
    if rec.raw is not None:
        pretty = json.dumps(rec.raw, indent=2, ensure_ascii=False)
        parts.append(
            f'<section><h2>FHIR resource</h2><pre id="resource">{escape(pretty)}</pre></section>'
        )
    ingested = iso_time(rec.ingested_at)
    parts.append(
        "<section><h2>Provenance</h2>"
        + _dl(
            [("File", rec.source_file), ("SHA-256", rec.file_hash), ("Ingested at", ingested)],
            code=frozenset({"SHA-256"}),
        )
        + "</section>"
    )
    return _page(f"Verify: {rec.title} — healthrag", "\n".join(parts) + _footer())


def _knowledge_body(service: Service, citation_id: str, quote: str | None) -> str:
    sec = service.knowledge.sections([citation_id]).get(citation_id)
    if sec is None:
        raise NotFound("no such citation")
    status, chunk = _highlighted(sec.text, quote)
    review = (
        "not reviewed"
        if sec.reviewed_by.strip().lower() in {"", "unreviewed"}
        else f"reviewed by {sec.reviewed_by}"
    )
    parts = [
        '<header><p class="kicker">healthrag · citation verification · knowledge base</p>'
        f"<h1>{escape(sec.title)}</h1>"
        f'<p class="meta">Citation <code>{escape(sec.chunk_id)}</code></p></header>',
        f"<section><h2>Quoted passage in its source</h2>{status}{chunk}</section>",
        "<section><h2>Source</h2>"
        + _dl(
            [
                ("Document", sec.title),
                ("Section", sec.heading),
                ("Publisher", sec.source),
                ("Reference URL (not a link)", sec.url),
                ("Review status", review),
                ("Document id", sec.doc_id),
                ("Version", sec.version),
                ("Language", sec.language),
            ],
            code=frozenset({"Reference URL (not a link)", "Document id"}),
        )
        + "</section>",
    ]
    return _page(f"Verify: {sec.title} — healthrag", "\n".join(parts) + _footer())


def _footer() -> str:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return (
        "<footer><p>Shown as stored in this healthrag instance, as data: nothing on this "
        f"page is executed or fetched. Generated {escape(now)}.</p></footer>"
    )


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
    body = (
        '<header><p class="kicker">healthrag · citation verification</p>'
        f"<h1>{escape(str(status))}: {escape(message)}</h1></header>"
        "<section><p>This citation cannot be shown. Verification links expire; ask the "
        "person who shared it for a new one.</p></section>"
    )
    return _page(f"{status} — healthrag", body)

