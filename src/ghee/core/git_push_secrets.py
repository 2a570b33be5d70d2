"""A project's git push secret: what GitHub, Gitea and Forgejo sign their push webhooks with, GitLab sends.

One secret per project, made when first asked for and replaced on rotation
(the previous one stops working at once). It is stored sealed with the
installation's key (``ghee.db.sealing``), not hashed: checking an HMAC
signature needs the secret itself. Only the CLI shows it
(``ghee git secret``); no HTTP answer and no log line carries it.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.inserts import insert_unless_taken
from ghee.core.projects import project_public_id
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.sealing import SealBroken, Sealer
from ghee.db.tables import git_push_secrets

SECRET_BYTES = 32
MAX_SECRET = 200  # what a host may send back as X-Gitlab-Token; longer is refused before any comparison

_SEALED = sa.select(git_push_secrets.c.secret).where(git_push_secrets.c.project_id == sa.bindparam("project_id"))


async def stored_git_push_secret(reads: Reads, sealer: Sealer, project_id: int) -> str | None:
    """The project's git push secret, or ``None`` when it has none (or the installation's key changed)."""
    row = await reads.first(_SEALED, {"project_id": project_id})
    if row is None:
        return None
    try:
        return sealer.open(row[0])
    except SealBroken:
        return None  # sealed under another key: every push is refused until the secret is rotated


async def git_push_secret(work: Write, sealer: Sealer, project_id: int) -> str:
    """The project's git push secret, made now if it has none (or one no longer readable)."""
    stored = await stored_git_push_secret(work, sealer, project_id)
    if stored is not None:
        return stored
    secret = secrets.token_urlsafe(SECRET_BYTES)
    inserted = await work.scalar(
        insert_unless_taken(work, git_push_secrets)
        .values(project_id=project_id, secret=sealer.seal(secret), created_at=utcnow())
        .returning(git_push_secrets.c.project_id)
    )
    if inserted is None:  # another process made one a moment ago, or the stored one is sealed under an old key
        return await rotate_git_push_secret(work, sealer, project_id)
    await _issued(work, project_id)
    return secret


async def rotate_git_push_secret(work: Write, sealer: Sealer, project_id: int) -> str:
    """A new git push secret for the project; the previous one stops working."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    values = {"secret": sealer.seal(secret), "created_at": utcnow()}
    changed = await work.execute(
        git_push_secrets.update().where(git_push_secrets.c.project_id == project_id).values(**values)
    )
    if not changed.rowcount:
        await work.execute(git_push_secrets.insert().values(project_id=project_id, **values))
    await _issued(work, project_id)
    return secret


async def _issued(work: Write, project_id: int) -> None:
    public_id = project_public_id(project_id)
    await record_event(
        work,
        "project.git_secret_issued",
        resource_type="project",
        resource_id=public_id,
        project_id=project_id,
        payload={"id": public_id},
    )
