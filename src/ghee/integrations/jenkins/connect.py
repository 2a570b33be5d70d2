"""Adding a Jenkins connection: check the server and the credentials, then store it with the token sealed.

The URL passes the same SSRF guard as webhook targets (``ghee.delivery.ssrf``):
no credentials in it, and no private, loopback or link-local address unless
``GHEE_JENKINS_ALLOW_PRIVATE`` allows a Jenkins on the local network. A
server that does not answer, answers something other than Jenkins, or whose
port is closed gets the same words, so the form cannot map a network.
Jenkins is asked with no transaction open.
"""

from __future__ import annotations

from ghee.config import Settings
from ghee.core.connections import Connection, NewConnection, check_new_connection, create_connection
from ghee.db.database import Database
from ghee.db.sealing import sealer_for
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


async def add_connection(db: Database, settings: Settings, new: NewConnection) -> Connection:
    """Store a connection once Jenkins accepted its credentials; emits ``connection.created``.

    Raises ``Invalid`` for a malformed field, a refused address, an
    unreachable server or one that is not Jenkins (``url``), or credentials
    Jenkins refuses (``token``); ``Conflict`` when the name is taken.
    """
    new = check_new_connection(new)
    try:
        url = check_base_url(check_url_shape(new.url))
    except ValueError as exc:
        raise Invalid("url", str(exc)) from exc
    try:
        await resolve_target(url, allow_private=settings.jenkins_allow_private)
    except TargetRefused as exc:
        hint = "" if settings.jenkins_allow_private else PRIVATE_HINT
        raise Invalid("url", exc.reason + (hint if "non-public" in exc.reason else "")) from exc
    try:
        async with JenkinsClient(url, new.username, new.token) as client:
            await client.check()
    except JenkinsRefused as exc:
        raise Invalid("token", str(exc)) from exc
    except (JenkinsUnreachable, JenkinsFailed) as exc:
        raise Invalid("url", NO_JENKINS) from exc
    async with db.write() as work:
        return await create_connection(work, sealer_for(settings), new, url)
