"""Scrubbing secrets out of text that came from outside (an API's error message, an exception)
before it is stored, logged or shown.

Two nets: every secret Toby loads is registered here, so any echo of it is replaced whatever its
shape; and common secret shapes (Authorization values, `access_token=`, JSON token fields, Meta
and OpenAI-style keys) are replaced even when nobody registered them.
"""

from __future__ import annotations

import re
import threading

REDACTED = "[redacted]"
# Shorter strings would redact ordinary words; no real token is this short.
_MIN_SECRET_LENGTH = 8

_known: set[str] = set()
_lock = threading.Lock()

_PATTERNS = (
    # Authorization: Bearer xxx / Basic xxx / OAuth xxx, in headers or echoed prose.
    re.compile(r"(?i)\b(bearer|basic|oauth)\s+[A-Za-z0-9._~+/=\-]{6,}"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]+"),
    # Credential parameters in URLs and forms, and credential fields in JSON.
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|api_key|apikey|id_token)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
    ),
    re.compile(r"(?i)(\b(?:token|secret|password|key)=)[^\s\"'&,;}]+"),
    re.compile(r"(?i)(\"(?:token|secret|password|key)\"\s*:\s*\")[^\"]+"),
    # Token shapes: Meta user/page tokens, Instagram Login tokens, OpenAI-style keys.
    re.compile(r"\b(?:EAA|IGQ|IGAA)[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
)


def register_secret(value: str | None) -> None:
    """Remember a secret so that any text holding it is scrubbed from now on (process-wide)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known.add(value)


def scrub(text: object) -> str:
    """`text` as a string with every known secret and secret-shaped value replaced."""
    result = str(text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in result:
            result = result.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        result = pattern.sub(_keep_label, result)
    return result


def _keep_label(match: re.Match[str]) -> str:
    # Keep "access_token=" or "Bearer" so the reader sees what was there, not its value.
    if not match.lastindex:
        return REDACTED
    label = match.group(1)
    return f"{label} {REDACTED}" if label.isalpha() else label + REDACTED
