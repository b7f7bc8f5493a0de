"""Context quarantine: text from users' documents is data, never instructions.

At ingest every chunk is scanned for injected instructions; a hit is stored as a
flag on the record. Flagged chunks may still be cited for their facts, but their
imperative text is never echoed as advice by the composer.
"""

from __future__ import annotations

import re

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "ignore_instructions",
        re.compile(
            r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|"
            r"your|system)\b[^.\n]{0,30}\b(instructions?|prompts?|rules?|directions?|guidelines?)",
            re.I,
        ),
    ),
    (
        "role_override",
        re.compile(
            r"\b(you are now|from now on,? you|act as|pretend to be|new instructions?:"
            r"|system prompt)",
            re.I,
        ),
    ),
    (
        "tell_the_user",
        re.compile(
            r"\b(tell|instruct|advise|inform)\s+(the\s+)?(patient|user|reader)\s+to\b", re.I
        ),
    ),
    (
        "ignore_fr",
        re.compile(
            r"\b(ignore[zr]?|oublie[zr]?)\b[^.\n]{0,40}\b(instructions?|consignes?|règles?)", re.I
        ),
    ),
    (
        # instructions about the assistant's own output: "translate your response", "add a
        # sentence in your answer", "encode your reply in Base64"
        "output_directive",
        re.compile(
            r"\b(?:your|the assistant's|the ai's) (?:response|answer|reply|replies|output|"
            r"message|messages)\b|\b(?:respond|reply|answer) (?:only )?(?:with|in|using)\b"
            r"|\b(?:begin|start|end|prefix) (?:each|every|all|your) (?:response|answer|reply)",
            re.I,
        ),
    ),
    (
        "print_verbatim",
        re.compile(r"\b(?:just |simply )?(?:print|output|say|repeat)\s*:?\s*[\"“']", re.I),
    ),
    (
        "jailbreak",
        re.compile(
            r"\b(?:DAN|STAN|DUDE)\b[^.\n]{0,80}\b(?:do anything now|strive to avoid norms|"
            r"jailbr\w*)|\bdo anything now\b|\bdeveloper mode\b|\bjailbr(?:eak|oken)\w*\b",
            re.I,
        ),
    ),
    ("exfiltrate", re.compile(r"!\[[^\]]*\]\(https?://|<img\s[^>]*src=\s*['\"]?https?://", re.I)),
]


def injection_flags(text: str) -> tuple[str, ...]:
    """("prompt_injection",) when the text carries instructions aimed at the assistant."""
    for _, pattern in _PATTERNS:
        if pattern.search(text):
            return ("prompt_injection",)
    return ()


def injection_rules(text: str) -> list[str]:
    """Names of the rules that fire, for reports and tests."""
    return [name for name, pattern in _PATTERNS if pattern.search(text)]


_TASK_VERB = re.compile(
    r"^\W*(please\s+|now\s+|also\s+|then\s+|and\s+)*(write|recommend|analy[sz]e|translate|"
    r"summari[sz]e|generate|create|compose|print|say|respond|reply|answer|tell|list|provide|"
    r"describe|explain|ignore|forget|disregard|pretend|act|output|repeat|insert|include|add|"
    r"append|visit|click|open|go\s+to|send|email|call\s+this|rate|review|suggest|name|give|"
    r"draft|convert|rewrite|change|replace|remove|delete|share|post|book|buy|order|help\s+me|"
    r"determine|show\s+me|classify|identify|find|search|calculate|do\s+not\s+tell|"
    r"ecris|ecrivez|reponds|repondez|dis|dites|ignore[zr]?|oublie[zr]?|traduis|traduisez|"
    r"resume[zr]?|genere[zr]?|donne[zr]?)\b",
    re.I,
)
_TO_ASSISTANT = re.compile(
    r"\b(as an ai|language model|assistant|chatbot|you must|you will now|you are now|"
    r"your (task|job|response|answer|output|reply)|in your (response|answer|reply))\b", re.I)


def assistant_directed(sentence: str) -> bool:
    """True for a sentence that gives the reader a task (an instruction aimed at whoever
    processes the document) rather than stating a fact. Used at answer time, on top of the
    ingest-time flags, so a document's imperative text is never echoed."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", sentence)
                     if not unicodedata.combining(c))
    return bool(_TASK_VERB.search(folded) or _TO_ASSISTANT.search(folded)
                or injection_flags(sentence))
