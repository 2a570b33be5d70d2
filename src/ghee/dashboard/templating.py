"""The dashboard's Jinja2 environment: autoescaping, the static URL helper, the CSRF field macro, date filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from ghee.clock import iso
from ghee.dashboard.assets import static_url
from ghee.dashboard.web import CSRF_FIELD

TEMPLATE_DIR = Path(__file__).parent / "templates"


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden CSRF input every dashboard form must carry (the template macro)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, context.get("csrf_token", ""))


def when(moment: datetime | None, empty: str = "never") -> Markup:
    """A ``<time>`` element for a stored UTC datetime (``empty`` when there is none)."""
    if moment is None:
        return escape(empty)
    stamp = iso(moment) or ""
    return Markup('<time datetime="{}">{}</time>').format(stamp, moment.strftime("%Y-%m-%d %H:%M") + " UTC")


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True),
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(static_url=static_url, csrf_field=csrf_field)
    environment.filters["when"] = when
    return environment


def template_config() -> TemplateConfig[Any]:
    """The app's template configuration (only dashboard pages render templates)."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(_environment()))
