"""Failure classification: every labelled Jenkins log gets its category; logs of any size cost the same."""

from __future__ import annotations

from pathlib import Path

from ghee import ids
from ghee.core.builds.failures import HEAD_BYTES, TAIL_BYTES, classify_builds, matched_line
from ghee.core.builds.model import build_public_id
from ghee.db.database import Write
from tests.support.api import Api
from tests.support.buildbutler_factory import events_about, in_db, new_build, new_connection, new_job
from tests.support.servers import Server

LOGS = Path(__file__).with_name("logs")
LABELLED = sorted(LOGS.glob("*/*.txt"))


def result_of(log: str) -> str:
    """The result Jenkins printed on the log's last line."""
    return log.rstrip().rsplit("Finished: ", 1)[-1]


def test_there_are_at_least_40_labelled_logs_in_a_dozen_categories() -> None:
    assert len(LABELLED) >= 40
    assert len({path.parent.name for path in LABELLED}) >= 12


def test_every_labelled_log_classifies_to_its_label(api: Api, server: Server) -> None:
    async def seed(work: Write) -> list[int]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        made = []
        for number, path in enumerate(LABELLED, start=1):
            log = path.read_text()
            # Small chunks, so indications straddle chunk boundaries.
            made.append(await new_build(work, job, number, result_of(log), log=log, chunk_size=500))
        await classify_builds(work, made)
        return made

    made = in_db(server, seed)
    wrong = {}
    for path, build in zip(LABELLED, made, strict=True):
        category = api.ok("GET", f"/api/v1/builds/{build_public_id(build)}")["failureCategory"]
        if category != path.parent.name:
            wrong[f"{path.parent.name}/{path.name}"] = category
    assert wrong == {}


def test_successful_builds_have_no_category_and_reclassifying_them_clears_it(api: Api, server: Server) -> None:
    log = (LOGS / "test_failure" / "jest.txt").read_text()

    async def seed(work: Write) -> list[int]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        passed = await new_build(work, job, 1, "SUCCESS", log="Finished: SUCCESS\n")
        running = await new_build(work, job, 2, None, log=log)
        await classify_builds(work, [passed, running, 999_999_999])  # a missing build is skipped
        return [passed, running]

    for build in in_db(server, seed):
        assert api.ok("GET", f"/api/v1/builds/{build_public_id(build)}")["failureCategory"] is None


def test_a_failing_test_stage_explains_an_otherwise_silent_log(api: Api, server: Server) -> None:
    async def seed(work: Write) -> list[int]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        stages = [("Checkout", "SUCCESS", 1000), ("Integration Tests", "FAILED", 9000)]
        in_tests = await new_build(work, job, 1, "FAILURE", log="ERROR: script returned exit code 1\n", stages=stages)
        elsewhere = await new_build(work, job, 2, "FAILURE", log="ERROR: script returned exit code 1\n")
        await classify_builds(work, [in_tests, elsewhere])
        return [in_tests, elsewhere]

    in_tests, elsewhere = in_db(server, seed)
    assert api.ok("GET", f"/api/v1/builds/{build_public_id(in_tests)}")["failureCategory"] == "test_failure"
    assert api.ok("GET", f"/api/v1/builds/{build_public_id(elsewhere)}")["failureCategory"] == "unknown"


def test_a_huge_log_is_judged_by_its_head_and_tail(api: Api, server: Server) -> None:
    filler = "".join(f"[INFO] Processing asset {n:07} of the content browser\n" for n in range(40_000))
    assert len(filler) > 2 * (HEAD_BYTES + TAIL_BYTES)
    oom = "java.lang.OutOfMemoryError: Java heap space\n"
    tail_error = filler + oom + filler[: TAIL_BYTES // 2] + "Finished: FAILURE\n"
    middle_only = filler + oom + filler + "Finished: FAILURE\n"

    async def seed(work: Write) -> list[int]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        made = [
            await new_build(work, job, 1, "FAILURE", log=tail_error, chunk_size=256 * 1024),
            await new_build(work, job, 2, "FAILURE", log=middle_only, chunk_size=256 * 1024),
        ]
        await classify_builds(work, made)
        return made

    near_end, in_the_middle = in_db(server, seed)
    assert api.ok("GET", f"/api/v1/builds/{build_public_id(near_end)}")["failureCategory"] == "out_of_memory"
    assert api.ok("GET", f"/api/v1/builds/{build_public_id(in_the_middle)}")["failureCategory"] == "unknown"


def test_a_change_of_category_records_a_build_classified_event(server: Server) -> None:
    async def seed(work: Write) -> list[tuple[str, dict[str, object]]]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        build = await new_build(work, job, 1, "ABORTED", log="Aborted by Dana Whitfield\nFinished: ABORTED\n")
        await classify_builds(work, [build])
        await classify_builds(work, [build])  # unchanged: no second event
        return await events_about(work, ids.encode("build", build))

    [(event_type, payload)] = in_db(server, seed)
    assert event_type == "build.classified"
    assert (payload["result"], payload["failureCategory"]) == ("ABORTED", "aborted_by_user")


def _line_starting_at(log: str, at: int) -> str:
    """The line of ``log`` that starts at byte ``at``, stripped as stored."""
    raw = log.encode()
    assert at == 0 or raw[at - 1 : at] == b"\n"
    return raw[at:].split(b"\n", 1)[0].decode().strip()


def test_the_line_a_category_rests_on_is_kept_with_the_byte_where_it_starts(server: Server) -> None:
    # Two-byte characters everywhere, so a character count is no byte count.
    lines = [f"[INFO] Überprüfe Asset {n:07} — Größe geändert\n" for n in range(20_000)]
    filler = "".join(lines)
    assert len(filler.encode()) > HEAD_BYTES + TAIL_BYTES
    error = "Source/Game/Player.cpp:118:7: error: use of undeclared identifier 'Healht'\n"
    end = "Finished: FAILURE\n"
    # The searched tail starts on the second byte of "—" (E2 80 94): two bytes of no character to step over.
    padding = TAIL_BYTES - 2 - len(("\n" + error + end).encode())
    mid_character = filler + "—\n" + error + ("." * 99 + "\n") * (padding // 100) + "." * (padding % 100) + end
    assert mid_character.encode()[-TAIL_BYTES:].startswith(b"\x80\x94\n" + error.encode())
    logs = {
        "small": "".join(lines[:100]) + error + "".join(lines[:100]) + end,
        "in the head": "".join(lines[:400]) + error + filler + end,
        "in the tail": filler + error + "".join(lines[:2000]) + end,
        "tail starting mid-character": mid_character,
    }

    async def seed(work: Write) -> dict[str, tuple[str, int] | None]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        made = {
            name: await new_build(work, job, n, "FAILURE", log=log) for n, (name, log) in enumerate(logs.items(), 1)
        }
        silent = await new_build(work, job, 9, "FAILURE", log="ERROR: script returned exit code 1\n")
        passed = await new_build(work, job, 10, "SUCCESS", log=error)
        await classify_builds(work, [*made.values(), silent, passed])
        found = {name: await matched_line(work, build) for name, build in made.items()}
        return found | {"unknown": await matched_line(work, silent), "passed": await matched_line(work, passed)}

    found = in_db(server, seed)
    for name, log in logs.items():
        stored = found[name]
        assert stored is not None, name
        assert stored[0] == error.strip(), name
        assert _line_starting_at(log, stored[1]) == error.strip(), name
    assert found["unknown"] is None
    assert found["passed"] is None
