"""The one exception tree of healthrag.

Every error the project raises on purpose derives from :class:`HealthragError`.
Only ``api/`` maps them to HTTP status codes (``status`` is a hint it uses) and
only the CLI maps them to exit codes.

    HealthragError
    ├── ConfigError            settings that cannot work
    ├── IngestError            a source could not be ingested
    │   ├── UnsupportedFormat  the content is not a kind we know
    │   ├── InvalidContent     the content is of a known kind but broken
    │   │   └── InvalidPlan    an insurance plan file or CSV with a bad row or field
    │   ├── EmptyInput         nothing to ingest
    │   └── TooLarge           over the configured size cap
    ├── IndexError_            the vector index or facts store failed
    │   └── IndexBusy          another process holds the shard or vault (single writer)
    ├── NotFound               a citation, document or vault does not exist (for this user)
    │   └── NoClaims           the person's records hold no claim to sum or replay
    ├── VaultDeleted           the vault is being (or was just) deleted: 410
    ├── RequestTimeout         the request body stopped arriving: 408
    ├── AuthError              missing, unknown or revoked credentials
    │   └── Forbidden          authenticated, but not allowed
    ├── RateLimited            too many requests for one token
    └── GuardrailViolation     a request a guardrail refuses outright
"""

from __future__ import annotations


class HealthragError(Exception):
    """Base of every error raised on purpose by healthrag."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ConfigError(HealthragError):
    code = "config_error"
    status = 500


class IngestError(HealthragError):
    code = "ingest_error"
    status = 422


class UnsupportedFormat(IngestError):
    code = "unsupported_format"
    status = 415


class InvalidContent(IngestError):
    code = "invalid_content"
    status = 422


class EmptyInput(IngestError):
    code = "empty_input"
    status = 422


class TooLarge(IngestError):
    code = "too_large"
    status = 413


class IndexError_(HealthragError):  # noqa: N801 - avoids shadowing the builtin IndexError
    code = "index_error"
    status = 503


class IndexBusy(IndexError_):
    """A shard or vault is held by another process. Qdrant Edge has one writer per shard,
    and a second opener would damage the live files, so it is refused before touching them."""

    code = "index_busy"
    status = 503


class InvalidPlan(InvalidContent):
    code = "invalid_plan"
    status = 422


class NotFound(HealthragError):
    code = "not_found"
    status = 404


class NoClaims(NotFound):
    code = "no_claims"
    status = 404


class VaultDeleted(HealthragError):
    """A request reached a vault while it was being deleted: it gets a clear 410, never a
    half-deleted vault or a new one under the same id."""

    code = "vault_deleted"
    status = 410


class RequestTimeout(HealthragError):
    code = "request_timeout"
    status = 408


class AuthError(HealthragError):
    code = "unauthorized"
    status = 401


class Forbidden(AuthError):
    code = "forbidden"
    status = 403


class RateLimited(HealthragError):
    code = "rate_limited"
    status = 429


class GuardrailViolation(HealthragError):
    code = "guardrail_violation"
    status = 422
