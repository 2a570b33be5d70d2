"""The ``Content-Security-Policy`` header, set in one place for every answer that renders or could be rendered.

A router names its policy in its handlers' ``opt`` (``CSP_OPT``): the
dashboard's forbids any script but its own files, so HTML that slips into a
page cannot run. A JSON answer of an API dialect gets ``JSON_POLICY``: it is
never meant to render, so a browser opening one loads nothing and frames
nothing. Other answers (media files, feeds, the OpenAPI viewer) are left as
they were.
"""

from __future__ import annotations

from litestar.types import Message, Scope

CSP_OPT = "content_security_policy"
"""The key of a route handler's (or router's) ``opt`` holding the policy its answers carry."""

JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"

_HEADER = b"content-security-policy"


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"content-type" and b"json" in value for name, value in headers)


async def content_security_policy(message: Message, scope: Scope) -> None:
    """``before_send`` hook: add the handler's policy, or ``JSON_POLICY`` to a JSON answer, unless one is set."""
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", ()))
    if any(name == _HEADER for name, _ in headers):
        return
    handler = scope.get("route_handler")
    policy = handler.opt.get(CSP_OPT) if handler is not None else None
    if policy is None and _is_json(headers):
        policy = JSON_POLICY
    if isinstance(policy, str):
        message["headers"] = [*headers, (_HEADER, policy.encode())]
