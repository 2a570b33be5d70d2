"""The ButterStack dialect at ``/v1`` (seed 000): projects, builds, changelists, assets, deployments."""

from ghee.dialects.butterstack.routes import router
from ghee.dialects.butterstack.shapes import render_problem

__all__ = ["render_problem", "router"]
