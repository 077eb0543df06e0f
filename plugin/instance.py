"""The instance's own secrets: the master key that encrypts private keys at rest.

The master key comes from ``SKILLBITE_MASTER_KEY`` or, on first start, is generated into
``<instance>/master.key`` with mode 0600. There is no constant fallback: a missing key is made, a bad
one is an error that says what to fix.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from plugin.config import Config, ConfigError


class SecretBox:
    """Encrypts and decrypts small secrets (private keys, LRS passwords) with the master key."""

    def __init__(self, master_key: bytes) -> None:
        try:
            self._fernet = Fernet(master_key)
        except (ValueError, TypeError):
            raise ConfigError(
                "The master key is not a valid Fernet key (32 url-safe base64-encoded bytes). "
                "Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None

    def seal(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def open(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise ConfigError(
                "A stored secret cannot be decrypted with this master key. Was SKILLBITE_MASTER_KEY "
                "or <instance>/master.key changed? Restore the key the data was written with."
            ) from None


def load_master_key(config: Config) -> bytes:
    if config.master_key:
        return config.master_key.encode()
    path = Path(config.instance_path) / "master.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


def secret_box(config: Config) -> SecretBox:
    return SecretBox(load_master_key(config))
