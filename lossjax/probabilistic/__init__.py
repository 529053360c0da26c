"""Probabilistic losses: divergences between distributions and negative log-likelihoods."""

from lossjax.probabilistic import distributions
from lossjax.probabilistic.distributions import *  # noqa: F403

__all__: list[str] = []
__all__ += distributions.__all__
