"""Signed links to the clinician verification page (``/verify/{citation_id}``).

Chat clients open citation URLs in a browser, without our bearer header, so each link
carries its own proof: ``?v=<vault_id>&exp=<unix time>&sig=<HMAC>``. The signature binds
the vault, the citation and the expiry; nothing about the person is in the URL (the
vault id is an HMAC of the user id).

A link to a vault's record is signed with a key derived from the service's secret *and*
the vault's own salt, which lives in the vault (``VaultManager.link_salt``). Deleting the
vault deletes the salt, so every link to it turns invalid (401) at once, and a vault made
again under the same id (a new account of the same person) gets a new salt: old links never
open the new data. Links for knowledge citations, and for a vault that does not exist,
use the service's secret alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

from indexes.keys import write_private
from rag.core.errors import AuthError


def load_secret(configured: str, data_dir: Path) -> bytes:
    if configured:
        return configured.encode()
    path = data_dir / "link.key"
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode())
    return path.read_text().strip().encode()


class VaultSalt(Protocol):
    """The vault's own link secret, or None; ``create`` makes it for a vault that exists."""

    def __call__(self, vault_id: str, *, create: bool) -> bytes | None: ...


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes
    ttl_s: int
    public_url: str = ""
    vault_salt: VaultSalt | None = None

    def _key(self, vault_id: str, citation_id: str, *, create: bool) -> bytes:
        salt = None
        if self.vault_salt is not None and not citation_id.startswith("k_"):
            salt = self.vault_salt(vault_id, create=create)
        if salt is None:
            return self.secret
        return hmac.new(self.secret, b"link|" + salt, hashlib.sha256).digest()

    def _sig(self, vault_id: str, citation_id: str, exp: int, *, create: bool = False) -> str:
        msg = f"{vault_id}|{citation_id}|{exp}".encode()
        key = self._key(vault_id, citation_id, create=create)
        return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]

    def url(self, vault_id: str, citation_id: str, now: float | None = None) -> str:
        exp = int((now if now is not None else time.time()) + self.ttl_s)
        sig = self._sig(vault_id, citation_id, exp, create=True)
        query = urlencode({"v": vault_id, "exp": exp, "sig": sig})
        return f"{self.public_url}/verify/{citation_id}?{query}"

    def check(
        self, vault_id: str, citation_id: str, exp: int, sig: str, now: float | None = None
    ) -> None:
        """Raises :class:`AuthError` unless the link is authentic, unexpired, and its vault
        has not been deleted since it was signed."""
        if exp < (now if now is not None else time.time()):
            raise AuthError("this verification link has expired")
        if not hmac.compare_digest(sig, self._sig(vault_id, citation_id, exp)):
            raise AuthError("invalid verification link")
