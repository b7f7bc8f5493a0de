"""Conversation history for chats that are not temporary: remembered in the person's own
vault, listed, shown and deleted by them only, and expired after the retention TTL.

Every read and delete of it is audited (ids and counts, never content). A temporary chat
never reaches this module.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from indexes.history import HistoryStore
from indexes.vaults import Vault, VaultManager
from rag.access.audit import AuditLog
from rag.core.errors import HealthragError, NotFound
from rag.core.settings import PrivacySettings
from rag.core.types import Answer

log = logging.getLogger("healthrag.history")


class History:
    def __init__(self, vaults: VaultManager, audit: AuditLog, settings: PrivacySettings) -> None:
        self._vaults = vaults
        self._audit = audit
        self._settings = settings

    @property
    def enabled(self) -> bool:
        return self._settings.history

    def _store(self, vault: Vault) -> HistoryStore:
        """The vault's history, with what is past the TTL deleted first."""
        store = vault.history
        self._expire(vault, store)
        return store

    def _expire(self, vault: Vault, store: HistoryStore) -> int:
        expired = store.purge_expired()
        if expired:
            self._audit.record("expire_history", actor="system", vault=vault.vault_id,
                               conversations=expired)
        return expired

    def check(self, user_id: str, conversation_id: str | None) -> None:
        """Fail before answering when a named conversation is not the caller's."""
        if conversation_id is None or not self.enabled:
            return
        vault = self._vaults.open(user_id)
        if not vault.exists or not self._store(vault).exists(conversation_id):
            raise NotFound("no such conversation")

    def remember(self, user_id: str, user_messages: Sequence[str], answer: Answer,
                 conversation_id: str | None = None) -> str | None:
        """Store one turn; returns the conversation id (None when history is off)."""
        if not self.enabled:
            return None
        vault = self._vaults.open(user_id)
        store = self._store(vault)
        cid = conversation_id or store.continuation(user_messages[:-1])
        citations = [{"marker": c.marker, "id": c.id, "kind": c.kind} for c in answer.citations]
        cid = store.append(cid, user_messages, answer.answer, citations)
        self._audit.record("write", actor="owner", vault=vault.vault_id,
                           resources=[cid], what="conversation")
        return cid

    def list(self, user_id: str) -> list[dict[str, Any]]:
        vault = self._vaults.open(user_id)
        if not vault.exists:
            return []
        found = self._store(vault).conversations()
        self._audit.record("read", actor="owner", vault=vault.vault_id,
                           resources=[c["id"] for c in found], what="conversations")
        return found

    def get(self, user_id: str, conversation_id: str) -> dict[str, Any]:
        vault = self._vaults.open(user_id)
        if not vault.exists:
            raise NotFound("no such conversation")
        found = self._store(vault).conversation(conversation_id)
        self._audit.record("read", actor="owner", vault=vault.vault_id,
                           resources=[conversation_id], what="conversation")
        return found

    def delete(self, user_id: str, conversation_id: str | None = None) -> dict[str, Any]:
        """Delete one conversation, or all of them; returns a receipt (counts only)."""
        vault = self._vaults.open(user_id)
        if not vault.exists:
            if conversation_id:
                raise NotFound("no such conversation")
            return {"conversations": 0, "messages": 0}
        conversations, messages = self._store(vault).delete(conversation_id)
        self._audit.record("delete", actor="owner", vault=vault.vault_id,
                           resources=[conversation_id] if conversation_id else [],
                           what="conversations", conversations=conversations,
                           messages=messages)
        log.info("history deleted vault=%s conversations=%d", vault.vault_id[:8], conversations)
        return {"conversations": conversations, "messages": messages}

    def sweep(self) -> int:
        """Expire old conversations in every vault (at start); returns how many went."""
        total = 0
        for vault_id in self._vaults.vault_ids():
            was_open = self._vaults.is_open(vault_id)
            vault = self._vaults.open_by_id(vault_id)
            try:
                if vault.exists:
                    total += self._expire(vault, vault.history)
            except HealthragError as exc:  # one unreadable vault must not stop the others
                log.warning("history sweep skipped vault=%s (%s)", vault_id[:8], exc.code)
            finally:
                if not was_open:
                    self._vaults.release(vault_id)
        return total
