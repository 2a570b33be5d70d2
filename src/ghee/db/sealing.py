"""Secrets ghee must use again later (Jenkins API tokens, webhook secrets and headers), sealed at rest with Fernet.

The key comes from ``GHEE_SECRET_KEY``; when that is unset, from a key file
that the first process to need it creates (next to the SQLite database, or
in ``./data``). Processes on several machines sharing one PostgreSQL
database must all be given the same ``GHEE_SECRET_KEY``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import make_url

from ghee.config import Settings

KEY_FILE_NAME = "secret.key"


class SealBroken(Exception):
    """A sealed secret could not be opened: the key changed since it was sealed."""


class Sealer:
    """Seals and opens short secrets with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, secret: str) -> str:
        """``secret`` encrypted and authenticated, as URL-safe text."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str, max_age: int | None = None) -> str:
        """The secret ``seal`` turned into ``sealed``.

        Raises ``SealBroken`` if another key sealed it, it is not a sealed
        secret, or (with ``max_age``) it was sealed more than that many seconds ago.
        """
        try:
            return self._fernet.decrypt(sealed.encode("ascii"), ttl=max_age).decode()
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise SealBroken from exc


def key_file(settings: Settings) -> Path:
    """Where the generated key lives: ``secret_key_file``, else next to the SQLite file, else ``./data``."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / KEY_FILE_NAME
    return Path("data") / KEY_FILE_NAME


def _read_or_create_key(path: Path) -> bytes:
    """The key in ``path``, made first if absent; two processes racing both end with the winner's key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as out:
        out.write(Fernet.generate_key())
    return path.read_bytes().strip()


@lru_cache(maxsize=4)
def _sealer(key: bytes) -> Sealer:
    return Sealer(key)


def sealer_for(settings: Settings) -> Sealer:
    """The sealer of this installation; raises ``ValueError`` for a malformed ``GHEE_SECRET_KEY``."""
    key = settings.secret_key.encode() if settings.secret_key else _read_or_create_key(key_file(settings))
    return _sealer(key)
