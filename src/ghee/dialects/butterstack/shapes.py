"""ButterStack's wire shapes (seed 000) and the mapping from domain objects onto them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from ghee.clock import iso
from ghee.core.assets import Asset, AssetTouch
from ghee.core.builds.model import Build
from ghee.core.changelists import Changelist
from ghee.core.deployments import Deployment
from ghee.core.jobs.model import job_public_id
from ghee.core.projects import Project, project_public_id
from ghee.http.errors import Problem


class ButterstackError(msgspec.Struct):
    """``{"error": "not_found", "message": "..."}``."""

    error: str
    message: str


def render_problem(problem: Problem) -> ButterstackError:
    """The seed's error envelope."""
    return ButterstackError(error=problem.code, message=problem.message)


class ButterstackProject(msgspec.Struct):
    id: str
    name: str
    engine: str
    created_at: str


class ProjectList(msgspec.Struct):
    projects: list[ButterstackProject]
    limit: int
    offset: int
    has_more: bool


class NewProjectBody(msgspec.Struct):
    name: str
    engine: str = "unreal"


def project_shape(project: Project) -> ButterstackProject:
    return ButterstackProject(
        id=project.public_id, name=project.name, engine=project.engine, created_at=iso(project.created_at) or ""
    )


class ButterstackArtifact(msgspec.Struct):
    name: str
    size_bytes: int
    url: str


class ButterstackBuild(msgspec.Struct):
    id: str
    project_id: str
    number: int
    status: str
    platform: str
    configuration: str
    branch: str
    changelist: str | None
    duration_seconds: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    artifacts: list[ButterstackArtifact]
    # ghee's addition: the Jenkins job that ran the build (its number is the job's), none for an agent's build.
    job_id: str | None = None
    job_name: str | None = None


class BuildList(msgspec.Struct):
    builds: list[ButterstackBuild]
    limit: int
    offset: int
    has_more: bool


class TriggerBuildBody(msgspec.Struct):
    platform: str
    configuration: str
    changelist: str | int | None = "latest"
    branch: str = "main"


class ArtifactBody(msgspec.Struct):
    name: str
    size_bytes: int
    url: str


class BuildReportBody(msgspec.Struct):
    status: Literal["pending", "running", "success", "failed", "cancelled"] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    artifacts: list[ArtifactBody] | None = None


def build_shape(build: Build) -> ButterstackBuild:
    # Positional: lists make dozens of these, and msgspec takes positions faster than keywords.
    return ButterstackBuild(
        build.public_id,
        project_public_id(build.project_id),  # type: ignore[arg-type]  # a ButterStack build has a project
        build.number,
        build.status,
        build.platform,
        build.configuration,
        build.branch,
        build.changelist,
        build.duration_seconds,
        iso(build.created_at) or "",
        iso(build.started_at),
        iso(build.finished_at),
        [ButterstackArtifact(a.name, a.size_bytes, a.url) for a in build.artifacts],
        None if build.job_id is None else job_public_id(build.job_id),
        build.job_name,
    )


class ButterstackFile(msgspec.Struct):
    path: str
    action: str


class ButterstackChangelist(msgspec.Struct, omit_defaults=True):
    id: str
    project_id: str
    number: int
    author: str
    description: str
    submitted_at: str
    files: list[ButterstackFile]
    revision: str | None = None
    """The git commit id of a changelist that came from git; absent for Perforce changes."""


class ChangelistList(msgspec.Struct):
    changelists: list[ButterstackChangelist]
    limit: int
    offset: int
    has_more: bool


class FileBody(msgspec.Struct):
    path: str
    action: str


class NewChangelistBody(msgspec.Struct):
    author: str
    number: int | None = None
    """The Perforce change number; a git commit may leave it out and give ``revision``: ghee numbers it."""
    description: str = ""
    submitted_at: datetime | None = None
    files: list[FileBody] = []
    revision: str | None = None
    """A git commit's id (40 or 64 hexadecimal digits): posting it again returns the stored changelist."""


def changelist_shape(changelist: Changelist) -> ButterstackChangelist:
    return ButterstackChangelist(
        id=changelist.public_id,
        project_id=project_public_id(changelist.project_id),
        number=changelist.number,
        author=changelist.author,
        description=changelist.description,
        submitted_at=iso(changelist.submitted_at) or "",
        files=[ButterstackFile(f.path, f.action) for f in changelist.files],
        revision=changelist.revision,
    )


class ButterstackAsset(msgspec.Struct):
    id: str
    project_id: str
    path: str
    type: str
    approval_status: str
    deleted: bool
    created_at: str
    updated_at: str


class AssetChangelist(msgspec.Struct):
    id: str
    number: int
    author: str
    description: str
    submitted_at: str
    action: str


class ButterstackAssetDetail(ButterstackAsset):
    changelists: list[AssetChangelist]


class AssetList(msgspec.Struct):
    assets: list[ButterstackAsset]
    limit: int
    offset: int
    has_more: bool


class ApprovalBody(msgspec.Struct):
    approval_status: str


def _asset_fields(asset: Asset) -> dict[str, object]:
    return {
        "id": asset.public_id,
        "project_id": project_public_id(asset.project_id),
        "path": asset.path,
        "type": asset.type,
        "approval_status": asset.approval_status,
        "deleted": asset.deleted,
        "created_at": iso(asset.created_at) or "",
        "updated_at": iso(asset.updated_at) or "",
    }


def asset_shape(asset: Asset) -> ButterstackAsset:
    return ButterstackAsset(**_asset_fields(asset))  # type: ignore[arg-type]


def asset_detail_shape(asset: Asset, history: list[AssetTouch]) -> ButterstackAssetDetail:
    touches = [
        AssetChangelist(
            id=t.changelist_public_id,
            number=t.number,
            author=t.author,
            description=t.description,
            submitted_at=iso(t.submitted_at) or "",
            action=t.action,
        )
        for t in history
    ]
    return ButterstackAssetDetail(**_asset_fields(asset), changelists=touches)  # type: ignore[arg-type]


class ButterstackDeployment(msgspec.Struct):
    id: str
    build_id: str
    project_id: str
    platform: str
    branch: str
    status: str
    created_at: str
    deployed_at: str | None
    superseded_at: str | None


class DeploymentList(msgspec.Struct):
    deployments: list[ButterstackDeployment]
    limit: int
    offset: int
    has_more: bool


class NewDeploymentBody(msgspec.Struct):
    platform: str
    branch: str = "default"


class DeploymentStatusBody(msgspec.Struct):
    status: str


def deployment_shape(deployment: Deployment) -> ButterstackDeployment:
    return ButterstackDeployment(
        id=deployment.public_id,
        build_id=deployment.build_public_id,
        project_id=project_public_id(deployment.project_id),
        platform=deployment.platform,
        branch=deployment.branch,
        status=deployment.status,
        created_at=iso(deployment.created_at) or "",
        deployed_at=iso(deployment.deployed_at),
        superseded_at=iso(deployment.superseded_at),
    )
