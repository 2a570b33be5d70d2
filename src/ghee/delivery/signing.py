"""Standard Webhooks signing: ``whsec_`` secrets and the ``webhook-*`` headers of one message."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from ghee.errors import Invalid

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)
SECRET_BYTES = 24
MIN_SECRET_BYTES = 16
MAX_SECRET_BYTES = 64


def new_secret() -> str:
    """A fresh secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_secret(secret: str, field: str = "secret") -> str:
    """``secret`` if it is ``whsec_`` + base64 of 16 to 64 bytes; raises ``Invalid`` otherwise."""
    if not secret.startswith(SECRET_PREFIX):
        raise Invalid(field, f"must start with {SECRET_PREFIX!r} followed by base64")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid(field, f"must be {SECRET_PREFIX!r} followed by base64") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise Invalid(field, f"must encode {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return secret


def signed_headers(secret: str, message_id: str, body: bytes, at: datetime | None = None) -> dict[str, str]:
    """The ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers of ``body``."""
    moment = (at or datetime.now(UTC)).replace(microsecond=0)
    signature = Webhook(secret).sign(message_id, moment, body.decode("utf-8"))
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.replace(tzinfo=UTC).timestamp())),
        "webhook-signature": signature,
    }
