"""ghee's errors: raised by every layer (the database, ids, the core), each carrying the data a caller needs.

Each dialect renders them in its own envelope (``http/errors.py`` classifies them once).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class NotFound(DomainError):
    """The resource does not exist, or the caller may not see it."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} not found")
        self.kind = kind
        self.ident = ident


class Invalid(DomainError):
    """Input that breaks a rule; ``field`` names the offending input."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class Conflict(DomainError):
    """The request is well formed but clashes with the resource's current state."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(DomainError):
    """The caller is known but lacks the permission needed."""

    def __init__(self, needed: str) -> None:
        super().__init__(f"this token lacks the {needed!r} scope")
        self.needed = needed


class TokenMissing(DomainError):
    """No credentials came with the request."""


class TokenInvalid(DomainError):
    """Credentials came, but match no live token (unknown or revoked)."""


class SignatureInvalid(DomainError):
    """A push from a git host whose signature or token (``scheme``, the header) does not match the project's secret.

    An unknown project and one without a secret are refused alike, so the answer tells a prober nothing.
    """

    def __init__(self, scheme: str) -> None:
        super().__init__(f"the push's {scheme} does not match the project's git push secret")
        self.scheme = scheme


class RateLimited(DomainError):
    """The token spent its budget; it may try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded, retry in {retry_after} s")
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A backing service (database, Redis) cannot be reached right now; ``reason`` says why, when known."""

    def __init__(self, service: str, reason: str = "") -> None:
        super().__init__(f"{service} is unavailable" + (f": {reason}" if reason else ""))
        self.service = service
        self.reason = reason


class NotMigrated(DomainError):
    """The database does not exist (``exists`` false), holds no ghee schema (``revision`` ``None``) or another one.

    ``known`` is false for a revision newer than this ghee's ``head``.
    """

    def __init__(
        self, database: str, revision: str | None, head: str, *, known: bool = True, exists: bool = True
    ) -> None:
        if not exists:
            state = "does not exist yet: run `ghee migrate` first"
        elif revision is None:
            state = "has no ghee schema yet: run `ghee migrate` first"
        elif known:
            state = f"is at schema revision {revision}, older than this ghee's {head}: run `ghee migrate`"
        else:
            state = f"is at schema revision {revision}, which this ghee does not know: it needs a newer ghee"
        super().__init__(f"the database at {database} {state}")
        self.database = database
        self.revision = revision
        self.head = head
        self.known = known
        self.exists = exists


class TimedOut(DomainError):
    """Work ran past its time budget and was given up; it may succeed when tried again later."""

    def __init__(self, work: str, seconds: float) -> None:
        super().__init__(f"{work} took longer than {seconds:g} s")
        self.work = work
        self.seconds = seconds
