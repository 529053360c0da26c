"""Policy-gradient losses for language-model post-training (GRPO, DAPO, Dr. GRPO)."""

from lossjax.policy_gradient import surrogate
from lossjax.policy_gradient.surrogate import *  # noqa: F403

__all__: list[str] = []
__all__ += surrogate.__all__
