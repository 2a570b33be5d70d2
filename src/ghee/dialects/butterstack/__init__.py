"""The ButterStack dialect at ``/v1`` (seed 000): projects, builds, changelists, assets, deployments.

``events_router`` adds what ghee has beyond the seed: the event log, webhook
subscriptions and their deliveries, and project settings; ``git_push_router``
takes git hosts' push webhooks, authenticated by the project's git push secret.
"""

from litestar import Router

from ghee.dialects.butterstack import events, project_settings, webhooks
from ghee.dialects.butterstack.git_pushes import push_router as git_push_router
from ghee.dialects.butterstack.routes import router
from ghee.dialects.butterstack.shapes import render_problem
from ghee.http.auth import DEPENDENCIES, ApiRequest, authenticated, requires

# The event log and the webhooks see every project: only studio-wide admins may use them.
_studio_admin = Router(
    path="/", route_handlers=[*events.HANDLERS, *webhooks.HANDLERS], opt=requires("admin", unbound=True)
)

events_router = Router(
    path="/v1",
    route_handlers=[_studio_admin, *project_settings.HANDLERS],
    dependencies=DEPENDENCIES,
    before_request=authenticated,
    request_class=ApiRequest,
    tags=["ButterStack: events and webhooks"],
)

__all__ = ["events_router", "git_push_router", "render_problem", "router"]
