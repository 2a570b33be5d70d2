"""The dashboard's Jinja2 environment: autoescaping, static URLs, the CSRF field and pager macros, date filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from ghee.clock import iso
from ghee.core.rich_text import allowed_markup
from ghee.dashboard.assets import static_url
from ghee.dashboard.web import CSRF_FIELD

TEMPLATE_DIR = Path(__file__).parent / "templates"


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden CSRF input every dashboard form must carry (the template macro)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, context.get("csrf_token", ""))


@pass_context
def pager(context: Context, page: int, has_more: bool) -> Markup:
    """Previous / Next links to the neighbouring pages of a list, keeping the request's other query parameters."""
    path = context.get("path", "/")
    kept = [(key, value) for key, value in context.get("query_items", ()) if key != "page"]
    links = []
    if page > 1:
        links.append(Markup('<a href="{}">Previous</a>').format(f"{path}?{urlencode([*kept, ('page', page - 1)])}"))
    if has_more:
        links.append(Markup('<a href="{}">Next</a>').format(f"{path}?{urlencode([*kept, ('page', page + 1)])}"))
    return Markup('<nav class="pager" aria-label="Pages">{}</nav>').format(Markup("").join(links))


def when(moment: datetime | None, empty: str = "never") -> Markup:
    """A ``<time>`` element for a stored UTC datetime (``empty`` when there is none)."""
    if moment is None:
        return escape(empty)
    stamp = iso(moment) or ""
    return Markup('<time datetime="{}">{}</time>').format(stamp, moment.strftime("%Y-%m-%d %H:%M") + " UTC")


def environment() -> Environment:
    """The Jinja2 environment every dashboard template renders in."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True),
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        static_url=static_url,
        csrf_field=csrf_field,
        pager=pager,
        rich_text_markup=msgspec.json.encode(allowed_markup()).decode(),  # what the editor keeps (editor.js)
    )
    environment.filters["when"] = when
    return environment


def template_config() -> TemplateConfig[Any]:
    """The app's template configuration (only dashboard pages render templates)."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
