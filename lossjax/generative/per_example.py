"""What the generative losses share: each is a loss per example of an ``[N, ...]`` batch.

The inputs are masked by an ``[N]`` mask of examples (masked examples filled with safe values
before any math), per-example parameters (ᾱ_t, σ, t, α) are aligned with the data, and each
example's loss is a mean or a sum over its non-batch axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core

Array = jax.Array


def inputs(name: str, where: ArrayLike | None, arrays: Sequence[Array],
           rows: Sequence[tuple[Array, float]] = ()) -> tuple[Array | None, list[Array],
                                                              list[Array]]:
  """The validated ``[N]`` mask, the ``[N, ...]`` `arrays` and the ``[N]`` `rows`, each in the
  compute dtype of them all, masked examples filled: data with 0, each row with its safe fill
  (0.5 for ᾱ or t, 1 for σ)."""
  keep = core.as_mask(name, where, arrays[0].shape[:1])
  dtype = core.compute_dtype(*arrays, *(a for a, _ in rows))
  data = [core.masked_fill(keep, core.to_float(a, dtype)) for a in arrays]
  per_row = [core.masked_fill(keep, core.to_float(a, dtype), fill) for a, fill in rows]
  return keep, data, per_row


def align(v: Array, ndim: int) -> Array:
  """A per-example ``[N]`` array aligned with ``[N, ...]`` data (torchcfm's ``pad_t_like_x``,
  diffusers' ``unsqueeze`` loop)."""
  return v.reshape(v.shape + (1,) * (ndim - 1))


def mean(x: Array) -> Array:
  """The mean over the non-batch axes (diffusers' and torchcfm's, k-diffusion's ``mean(1)``)."""
  return jnp.mean(x, axis=tuple(range(1, x.ndim)))


def total(x: Array) -> Array:
  """The sum over the non-batch axes (a likelihood's, a squared gradient norm's)."""
  return jnp.sum(x, axis=tuple(range(1, x.ndim)))
