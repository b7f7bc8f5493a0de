"""Multi-turn chats: turn the last user message into a self-contained question.

Follow-ups such as "and the one before?", "and in 2020?" or "et l'an dernier ?" carry no
entity of their own; they borrow the subject of the previous user question. "The one
before" becomes "… before <date of the value the previous answer gave>", so the planner
returns the value that precedes it. Everything here is deterministic and offline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guardrails.verify import facts_of
from rag.core.errors import InvalidContent
from rag.core.terms import Vocabulary
from rag.core.text import fold

_BEFORE = re.compile(
    r"\b(the one before|one before|before that|previous( one| result| value)?|prior one|"
    r"the time before|le precedent|la precedente|celui d'avant|celle d'avant|avant ca|"
    r"d'avant)\b")
_FOLLOW = re.compile(r"^(and|what about|how about|et|and what about|same for|et pour|et en)\b")
_CATEGORY = re.compile(
    r"\b(allerg\w*|vaccin\w*|immuni[sz]\w*|medications?|medicines?|meds|drugs?|conditions?|"
    r"procedures?|surger\w*|medicaments?|maladies?)\b")

MAX_MESSAGES = 100
MAX_CONTENT_CHARS = 8000


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


def message_text(content: Any) -> str:
    """OpenAI message content: a string, or a list of parts of which we read the text ones."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content
                 if isinstance(p, dict) and p.get("type") in {"text", "input_text"}]
        return "\n".join(str(p) for p in parts)
    raise InvalidContent("message content must be a string or a list of parts",
                         code="invalid_request")


def turns_of(messages: Sequence[dict[str, Any]]) -> list[Turn]:
    if not messages:
        raise InvalidContent("messages must not be empty", code="invalid_request")
    if len(messages) > MAX_MESSAGES:
        raise InvalidContent(f"at most {MAX_MESSAGES} messages", code="invalid_request")
    turns = []
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise InvalidContent("each message needs a role", code="invalid_request")
        text = message_text(m.get("content"))
        if len(text) > MAX_CONTENT_CHARS:
            raise InvalidContent(f"a message is over {MAX_CONTENT_CHARS} characters",
                                 code="invalid_request")
        turns.append(Turn(m["role"], text))
    if not any(t.role == "user" and t.content.strip() for t in turns):
        raise InvalidContent("no user message to answer", code="invalid_request")
    return turns


def _has_subject(text: str, vocabulary: Vocabulary) -> bool:
    return bool(vocabulary.find(text) or _CATEGORY.search(fold(text)))


def resolve_question(turns: Sequence[Turn], vocabulary: Vocabulary) -> str:
    """The question to answer, made self-contained from earlier turns when needed."""
    users = [i for i, t in enumerate(turns) if t.role == "user" and t.content.strip()]
    last = turns[users[-1]].content.strip()
    if len(users) < 2 or _has_subject(last, vocabulary) or len(last.split()) > 10:
        return last
    folded = fold(last)
    previous = next((turns[i].content.strip() for i in reversed(users[:-1])
                     if _has_subject(turns[i].content, vocabulary)), None)
    if previous is None:
        return last
    if _BEFORE.search(folded):
        reply = next((t.content for t in turns[users[-2] + 1 : users[-1]]
                      if t.role == "assistant"), "")
        _, dates = facts_of(reply)
        if dates:
            # The value the previous answer led with is its latest date.
            return f"{previous.rstrip(' ?.')} before {max(dates)}?"
        return previous
    if _FOLLOW.search(folded) or len(last.split()) <= 6:
        modifier = re.sub(r"^(and|what about|how about|et|same for|et pour)\s+", "", last,
                          flags=re.I).rstrip(" ?.")
        return f"{previous.rstrip(' ?.')} {modifier}?".strip()
    return last
