"""failure causes: the knowledge base that classifies failed builds, and why jobs are flaky

A failure cause names a category and holds regular expressions searched in a
failed build's console log (and optionally a pattern for the name of the
stage that failed); the matching cause of highest priority gives the build its
``failure_category``. The defaults below cover what fails on a game studio's
Jenkins: tests, compilers, dependency downloads, lost agents, timeouts,
memory and disk, user aborts, Unreal cooks and shaders, code signing.
Admins edit them through ``/api/v1/failure-causes``.

Also: ``job_flakiness`` (why a job is flaky) and ``job_build_counts``, each
job's successful and finished builds, kept by triggers on ``builds`` so a
job's success rate is one row away however many builds it has. (On SQLite,
a later ``batch_alter_table("builds")`` that copies the table drops these
triggers: such a migration must create them again.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 19:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# (name, category, priority, stage pattern, description, indications). Higher priority wins
# when several causes match: a lost agent or a timeout explains the test failures logged before it.
DEFAULT_CAUSES: list[tuple[str, str, int, str | None, str, list[str]]] = [
    (
        "pipeline_timeout",
        "timeout",
        95,
        None,
        "The build or one of its steps ran past its time limit and Jenkins stopped it.",
        [
            r"Timeout has been exceeded",
            r"Cancelling nested steps due to timeout",
            r"Build timed out \(after \d+ \w+\)\. Marking the build as (aborted|failed)",
            r"Timeout of \d+ \w+ expired",
        ],
    ),
    (
        "aborted_by_user",
        "aborted_by_user",
        90,
        None,
        "Someone stopped the build, or rejected its input step.",
        [
            r"^Aborted by \S+",
            r"^Rejected by \S+",
            r"Click here to forcibly terminate running steps",
        ],
    ),
    (
        "out_of_memory",
        "out_of_memory",
        85,
        None,
        "A process ran out of memory or the kernel's OOM killer stopped it.",
        [
            r"java\.lang\.OutOfMemoryError",
            r"JavaScript heap out of memory",
            r"Killed signal terminated program",
            r"Cannot allocate memory",
            r"std::bad_alloc",
            r"(?i)\bout of memory\b",
            r"is out of heap space",
            r"OOMKilled",
            r"exit(ed with)? code 137\b",
            r"Ran out of memory allocating",
        ],
    ),
    (
        "disk_full",
        "disk_full",
        85,
        None,
        "The agent's disk filled up.",
        [
            r"No space left on device",
            r"\bENOSPC\b",
            r"There is not enough space on the disk",
            r"(?i)\bdisk (is )?full\b",
            r"(?i)not enough (free )?disk space",
            r"(?i)insufficient disk space",
        ],
    ),
    (
        "agent_lost",
        "infrastructure",
        80,
        None,
        "The connection to the build agent was lost, or the agent went away during the build.",
        [
            r"hudson\.remoting\.ChannelClosedException",
            r"hudson\.remoting\.RequestAbortedException",
            r"Agent went offline during the build",
            r"Cannot contact \S+: java\.lang\.InterruptedException",
            r"Backing channel '[^']*' is disconnected",
            r"wrapper script does not seem to be touching the log file",
            r"Remote call on \S+ failed",
            r"Agent \S+ was deleted",
            r"java\.nio\.channels\.ClosedChannelException",
        ],
    ),
    (
        "docker_unavailable",
        "infrastructure",
        80,
        None,
        "The agent's Docker daemon could not be reached, so no container could run.",
        [
            r"Cannot connect to the Docker daemon",
            r"error during connect: .*docker",
        ],
    ),
    (
        "code_signing",
        "code_signing",
        75,
        None,
        "Signing the app failed: missing certificate or provisioning profile, locked keychain, signtool error.",
        [
            r"Code Signing Error",
            r"No signing certificate",
            r"requires a provisioning profile",
            r"No profiles for '[^']*' were found",
            r"errSecInternalComponent",
            r"SignTool Error",
            r"Command CodeSign failed",
        ],
    ),
    (
        "scm_checkout",
        "scm_checkout",
        72,
        None,
        "Fetching the sources failed: git clone or fetch, Perforce sync, Git LFS.",
        [
            r"ERROR: Error cloning remote repo",
            r"ERROR: Error fetching remote repo",
            r"hudson\.plugins\.git\.GitException",
            r"ERROR: Checkout failed",
            r"P4: (Unable to connect|Task Exception)",
            r"com\.perforce\.p4java\.exception",
            r"(?i)git-lfs.*(smudge filter lfs failed|error downloading object)",
        ],
    ),
    (
        "dependency_fetch",
        "dependency_fetch",
        70,
        None,
        "Downloading dependencies failed: a registry unreachable, timing out, or missing a version.",
        [
            r"npm ERR! code (ETIMEDOUT|ECONNRESET|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|E404|E5\d\d)",
            r"npm ERR! network",
            r"error An unexpected error occurred: \"[^\"]*(ETIMEDOUT|ECONNRESET|ENOTFOUND|socket hang up)",
            r"Could not resolve dependencies for project",
            r"Could not transfer artifact",
            r"Could not resolve all (files|dependencies|artifacts) for configuration",
            r"Could not (GET|HEAD) 'https?://",
            r"Could not find a version that satisfies the requirement",
            r"ReadTimeoutError: HTTPSConnectionPool",
            r"Unable to load the service index for source",
            r"error NU1\d{3}:",
            r"go: .*(dial tcp|i/o timeout|TLS handshake timeout)",
            r"CDN: trunk URL couldn't be downloaded",
            r"error: failed to download from",
            r"Temporary failure in name resolution",
        ],
    ),
    (
        "shader_compile_error",
        "shader_compile_error",
        68,
        None,
        "Shaders failed to compile (Unreal's shader compiler, HLSL, Unity).",
        [
            r"LogShaderCompilers: (Error|Warning): .*(Failed to compile|error)",
            r"(?i)failed to compile (global )?shader",
            r"ShaderCompileWorker.*(crashed|exited with)",
            r"\berror X\d{4}:",
            r"Shader error in '[^']*'",
        ],
    ),
    (
        "unreal_cook_error",
        "cook_error",
        65,
        None,
        "Unreal's cook failed: content errors, missing assets, the cook commandlet crashed.",
        [
            r"LogCook: Error:",
            r"ERROR: Cook failed",
            r"Error_UnknownCookFailure",
            r"Cook failed\.",
            r"LogSavePackage: Error:",
        ],
    ),
    (
        "pipeline_script_error",
        "pipeline_error",
        62,
        None,
        "The Jenkinsfile itself is wrong: syntax, an unknown step, a sandbox refusal.",
        [
            r"WorkflowScript: \d+: ",
            r"groovy\.lang\.Missing(Property|Method)Exception",
            r"No such DSL method '",
            r"org\.jenkinsci\.plugins\.scriptsecurity\.sandbox\.RejectedAccessException",
        ],
    ),
    (
        "compilation_error",
        "compilation_error",
        60,
        None,
        "The code did not compile or link (javac, Kotlin, C/C++, C#, Swift, TypeScript, Rust, Go).",
        [
            r"^\S+\.(java|kt|scala):\d+: error:",
            r"^e: \S+\.kts?:",
            r"Compilation failed; see the compiler error output",
            r"COMPILATION ERROR",
            r"maven-compiler-plugin:[\d.]+:(test)?[cC]ompile .* failed",
            r"^\S+\.(c|cc|cpp|cxx|h|hpp|m|mm|swift):\d+:\d+: (fatal )?error:",
            r"\berror (C|CS|LNK|MSB)\d{4}:",
            r"\berror TS\d{4}:",
            r"^error\[E\d{4}\]",
            r"error: could not compile `",
            r"undefined reference to `",
            r"ld: symbol\(s\) not found",
            r"The following build commands failed:\s*\n\s*(CompileSwift|CompileC|Ld|SwiftCompile)",
            r"^\S+\.go:\d+:\d+: ",
        ],
    ),
    (
        "test_failure",
        "test_failure",
        50,
        None,
        "Tests ran and some failed (JUnit, pytest, Jest, Go, XCTest, dotnet, Unreal automation).",
        [
            r"Tests run: \d+, Failures: [1-9]",
            r"Tests run: \d+, Failures: \d+, Errors: [1-9]",
            r"There were failing tests",
            r"^FAILED \S+::\S+",
            r"=+ .*\b\d+ failed\b.* in [\d.]+s",
            r"Tests:\s+\d+ failed",
            r"^\s*\d+ failing$",
            r"^--- FAIL: ",
            r"\*\* TEST FAILED \*\*",
            r"Failed!\s+- Failed:\s+[1-9]",
            r"test result: FAILED",
            r"changed build result to UNSTABLE",
            r"Test Suite '[^']*' failed",
            r"(?i)automation test .*(failed|fail)\b",
        ],
    ),
    (
        "failed_test_stage",
        "test_failure",
        5,
        r"(?i)\btests?\b",
        "A stage named for tests failed and nothing more specific was recognised in the log.",
        [],
    ),
]


# A build's share of its job's counts: finished (SUCCESS, FAILURE, UNSTABLE, ABORTED) and not deleted.
def _share(row: str) -> tuple[str, str]:
    finished = f"{row}.result IN ('SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED') AND NOT {row}.deleted"
    return (
        f"CASE WHEN {row}.result = 'SUCCESS' AND NOT {row}.deleted THEN 1 ELSE 0 END",
        f"CASE WHEN {finished} THEN 1 ELSE 0 END",
    )


_NEW_SUCCEEDED, _NEW_FINISHED = _share("new")
_OLD_SUCCEEDED, _OLD_FINISHED = _share("old")
_COUNT_NEW = (
    "INSERT INTO job_build_counts (job_id, succeeded, finished) "
    f"SELECT new.job_id, {_NEW_SUCCEEDED}, {_NEW_FINISHED} WHERE new.job_id IS NOT NULL "
    "ON CONFLICT (job_id) DO UPDATE SET succeeded = job_build_counts.succeeded + excluded.succeeded, "
    "finished = job_build_counts.finished + excluded.finished"
)
_UNCOUNT_OLD = (
    f"UPDATE job_build_counts SET succeeded = succeeded - {_OLD_SUCCEEDED}, "  # noqa: S608 (constants, no input)
    f"finished = finished - {_OLD_FINISHED} WHERE job_id = old.job_id"
)
_SQLITE_COUNTS = [
    f"CREATE TRIGGER builds_job_counts_insert AFTER INSERT ON builds BEGIN {_COUNT_NEW}; END",
    f"CREATE TRIGGER builds_job_counts_delete AFTER DELETE ON builds BEGIN {_UNCOUNT_OLD}; END",
    (
        "CREATE TRIGGER builds_job_counts_update AFTER UPDATE OF job_id, result, deleted ON builds "
        f"BEGIN {_UNCOUNT_OLD}; {_COUNT_NEW}; END"
    ),
]
_POSTGRES_COUNTS = [
    (
        "CREATE FUNCTION builds_job_counts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_UNCOUNT_OLD}; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_COUNT_NEW}; END IF; "
        "RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER builds_job_counts_change AFTER INSERT OR DELETE ON builds "
        "FOR EACH ROW EXECUTE FUNCTION builds_job_counts()"
    ),
    (
        "CREATE TRIGGER builds_job_counts_update AFTER UPDATE OF job_id, result, deleted ON builds "
        "FOR EACH ROW EXECUTE FUNCTION builds_job_counts()"
    ),
]
_BACKFILL = (
    "INSERT INTO job_build_counts (job_id, succeeded, finished) "
    "SELECT job_id, "
    "sum(CASE WHEN result = 'SUCCESS' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN result IN ('SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED') THEN 1 ELSE 0 END) "
    "FROM builds WHERE job_id IS NOT NULL AND NOT deleted GROUP BY job_id"
)


def upgrade() -> None:
    causes = op.create_table(
        "failure_causes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("indications", sa.JSON(), nullable=False),
        sa.Column("stage_pattern", sa.String(length=500), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failure_causes")),
        sa.UniqueConstraint("name", name="uq_failure_causes_name"),
    )
    op.create_table(
        "job_flakiness",
        sa.Column("job_id", _ID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_flakiness_job_id_jobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_flakiness")),
    )
    op.create_table(
        "job_build_counts",
        sa.Column("job_id", _ID, nullable=False),
        sa.Column("succeeded", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_build_counts_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_build_counts")),
    )
    op.execute(_BACKFILL)
    for statement in _POSTGRES_COUNTS if op.get_bind().dialect.name == "postgresql" else _SQLITE_COUNTS:
        op.execute(statement)
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        causes,
        [
            {
                "name": name,
                "category": category,
                "priority": priority,
                "stage_pattern": stage_pattern,
                "description": description,
                "indications": indications,
                "created_at": now,
                "updated_at": now,
            }
            for name, category, priority, stage_pattern, description, indications in DEFAULT_CAUSES
        ],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS builds_job_counts_change ON builds")
        op.execute("DROP TRIGGER IF EXISTS builds_job_counts_update ON builds")
        op.execute("DROP FUNCTION IF EXISTS builds_job_counts()")
    else:
        for trigger in ("builds_job_counts_insert", "builds_job_counts_delete", "builds_job_counts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("job_build_counts")
    op.drop_table("job_flakiness")
    op.drop_table("failure_causes")
