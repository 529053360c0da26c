"""Mixture of experts: the router's load-balancing loss."""

from lossjax.mixture_of_experts import routing
from lossjax.mixture_of_experts.routing import *  # noqa: F403

__all__: list[str] = []
__all__ += routing.__all__
