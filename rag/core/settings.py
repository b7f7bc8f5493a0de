"""All configuration, in one pydantic-settings object.

Read ``os.environ`` nowhere else: build a :class:`Settings` once at startup and
pass it down. Environment variables use the ``HEALTHRAG_`` prefix and ``__`` for
nested groups, e.g. ``HEALTHRAG_DATA_DIR=/srv/healthrag`` or
``HEALTHRAG_INGEST__MAX_FILE_BYTES=10000000``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(_Group):
    backend: Literal["sentence-transformers", "fake"] = Field(
        "sentence-transformers",
        description="Embedder backend. 'fake' is a deterministic hash embedder for tests only.",
    )
    model_id: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2",
        description="Model identity recorded with every index; vectors of two models never mix.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Texts per encoder batch.")
    max_seq_length: int = Field(256, ge=16, le=512, description="Token limit per text.")
    threads: int = Field(
        0,
        ge=0,
        description="Torch CPU threads for batch encoding; 0 keeps torch's default. "
        "Queries always use one thread.",
    )


class IndexSettings(_Group):
    backend: Literal["edge"] = Field(
        "edge", description="Vector index backend: 'edge' (embedded Qdrant Edge shard per vault)."
    )
    dense_dim: int = Field(384, description="Dense vector size (MiniLM-L6: 384).")
    fusion: Literal["dbsf", "rrf"] = Field(
        "dbsf",
        description="How dense and BM25 results are fused in one query: 'dbsf' (distribution-"
        "based score fusion) or 'rrf' (reciprocal rank fusion). DBSF measured equal on NFCorpus "
        "and +0.019 nDCG@10 on MedQuAD (eval/reports/retrieval_*.md).",
    )
    rrf_k: int = Field(60, ge=1, description="RRF constant used to fuse dense and BM25 results.")
    dense_weight: float = Field(1.0, gt=0, description="RRF weight of the dense prefetch.")
    sparse_weight: float = Field(1.0, gt=0, description="RRF weight of the BM25 prefetch.")
    prefetch_limit: int = Field(50, ge=1, description="Candidates per prefetch before fusion.")
    hnsw_min_points: int = Field(
        20000,
        ge=0,
        description="Vaults below this many points are searched exactly (no HNSW build); "
        "above it `optimize()` builds HNSW.",
    )
    vault_key: str = Field(
        "healthrag-default-vault-key",
        description="Secret used to derive vault ids from user ids (HMAC); change in production.",
    )


class IngestSettings(_Group):
    max_file_bytes: int = Field(
        50 * 1024 * 1024, ge=1, description="Files larger than this are rejected (413)."
    )
    max_upload_bytes: int = Field(
        4 * 1024**3, ge=1,
        description="Largest HTTP request body or streamed file (Apple Health XML) accepted "
        "(413, refused before the body is read when Content-Length says so).",
    )
    max_unpacked_bytes: int = Field(
        8 * 1024**3, ge=1,
        description="Most bytes a zip may really decompress to, counted while reading (zip "
        "bombs); real Apple Health exports compress about 20:1.",
    )
    max_archive_members: int = Field(
        200_000, ge=1, description="Most members a zip may list."
    )
    background_bytes: int = Field(
        8 * 1024 * 1024, ge=0,
        description="HTTP uploads larger than this run as background jobs (202 + /v1/jobs/{id}).",
    )
    chunk_chars: int = Field(
        1200, ge=200, description="Target size of a text chunk for documents and knowledge."
    )


class GenerationSettings(_Group):
    composer: Literal["extractive", "llm"] = Field(
        "extractive",
        description="Default answer composer: 'extractive' is offline and deterministic; 'llm' "
        "writes from the same numbered evidence with any OpenAI-compatible endpoint and falls "
        "back to 'extractive' when the output fails verification.",
    )
    llm_base_url: str = Field(
        "",
        description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1 (vLLM, "
        "llama.cpp, Ollama, OpenAI). Empty disables the LLM composer.",
    )
    llm_model: str = Field("", description="Model name sent to the LLM endpoint.")
    llm_api_key: str = Field("not-needed", description="API key for the LLM endpoint.")
    llm_timeout_s: float = Field(20.0, gt=0, description="Timeout of one LLM call.")
    llm_max_tokens: int = Field(600, ge=16, description="Most tokens the LLM may write.")
    breaker_failures: int = Field(
        3, ge=1, description="Consecutive LLM failures that open the circuit breaker."
    )
    breaker_cooldown_s: float = Field(
        60.0, ge=0, description="How long an open breaker sends everything to 'extractive'."
    )
    record_hits: int = Field(6, ge=1, description="Record chunks retrieved per question.")
    knowledge_hits: int = Field(4, ge=1, description="Knowledge chunks retrieved per question.")
    list_limit: int = Field(50, ge=1, description="Most items listed in one answer.")


class GuardrailSettings(_Group):
    triage: bool = Field(True, description="Run red-flag triage before retrieval.")
    disclaimer: bool = Field(True, description="Append a short disclaimer where it applies.")


class ServerSettings(_Group):
    host: str = Field("127.0.0.1", description="Bind address; loopback by default.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    public_url: str = Field(
        "", description="Base URL used in citation links; empty means relative links."
    )
    link_secret: str = Field(
        "",
        description="Secret that signs verification-page links; empty means a random "
        "secret kept in <data_dir>/link.key.",
    )
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Requests per minute per token (burst up to the same number); "
        "0 disables the limit."
    )
    link_ttl_s: int = Field(
        7 * 24 * 3600, ge=60, description="How long a signed verification link stays valid."
    )
    body_timeout_s: float = Field(
        10.0, gt=0, description="Longest wait for the next part of a request body; a client "
        "that stops sending (a Content-Length it never fills) gets 408 and is disconnected."
    )


class PrivacySettings(_Group):
    """Encryption at rest and conversation history."""

    encryption: bool = Field(
        True,
        description="Encrypt each vault at rest with its own key: the facts DB (SQLCipher), the "
        "kept uploads (AES-256-GCM) and, for the Edge shard, a keyed rotation of the dense "
        "vectors and keyed BM25 token ids. Vault keys are wrapped by the master key.",
    )
    master_key: str = Field(
        "",
        description="Master key wrapping every vault key: 32 bytes, base64. Empty means "
        "`master_key_file`, or else a random key kept in <data_dir>/master.key (development).",
    )
    master_key_file: Path | None = Field(
        None, description="File holding the master key (32 bytes, base64), e.g. a mounted secret."
    )
    keys_dir: Path | None = Field(
        None,
        description="Where the wrapped vault keys live; empty means <data_dir>/keys. Keep it "
        "out of data backups: forgetting a person destroys their key, which makes every backup "
        "of their vault unreadable.",
    )
    history: bool = Field(
        True,
        description="Keep the history of chats that are not temporary, visible to and "
        "deletable by their owner.",
    )
    history_ttl_days: int = Field(
        30, ge=1, le=3650,
        description="Conversations untouched for this many days are deleted (in every vault "
        "when the server starts, and in a vault on every history read or write).",
    )


JwtAlgorithm = Literal[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA",
]


def _default_jwt_algorithms() -> list[JwtAlgorithm]:
    return ["RS256", "ES256"]


class AuthSettings(_Group):
    """Bearer JWTs from an OIDC issuer, verified offline (keys on disk, no network).

    JWTs are accepted only when ``jwt_issuer`` is set; opaque ``hr_`` tokens always work.
    ``none`` is not an algorithm this type can hold, so unsigned tokens can never be allowed.
    """

    jwt_issuer: str = Field(
        "", description="Expected `iss` claim; empty disables JWT bearer tokens."
    )
    jwt_audience: str = Field("", description="Expected `aud` claim (required with an issuer).")
    jwt_algorithms: list[JwtAlgorithm] = Field(
        default_factory=_default_jwt_algorithms,
        description="Header `alg` values accepted; anything else (and always `none`) is a 401. "
        "HS* algorithms use `jwt_shared_secret` only, the others the public key or JWKS only, "
        "so a token signed with the public key as an HMAC secret never verifies.",
    )
    jwt_shared_secret: str = Field(
        "", description="HMAC secret for HS* algorithms (at least 32 characters)."
    )
    jwt_public_key_file: Path | None = Field(
        None, description="PEM public key (RSA, EC or Ed25519) for the asymmetric algorithms."
    )
    jwt_jwks_file: Path | None = Field(
        None, description="JWKS JSON file on disk; the token's `kid` selects the key."
    )
    jwt_leeway_s: int = Field(
        30, ge=0, le=300, description="Clock skew tolerated on `exp` and `nbf`, in seconds."
    )


class Settings(BaseSettings):
    """Every setting of healthrag, with its environment variable."""

    model_config = SettingsConfigDict(
        env_prefix="HEALTHRAG_", env_nested_delimiter="__", extra="forbid"
    )

    data_dir: Path = Field(Path("./data"), description="Where all state lives.")
    locale: str = Field(
        "en-US", description="Default locale; decides emergency numbers (e.g. en-US, fr-FR)."
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)

    def config_hash(self) -> str:
        """A short digest of everything that shapes an answer (not paths or secrets)."""
        shaping = {
            "embedding": self.embedding.model_dump(exclude={"threads", "batch_size"}),
            "index": self.index.model_dump(exclude={"vault_key"}),
            "generation": self.generation.model_dump(exclude={"llm_api_key"}),
            "guardrails": self.guardrails.model_dump(),
            "chunk_chars": self.ingest.chunk_chars,
        }
        blob = json.dumps(shaping, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]
