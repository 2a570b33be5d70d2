"""What a webhook POST carries: ButterCMS's envelope (seed 004) for every event, and its message id."""

from __future__ import annotations

from typing import Any

import msgspec

from ghee import ids

TEST_EVENT = "webhook.test"


def message_id(delivery_id: int) -> str:
    """The ``webhook-id`` of a delivery (``msg_...``): the same on every retry, so receivers can de-duplicate."""
    return ids.encode("msg", delivery_id)


def message_body(event_type: str, data: dict[str, Any], target: str) -> bytes:
    """``{"data": {...}, "webhook": {"event": "post.update", "target": "<the URL>"}}`` as JSON bytes."""
    return msgspec.json.encode({"data": data, "webhook": {"event": event_type, "target": target}})
