"""Media: uploading images through /v2/media/, serving them publicly, and Filestack-style renderings."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from ghee.db.engine import create_engine
from ghee.db.tables import events
from tests.support.databases import make_database
from tests.support.media import image_bytes, opened, transformed, upload
from tests.support.servers import Server, start_server


@pytest.fixture(scope="module")
def media_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp(f"media-{backend}")
    url, drop = make_database(backend, tmp)
    # Renders are limited per client, and every test here is the same client: the limit has its own tests.
    running = start_server(
        url, tmp / "serve.log", GHEE_MEDIA_DIR=str(tmp / "media"), GHEE_MEDIA_RENDER_RATE_LIMIT="100000/minute"
    )
    yield running
    running.stop()
    drop()


@pytest.fixture(scope="module")
def writer(media_server: Server) -> Iterator[httpx.Client]:
    token = media_server.token("write")
    with httpx.Client(base_url=media_server.base_url, headers={"Authorization": f"Token {token}"}) as client:
        yield client


def test_upload_returns_the_media_and_a_public_url(writer: httpx.Client, media_server: Server) -> None:
    content = image_bytes((320, 200), color="orange")
    response = upload(writer, content, "T_Warrior_D.png")
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["file_name"] == "T_Warrior_D.png"
    assert (data["content_type"], data["size"], data["width"], data["height"]) == ("image/png", len(content), 320, 200)
    assert data["url"] == f"{media_server.base_url}/media/{data['id']}"
    assert data["uploaded_at"].endswith("Z")
    served = httpx.get(data["url"])  # no token: web pages embed these
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.content == content


def test_the_same_bytes_uploaded_twice_are_one_media(writer: httpx.Client) -> None:
    content = image_bytes((10, 10), color="purple")
    first, second = upload(writer, content, "a.png").json()["data"], upload(writer, content, "b.png").json()["data"]
    assert first["id"] == second["id"]
    assert second["file_name"] == "a.png"


def test_an_upload_records_an_event(writer: httpx.Client, media_server: Server) -> None:
    handle = upload(writer, image_bytes((12, 12), color="navy")).json()["data"]["id"]

    async def count() -> int:
        engine = create_engine(media_server.database_url)
        try:
            async with engine.connect() as conn:
                query = sa.select(sa.func.count()).where(
                    events.c.type == "media.created", events.c.resource_id == handle
                )
                return int(await conn.scalar(query) or 0)
        finally:
            await engine.dispose()

    assert asyncio.run(count()) == 1


@pytest.mark.parametrize(
    ("transform", "size"),
    [
        ("resize=width:100", (100, 50)),  # clip keeps the aspect ratio
        ("resize=height:25", (50, 25)),
        ("resize=width:60,height:60,fit:crop", (60, 60)),
        ("resize=width:60,height:60", (60, 30)),
        ("resize=width:70,height:20,fit:scale", (70, 20)),
        ("resize=width:1000,fit:max", (200, 100)),  # max never enlarges
        ("resize=width:1000", (1000, 500)),
    ],
)
def test_resize(writer: httpx.Client, transform: str, size: tuple[int, int]) -> None:
    data = upload(writer, image_bytes((200, 100), color="red")).json()["data"]
    response = httpx.get(data["url"].replace("/media/", f"/media/{transform}/"))
    assert response.status_code == 200, response.text
    assert opened(response).size == size


def test_output_format_and_quality(writer: httpx.Client) -> None:
    data = upload(writer, image_bytes((80, 80), color="green")).json()["data"]
    base = data["url"].replace("/media/", "/media/{}/")
    webp = httpx.get(base.format("output=format:webp"))
    assert webp.headers["content-type"] == "image/webp"
    assert opened(webp).format == "WEBP"
    low = httpx.get(base.format("resize=width:40/output=format:jpg,quality:10"))
    high = httpx.get(base.format("resize=width:40/output=format:jpg,quality:95"))
    assert low.headers["content-type"] == high.headers["content-type"] == "image/jpeg"
    assert opened(low).size == (40, 40)
    assert len(low.content) < len(high.content)


def test_a_rendering_is_kept_after_the_first_request(writer: httpx.Client, media_server: Server) -> None:
    data = upload(writer, image_bytes((90, 90), color="yellow")).json()["data"]
    url = data["url"].replace("/media/", "/media/resize=width:30/")
    first, second = httpx.get(url), httpx.get(url)
    assert first.content == second.content
    renders = list((Path(media_server.env["GHEE_MEDIA_DIR"]) / "renders" / data["id"]).iterdir())
    assert len(renders) == 1


@pytest.mark.parametrize(
    "transform",
    [
        "resize=width:0",
        "resize=width:5000",
        "resize=width:abc",
        "resize=width:" + "1" * 5000,  # more digits than Python turns into an int
        "resize=fit:crop",
        "resize=width:10,fit:squash",
        "resize=width:10,colour:red",
        "output=format:bmp",
        "output=quality:101",
        "blur=amount:2",
        "resize",
        "resize=width",
    ],
)
def test_a_bad_transformation_is_a_400_naming_it(writer: httpx.Client, transform: str) -> None:
    data = upload(writer, image_bytes((20, 20), color="black")).json()["data"]
    response = httpx.get(data["url"].replace("/media/", f"/media/{transform}/"))
    assert response.status_code == 400
    assert list(response.json()) == ["transform"]


@pytest.mark.parametrize("handle", ["0" * 24, "nothing", "..%2F..%2Fetc%2Fpasswd", "ABCDEF0123456789abcdef01"])
def test_unknown_media_is_not_found(media_server: Server, handle: str) -> None:
    response = httpx.get(f"{media_server.base_url}/media/{handle}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "content",
    [b"not an image at all", b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, image_bytes((5, 5), kind="BMP")],
)
def test_an_upload_that_is_not_a_supported_image_is_a_400(writer: httpx.Client, content: bytes) -> None:
    response = upload(writer, content, "notes.txt")
    assert response.status_code == 400
    assert list(response.json()) == ["file"]


def test_an_upload_without_a_file_part_is_a_400(writer: httpx.Client) -> None:
    response = writer.post("/v2/media/", files={"other": ("x.png", image_bytes((5, 5)), "image/png")})
    assert response.status_code == 400


def test_two_file_parts_or_a_file_without_a_name_are_a_clear_400(writer: httpx.Client) -> None:
    picture = image_bytes((5, 5))
    two = writer.post(
        "/v2/media/", files=[("file", ("a.png", picture, "image/png")), ("file", ("b.png", picture, "image/png"))]
    )
    assert (two.status_code, two.json()) == (400, {"file": ["send one part named file, not 2"]})
    nameless = writer.post("/v2/media/", files=[("file", ("", picture, "image/png"))])
    assert nameless.status_code == 400
    assert "a file part needs a filename" in nameless.text
    blank = writer.post("/v2/media/", files=[("file", ("  ", picture, "image/png"))])
    assert (blank.status_code, blank.json()) == (400, {"file": ["the file part needs a filename"]})


def test_uploading_needs_a_write_token(media_server: Server) -> None:
    files = {"file": ("x.png", image_bytes((5, 5)), "image/png")}
    anonymous = httpx.post(f"{media_server.base_url}/v2/media/", files=files)
    assert anonymous.status_code == 401
    reader = media_server.token("read")
    refused = httpx.post(
        f"{media_server.base_url}/v2/media/", files=files, headers={"Authorization": f"Token {reader}"}
    )
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You do not have permission to perform this action."}


def test_more_than_five_transformations_in_a_url_is_a_400_naming_the_limit(writer: httpx.Client) -> None:
    data = upload(writer, image_bytes((64, 64), color="olive")).json()["data"]
    five = "/".join(["resize=width:32", "resize=width:16"] * 2 + ["output=format:png"])
    assert httpx.get(transformed(data["url"], five)).status_code == 200
    response = httpx.get(transformed(data["url"], five + "/resize=width:8"))
    assert response.status_code == 400
    assert response.json() == {"transform": ["at most 5 transformations per URL, not 6"]}


def test_a_rendering_over_16_megapixels_is_a_400_naming_the_limit(writer: httpx.Client) -> None:
    data = upload(writer, image_bytes((40, 40), color="maroon")).json()["data"]
    response = httpx.get(transformed(data["url"], "resize=width:4096,height:4096,fit:scale"))
    assert response.status_code == 400
    assert response.json() == {
        "transform": ["would make a 4096x4096 image (16.8 MP); renderings may have at most 16 megapixels"]
    }
    assert httpx.get(transformed(data["url"], "resize=width:4000,height:4000,fit:scale")).status_code == 200


@pytest.mark.parametrize(("size", "transform"), [((2, 200), "resize=width:100"), ((300, 3), "resize=height:90")])
def test_a_rendering_longer_than_4096_on_a_side_is_a_400_naming_the_limit(
    writer: httpx.Client, size: tuple[int, int], transform: str
) -> None:
    # Keeping the aspect ratio of a thin image makes the other side huge.
    data = upload(writer, image_bytes(size, color="coral")).json()["data"]
    response = httpx.get(transformed(data["url"], transform))
    assert response.status_code == 400
    (problem,) = response.json()["transform"]
    assert problem.endswith("renderings may be at most 4096 pixels on a side")


def test_an_upload_over_50_megapixels_is_refused_naming_the_limit(writer: httpx.Client) -> None:
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")  # one bit a pixel: small to make, 81 MP to decode
    response = upload(writer, out.getvalue(), "bomb.png")
    assert response.status_code == 400
    assert response.json() == {"file": ["is 9000x9000 (81.0 MP); images may have at most 50 megapixels"]}
