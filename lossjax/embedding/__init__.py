"""Embedding losses: pair and triplet distances, in-batch contrastive losses (InfoNCE,
SupCon, circle, CLIP, SigLIP) and self-supervised redundancy reduction (VICReg, Barlow Twins)."""

from lossjax.embedding import contrastive, distance, self_supervised
from lossjax.embedding.contrastive import *  # noqa: F403
from lossjax.embedding.distance import *  # noqa: F403
from lossjax.embedding.self_supervised import *  # noqa: F403

__all__: list[str] = []
__all__ += contrastive.__all__
__all__ += distance.__all__
__all__ += self_supervised.__all__
