"""Chat message shapes: each service's documented structure, and every limit held whatever the names and lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ghee.delivery import chat
from ghee.delivery.chat import News, masked_url, render

HUGE = News(
    title="Build failed: " + "Northwind Ö" * 2000,
    facts=[(f"Field {i} " + "n" * 400, "välue & <tag> " * 3000) for i in range(40)],
    tone="bad",
    quote="error: ```" + "x" * 200_000,
    link="https://ghee.example.com/builds/build_abc",
)
SMALL = News(title="Build fixed: North / nightly", facts=[("Branch", "main")], tone="good", link="https://g.example/b")


def assert_slack(message: dict[str, Any]) -> None:
    """An incoming-webhook body: ``text`` as fallback, Block Kit ``blocks`` within Slack's limits."""
    assert isinstance(message["text"], str)
    assert 0 < len(message["text"]) <= chat.SLACK_TEXT
    assert 0 < len(message["blocks"]) <= chat.SLACK_BLOCKS
    for block in message["blocks"]:
        assert block["type"] in {"header", "section", "actions"}
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= chat.SLACK_HEADER
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert len(block["text"]["text"]) <= chat.SLACK_SECTION
        if block["type"] == "actions":
            assert all(element["type"] == "button" and element["url"] for element in block["elements"])


def assert_discord(message: dict[str, Any]) -> None:
    """An execute-webhook body: ``content`` and ``embeds`` within Discord's limits, mentioning no one."""
    assert 0 < len(message["content"]) <= chat.DISCORD_CONTENT
    assert message["allowed_mentions"] == {"parse": []}
    assert 1 <= len(message["embeds"]) <= 10
    total = 0
    for embed in message["embeds"]:
        assert len(embed["title"]) <= chat.DISCORD_TITLE
        assert len(embed.get("description", "")) <= chat.DISCORD_DESCRIPTION
        assert len(embed["fields"]) <= chat.DISCORD_FIELDS
        for field in embed["fields"]:
            assert 0 < len(field["name"]) <= chat.DISCORD_FIELD_NAME
            assert 0 < len(field["value"]) <= chat.DISCORD_FIELD_VALUE
        assert isinstance(embed["color"], int)
        total += len(embed["title"]) + len(embed.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= chat.DISCORD_TOTAL


def assert_teams(message: dict[str, Any]) -> None:
    """An incoming-webhook body: one Adaptive Card attachment, the whole under the size Teams takes."""
    assert len(json.dumps(message).encode()) <= chat.TEAMS_MAX_BYTES
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"]
    assert card["body"][0]["type"] == "TextBlock"
    for action in card.get("actions", []):
        assert action["type"] == "Action.OpenUrl"


CHECKS = {"slack": assert_slack, "discord": assert_discord, "teams": assert_teams}


@pytest.mark.parametrize("fmt", sorted(chat.CHAT_FORMATS))
@pytest.mark.parametrize("news", [HUGE, SMALL], ids=["huge", "small"])
def test_every_message_keeps_to_its_service_s_limits(fmt: str, news: News) -> None:
    message = json.loads(render(fmt, news))
    CHECKS[fmt](message)
    assert news.title[:20] in json.dumps(message, ensure_ascii=False)


def test_a_cut_text_ends_with_an_ellipsis_and_keeps_its_limit() -> None:
    assert chat.cut("abcdef", 4) == "abc…"
    assert chat.cut("abc", 4) == "abc"


def test_slack_text_is_escaped_and_a_quote_cannot_close_its_code_block() -> None:
    message = json.loads(render("slack", News("t", [("a", "<!channel> & co")], quote="x```y")))
    facts, quote = message["blocks"][1]["text"]["text"], message["blocks"][2]["text"]["text"]
    assert "&lt;!channel&gt; &amp; co" in facts
    assert quote.count("```") == 2


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXabcd", "https://hooks.slack.com/…abcd"),
        ("https://discord.com/x/short", "https://discord.com/…"),
        (
            "https://user:pw@example.webhook.office.com/webhookb2/aaaaaaaaaaaaaaaaaaaaaaaa",
            "https://example.webhook.office.com/…aaaa",
        ),
    ],
)
def test_a_chat_url_is_shown_as_its_host_and_a_masked_tail(url: str, shown: str) -> None:
    assert masked_url(url) == shown
