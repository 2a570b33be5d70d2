"""Adding or editing a Jenkins connection: check the server and the credentials, then store them, the token sealed.

The URL passes the same SSRF guard as webhook targets (``ghee.delivery.ssrf``):
no credentials in it, and no private, loopback or link-local address unless
``GHEE_JENKINS_ALLOW_PRIVATE`` allows a Jenkins on the local network. A
server that does not answer, answers something other than Jenkins, or whose
port is closed gets the same words, so the form cannot map a network.
Jenkins is asked with no transaction open.

An edit may keep the sealed token, but only for a server at the same origin
(scheme, host and port): a stored token is never sent to a server the person
editing could choose without knowing it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ghee.config import Settings
from ghee.core.connections import (
    Connection,
    ConnectionChange,
    NewConnection,
    check_connection_change,
    check_editable,
    check_new_connection,
    create_connection,
    credentials_of,
    get_connection,
    update_connection,
)
from ghee.db.database import Database
from ghee.db.sealing import SealBroken, sealer_for
from ghee.delivery.ssrf import TargetRefused, check_url_shape, resolve_target
from ghee.errors import Invalid
from ghee.integrations.jenkins.client import (
    JenkinsClient,
    JenkinsFailed,
    JenkinsRefused,
    JenkinsUnreachable,
    check_base_url,
)

NO_JENKINS = "no Jenkins answered at this URL: check the address, the port and that it is Jenkins' root URL"
PRIVATE_HINT = "; set GHEE_JENKINS_ALLOW_PRIVATE=1 to connect to a Jenkins on your own network"
ASK_AGAIN_FOR_NEW_SERVER = "a URL on another server needs its API token: enter it again"
ASK_AGAIN_AFTER_KEY_CHANGE = "the stored token can no longer be opened (GHEE_SECRET_KEY changed): enter it again"


async def add_connection(db: Database, settings: Settings, new: NewConnection) -> Connection:
    """Store a connection once Jenkins accepted its credentials; emits ``connection.created``.

    Raises ``Invalid`` for a malformed field, a refused address, an
    unreachable server or one that is not Jenkins (``url``), or credentials
    Jenkins refuses (``token``); ``Conflict`` when the name is taken.
    """
    new = check_new_connection(new)
    url = await checked_with_jenkins(settings, new.url, new.username, new.token)
    async with db.write() as work:
        return await create_connection(work, sealer_for(settings), new, url)


async def edit_connection(db: Database, settings: Settings, public_id: str, change: ConnectionChange) -> Connection:
    """Change a connection's URL, user and (unless ``change.token`` is ``None``) token once Jenkins accepted them.

    Emits ``connection.updated``; nothing is written when a check fails.
    Raises ``Invalid`` as ``add_connection`` does, and for a kept token with a
    URL on another server or one that can no longer be opened (``token``);
    ``NotFound``; ``Conflict`` for the demo's sample Jenkins.
    """
    change = check_connection_change(change)
    found = await get_connection(db.read(), public_id)
    check_editable(found)  # before anything is asked of the demo's server, which does not exist
    token = change.token
    if token is None:
        if _origin(change.url) != _origin(found.url):
            raise Invalid("token", ASK_AGAIN_FOR_NEW_SERVER)
        try:
            token = (await credentials_of(db.read(), sealer_for(settings), found.id)).token
        except SealBroken as exc:
            raise Invalid("token", ASK_AGAIN_AFTER_KEY_CHANGE) from exc
    url = await checked_with_jenkins(settings, change.url, change.username, token)
    async with db.write() as work:
        return await update_connection(work, sealer_for(settings), public_id, change, url)


async def checked_with_jenkins(settings: Settings, url: str, username: str, token: str) -> str:
    """``url`` normalised once Jenkins there accepted ``username`` and ``token``.

    Raises ``Invalid``: ``url`` for a malformed or refused address, an
    unreachable server or one that is not Jenkins; ``token`` for credentials
    Jenkins refuses.
    """
    try:
        url = check_base_url(check_url_shape(url))
    except ValueError as exc:
        raise Invalid("url", str(exc)) from exc
    try:
        await resolve_target(url, allow_private=settings.jenkins_allow_private)
    except TargetRefused as exc:
        hint = "" if settings.jenkins_allow_private else PRIVATE_HINT
        raise Invalid("url", exc.reason + (hint if "non-public" in exc.reason else "")) from exc
    try:
        async with JenkinsClient(url, username, token) as client:
            await client.check()
    except JenkinsRefused as exc:
        raise Invalid("token", str(exc)) from exc
    except (JenkinsUnreachable, JenkinsFailed) as exc:
        raise Invalid("url", NO_JENKINS) from exc
    return url


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url`` (``None`` for a port that cannot be read), compared without case."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port
