"""Signed links to the clinician verification page (``/verify/{citation_id}``).

Chat clients open citation URLs in a browser, without our bearer header, so each link
carries its own proof: ``?v=<vault_id>&exp=<unix time>&sig=<HMAC>``. The signature binds
the vault, the citation and the expiry; nothing about the person is in the URL (the
vault id is an HMAC of the user id).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
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


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes
    ttl_s: int
    public_url: str = ""

    def _sig(self, vault_id: str, citation_id: str, exp: int) -> str:
        msg = f"{vault_id}|{citation_id}|{exp}".encode()
        return hmac.new(self.secret, msg, hashlib.sha256).hexdigest()[:32]

    def url(self, vault_id: str, citation_id: str, now: float | None = None) -> str:
        exp = int((now if now is not None else time.time()) + self.ttl_s)
        query = urlencode({"v": vault_id, "exp": exp, "sig": self._sig(vault_id, citation_id, exp)})
        return f"{self.public_url}/verify/{citation_id}?{query}"

    def check(
        self, vault_id: str, citation_id: str, exp: int, sig: str, now: float | None = None
    ) -> None:
        """Raises :class:`AuthError` unless the link is authentic and unexpired."""
        if exp < (now if now is not None else time.time()):
            raise AuthError("this verification link has expired")
        if not hmac.compare_digest(sig, self._sig(vault_id, citation_id, exp)):
            raise AuthError("invalid verification link")
