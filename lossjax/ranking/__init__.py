"""Ranking: listwise and pairwise losses on scores."""

from lossjax.ranking import scoring
from lossjax.ranking.scoring import *  # noqa: F403

__all__: list[str] = []
__all__ += scoring.__all__
