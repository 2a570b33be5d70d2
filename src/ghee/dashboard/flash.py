"""A secret shown once after a form made it: post, redirect, then get the page that shows it.

The form's handler seals the secret into a short-lived ``ghee_flash`` cookie
(encrypted and authenticated with the installation's key, bound to the
session, readable for ``FLASH_SECONDS``) and redirects; the page it
redirects to takes the cookie and tells the browser to forget it. A reload
then neither re-posts the form nor shows the secret again, whichever
``ghee serve`` process answers, and no secret is ever stored server-side.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import Cookie

from ghee.dashboard.web import is_https, session_of
from ghee.db.sealing import SealBroken, sealer_for
from ghee.http.services import services_of

FLASH_COOKIE = "ghee_flash"
FLASH_SECONDS = 120


class Flash(msgspec.Struct, frozen=True):
    """What a page shows once: ``kind`` says which notice (``token``, ``webhook``), ``name`` what was made."""

    kind: str
    name: str
    secret: str


class _Sealed(msgspec.Struct, frozen=True):
    session: str
    flash: Flash


def _cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=FLASH_COOKIE,
        value=value,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        max_age=max_age,
    )


def keep_flash(request: Request[Any, Any, Any], response: Response[Any], flash: Flash) -> None:
    """Have ``response`` hand ``flash`` to the next page this session shows it on."""
    session = session_of(request)
    if session is None:  # the dashboard's guard lets no one post without a session
        return
    sealed = sealer_for(services_of(request.app.state).settings).seal(
        msgspec.json.encode(_Sealed(session.id, flash)).decode()
    )
    response.set_cookie(_cookie(request, sealed, FLASH_SECONDS))


def take_flash(request: Request[Any, Any, Any], kind: str) -> Flash | None:
    """The ``kind`` flash kept for this session, if any (the page then calls ``forget_flash``).

    A cookie too old, sealed with another key, of another session or of
    another kind gives ``None``.
    """
    sealed = request.cookies.get(FLASH_COOKIE)
    session = session_of(request)
    if not sealed or session is None:
        return None
    try:
        opened = msgspec.json.decode(
            sealer_for(services_of(request.app.state).settings).open(sealed, max_age=FLASH_SECONDS), type=_Sealed
        )
    except (SealBroken, msgspec.DecodeError, msgspec.ValidationError):
        return None  # a stale or foreign cookie shows nothing; forget_flash drops it all the same
    if opened.session != session.id or opened.flash.kind != kind:
        return None
    return opened.flash


def forget_flash(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    """Have ``response`` (the page that showed the flash) drop the cookie and stay out of every cache."""
    if FLASH_COOKIE in request.cookies:
        response.set_cookie(_cookie(request, "", 0))
        response.headers["cache-control"] = "no-store"
