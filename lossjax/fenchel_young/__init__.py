"""Fenchel-Young losses (Blondel et al. 2020): sparsemax and perceptron losses, and the
generic form over any max function."""

from lossjax.fenchel_young import losses
from lossjax.fenchel_young.losses import *  # noqa: F403

__all__: list[str] = []
__all__ += losses.__all__
