"""The relational schema every dialect reads and writes.

Timestamps are naive UTC ``DateTime`` values; public ids are derived from the
integer primary keys (see ``ghee.ids``), except changelists, whose public id is
their number.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _pk() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(name, BigId, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


projects = sa.Table(
    "projects",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("engine", sa.String(40), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("name", name="uq_projects_name"),
)

changelists = sa.Table(
    "changelists",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    sa.Column("number", sa.BigInteger(), nullable=False),
    sa.Column("public_id", sa.String(80), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("submitted_at", sa.DateTime(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("project_id", "number", name="uq_changelists_project_number"),
    sa.UniqueConstraint("public_id", name="uq_changelists_public_id"),
    # A git commit's id (migration 0022); NULL for Perforce changes. One changelist per commit and project.
    sa.Column("revision", sa.String(64), nullable=True),
    sa.Index("uq_changelists_project_revision", "project_id", "revision", unique=True),
)

# The secret each project's git host signs its pushes with (migration 0022), sealed (``ghee.db.sealing``).
git_push_secrets = sa.Table(
    "git_push_secrets",
    metadata,
    sa.Column("project_id", BigId, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("secret", sa.String(500), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)

assets = sa.Table(
    "assets",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("approval_status", sa.String(20), nullable=False),
    sa.Column("deleted", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("project_id", "path", name="uq_assets_project_path"),
)

changelist_files = sa.Table(
    "changelist_files",
    metadata,
    _pk(),
    _fk("changelist_id", "changelists.id"),
    _fk("asset_id", "assets.id"),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Index("ix_changelist_files_asset", "asset_id", "changelist_id"),
    sa.Index("ix_changelist_files_changelist", "changelist_id"),
)

builds = sa.Table(
    "builds",
    metadata,
    _pk(),
    # A project numbers its own builds; a build from a Jenkins job (migration
    # 0005) carries the job's number and belongs to the job's project, if any.
    _fk("project_id", "projects.id", nullable=True),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("platform", sa.String(60), nullable=False),
    sa.Column("configuration", sa.String(60), nullable=False),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("changelist", sa.String(80), nullable=True),
    _fk("changelist_id", "changelists.id", nullable=True, ondelete="SET NULL"),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=True),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
    # What a CI server reports (migration 0005); NULL on builds a project made itself.
    _fk("job_id", "jobs.id", nullable=True),
    sa.Column("result", sa.String(20), nullable=True),  # Jenkins: SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT
    sa.Column("duration_ms", sa.BigInteger(), nullable=True),
    sa.Column("queue_ms", sa.BigInteger(), nullable=True),
    sa.Column("commit", sa.String(64), nullable=True),
    sa.Column("causes", sa.JSON(), nullable=True),
    sa.Column("parameters", sa.JSON(), nullable=True),
    sa.Column("agent", sa.String(255), nullable=True),
    sa.Column("label", sa.String(255), nullable=True),
    sa.Column("queue_id", sa.BigInteger(), nullable=True),
    sa.Column("url", sa.String(2048), nullable=True),
    sa.Column("failure_category", sa.String(60), nullable=True),
    # The log line that gave the category, and the byte where it starts in the log (migration 0018).
    sa.Column("failure_line", sa.String(500), nullable=True),
    sa.Column("failure_line_at", sa.BigInteger(), nullable=True),
    sa.Column("log_bytes", sa.BigInteger(), nullable=True),  # console text stored so far (build_log_chunks)
    sa.Column("log_complete", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Index(
        "uq_builds_project_number",
        "project_id",
        "number",
        unique=True,
        sqlite_where=sa.text("job_id IS NULL"),
        postgresql_where=sa.text("job_id IS NULL"),
    ),
    sa.Index("uq_builds_job_number", "job_id", "number", unique=True),
    sa.Index("ix_builds_job_started", "job_id", "started_at"),
    # A project's builds newest first by when they were queued, whatever fed them (migration 0014).
    sa.Index("ix_builds_project_queued", "project_id", "created_at", "id"),
    sa.Index("ix_builds_project_status_queued", "project_id", "status", "created_at", "id"),
    sa.Index("ix_builds_project_branch_queued", "project_id", "branch", "created_at", "id"),
    # The builds running now, which the follower reads every 2 seconds (migration 0015).
    sa.Index("ix_builds_status_job", "status", "job_id"),
)

# Builds ghee must start on a Jenkins job: a trigger writes the row with the
# build, and the dispatcher (``ghee.integrations.jenkins.dispatch``) calls
# Jenkins outside any transaction, then follows the queue item to the
# build's number (migration 0014).
build_dispatches = sa.Table(
    "build_dispatches",
    metadata,
    sa.Column("build_id", BigId, sa.ForeignKey("builds.id", ondelete="CASCADE"), primary_key=True),
    _fk("job_id", "jobs.id"),
    sa.Column("state", sa.String(20), nullable=False),  # waiting (to be sent), queued (following), failed
    sa.Column("queue_id", sa.BigInteger(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Index("ix_build_dispatches_due", "state", "next_attempt_at"),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    _pk(),
    _fk("build_id", "builds.id"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("build_id", "name", name="uq_artifacts_build_name"),
)

deployments = sa.Table(
    "deployments",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    _fk("build_id", "builds.id"),
    sa.Column("platform", sa.String(60), nullable=False),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("deployed_at", sa.DateTime(), nullable=True),
    sa.Column("superseded_at", sa.DateTime(), nullable=True),
    sa.Index("ix_deployments_project_recent", "project_id", "id"),
    sa.Index("ix_deployments_target", "project_id", "platform", "branch", "status"),
)

users = sa.Table(
    "users",
    metadata,
    _pk(),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("is_admin", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("disabled_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("email", name="uq_users_email"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    _fk("user_id", "users.id"),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    sa.Index("ix_sessions_user_id", "user_id"),
)

tokens = sa.Table(
    "tokens",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(10), nullable=False),
    _fk("project_id", "projects.id", nullable=True),
    sa.Column("rate_limit", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_used_at", sa.DateTime(), nullable=True),
    sa.Column("revoked_at", sa.DateTime(), nullable=True),
    _fk("user_id", "users.id", nullable=True),
    sa.Column("expires_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_tokens_token_hash"),
    sa.Index("ix_tokens_user_id", "user_id"),
)

events = sa.Table(
    "events",
    metadata,
    _pk(),
    sa.Column("type", sa.String(60), nullable=False),
    sa.Column("resource_type", sa.String(40), nullable=False),
    sa.Column("resource_id", sa.String(80), nullable=False),
    _fk("project_id", "projects.id", nullable=True, ondelete="SET NULL"),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    # PostgreSQL: the writing transaction's id, set by the column's default
    # (migration 0008, with an index on (txid, id)); NULL on SQLite.
    sa.Column("txid", sa.BigInteger(), nullable=True),
    sa.Index("ix_events_type", "type", "id"),
    sa.Index("ix_events_resource", "resource_type", "resource_id", "id"),
)


# ButterCMS blog: authors, categories, tags, posts (migration 0002)

blog_authors = sa.Table(
    "blog_authors",
    metadata,
    _pk(),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("bio", sa.Text(), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("linkedin_url", sa.String(2048), nullable=False),
    sa.Column("facebook_url", sa.String(2048), nullable=False),
    sa.Column("pinterest_url", sa.String(2048), nullable=False),
    sa.Column("instagram_url", sa.String(2048), nullable=False),
    sa.Column("twitter_handle", sa.String(200), nullable=False),
    sa.Column("profile_image", sa.String(2048), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("slug", name="uq_blog_authors_slug"),
    sa.Index("ix_blog_authors_email", "email"),
)

blog_categories = sa.Table(
    "blog_categories",
    metadata,
    _pk(),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("slug", name="uq_blog_categories_slug"),
)

blog_tags = sa.Table(
    "blog_tags",
    metadata,
    _pk(),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("slug", name="uq_blog_tags_slug"),
)

# Full-text search lives beside this table, per database (migrations 0002,
# 0021 and 0026), over the published posts only: SQLite FTS5 tables
# ``blog_posts_fts`` and ``blog_post_titles_fts`` kept by triggers, PostgreSQL
# a generated column ``search`` (the weighted tsvector of title and body) and
# the titles' tsvector, each with a GIN index partial on ``status =
# 'published'``, and ``blog_search_words`` (how many live posts hold each
# word) kept by triggers. None is declared here: see ``ghee.core.blog.search``.
blog_posts = sa.Table(
    "blog_posts",
    metadata,
    _pk(),
    sa.Column("slug", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("seo_title", sa.String(500), nullable=False),
    sa.Column("meta_description", sa.Text(), nullable=False),
    sa.Column("featured_image", sa.String(2048), nullable=True),
    _fk("author_id", "blog_authors.id", nullable=True, ondelete="SET NULL"),
    sa.Column("published_at", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    # The working draft of a published post, JSON text (migration 0020; ghee.core.blog.drafts).
    sa.Column("draft", sa.Text(), nullable=True),
    sa.Column("scheduled_at", sa.DateTime(), nullable=True),
    # The project whose website shows the post (its patch notes; migration 0020), or NULL.
    _fk("project_id", "projects.id", nullable=True, ondelete="SET NULL"),
    sa.UniqueConstraint("slug", name="uq_blog_posts_slug"),
    sa.Index("ix_blog_posts_status_published", "status", "published_at", "id"),
    sa.Index("ix_blog_posts_author", "author_id"),
    sa.Index("ix_blog_posts_scheduled", "scheduled_at"),
)

# How many posts have each status ('draft', 'published'), kept by triggers
# that migration 0002 creates on blog_posts.
blog_post_counts = sa.Table(
    "blog_post_counts",
    metadata,
    sa.Column("status", sa.String(20), primary_key=True),
    sa.Column("posts", sa.Integer(), nullable=False),
)

blog_post_categories = sa.Table(
    "blog_post_categories",
    metadata,
    _fk("post_id", "blog_posts.id"),
    _fk("category_id", "blog_categories.id"),
    sa.PrimaryKeyConstraint("post_id", "category_id", name="pk_blog_post_categories"),
    sa.Index("ix_blog_post_categories_category", "category_id", "post_id"),
)

blog_post_tags = sa.Table(
    "blog_post_tags",
    metadata,
    _fk("post_id", "blog_posts.id"),
    _fk("tag_id", "blog_tags.id"),
    sa.PrimaryKeyConstraint("post_id", "tag_id", name="pk_blog_post_tags"),
    sa.Index("ix_blog_post_tags_tag", "tag_id", "post_id"),
)


# ButterCMS pages, content fields and collections (migration 0003)
# A page type or a collection: its key and its field schema (JSON text, see ghee.core.content.fields).
content_schemas = sa.Table(
    "content_schemas",
    metadata,
    _pk(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("fields", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("kind", "key", name="uq_content_schemas_kind_key"),
)

# A page (scope: its page type's key, "*" for a single page), a collection item
# (scope: its collection's key, no slug) or a content field (scope "", slug: its key).
content_entries = sa.Table(
    "content_entries",
    metadata,
    _pk(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("scope", sa.String(100), nullable=False),
    sa.Column("slug", sa.String(200), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Column("published_at", sa.DateTime(), nullable=True),
    # The working draft of a published entry, JSON text (migration 0020; ghee.core.content.entries).
    sa.Column("draft", sa.Text(), nullable=True),
    sa.Column("scheduled_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("kind", "scope", "slug", name="uq_content_entries_kind_scope_slug"),
    sa.Index("ix_content_entries_scope", "kind", "scope", "id"),
    sa.Index("ix_content_entries_scheduled", "scheduled_at"),
)

# Every publication of a post ("post") or an entry ("page", "item", "field"): the live
# version it made, as JSON text, numbered per post or entry (migration 0020; ghee.core.revisions).
content_revisions = sa.Table(
    "content_revisions",
    metadata,
    _pk(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("entry_id", BigId, nullable=False),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("editor", sa.String(200), nullable=False),
    sa.Column("changed", sa.Text(), nullable=False),
    sa.Column("snapshot", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("kind", "entry_id", "number", name="uq_content_revisions_number"),
)

# An entry's field values in one locale ("" is the default locale), as JSON text.
content_values = sa.Table(
    "content_values",
    metadata,
    _fk("entry_id", "content_entries.id"),
    sa.Column("locale", sa.String(20), nullable=False),
    sa.Column("fields", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("entry_id", "locale", name="pk_content_values"),
)


# Media: uploaded images (migration 0004)

media = sa.Table(
    "media",
    metadata,
    _pk(),
    sa.Column("handle", sa.String(32), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(40), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("width", sa.Integer(), nullable=False),
    sa.Column("height", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("handle", name="uq_media_handle"),
)


# Jenkins (migration 0005): connections to servers, the jobs found on them.
# Their builds are rows of ``builds`` with ``job_id`` set.

connections = sa.Table(
    "connections",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("username", sa.String(200), nullable=False),
    sa.Column("token_encrypted", sa.Text(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # new, ok, error
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("failures", sa.Integer(), nullable=False),  # consecutive failed passes, for backoff
    sa.Column("last_sync_at", sa.DateTime(), nullable=True),
    sa.Column("next_sync_at", sa.DateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(80), nullable=True),  # the worker running a pass, until lease_until
    sa.Column("lease_until", sa.DateTime(), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    # Requests a sync pass keeps in flight to this server (migration 0014).
    sa.Column("concurrency", sa.Integer(), server_default=sa.text("8"), nullable=False),
    # SHA-256 of the secret Jenkins' Notification plugin pushes with (migration 0015); NULL: no push URL yet.
    sa.Column("push_secret_hash", sa.String(64), nullable=True),
    # Which project a job belongs to by where it sits (``ghee.core.jobs.link_rules``, migration 0015).
    sa.Column("link_rules", sa.JSON(), nullable=True),
    # Deleting a connection archives it: no more syncing, its history kept and counted (migration 0015).
    sa.Column("archived_at", sa.DateTime(), nullable=True),
    # The demo's sample Jenkins (``ghee demo``): shown like any other, never contacted (migration 0015).
    sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.UniqueConstraint("name", name="uq_connections_name"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    _pk(),
    _fk("connection_id", "connections.id"),
    _fk("project_id", "projects.id", nullable=True, ondelete="SET NULL"),
    sa.Column("full_name", sa.String(1024), nullable=False),  # "folder/sub/job", unique per connection
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("folder", sa.String(1024), nullable=False),  # "/pipelines", "/" at the top
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),  # freestyle, pipeline, branch (of a multibranch), matrix
    sa.Column("branch", sa.String(255), nullable=True),
    sa.Column("last_build_number", sa.Integer(), nullable=True),
    sa.Column("last_result", sa.String(20), nullable=True),
    sa.Column("flaky", sa.Boolean(), nullable=False),
    sa.Column("deleted", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    # A push said the job moved: the follower syncs it at once, then clears this (migration 0015).
    sa.Column("nudged_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("connection_id", "full_name", name="uq_jobs_connection_full_name"),
    sa.Index("ix_jobs_folder", "folder", "id"),
    sa.Index("ix_jobs_project", "project_id"),
    sa.Index("ix_jobs_nudged", "nudged_at"),
)

build_stages = sa.Table(
    "build_stages",
    metadata,
    _fk("build_id", "builds.id"),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),  # wfapi: SUCCESS, FAILED, ABORTED, IN_PROGRESS, ...
    sa.Column("started_at", sa.DateTime(), nullable=True),
    sa.Column("duration_ms", sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint("build_id", "position", name="pk_build_stages"),
)

# A build's console text, in the pieces it was fetched in: each row holds
# ``length`` bytes of text starting at byte ``offset``, zlib-compressed.
build_log_chunks = sa.Table(
    "build_log_chunks",
    metadata,
    _fk("build_id", "builds.id"),
    sa.Column("offset", sa.BigInteger(), nullable=False),
    sa.Column("length", sa.Integer(), nullable=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint("build_id", "offset", name="pk_build_log_chunks"),
)


# Events consumers and webhooks (migration 0008)

# Events not yet handed to their consumers (webhook fan-out, patch notes):
# ``record_event`` adds the row in the writer's transaction, the outbox loop
# deletes it in the transaction that fans the event out, so each event is
# handed on exactly once even if commits land out of id order.
event_queue = sa.Table(
    "event_queue",
    metadata,
    sa.Column("event_id", BigId, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    _pk(),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("event_types", sa.JSON(), nullable=False),
    sa.Column("headers", sa.JSON(), nullable=False),
    sa.Column("secret", sa.String(3000), nullable=False),  # sealed (0019); a chat subscription's URL (0024)
    sa.Column("description", sa.String(500), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("disabled_reason", sa.String(500), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    # standard, slack, discord or teams; a chat subscription's url is masked, the URL sealed in secret (0024)
    sa.Column("format", sa.String(20), server_default="standard", nullable=False),
    sa.Column("projects", sa.JSON(), nullable=True),  # project row ids; NULL: every project
    sa.Column("branches", sa.JSON(), nullable=True),  # branch names; NULL: every branch
    sa.Column("quiet_minutes", sa.Integer(), server_default="0", nullable=False),
)

# When a chat subscription last sent a "failed" message for a job (its quiet period, 0024).
chat_quiet = sa.Table(
    "chat_quiet",
    metadata,
    sa.Column(
        "subscription_id", BigId, sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("job_key", sa.String(130), primary_key=True),
    sa.Column("failed_at", sa.DateTime(), nullable=False),
)

# One event to one subscription. ``state`` is pending, delivered or dead; a
# pending row is claimable once ``next_attempt_at`` has passed and its lease
# (``lease_until``, held by ``lease_token``) is absent or expired.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    _pk(),
    _fk("subscription_id", "webhook_subscriptions.id"),
    _fk("event_id", "events.id"),
    sa.Column("event_type", sa.String(60), nullable=False),
    sa.Column("resource_key", sa.String(130), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
    sa.Column("lease_until", sa.DateTime(), nullable=True),
    sa.Column("lease_token", sa.String(40), nullable=True),
    sa.Column("last_status", sa.Integer(), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
    sa.Column("message", sa.Text(), nullable=True),  # a chat delivery's body, composed at fan-out (0024)
    # Pending deliveries in id order: a claim walks them oldest first and stops at its limit.
    sa.Index("ix_webhook_deliveries_due", "state", "id"),
    sa.Index("ix_webhook_deliveries_order", "subscription_id", "resource_key", "event_id"),
    sa.Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    _pk(),
    _fk("delivery_id", "webhook_deliveries.id"),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("status_code", sa.Integer(), nullable=True),
    sa.Column("latency_ms", sa.Integer(), nullable=False),
    sa.Column("error", sa.String(500), nullable=True),
    sa.Column("response_excerpt", sa.Text(), nullable=False),
    sa.Index("ix_webhook_attempts_delivery", "delivery_id", "id"),
)

project_settings = sa.Table(
    "project_settings",
    metadata,
    sa.Column("project_id", BigId, sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("patch_notes", sa.Boolean(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    # Where the project's own website shows its posts, and who its patch-note drafts are written by
    # (migration 0020); NULL: the installation's GHEE_SITE_URL / GHEE_POST_URL, the blog's first author.
    sa.Column("site_url", sa.String(2048), nullable=True),
    sa.Column("post_path", sa.String(200), nullable=True),
    _fk("patch_notes_author_id", "blog_authors.id", nullable=True, ondelete="SET NULL"),
)
# Jenkins sync (migration 0009): where the next progressiveText read of a
# build's console starts, in Jenkins' own offsets (X-Text-Size), which count
# console notes the stored text leaves out.

builds.append_column(sa.Column("log_cursor", sa.BigInteger(), nullable=True))
# Build analytics (migration 0007): finished Jenkins builds summed per job,
# branch, label and hour or UTC day; see ``ghee.core.builds.rollups``.

build_rollups = sa.Table(
    "build_rollups",
    metadata,
    sa.Column("span_hours", sa.SmallInteger(), nullable=False),  # 1: one hour, 24: one UTC day
    sa.Column("start_hour", sa.Integer(), nullable=False),  # hours since 1970-01-01T00:00Z
    _fk("job_id", "jobs.id"),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("label", sa.String(255), nullable=False),  # "" for builds without a label
    sa.Column("successes", sa.Integer(), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("unstable", sa.Integer(), nullable=False),
    sa.Column("aborted", sa.Integer(), nullable=False),
    sa.Column("not_built", sa.Integer(), nullable=False),
    sa.Column("duration_count", sa.Integer(), nullable=False),  # builds with a known duration
    sa.Column("duration_sum_ms", sa.BigInteger(), nullable=False),
    sa.Column("queue_count", sa.Integer(), nullable=False),  # builds with a known queue time
    sa.Column("queue_sum_ms", sa.BigInteger(), nullable=False),
    sa.Column("durations", sa.LargeBinary(), nullable=False),  # ghee.core.builds.sketch encoding
    sa.PrimaryKeyConstraint("span_hours", "start_hour", "job_id", "branch", "label", name="pk_build_rollups"),
    sa.Index("ix_build_rollups_job", "job_id", "span_hours", "start_hour"),
)

# The same sums per dimension (migration 0007): every build once under "all"
# (key ""), its job (key: the job's row id), folder, label ("" for none) and
# branch, per hour and UTC day. What a request without a job filter reads.
build_dimension_rollups = sa.Table(
    "build_dimension_rollups",
    metadata,
    sa.Column("dimension", sa.String(8), nullable=False),  # all, job, folder, label, branch
    sa.Column("span_hours", sa.SmallInteger(), nullable=False),
    sa.Column("start_hour", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(1024), nullable=False),
    sa.Column("successes", sa.Integer(), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("unstable", sa.Integer(), nullable=False),
    sa.Column("aborted", sa.Integer(), nullable=False),
    sa.Column("not_built", sa.Integer(), nullable=False),
    sa.Column("duration_count", sa.Integer(), nullable=False),
    sa.Column("duration_sum_ms", sa.BigInteger(), nullable=False),
    sa.Column("queue_count", sa.Integer(), nullable=False),
    sa.Column("queue_sum_ms", sa.BigInteger(), nullable=False),
    sa.Column("durations", sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint("dimension", "span_hours", "start_hour", "key", name="pk_build_dimension_rollups"),
    sa.Index("ix_build_dimension_rollups_key", "dimension", "key", "span_hours", "start_hour"),  # one page's keys
)

# Whether a finished build is counted in build_rollups yet (migration 0007).
builds.append_column(sa.Column("rolled_up", sa.Boolean(), server_default=sa.false(), nullable=False))
# Failure classification and flakiness (migration 0006)

# A named cause of failed builds: regular expressions ("indications") searched
# in the console log, optionally a pattern a failed stage's name must match.
# The matching cause of highest priority gives a build its failure_category.
failure_causes = sa.Table(
    "failure_causes",
    metadata,
    _pk(),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("indications", sa.JSON(), nullable=False),  # list of regular expressions (Python syntax)
    sa.Column("stage_pattern", sa.String(500), nullable=True),
    sa.Column("priority", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("name", name="uq_failure_causes_name"),
)

# Why a job is flaky: one row per job whose jobs.flaky is true.
job_flakiness = sa.Table(
    "job_flakiness",
    metadata,
    sa.Column("job_id", BigId, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("detected_at", sa.DateTime(), nullable=False),
)

# How many of a job's builds succeeded and finished (SUCCESS, FAILURE, UNSTABLE,
# ABORTED; deleted builds left out), kept by triggers that migration 0006
# creates on builds: a job's success rate without counting its builds.
job_build_counts = sa.Table(
    "job_build_counts",
    metadata,
    sa.Column("job_id", BigId, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("succeeded", sa.Integer(), nullable=False),
    sa.Column("finished", sa.Integer(), nullable=False),
)


def _ids_never_reused() -> None:
    """Make every table with a row id ``AUTOINCREMENT`` on SQLite (migration 0016).

    Public ids are codes of row ids, so an id given twice would name a deleted
    resource's successor with its links and its history in the event log.
    SQLite otherwise gives a new row the largest id in use plus one, freeing
    the id of a deleted newest row; PostgreSQL's sequences never go back.
    """
    for table in metadata.tables.values():
        if "id" in table.c and table.c.id.autoincrement is True:
            table.dialect_options["sqlite"]["autoincrement"] = True


_ids_never_reused()
