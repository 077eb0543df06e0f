"""The instance's own secrets: the master key that encrypts private keys at rest.

The master key comes from ``SKILLBITE_MASTER_KEY`` or, on first start, is generated into
``<instance>/master.key`` with mode 0600. There is no constant fallback: a missing key is made while the
database holds nothing sealed; a bad one, or a missing one once it does, is an error that says what to fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
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


def load_master_key(config: Config, create: bool = True) -> bytes:
    if config.master_key:
        return config.master_key.encode()
    path = Path(config.instance_path) / "master.key"
    if not create and not path.exists():
        raise ConfigError(
            f"This database holds secrets sealed with a master key, but there is no master key at {path} and "
            "SKILLBITE_MASTER_KEY is not set. Set SKILLBITE_INSTANCE_PATH to the instance folder the server "
            "uses (or SKILLBITE_MASTER_KEY to its key); a new key could not open what is stored.")
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
    """The master key's box, checked against a secret the database already holds: a CLI command run with
    another instance folder or master key must fail here, before it seals a key or password the server
    cannot open (and before it makes a master key the database was not written with)."""
    sealed = _sealed_session_secret(config.database_url)
    box = SecretBox(load_master_key(config, create=sealed is None))
    if sealed is not None:
        box.open(sealed)  # ConfigError, saying which key to restore
    return box


def _sealed_session_secret(database_url: str) -> bytes | None:
    """The installation's sealed session secret (plugin.keys.services), or None on a new database."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return None  # do not create the file: `skillbite db upgrade` does
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            value = connection.execute(sa.text(
                "SELECT value_sealed FROM instance_secret WHERE name = 'session_secret'")).scalar()
    except sa.exc.DBAPIError:  # not migrated yet: nothing sealed
        return None
    finally:
        engine.dispose()
    return bytes(value) if value is not None else None
