"""The floor of bench/compare: a bare ASGI callable that answers each captured request with ghee's exact bytes.

``GHEE_FLOOR_RESPONSES`` names a JSON file of ``{"<path?query>": {"status": 200, "headers": [[name, value], ...],
"body": "<base64>"}}`` written by compare.py; any other path answers 404. Served by granian like ``ghee serve``
(one worker, uvloop), it costs what granian and the ASGI protocol cost, and nothing of ghee.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Message = dict[str, Any]


def _messages(captured: dict[str, Any]) -> tuple[Message, Message]:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in captured["headers"]]
    start = {"type": "http.response.start", "status": captured["status"], "headers": headers}
    return start, {"type": "http.response.body", "body": base64.b64decode(captured["body"])}


RESPONSES = {
    target: _messages(captured)
    for target, captured in json.loads(Path(os.environ["GHEE_FLOOR_RESPONSES"]).read_text()).items()
}
NOT_FOUND = _messages({"status": 404, "headers": [["content-length", "0"]], "body": ""})


async def app(
    scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    query = scope["query_string"]
    start, body = RESPONSES.get(scope["path"] + ("?" + query.decode() if query else ""), NOT_FOUND)
    await send(start)
    await send(body)
