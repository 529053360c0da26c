"""lossjax: every torch.nn loss with PyTorch's exact numbers, and the losses
people keep re-writing by hand, as pure JAX functions.

Examples:
  >>> import jax.numpy as jnp, lossjax as lj
  >>> print(f"{lj.mse_loss(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0])):.1f}")
  2.0
"""

# Each family module names its public losses in __all__; they are re-exported
# here, and the registry (lossjax.REGISTRY) describes each one once.
from lossjax import (
    _classification,
    _contrastive,
    _detection,
    _distillation,
    _embedding,
    _fenchel_young,
    _forecasting,
    _image,
    _large_vocab,
    _margin,
    _metric,
    _metric_batch,
    _moe,
    _multilabel,
    _policy,
    _preference,
    _probabilistic,
    _ranking,
    _regression,
    _segmentation,
    _segmentation_extra,
    _self_supervised,
    _sequence,
    nn,  # torch.nn-style loss objects, generated from the registry
)
from lossjax._checked import CheckError, checked
from lossjax._classification import *  # noqa: F403
from lossjax._contrastive import *  # noqa: F403
from lossjax._declare import OptionTypeError
from lossjax._detection import *  # noqa: F403
from lossjax._distillation import *  # noqa: F403
from lossjax._embedding import *  # noqa: F403
from lossjax._fenchel_young import *  # noqa: F403
from lossjax._forecasting import *  # noqa: F403
from lossjax._image import *  # noqa: F403
from lossjax._large_vocab import *  # noqa: F403
from lossjax._large_vocab import TokenStats, linear_token_stats
from lossjax._margin import *  # noqa: F403
from lossjax._metric import *  # noqa: F403
from lossjax._metric_batch import *  # noqa: F403
from lossjax._moe import *  # noqa: F403
from lossjax._multilabel import *  # noqa: F403
from lossjax._policy import *  # noqa: F403
from lossjax._preference import *  # noqa: F403
from lossjax._probabilistic import *  # noqa: F403
from lossjax._ranking import *  # noqa: F403
from lossjax._registry import REGISTRY
from lossjax._regression import *  # noqa: F403
from lossjax._segmentation import *  # noqa: F403
from lossjax._segmentation_extra import *  # noqa: F403
from lossjax._self_supervised import *  # noqa: F403
from lossjax._sequence import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [
    "REGISTRY",
    "CheckError",
    "OptionTypeError",
    "TokenStats",
    "checked",
    "linear_token_stats",
    "nn",
    *_classification.__all__,
    *_multilabel.__all__,
    *_regression.__all__,
    *_forecasting.__all__,
    *_probabilistic.__all__,
    *_margin.__all__,
    *_fenchel_young.__all__,
    *_embedding.__all__,
    *_sequence.__all__,
    *_segmentation.__all__,
    *_segmentation_extra.__all__,
    *_ranking.__all__,
    *_contrastive.__all__,
    *_self_supervised.__all__,
    *_metric.__all__,
    *_metric_batch.__all__,
    *_detection.__all__,
    *_image.__all__,
    *_large_vocab.__all__,
    *_moe.__all__,
    *_preference.__all__,
    *_distillation.__all__,
    *_policy.__all__,
]
