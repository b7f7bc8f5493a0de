"""Conversation history: the chats a person did not mark temporary, in their own vault.

It lives in the vault's facts DB (so it is encrypted with the vault, zeroed on delete
by ``secure_delete`` and gone with the vault), visible to and deletable by its owner
only. Conversations untouched for ``ttl_days`` are deleted.

OpenAI-style clients resend the whole conversation each turn and rarely carry an id, so
a turn continues the conversation whose user messages so far are the request's earlier
user messages (``user_digest``), unless the caller names a conversation id.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from indexes.facts import FactsStore
from rag.core.errors import NotFound

_DAY = 86400.0
_SUMMARIES = ("SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) "
              "AS n FROM conversations c")


def user_digest(user_messages: Sequence[str]) -> str:
    blob = "\x1e".join(m.strip() for m in user_messages).encode()
    return hashlib.sha256(blob).hexdigest()


def new_conversation_id() -> str:
    return "conv_" + secrets.token_hex(12)


class HistoryStore:
    def __init__(self, facts: FactsStore, ttl_days: int) -> None:
        self._facts = facts
        self._ttl = ttl_days * _DAY

    def purge_expired(self, now: float | None = None) -> int:
        """Delete conversations untouched for longer than the TTL; returns how many."""
        cutoff = (now if now is not None else time.time()) - self._ttl
        with self._facts.transaction() as db:
            gone = db.execute("DELETE FROM conversations WHERE updated_at < ?", (cutoff,))
            return int(gone.rowcount)

    def exists(self, conversation_id: str) -> bool:
        return bool(self._facts.read("SELECT 1 FROM conversations WHERE id = ?",
                                     (conversation_id,)))

    def continuation(self, earlier_user_messages: Sequence[str]) -> str | None:
        """The conversation these earlier user messages belong to, if any."""
        if not earlier_user_messages:
            return None
        rows = self._facts.read(
            "SELECT id FROM conversations WHERE user_digest = ? ORDER BY updated_at DESC "
            "LIMIT 1", (user_digest(earlier_user_messages),))
        return str(rows[0][0]) if rows else None

    def append(self, conversation_id: str | None, user_messages: Sequence[str], answer: str,
               citations: Sequence[dict[str, Any]], now: float | None = None) -> str:
        """Store the last user message and the answer; returns the conversation id."""
        now = now if now is not None else time.time()
        question = user_messages[-1].strip()
        digest = user_digest(user_messages)
        with self._facts.transaction() as db:
            row = (db.execute("SELECT id FROM conversations WHERE id = ?",
                              (conversation_id,)).fetchone() if conversation_id else None)
            if row is None:
                conversation_id = new_conversation_id()
                db.execute("INSERT INTO conversations VALUES (?,?,?,?,?)",
                           (conversation_id, question[:80], now, now, digest))
            else:
                db.execute("UPDATE conversations SET updated_at = ?, user_digest = ? "
                           "WHERE id = ?", (now, digest, conversation_id))
            seq = int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE "
                                 "conversation_id = ?", (conversation_id,)).fetchone()[0])
            db.executemany("INSERT INTO messages VALUES (?,?,?,?,?,?)", [
                (conversation_id, seq + 1, "user", question, "[]", now),
                (conversation_id, seq + 2, "assistant", answer, json.dumps(list(citations)),
                 now),
            ])
        assert conversation_id is not None
        return conversation_id

    def _summary(self, row: Any) -> dict[str, Any]:
        return {"id": row["id"], "title": row["title"], "created_at": row["created_at"],
                "updated_at": row["updated_at"], "messages": row["n"],
                "expires_at": row["updated_at"] + self._ttl}

    def conversations(self) -> list[dict[str, Any]]:
        rows = self._facts.read(f"{_SUMMARIES} ORDER BY updated_at DESC")
        return [self._summary(r) for r in rows]

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        rows = self._facts.read(f"{_SUMMARIES} WHERE id = ?", (conversation_id,))
        if not rows:
            raise NotFound("no such conversation")
        messages = self._facts.read(
            "SELECT seq, role, content, citations, created_at FROM messages "
            "WHERE conversation_id = ? ORDER BY seq", (conversation_id,))
        return {**self._summary(rows[0]), "turns": [
            {"role": m["role"], "content": m["content"],
             "citations": json.loads(m["citations"]), "created_at": m["created_at"]}
            for m in messages]}

    def delete(self, conversation_id: str | None = None) -> tuple[int, int]:
        """Delete one conversation (or all); returns (conversations, messages) removed."""
        where, args = ("WHERE id = ?", (conversation_id,)) if conversation_id else ("", ())
        with self._facts.transaction() as db:
            n_messages = int(db.execute(
                f"SELECT COUNT(*) FROM messages WHERE conversation_id IN "
                f"(SELECT id FROM conversations {where})", args).fetchone()[0])
            n = int(db.execute(f"DELETE FROM conversations {where}", args).rowcount)
        if conversation_id and n == 0:
            raise NotFound("no such conversation")
        return n, n_messages
