"""What Jenkins' remote API answers, as typed structs (only the fields ghee asks for with ``tree=``)."""

from __future__ import annotations

from typing import Any

import msgspec

FOLDER_CLASSES = frozenset(
    {
        "com.cloudbees.hudson.plugins.folder.Folder",
        "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject",
        "jenkins.branch.OrganizationFolder",
    }
)
MULTIBRANCH_CLASS = "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
PIPELINE_CLASS = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
KINDS = {
    "hudson.model.FreeStyleProject": "freestyle",
    PIPELINE_CLASS: "pipeline",
    "hudson.matrix.MatrixProject": "matrix",
    "hudson.maven.MavenModuleSet": "maven",
}


class BuildNumber(msgspec.Struct):
    number: int


class Label(msgspec.Struct):
    name: str | None = None


class RemoteJob(msgspec.Struct, rename="camel"):
    """A job or folder in a ``jobs[...]`` tree; ``jobs`` is ``None`` past the depth asked for."""

    class_: str = msgspec.field(name="_class", default="")
    name: str = ""
    url: str = ""
    last_build: BuildNumber | None = None
    first_build: BuildNumber | None = None
    assigned_label: Label | None = None
    jobs: list[RemoteJob] | None = None

    @property
    def is_folder(self) -> bool:
        """Whether this holds other jobs (a folder, a multibranch project, an organisation)."""
        return self.jobs is not None or self.class_ in FOLDER_CLASSES


class JobTree(msgspec.Struct):
    jobs: list[RemoteJob] = []


class Cause(msgspec.Struct, rename="camel"):
    class_: str = msgspec.field(name="_class", default="")
    short_description: str | None = None
    user_id: str | None = None
    user_name: str | None = None


class Parameter(msgspec.Struct):
    name: str
    value: Any = None


class GitBranch(msgspec.Struct):
    name: str = ""


class Revision(msgspec.Struct):
    sha1: str | None = msgspec.field(name="SHA1", default=None)
    branch: list[GitBranch] = []


class Action(msgspec.Struct, rename="camel"):
    """One of a build's ``actions``; which fields are set depends on ``_class``."""

    class_: str = msgspec.field(name="_class", default="")
    causes: list[Cause] | None = None
    parameters: list[Parameter] | None = None
    last_built_revision: Revision | None = None
    queuing_duration_millis: int | None = None


class RemoteBuild(msgspec.Struct, rename="camel"):
    number: int
    result: str | None = None
    building: bool = False
    duration: int = 0
    timestamp: int = 0
    queue_id: int | None = None
    url: str = ""
    built_on: str | None = None
    actions: list[Action | None] = []


class BuildPage(msgspec.Struct, rename="camel"):
    all_builds: list[RemoteBuild] = []


class Stage(msgspec.Struct, rename="camel"):
    name: str
    status: str = ""
    start_time_millis: int | None = None
    duration_millis: int = 0


class RunDescription(msgspec.Struct, rename="camel"):
    """``wfapi/describe`` of a pipeline run."""

    status: str = ""
    queue_duration_millis: int | None = None
    stages: list[Stage] = []


class Executable(msgspec.Struct):
    number: int
    url: str | None = None


class QueueItem(msgspec.Struct, rename="camel"):
    id: int = 0
    in_queue_since: int | None = None
    cancelled: bool | None = None
    executable: Executable | None = None


class Crumb(msgspec.Struct, rename="camel"):
    crumb: str
    crumb_request_field: str


class Root(msgspec.Struct):
    class_: str = msgspec.field(name="_class", default="")


class LogPiece(msgspec.Struct, frozen=True):
    """Console text from ``start``: ``text``, the offset to ask from next, and whether the build writes more."""

    text: bytes
    next_start: int
    more: bool
