"""Margin losses: torch's margin, hinge and soft-margin losses and the plain hinges of optax
and Keras."""

from lossjax.margin import hinge
from lossjax.margin.hinge import *  # noqa: F403

__all__: list[str] = []
__all__ += hinge.__all__
