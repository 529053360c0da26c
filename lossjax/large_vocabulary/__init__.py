"""Large vocabularies: the cross-entropy of a linear head without materialising the
logits, and the per-token statistics beside it."""

from lossjax.large_vocabulary import head
from lossjax.large_vocabulary.head import *  # noqa: F403
from lossjax.large_vocabulary.token_stats import TokenStats as TokenStats
from lossjax.large_vocabulary.token_stats import linear_token_stats as linear_token_stats

__all__: list[str] = []
__all__ += head.__all__
