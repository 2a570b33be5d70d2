"""The webhook sender's connections: kept alive, aimed at the checked address, strict about what comes back."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ghee.delivery.connections import Connections, ProtocolError
from ghee.delivery.ssrf import pinned

Answering = Callable[[bytes], bytes | None]
"""Given one request (head and body), the bytes to answer, or ``None`` to close the connection."""


class Receiver:
    """A local HTTP/1.1 server: each request is handed to ``answering``; it notes requests and connections."""

    def __init__(self, answering: Answering, *, close_after: bool) -> None:
        self.answering = answering
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.answering(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def receiving(
    answering: Answering, tls: ssl.SSLContext | None = None, *, close_after: bool = False
) -> AsyncIterator[tuple[Receiver, int]]:
    receiver = Receiver(answering, close_after=close_after)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0, ssl=tls)
    async with server:
        yield receiver, server.sockets[0].getsockname()[1]


def no_content(_: bytes) -> bytes:
    return b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


async def post(pool: Connections, url: str, body: bytes = b'{"a":1}', cap: int = 65536) -> tuple[int, bytes]:
    origin, target = pinned(url, "127.0.0.1")
    answer = await pool.post(origin, target, [("content-type", "application/json")], body, cap)
    return answer.status, answer.body


def test_the_host_name_travels_in_host_and_the_connection_is_kept() -> None:
    async def scenario() -> None:
        async with receiving(no_content) as (receiver, port):
            pool = Connections()
            for _ in range(3):
                assert await post(pool, f"http://hooks.example.com:{port}/in?x=1") == (204, b"")
            await pool.close()
        assert receiver.connections == 1
        first = receiver.requests[0].decode()
        assert first.startswith("POST /in?x=1 HTTP/1.1\r\n")
        assert f"host: hooks.example.com:{port}\r\n" in first
        assert first.endswith('\r\n\r\n{"a":1}')

    asyncio.run(scenario())


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
    # The kept connection is closed when the second request comes, unanswered; the new one answers it.
    answers = iter([ok, None, ok])

    async def scenario() -> None:
        async with receiving(lambda _: next(answers)) as (receiver, port):
            pool = Connections()
            assert await post(pool, f"http://hooks.example.com:{port}/") == (200, b"ok")
            assert await post(pool, f"http://hooks.example.com:{port}/") == (200, b"ok")
            await pool.close()
        assert (receiver.connections, len(receiver.requests)) == (2, 3)

    asyncio.run(scenario())


def test_an_answer_is_read_up_to_the_cap_and_its_connection_not_kept() -> None:
    big = b"x" * 100_000

    async def scenario() -> None:
        async with receiving(lambda _: b"HTTP/1.1 500 Oops\r\ncontent-length: %d\r\n\r\n%s" % (len(big), big)) as (
            receiver,
            port,
        ):
            pool = Connections()
            assert await post(pool, f"http://hooks.example.com:{port}/", cap=1000) == (500, big[:1000])
            assert await post(pool, f"http://hooks.example.com:{port}/", cap=1000) == (500, big[:1000])
            await pool.close()
        assert receiver.connections == 2

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "answer",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbad header line\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"x-long: " + b"a" * 200_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",  # then the server closes
    ],
)
def test_a_malformed_answer_is_a_protocol_error(answer: bytes) -> None:
    async def scenario() -> None:
        async with receiving(lambda _: answer, close_after=True) as (_, port):
            pool = Connections()
            with pytest.raises(ProtocolError):
                await post(pool, f"http://hooks.example.com:{port}/")
            await pool.close()

    asyncio.run(scenario())


def test_a_request_header_carrying_a_line_break_is_never_sent() -> None:
    async def scenario() -> None:
        async with receiving(no_content) as (receiver, port):
            pool = Connections()
            origin, target = pinned(f"http://hooks.example.com:{port}/", "127.0.0.1")
            with pytest.raises(ProtocolError, match="Illegal header value"):
                await pool.post(origin, target, [("x-note", "a\r\nx-injected: 1")], b"{}", 1000)
            await pool.close()
        assert receiver.requests == []

    asyncio.run(scenario())


def _certificate(name: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (and 127.0.0.1): its PEM file and its key's."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.mark.parametrize(("certified", "accepted"), [("hooks.example.com", True), ("other.example.com", False)])
def test_https_verifies_the_certificate_against_the_host_name_not_the_address(
    tmp_path: Path, certified: str, *, accepted: bool
) -> None:
    """Connected to the checked address, the server must still prove it is the URL's host (SNI and name check)."""
    cert_file, key_file = _certificate(certified, tmp_path)
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))

    async def scenario() -> None:
        async with receiving(no_content, tls=serving) as (receiver, port):
            pool = Connections(tls=trusting)
            if accepted:
                assert await post(pool, f"https://hooks.example.com:{port}/in") == (204, b"")
            else:
                with pytest.raises(ssl.SSLCertVerificationError, match=r"hooks\.example\.com"):
                    await post(pool, f"https://hooks.example.com:{port}/in")
            await pool.close()
        assert len(receiver.requests) == (1 if accepted else 0)

    asyncio.run(scenario())


def test_an_installation_names_its_own_authority_in_ssl_cert_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a studio's own certificate authority, ``SSL_CERT_FILE`` is trusted instead of certifi's bundle."""
    cert_file, key_file = _certificate("hooks.example.com", tmp_path)
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert_file, key_file)

    async def scenario() -> tuple[int, bytes]:
        async with receiving(no_content, tls=serving) as (_, port):
            pool = Connections()
            try:
                return await post(pool, f"https://hooks.example.com:{port}/in")
            finally:
                await pool.close()

    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(scenario())  # certifi's authorities do not know this one
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    assert asyncio.run(scenario()) == (204, b"")
