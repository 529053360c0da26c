"""lossjax: every torch.nn loss with PyTorch's exact numbers, and the losses
people keep re-writing by hand, as pure JAX functions.

>>> import jax.numpy as jnp, lossjax as lj
>>> print(f"{lj.mse_loss(jnp.array([1.0, 2.0]), jnp.array([1.0, 4.0])):.1f}")
2.0
"""

from lossjax._classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from lossjax._probabilistic import gaussian_nll_loss, kl_div, poisson_nll_loss
from lossjax._regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from lossjax._registry import REGISTRY

__version__ = "0.1.0"

__all__ = [
    "REGISTRY",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "gaussian_nll_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
]
