"""Encryption at rest for tokens: Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`,
through MultiFernet so keys rotate.

TOBY_SECRET_KEY holds one or more comma-separated Fernet keys: the first encrypts, every one
decrypts, so a new key goes first, `toby secret-rotate` re-encrypts every stored token with it,
and the old key can then be dropped. On the embedded default (a SQLite database) with no key set,
a key is generated into the data directory on first use, with a warning; any other database
needs TOBY_SECRET_KEY.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from toby_pipelines.credentials.scrub import register_secret

KEY_VARIABLE = "TOBY_SECRET_KEY"
KEY_FILE_NAME = "secret.key"
log = logging.getLogger(__name__)


class SecretKeyError(ValueError):
    """No usable key: the message names the variable or file, never a key."""


class TokenCipher:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise SecretKeyError(f"{KEY_VARIABLE} holds no key")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except ValueError:
                raise SecretKeyError(
                    f"{KEY_VARIABLE}: key {position} is not a Fernet key (32 url-safe base64"
                    " bytes; make one with `toby secret-key`)"
                ) from None
        self._fernet = MultiFernet(fernets)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        try:
            plain = self._fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                f"a stored token cannot be decrypted with the keys in {KEY_VARIABLE}:"
                " was the key that encrypted it removed?"
            ) from None
        register_secret(plain)  # from now on any echo of it is scrubbed
        return plain

    def rotate(self, value: str) -> str:
        """The same secret encrypted with the first key."""
        return self._fernet.rotate(value.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


def load_cipher(data_dir: Path, embedded: bool) -> TokenCipher:
    """The cipher from TOBY_SECRET_KEY; on the embedded default, from (or into) a key file."""
    raw = os.environ.get(KEY_VARIABLE, "").strip()
    if raw:
        return TokenCipher([part.strip().encode() for part in raw.split(",") if part.strip()])
    if not embedded:
        raise SecretKeyError(
            f"{KEY_VARIABLE} is not set: tokens are stored encrypted, and only the embedded"
            " SQLite default may generate its own key"
        )
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key())
        log.warning(
            "%s is not set: generated a key into %s to encrypt tokens. Keep that file (tokens"
            " cannot be read without it) and set %s in production.",
            KEY_VARIABLE,
            path,
            KEY_VARIABLE,
        )
    return TokenCipher([path.read_text().strip().encode()])
