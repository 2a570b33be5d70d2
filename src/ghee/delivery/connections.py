"""Outbound POSTs over kept-alive HTTP/1.1 connections: the webhook sender's fast path.

httpx spends most of a webhook's CPU on machinery a sender to known
origins needs none of (its pool assigns waiting requests to connections in
a loop that grows with the queue; bench/README.md, ``webhook_clients.py``,
has the figures). Here each origin keeps a stack of idle connections; a POST
takes one (or opens one), writes the request and reads the answer, and puts
the connection back when both sides are done with the exchange.

h11 does the protocol on both directions, so a hostile receiver's malformed
answer is refused by a parser made for it (``ProtocolError``), and
what we send is validated the same way. The answer's body is read up to a cap;
past it the connection is closed rather than drained.

An origin is an address, not a host name: the caller resolves and checks
the host (``ghee.delivery.ssrf``) and names the address it checked, with the
host name for ``Host`` and for TLS's server name and certificate check.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import certifi
import h11

MAX_HEAD = 64 * 1024
"""Bytes of an answer's status line and headers read at most."""
IDLE_SECONDS = 30.0
"""A connection idle longer is closed rather than reused (servers drop idle ones after 5 to 75 s)."""
READ_SIZE = 65536


class ProtocolError(Exception):
    """The receiver's answer broke HTTP/1.1, or it closed the connection without answering."""


@dataclass(frozen=True)
class Origin:
    """Where a request goes: the checked address and port, and the host name it stands for."""

    scheme: str
    address: str
    port: int
    host: str
    """The URL's host name: the TLS server name (and certificate name) for ``https``."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: its status, headers (names lower case) and body, at most ``cap`` bytes of it."""

    status: int
    headers: Sequence[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        """The first value of header ``name`` (lower case), or ``None``."""
        return next((value for key, value in self.headers if key == name), None)


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT, MAX_HEAD))
    idle_since: float = 0.0

    def close(self) -> None:
        self.writer.close()


class Connections:
    """Idle connections by origin, at most ``keep_idle`` of them in all; ``close`` ends them.

    HTTPS verifies certificates against ``tls`` (by default ``trusted_authorities()``).
    """

    def __init__(self, *, keep_idle: int = 64, tls: ssl.SSLContext | None = None) -> None:
        self._idle: dict[Origin, list[_Connection]] = {}
        self._keep_idle = keep_idle
        self._idle_count = 0
        self._tls = tls

    async def post(
        self, origin: Origin, target: str, headers: Sequence[tuple[str, str]], body: bytes, cap: int
    ) -> Answer:
        """POST ``body`` to ``target`` (path and query) at ``origin``; the answer's body is cut at ``cap`` bytes.

        Raises ``OSError`` when no connection can be made or it fails,
        ``ProtocolError`` for a request or an answer that is not HTTP/1.1, or an answer that never comes,
        ``ssl.SSLError`` for a refused certificate. A kept-alive connection that
        the server closed meanwhile is replaced once, before anything was read.
        """
        try:
            request = h11.Request(
                method="POST",
                target=target,
                headers=[("host", _host_header(origin)), *headers, ("content-length", str(len(body)))],
            )
        except h11.LocalProtocolError as exc:  # a header no HTTP/1.1 message may carry: nothing is sent
            raise ProtocolError(f"the request would not be valid HTTP/1.1: {exc}") from exc
        connection = self._take(origin)
        if connection is not None:
            try:
                return await self._exchange(origin, connection, request, body, cap)
            except (_Stale, BrokenPipeError, ConnectionResetError):
                pass  # closed by the server while idle: once more, on a new connection (at least once)
        connection = await self._open(origin)
        try:
            return await self._exchange(origin, connection, request, body, cap)
        except _Stale as stale:
            raise ProtocolError("the server closed the connection without answering") from stale

    async def close(self) -> None:
        """Close every idle connection."""
        idle, self._idle, self._idle_count = self._idle, {}, 0
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(self, origin: Origin) -> _Connection | None:
        stack = self._idle.pop(origin, None)  # put back below if connections remain: no empty stacks kept
        now = time.monotonic()
        found = None
        while stack and found is None:
            connection = stack.pop()
            self._idle_count -= 1
            if now - connection.idle_since < IDLE_SECONDS and not connection.reader.at_eof():
                found = connection
            else:
                connection.close()
        if stack:
            self._idle[origin] = stack
        return found

    def _put(self, origin: Origin, connection: _Connection) -> None:
        if self._idle_count >= self._keep_idle:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.setdefault(origin, []).append(connection)
        self._idle_count += 1

    async def _open(self, origin: Origin) -> _Connection:
        tls = None
        if origin.scheme == "https":
            if self._tls is None:
                self._tls = trusted_authorities()
            tls = self._tls
        reader, writer = await asyncio.open_connection(
            origin.address, origin.port, ssl=tls, server_hostname=origin.host if tls else None, limit=READ_SIZE
        )
        return _Connection(reader, writer)

    async def _exchange(
        self, origin: Origin, connection: _Connection, request: h11.Request, body: bytes, cap: int
    ) -> Answer:
        """One request and its answer on ``connection``, which goes back idle if both sides can go on."""
        protocol = connection.protocol
        try:
            sent = protocol.send(request) + protocol.send(h11.Data(data=body)) + protocol.send(h11.EndOfMessage())
            connection.writer.write(sent)
            await connection.writer.drain()
            answer, complete = await _read_answer(connection, cap)
        except h11.ProtocolError as exc:
            connection.close()
            raise ProtocolError(f"the answer is not valid HTTP/1.1: {exc}") from exc
        except BaseException:
            connection.close()
            raise
        if complete and protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            self._put(origin, connection)
        else:
            connection.close()
        return answer


def trusted_authorities() -> ssl.SSLContext:
    """Certificates are checked as httpx checked them: against certifi's authorities, or ``SSL_CERT_FILE``/``_DIR``.

    (An installation behind its own authority names its bundle in ``SSL_CERT_FILE``.)
    """
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context()  # OpenSSL reads both variables
    return ssl.create_default_context(cafile=certifi.where())


class _Stale(Exception):
    """The connection ended before any byte of an answer came."""


def _host_header(origin: Origin) -> str:
    default = 443 if origin.scheme == "https" else 80
    host = f"[{origin.host}]" if ":" in origin.host else origin.host
    return host if origin.port == default else f"{host}:{origin.port}"


async def _read_answer(connection: _Connection, cap: int) -> tuple[Answer, bool]:
    """The answer on ``connection``: status, headers, body up to ``cap``; and whether it was read to its end."""
    protocol = connection.protocol
    head: h11.Response | None = None
    body = bytearray()
    while True:
        event = protocol.next_event()
        if event is h11.NEED_DATA:
            protocol.receive_data(await _more(connection, started=head is not None or bool(protocol.trailing_data[0])))
        elif isinstance(event, h11.Response):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) >= cap:
                return _answer(head, body[:cap]), False
        elif isinstance(event, h11.EndOfMessage):
            return _answer(head, body), True
        elif isinstance(event, h11.ConnectionClosed):
            raise ProtocolError("the server closed the connection mid-answer")
        # InformationalResponse (1xx): wait for the final answer


async def _more(connection: _Connection, *, started: bool) -> bytes:
    """The next bytes of the answer (``b""`` at its end); raises ``_Stale`` if the connection ends before any."""
    try:
        data = await connection.reader.read(READ_SIZE)
    except ConnectionResetError as exc:
        if not started:
            raise _Stale from exc
        raise
    if not data and not started:
        raise _Stale
    return data


def _answer(head: h11.Response | None, body: bytearray) -> Answer:
    if head is None:  # h11 yields the head before any body: unreachable, but typed so
        raise ProtocolError("an answer without a status line")
    return Answer(head.status_code, list(head.headers), bytes(body))


@contextlib.asynccontextmanager
async def connections(*, keep_idle: int = 64) -> AsyncIterator[Connections]:
    """A ``Connections`` closed on the way out."""
    pool = Connections(keep_idle=keep_idle)
    try:
        yield pool
    finally:
        await pool.close()
