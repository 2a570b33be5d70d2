"""Chat messages: one piece of news rendered as Slack, Discord or Microsoft Teams documents it, within their limits.

A chat target is an incoming webhook at a secret URL: the message is not
signed, and the body is the service's own JSON. Every limit below is the
service's documented one; text past a limit is cut at a character boundary
and ends with an ellipsis, so a message is never refused for its size.

- Slack (``chat.postMessage`` / incoming webhooks): ``text`` up to 40,000
  characters, at most 50 blocks, a section's text up to 3,000, a header's
  plain text up to 150.
- Discord (execute webhook): ``content`` up to 2,000; at most 10 embeds; an
  embed's title up to 256, description up to 4,096, 25 fields of 256 (name)
  and 1,024 (value), footer 2,048, and 6,000 characters across all embeds.
- Teams (incoming webhook / Workflows): an ``attachments`` list holding one
  Adaptive Card (``application/vnd.microsoft.card.adaptive``); the whole
  message at most about 28 KB (kept under ``TEAMS_MAX_BYTES``).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

FORMATS = ("standard", "slack", "discord", "teams")
CHAT_FORMATS = frozenset({"slack", "discord", "teams"})
Tone = Literal["bad", "good", "info"]

SLACK_TEXT = 40_000
SLACK_SECTION = 3_000
SLACK_HEADER = 150
SLACK_BLOCKS = 50
DISCORD_CONTENT = 2_000
DISCORD_TITLE = 256
DISCORD_DESCRIPTION = 4_096
DISCORD_FIELDS = 25
DISCORD_FIELD_NAME = 256
DISCORD_FIELD_VALUE = 1_024
DISCORD_TOTAL = 6_000
TEAMS_MAX_BYTES = 20_000
"""Teams documents 28 KB for a whole message; some tenants refuse less, so a card stays under 20 KB."""
TEAMS_TEXT = 4_000
"""Characters of one text block of the card (its size, not Teams, sets this)."""
CODE_CHARS = 1_000
"""Characters of a quoted log line shown at most, whatever the service allows."""


class News(msgspec.Struct, frozen=True):
    """What a chat message says, whichever service shows it."""

    title: str
    """One line: ``Build failed: Northwind / nightly-win64``."""
    facts: list[tuple[str, str]]
    """Named values, shown as a list (``Branch``, ``main``)."""
    tone: Tone = "info"
    quote: str | None = None
    """A line of a log, shown as code."""
    link: str | None = None
    """Where to read more (a ghee page, under ``GHEE_PUBLIC_URL``)."""


def cut(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and an ellipsis, ``limit`` characters in all."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def render(fmt: str, news: News) -> bytes:
    """The body of a chat message in ``fmt`` (``slack``, ``discord`` or ``teams``) as JSON bytes."""
    return msgspec.json.encode(_RENDERERS[fmt](news))


def _plain_lines(news: News) -> list[str]:
    lines = [f"{name}: {value}" for name, value in news.facts]
    if news.quote:
        lines.append(cut(news.quote, CODE_CHARS))
    if news.link:
        lines.append(news.link)
    return lines


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn needs only these three escaped; anything else is shown as written.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(news: News) -> dict[str, Any]:
    text = cut("\n".join([news.title, *_plain_lines(news)]), SLACK_TEXT)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(news.title, SLACK_HEADER)}}
    ]
    if news.facts:
        facts = "\n".join(f"*{_slack_escape(name)}:* {_slack_escape(value)}" for name, value in news.facts)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut_escaped(facts, SLACK_SECTION)}})
    if news.quote:
        # Inside ``` ``` ```, three backticks would end the block early: a zero-width space breaks them.
        quote = _slack_escape(cut(news.quote, CODE_CHARS)).replace("```", "`\u200b``")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{quote}```"}})
    if news.link:
        link = {"type": "button", "text": {"type": "plain_text", "text": "Open in ghee"}, "url": news.link}
        blocks.append({"type": "actions", "elements": [link]})
    return {"text": text, "blocks": blocks[:SLACK_BLOCKS]}


def _cut_escaped(text: str, limit: int) -> str:
    # Cut, then drop an entity the cut split (``&am``), which Slack would show as written.
    cut_text = cut(text, limit)
    amp = cut_text.rfind("&", max(len(cut_text) - 6, 0))
    if cut_text != text and amp != -1 and ";" not in cut_text[amp:]:
        cut_text = cut_text[:amp] + "…"
    return cut_text


_DISCORD_COLOURS = {"bad": 0xED4245, "good": 0x57F287, "info": 0x5865F2}


def _discord(news: News) -> dict[str, Any]:
    title = cut(news.title, DISCORD_TITLE)
    facts = [(cut(name, DISCORD_FIELD_NAME), cut(value or "-", DISCORD_FIELD_VALUE)) for name, value in news.facts]
    facts = facts[:DISCORD_FIELDS]
    quote = cut(news.quote, CODE_CHARS) if news.quote else ""
    description = "```\n" + quote.replace("```", "`\u200b``") + "\n```" if quote else ""
    facts = _shortened(facts, DISCORD_TOTAL - len(title) - len(description))
    fields = [{"name": name, "value": value, "inline": True} for name, value in facts]
    embed: dict[str, Any] = {"title": title, "color": _DISCORD_COLOURS[news.tone], "fields": fields}
    if description:
        embed["description"] = description
    if news.link:
        embed["url"] = news.link
    return {"content": cut(news.title, DISCORD_CONTENT), "embeds": [embed], "allowed_mentions": {"parse": []}}


def _shortened(facts: list[tuple[str, str]], budget: int) -> list[tuple[str, str]]:
    """``facts`` within ``budget`` characters in all: the longest values halved, then the last facts dropped."""
    facts = list(facts)
    while facts and sum(len(name) + len(value) for name, value in facts) > budget:
        longest = max(range(len(facts)), key=lambda i: len(facts[i][1]))
        name, value = facts[longest]
        if len(value) > 16:  # noqa: PLR2004 (shorter is not worth showing cut)
            facts[longest] = (name, cut(value, len(value) // 2))
        else:
            facts.pop()
    return facts


_TEAMS_COLOURS = {"bad": "Attention", "good": "Good", "info": "Accent"}


def _teams(news: News) -> dict[str, Any]:
    quote = cut(news.quote, CODE_CHARS) if news.quote else None
    facts = [(cut(name, 200), cut(value, TEAMS_TEXT)) for name, value in news.facts]
    card = _teams_card(news, facts, quote)
    size = len(msgspec.json.encode(card))
    if size > TEAMS_MAX_BYTES:
        # Only absurd names get here. Characters may take several bytes and escapes more: count 6 bytes each.
        budget = max((TEAMS_MAX_BYTES - (size - sum(len(msgspec.json.encode([n, v])) for n, v in facts))) // 6, 0)
        card = _teams_card(news, _shortened(facts, budget), quote)
    return card


def _teams_card(news: News, facts: list[tuple[str, str]], quote: str | None) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": cut(news.title, TEAMS_TEXT),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "color": _TEAMS_COLOURS[news.tone],
        }
    ]
    if facts:
        body.append({"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts]})
    if quote:
        body.append({"type": "TextBlock", "text": quote, "fontType": "Monospace", "wrap": True})
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if news.link:
        content["actions"] = [{"type": "Action.OpenUrl", "title": "Open in ghee", "url": news.link}]
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": content}
    return {"type": "message", "attachments": [attachment]}


_RENDERERS = {"slack": _slack, "discord": _discord, "teams": _teams}

TEST_NEWS = News(
    title="ghee test message",
    facts=[("What", "A test from ghee: this channel will get build, deployment and review news.")],
    tone="info",
)
"""What "Send a test message" sends."""


def masked_url(url: str) -> str:
    """A chat URL as it may be shown: its scheme and host, then ``…`` and its last four characters."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    tail = rest[len(host) :]
    shown_tail = tail[-4:] if len(tail) >= 16 else ""  # noqa: PLR2004 (a short tail would show too much of it)
    return f"{scheme}://{host}/…{shown_tail}"
