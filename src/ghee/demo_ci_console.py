"""What the demo Jenkins' builds say: why they started, what each stage prints, how they fail.

Each failure's lines match one of the default failure causes (migration
0006), so the demo's failed builds fall into the categories a real studio
sees; a stage that goes well prints nothing the causes would take for a
failure. ``console_text`` writes a build's console as Jenkins does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

WORKSPACE = "/var/lib/jenkins/workspace"


@dataclass(frozen=True)
class Cause:
    """Why Jenkins started a build: the first line of its console, and who, when a person did."""

    text: str
    user: str | None = None


CAUSES = {
    "timer": Cause("Started by timer"),
    "scm": Cause("Started by an SCM change"),
    "user": Cause("Started by user Maya Chen", "maya.chen"),
    "indexing": Cause("Branch indexing"),
}


@dataclass(frozen=True)
class Failure:
    """One way a build goes wrong: the result Jenkins gives it, what its log says, the stages it can happen in."""

    result: str
    lines: tuple[str, ...]  # ``{agent}``: the build's agent
    stages: tuple[str, ...] = ()  # none: any stage


# Each matches one of the default failure causes (migration 0006), so the builds fall into their categories.
FAILURES = {
    "compile": Failure(
        "FAILURE",
        (
            "Source/Skyforge/Player/PlayerMovement.cpp:212:14: error: use of undeclared identifier 'bIsSprintng'",
            "Source/Skyforge/AI/Patrol.cpp:88:3: error: no matching function for call to 'FindPath'",
        ),
        ("Compile",),
    ),
    "test": Failure(
        "UNSTABLE",
        ("[FAIL] Inventory.StackSplit: expected 5 but was 4", "Tests run: 412, Failures: 3, Errors: 0"),
        ("Test",),
    ),
    "agent": Failure(
        "FAILURE",
        ("java.io.IOException: Backing channel '{agent}' is disconnected.", "FATAL: command execution failed"),
    ),
    "timeout": Failure("ABORTED", ("Cancelling nested steps due to timeout", "Timeout has been exceeded")),
    "memory": Failure(
        "FAILURE",
        ("LogMemory: Fatal error: Ran out of memory allocating 2147483648 bytes", "std::bad_alloc"),
        ("Compile", "Build", "Cook"),
    ),
    "shader": Failure(
        "FAILURE",
        ("Shader compile error in /Engine/Private/BasePassPixelShader.usf(812): error X3004: undeclared identifier",),
        ("Compile Shaders", "Cook"),
    ),
    "cook": Failure("FAILURE", ("LogCook: Error: Cook failed for package /Game/Maps/Harbor_P",), ("Cook",)),
    "disk": Failure(
        "FAILURE", ("OSError: [Errno 28] No space left on device: 'Saved/StagedBuilds'",), ("Cook", "Package")
    ),
    "checkout": Failure(
        "FAILURE",
        ("ERROR: Error fetching remote repo 'origin'", "hudson.plugins.git.GitException: Failed to fetch from origin"),
        ("Checkout",),
    ),
    "aborted": Failure("ABORTED", ("Aborted by Maya Chen",)),
}

# What a stage that goes well says; ``{target}``, ``{commit}`` and ``{branch}`` are the build's.
STAGE_LINES = {
    "Checkout": (
        "Fetching changes from the remote Git repository",
        "Checking out Revision {commit} (origin/{branch})",
        "Fetching LFS objects: 100% (1204/1204)",
    ),
    "Compile": (
        "Running UnrealBuildTool: dotnet UnrealBuildTool.dll Skyforge {target} Development",
        "Building 1248 actions with 16 processes...",
        "Total time in Parallel executor: 612.40 seconds",
    ),
    "Build": (
        "Unity -batchmode -nographics -quit -projectPath . -executeMethod BuildScript.Build -buildTarget {target}",
        "Build Finished, Result: Success.",
    ),
    "Test": ("Running automation tests", "Tests run: 412, Failures: 0, Errors: 0, Skipped: 2"),
    "Cook": (
        "RunUAT BuildCookRun -project=Skyforge.uproject -cook -targetplatform={target}",
        "LogCook: Display: Cooked packages 18342 Packages Remain 0 Total 18342",
    ),
    "Package": ("RunUAT BuildCookRun -stage -pak -archive -archivedirectory=Archive", "Archiving artifacts"),
    "Sign": ("Signing the {target} build with the studio certificate", "Signature verified"),
    "Compile Shaders": (
        "Compiling 2341 shader permutations with 16 ShaderCompileWorkers",
        "LogShaderCompilers: Display: Shader compilation done",
    ),
}


@dataclass(frozen=True)
class Console:
    """The facts one build's console is written from."""

    job: str  # full name
    number: int
    cause: Cause
    agent: str
    stages: tuple[str, ...]  # those that ran, the last where the build ended or runs now; none: a freestyle job
    script: tuple[str, ...]  # what a freestyle job's shell step prints
    facts: Mapping[str, str]  # target, commit and branch, for the lines that name them
    failure: Failure | None
    result: str | None  # None: still running


def console_text(build: Console) -> bytes:
    """The console text as Jenkins writes it: the cause, the agent, each stage that ran, what went wrong, the end."""
    facts = {**build.facts, "agent": build.agent}
    went_wrong = [line.format(**facts) for line in build.failure.lines] if build.failure else []
    workspace = f"{WORKSPACE}/{build.job.replace('/', '_').replace('%2F', '_')}"
    lines = [build.cause.text]
    if not build.stages:
        shell = f"[{build.job.rpartition('/')[2]}] $ /bin/sh -xe /tmp/jenkins{build.number}.sh"
        lines += [f"Building remotely on {build.agent} (linux) in workspace {workspace}", shell, *build.script]
        lines += went_wrong
    else:
        lines += ["[Pipeline] Start of Pipeline", "[Pipeline] node", f"Running on {build.agent} in {workspace}"]
        for index, name in enumerate(build.stages, start=1):
            said = [line.format(**facts) for line in STAGE_LINES[name]]
            ends_here = index == len(build.stages) and (build.failure is not None or build.result is None)
            lines += ["[Pipeline] stage", f"[Pipeline] {{ ({name})", *(said[:1] + went_wrong if ends_here else said)]
            if not (ends_here and build.result is None):  # a running stage is still open
                lines += ["[Pipeline] }", "[Pipeline] // stage"]
        if build.result is not None:
            lines += ["[Pipeline] }", "[Pipeline] // node", "[Pipeline] End of Pipeline"]
    if build.result is not None:
        lines.append(f"Finished: {build.result}")
    return ("\n".join(lines) + "\n").encode()
