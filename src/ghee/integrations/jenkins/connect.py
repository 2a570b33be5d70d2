"""Adding a Jenkins connection: check the server and the credentials, then store it with the token sealed."""

from __future__ import annotations

from ghee.config import Settings
from ghee.core.connections import Connection, NewConnection, check_new_connection, create_connection
from ghee.core.credentials import sealer_for
from ghee.db.database import Write
from ghee.errors import Invalid
from ghee.integrations.jenkins.client import (
    JenkinsClient,
    JenkinsFailed,
    JenkinsRefused,
    JenkinsUnreachable,
    check_base_url,
)


async def add_connection(work: Write, settings: Settings, new: NewConnection) -> Connection:
    """Store a connection once Jenkins accepted its credentials; emits ``connection.created``.

    Raises ``Invalid`` for a malformed field, an unreachable server, a server
    that is not Jenkins (``url``) or credentials Jenkins refuses (``token``);
    ``Conflict`` when the name is taken.
    """
    new = check_new_connection(new)
    try:
        url = check_base_url(new.url)
    except ValueError as exc:
        raise Invalid("url", str(exc)) from exc
    try:
        async with JenkinsClient(url, new.username, new.token) as client:
            await client.check()
    except JenkinsRefused as exc:
        raise Invalid("token", str(exc)) from exc
    except (JenkinsUnreachable, JenkinsFailed) as exc:
        raise Invalid("url", str(exc)) from exc
    return await create_connection(work, sealer_for(settings), new, url)
