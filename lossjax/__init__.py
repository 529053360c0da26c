"""lossjax: every torch.nn loss with PyTorch's exact numbers, and the losses
people keep re-writing by hand, as pure JAX functions.

Examples:
  >>> import jax.numpy as jnp, lossjax as lj
  >>> print(f"{lj.mse_loss(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0])):.1f}")
  2.0
"""

# Each family package (lossjax/<family>/) names its public losses in __all__; they are
# re-exported here (imported by name, so type checkers see them; tests/test_registry.py checks
# that this list is every family package), and the registry (lossjax.REGISTRY) describes each
# one once.
from lossjax import (
    classification,
    detection,
    distillation,
    embedding,
    fenchel_young,
    generative,
    image_quality,
    large_vocabulary,
    margin,
    metric_learning,
    mixture_of_experts,
    nn,  # torch.nn-style loss objects, generated from the registry
    policy_gradient,
    preference,
    probabilistic,
    ranking,
    regression,
    segmentation,
    sequence,
)
from lossjax._checked import CheckError, checked
from lossjax._core import Parts
from lossjax._declare import OptionTypeError
from lossjax._registry import REGISTRY
from lossjax.classification import *  # noqa: F403
from lossjax.detection import *  # noqa: F403
from lossjax.distillation import *  # noqa: F403
from lossjax.embedding import *  # noqa: F403
from lossjax.fenchel_young import *  # noqa: F403
from lossjax.generative import *  # noqa: F403
from lossjax.generative.diffusion import diffusion_snr
from lossjax.generative.flow_matching import flow_matching_sample
from lossjax.image_quality import *  # noqa: F403
from lossjax.large_vocabulary import *  # noqa: F403
from lossjax.large_vocabulary import TokenStats, linear_token_stats
from lossjax.margin import *  # noqa: F403
from lossjax.metric_learning import *  # noqa: F403
from lossjax.mixture_of_experts import *  # noqa: F403
from lossjax.policy_gradient import *  # noqa: F403
from lossjax.preference import *  # noqa: F403
from lossjax.preference.dpo import length_desensitized_logps
from lossjax.probabilistic import *  # noqa: F403
from lossjax.ranking import *  # noqa: F403
from lossjax.regression import *  # noqa: F403
from lossjax.segmentation import *  # noqa: F403
from lossjax.sequence import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "REGISTRY",
    "CheckError",
    "Parts",
    "OptionTypeError",
    "TokenStats",
    "checked",
    "diffusion_snr",
    "flow_matching_sample",
    "length_desensitized_logps",
    "linear_token_stats",
    "nn",
]
__all__ += classification.__all__
__all__ += detection.__all__
__all__ += distillation.__all__
__all__ += embedding.__all__
__all__ += fenchel_young.__all__
__all__ += generative.__all__
__all__ += image_quality.__all__
__all__ += large_vocabulary.__all__
__all__ += margin.__all__
__all__ += metric_learning.__all__
__all__ += mixture_of_experts.__all__
__all__ += policy_gradient.__all__
__all__ += preference.__all__
__all__ += probabilistic.__all__
__all__ += ranking.__all__
__all__ += regression.__all__
__all__ += segmentation.__all__
__all__ += sequence.__all__
