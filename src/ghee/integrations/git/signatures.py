"""How each git host proves a push came from it, checked in constant time before the body is parsed.

- GitHub (and Gitea, Forgejo since 1.20): ``X-Hub-Signature-256: sha256=<hex>``,
  the HMAC-SHA256 of the raw body keyed with the webhook's secret.
- Gitea and Forgejo: ``X-Gitea-Signature`` / ``X-Forgejo-Signature``, the same
  HMAC as bare lowercase hex.
- GitLab: ``X-Gitlab-Token``, the secret token itself (GitLab signs nothing).

The first of these headers a request carries is the one checked; a request
with none is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from ghee.errors import SignatureInvalid

GITHUB = "X-Hub-Signature-256"
GITEA = ("X-Gitea-Signature", "X-Forgejo-Signature")
GITLAB = "X-Gitlab-Token"
MAX_HEADER = 256  # a signature is 71 characters, a GitLab token what ghee made (43); longer is refused unread


def scheme_of(headers: Mapping[str, str]) -> str:
    """The header proving the push (``headers`` keyed in lower case); raises ``SignatureInvalid`` if none."""
    for name in (GITHUB, *GITEA, GITLAB):
        if headers.get(name.lower()) is not None:
            return name
    raise SignatureInvalid("signature header (X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token)")


def _same(given: str, expected: str) -> bool:
    return len(given) <= MAX_HEADER and hmac.compare_digest(given.encode(), expected.encode())


def check_token(headers: Mapping[str, str], secret: str | None) -> None:
    """Check GitLab's ``X-Gitlab-Token`` (needs no body); raises ``SignatureInvalid`` unless it is ``secret``."""
    if secret is None or not _same(headers.get(GITLAB.lower(), ""), secret):
        raise SignatureInvalid(GITLAB)


def check_signature(scheme: str, given: str, body: bytes, secret: str | None) -> None:
    """Check the HMAC-SHA256 ``given`` (header ``scheme``) of ``body``; raises ``SignatureInvalid`` if wrong."""
    if secret is None:
        raise SignatureInvalid(scheme)
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    expected = f"sha256={digest}" if scheme == GITHUB else digest
    if not _same(given.strip(), expected):
        raise SignatureInvalid(scheme)
