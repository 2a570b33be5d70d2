"""What an anonymous caller of ``/media/<transform>/<handle>`` cannot do: fill the disk, spend the CPU, hold up others.

Each server here has its own limits (its own rate, disk budget, render threads
or time budget), so they run on SQLite only: the limits keep no rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.media import (
    HANG_GUARD,
    HeldOriginal,
    image_bytes,
    kept_bytes,
    noise_png,
    opened,
    release_all,
    transformed,
    upload,
    wait_for_readers,
)
from tests.support.servers import Server, serve_fresh

RENDER_THREADS = 2
# asyncio's default thread pool on this machine (what renders used to run on), and one more.
MORE_THAN_THE_DEFAULT_POOL = min(32, (os.cpu_count() or 1) + 4) + 1


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Keeps at most 1 MB of renderings and renders on two threads."""
    yield from serve_fresh(
        "sqlite",
        tmp_path_factory,
        "media-small",
        GHEE_MEDIA_RENDER_CACHE_MB="1",
        GHEE_MEDIA_RENDER_THREADS=str(RENDER_THREADS),
        GHEE_MEDIA_RENDER_SECONDS="300",
        GHEE_MEDIA_RENDER_RATE_LIMIT="100000/minute",
    )


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Renders three new renderings a minute for each client."""
    yield from serve_fresh("sqlite", tmp_path_factory, "media-limited", GHEE_MEDIA_RENDER_RATE_LIMIT="3/minute")


@pytest.fixture(scope="module")
def impatient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Gives a rendering one second."""
    yield from serve_fresh("sqlite", tmp_path_factory, "media-impatient", GHEE_MEDIA_RENDER_SECONDS="1")


def writer_of(server: Server) -> httpx.Client:
    token = server.token("write")
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}, timeout=HANG_GUARD)


def original(server: Server, data: dict[str, str]) -> Path:
    return Path(server.env["GHEE_MEDIA_DIR"]) / "originals" / f"{data['id']}.png"


def test_many_distinct_sizes_never_grow_the_kept_renderings_past_the_budget(small_server: Server) -> None:
    media_dir = Path(small_server.env["GHEE_MEDIA_DIR"])
    with writer_of(small_server) as writer:
        data = upload(writer, noise_png((600, 600))).json()["data"]
    for width in range(300, 312):  # each about 270 kB: 3 MB in all
        url = transformed(data["url"], f"resize=width:{width}")
        response = httpx.get(url)
        assert response.status_code == 200, response.text
        assert opened(response).size == (width, width)
        assert kept_bytes(media_dir) <= 1024 * 1024
    newest = list((media_dir / "renders" / data["id"]).iterdir())
    assert newest, "the newest renderings are kept"
    assert httpx.get(url).content == response.content


def test_anonymous_renders_beyond_the_limit_answer_429_with_retry_after(limited_server: Server) -> None:
    with writer_of(limited_server) as writer:
        data = upload(writer, image_bytes((50, 50), color="sienna")).json()["data"]
    first = [httpx.get(transformed(data["url"], f"resize=width:{width}")) for width in (10, 11, 12)]
    assert [response.status_code for response in first] == [200, 200, 200]

    refused = httpx.get(transformed(data["url"], "resize=width:13"))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json() == {
        "detail": f"Request was throttled. Expected available in {refused.headers['retry-after']} seconds."
    }
    # What costs no rendering is not counted: kept renderings and the original.
    assert httpx.get(transformed(data["url"], "resize=width:10")).content == first[0].content
    assert httpx.get(data["url"]).status_code == 200


def test_renders_in_progress_hold_up_neither_uploads_nor_kept_files(small_server: Server) -> None:
    with writer_of(small_server) as writer:
        kept = upload(writer, image_bytes((40, 40), color="gold")).json()["data"]
        kept_url = transformed(kept["url"], "resize=width:20")
        assert httpx.get(kept_url).status_code == 200
        shades = range(MORE_THAN_THE_DEFAULT_POOL)
        uploaded = [upload(writer, image_bytes((40, 30), color=(shade, 80, 160))).json()["data"] for shade in shades]
        held = [HeldOriginal(original(small_server, data)) for data in uploaded]
        with ThreadPoolExecutor(len(uploaded)) as pool:
            renders = [
                pool.submit(httpx.get, transformed(data["url"], "resize=width:20"), timeout=HANG_GUARD * 2)
                for data in uploaded
            ]
            try:
                wait_for_readers(held, RENDER_THREADS)
                assert httpx.get(f"{small_server.base_url}/healthz", timeout=HANG_GUARD).status_code == 200
                assert httpx.get(kept_url, timeout=HANG_GUARD).status_code == 200
                assert upload(writer, image_bytes((8, 8), color="plum")).status_code == 201
                assert not any(render.done() for render in renders), "they answered while every render was held"
            finally:
                release_all(held)
            answers = [render.result() for render in renders]
    assert [answer.status_code for answer in answers] == [200] * len(uploaded)
    assert {opened(answer).size for answer in answers} == {(20, 15)}


def test_a_render_over_its_time_budget_answers_503(impatient_server: Server) -> None:
    with writer_of(impatient_server) as writer:
        data = upload(writer, image_bytes((40, 30), color="tan")).json()["data"]
    held = HeldOriginal(original(impatient_server, data))
    try:
        response = httpx.get(transformed(data["url"], "resize=width:20"), timeout=HANG_GUARD)
    finally:
        release_all([held])
    assert response.status_code == 503
    assert response.json() == {"detail": "The image rendering took longer than its 1 s budget; try again later"}
    assert response.headers["retry-after"] == "5"
