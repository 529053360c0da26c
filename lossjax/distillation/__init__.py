"""Distillation: divergences between a teacher's and a student's distributions."""

from lossjax.distillation import divergence
from lossjax.distillation.divergence import *  # noqa: F403

__all__: list[str] = []
__all__ += divergence.__all__
