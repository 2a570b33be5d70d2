"""A Jenkins with one of each kind of job, as the sync tests use it."""

from __future__ import annotations

from tests.support.fake_jenkins import (
    FOLDER,
    MULTIBRANCH,
    PIPELINE,
    T0,
    FakeBuild,
    FakeFolder,
    FakeJenkins,
    FakeJob,
)

DEEP = "pipelines/nested/deeper/deepest/bottom"  # five folders down: past what one tree query returns
SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
STAGES = [
    {
        "id": "6",
        "name": "Checkout",
        "status": "SUCCESS",
        "startTimeMillis": T0 + 1000,
        "durationMillis": 3000,
        "pauseDurationMillis": 0,
    },
    {
        "id": "12",
        "name": "Build",
        "status": "SUCCESS",
        "startTimeMillis": T0 + 4000,
        "durationMillis": 45000,
        "pauseDurationMillis": 0,
    },
    {
        "id": "30",
        "name": "Test",
        "status": "FAILED",
        "startTimeMillis": T0 + 49000,
        "durationMillis": 136000,
        "pauseDurationMillis": 0,
    },
]


def furnish(fake: FakeJenkins) -> FakeJenkins:
    """``app`` (freestyle, four results), ``pipelines/deploy`` (stages), a job five folders down,
    and the multibranch ``game`` whose ``feature/login`` branch is building."""
    app = fake.put("app", FakeJob())
    app.add(
        FakeBuild(
            1,
            "SUCCESS",
            duration=184_000,
            queue_id=11,
            built_on="agent-7",
            parameters={"Platform": "win64", "configuration": "Shipping", "CHANGELIST": "123"},
            causes=[{"shortDescription": "Started by user Jane", "userId": "jane", "userName": "Jane"}],
            git=(SHA, "origin/main"),
            queue_ms=12_000,
            log=b"Building on agent-7\nFinished: SUCCESS\n",
        )
    )
    app.add(FakeBuild(2, "FAILURE", timestamp=T0 + 600_000, log=b"error: boom\nFinished: FAILURE\n"))
    app.add(FakeBuild(3, "UNSTABLE", timestamp=T0 + 1_200_000, log=b"Finished: UNSTABLE\n"))
    app.add(FakeBuild(4, "ABORTED", timestamp=T0 + 1_800_000, log=b"Aborted by jane\n"))
    fake.put("pipelines", FakeFolder(FOLDER))
    deploy = fake.put("pipelines/deploy", FakeJob(PIPELINE, label=None))
    deploy.add(FakeBuild(1, "FAILURE", duration=184_000, stages=STAGES, log=b"[Pipeline] stage\nFAILED\n"))
    fake.put("pipelines/nested", FakeFolder(FOLDER))
    for below in ("nested", "nested/deeper", "nested/deeper/deepest", "nested/deeper/deepest/bottom"):
        fake.put(f"pipelines/{below}", FakeFolder(FOLDER))
    tool = fake.put(f"{DEEP}/tool", FakeJob())
    tool.add(FakeBuild(1, "SUCCESS", log=b"ok\n"))
    fake.put("game", FakeFolder(MULTIBRANCH))
    main = fake.put("game/main", FakeJob(PIPELINE, label=None))
    main.add(FakeBuild(1, "SUCCESS", git=(SHA, "main"), stages=STAGES[:2], log=b"main 1\n"))
    feature = fake.put("game/feature%2Flogin", FakeJob(PIPELINE, label=None))
    feature.add(FakeBuild(1, building=True, queue_id=42, stages=STAGES[:1], log=b"Checking out\n"))
    fake.queue[42] = {
        "_class": "hudson.model.Queue$LeftItem",
        "id": 42,
        "inQueueSince": T0 - 7000,
        "executable": {"number": 1},
    }
    return fake
