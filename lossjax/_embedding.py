"""Embedding losses with torch twins: cosine embedding, triplet margin (with a distance)."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = [
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]

# torch's Loss.cpp EPSILON, added to each squared norm of cosine_embedding_loss:
# the float32 value of 1e-12 (9.99999996e-13), as the zero-vector fixtures show
# (1e-12 itself is off by 2e-9 relative there).
_COS_EPS = float(np.float32(1e-12))


def _vectors(name: str, *pairs: tuple[str, ArrayLike]) -> list[Array]:
  """Validates embeddings `(N, D)` or `(D,)` of one shape; returns them in the compute dtype."""
  out = core.same_shape_floats(name, *pairs, float_args=[arg for arg, _ in pairs])
  core.check_rank(name, pairs[0][0], out[0], {1, 2}, " ((N, D) or (D,))")
  return out


def _pairwise_distance(x1: Array, x2: Array, p: float = 2.0, eps: float = 1e-6) -> Array:
  """torch.pairwise_distance: ``‖x1 - x2 + eps‖_p`` over the last axis (eps inside, as torch)."""
  v = x1 - x2 + eps
  if p == 2:
    return core.safe_norm(v)
  if p == jnp.inf:
    return jnp.max(core.abs0(v), axis=-1)
  if p == 1:
    return jnp.sum(core.abs0(v), axis=-1)
  s = jnp.sum(core.abs0(v) ** p, axis=-1)
  pos = s > 0
  return jnp.where(pos, jnp.where(pos, s, jnp.ones_like(s)) ** (1.0 / p), jnp.zeros_like(s))


def cosine_embedding_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    *,
    margin: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Cosine embedding: :math:`1 - \cos(x_1, x_2)` for ``y = 1``, :math:`\max(0, \cos - \text{margin})` for ``y = -1``.

  The twin of ``torch.nn.functional.cosine_embedding_loss``, with torch's
  handling of the norms:
  :math:`\cos = \frac{x_1 \cdot x_2}{\sqrt{(\|x_1\|^2 + \epsilon)(\|x_2\|^2 + \epsilon)}}`,
  :math:`\epsilon = 10^{-12}`, so zero vectors give a finite value and
  gradient.

  Args:
    input1: embeddings ``(N, D)`` or ``(D,)``.
    input2: embeddings of the same shape.
    target: labels in {-1, 1}, ``(N,)`` or ``()``.
    margin: the margin for dissimilar pairs, in [-1, 1].
    reduction: "mean" (default), "sum" or "none" (per pair).
    where: boolean mask broadcastable to the per-pair loss.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> a = jnp.array([[1.0, 0.0], [1.0, 1.0]])
  >>> b = jnp.array([[1.0, 1.0], [-1.0, 1.0]])
  >>> print(f"{lj.cosine_embedding_loss(a, b, jnp.array([1.0, -1.0])):.4f}")
  0.1464

  References: PyTorch ``torch.nn.CosineEmbeddingLoss``.
  """
  name = "cosine_embedding_loss"
  core.validate_reduction(name, reduction)
  x1, x2 = _vectors(name, ("input1", input1), ("input2", input2))
  y = core.as_array(name, "target", target)
  core.check_shape(name, "target", y, x1.shape[:-1], " (one label per pair)")
  core.check_values(name, "target", y, lambda t: (t != 1) & (t != -1), "values in {-1, 1}")
  prod = jnp.sum(x1 * x2, axis=-1)
  mag1 = jnp.sum(jnp.square(x1), axis=-1) + _COS_EPS
  mag2 = jnp.sum(jnp.square(x2), axis=-1) + _COS_EPS
  cos = prod / jnp.sqrt(mag1 * mag2)  # > 0 under the sqrt: finite at zero vectors
  zeros = jnp.zeros_like(cos)
  values = (jnp.where(y == 1, 1.0 - cos, zeros)
            + jnp.where(y == -1, core.clamp_min_zero(cos - margin), zeros))
  return core.reduce_loss(name, values, reduction, where)


def _triplet(name, anchor, positive, negative, distance, margin, swap, reduction, where):
  d_pos = distance(anchor, positive)
  d_neg = distance(anchor, negative)
  if swap:
    d_neg = jnp.minimum(d_neg, distance(positive, negative))
  values = core.clamp_min_zero(margin + d_pos - d_neg)
  return core.reduce_loss(name, values, reduction, where)


def triplet_margin_loss(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    *,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Triplet margin: :math:`\ell = \max(0, d(a, p) - d(a, n) + \text{margin})`.

  The twin of ``torch.nn.functional.triplet_margin_loss`` with
  :math:`d(x, y) = \|x - y + \epsilon\|_p` (``eps`` inside the norm, exactly
  where ``torch.pairwise_distance`` puts it). With ``swap``, ``d(a, n)`` is
  replaced by :math:`\min(d(a, n), d(p, n))` (Balntas et al. 2016).
  Identical vectors give a finite gradient.

  Args:
    anchor: embeddings ``(N, D)`` or ``(D,)``.
    positive: embeddings of the same shape.
    negative: embeddings of the same shape.
    margin: the margin.
    p: the norm degree (> 0, or ``jnp.inf``).
    eps: added to the difference inside the norm.
    swap: use the distance swap.
    reduction: "mean" (default), "sum" or "none" (per triplet).
    where: boolean mask broadcastable to the per-triplet loss.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> a, p, n = jnp.array([[0.0, 0.0]]), jnp.array([[1.0, 0.0]]), jnp.array([[0.0, 1.5]])
  >>> print(f"{lj.triplet_margin_loss(a, p, n):.4f}")
  0.5000

  References: PyTorch ``torch.nn.TripletMarginLoss``; Schroff et al.,
  "FaceNet" (2015).
  """
  name = "triplet_margin_loss"
  core.validate_reduction(name, reduction)
  if not p > 0:
    raise core.option_error(name, "p", f"{p}, expected a positive norm degree")
  a, pos, neg = _vectors(name, ("anchor", anchor), ("positive", positive), ("negative", negative))
  return _triplet(name, a, pos, neg, lambda x, y: _pairwise_distance(x, y, p, eps), margin, swap,
                  reduction, where)


def triplet_margin_with_distance_loss(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    *,
    distance_function: Callable[[Array, Array], Array] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Triplet margin with any distance: :math:`\max(0, d(a, p) - d(a, n) + \text{margin})`.

  The twin of ``torch.nn.functional.triplet_margin_with_distance_loss``.
  ``distance_function`` is any JAX callable mapping two ``(..., D)`` arrays to
  ``(...)`` distances. The default is ``pairwise_distance`` with p = 2 and
  eps = 1e-6, as in torch.

  Args:
    anchor: embeddings ``(N, D)`` or ``(D,)``.
    positive: embeddings of the same shape.
    negative: embeddings of the same shape.
    distance_function: ``(x, y) -> distances``; default Euclidean.
    margin: the margin, > 0 (torch's check).
    swap: use the distance swap.
    reduction: "mean" (default), "sum" or "none" (per triplet).
    where: boolean mask broadcastable to the per-triplet loss.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> cosine = lambda x, y: 1 - jnp.sum(x * y, -1) / jnp.sqrt(jnp.sum(x * x, -1) * jnp.sum(y * y, -1))
  >>> a, p, n = jnp.array([[1.0, 0.0]]), jnp.array([[1.0, 0.2]]), jnp.array([[0.0, 1.0]])
  >>> print(f"{lj.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine, margin=0.5):.4f}")
  0.0000

  References: PyTorch ``torch.nn.TripletMarginWithDistanceLoss``.
  """
  name = "triplet_margin_with_distance_loss"
  core.validate_reduction(name, reduction)
  if not margin > 0:
    raise core.option_error(name, "margin", f"margin must be greater than 0, got {margin}")
  a, pos, neg = _vectors(name, ("anchor", anchor), ("positive", positive), ("negative", negative))
  distance = distance_function if distance_function is not None else _pairwise_distance
  return _triplet(name, a, pos, neg, distance, margin, swap, reduction, where)


# --------------------------------------------------------------------------
# Catalogue entries
# --------------------------------------------------------------------------


def _ex_cosine(rng):
  return (rng.normal(size=(6, 4)), rng.normal(size=(6, 4)),
          np.where(rng.uniform(size=(6,)) < 0.5, -1.0, 1.0)), {"margin": 0.1}


def _ex_triplet(rng):
  return tuple(rng.normal(size=(6, 4)) for _ in range(3)), {"margin": 0.5, "swap": True}


def _ex_triplet_p3(rng):
  args, kw = _ex_triplet(rng)
  return args, {**kw, "p": 3.0}


_TRIPLET = ("anchor", "positive", "negative")
SPECS = [
    LossSpec(cosine_embedding_loss, "embedding", "CosineEmbeddingLoss", _ex_cosine,
             differentiable=("input1", "input2"), batched=("input1", "input2", "target"),
             unbounded=("input1", "input2")),
    LossSpec(triplet_margin_loss, "embedding", "TripletMarginLoss", _ex_triplet_p3,
             differentiable=_TRIPLET, batched=_TRIPLET, unbounded=_TRIPLET,
             bad_options={"p": 0.0}),
    LossSpec(triplet_margin_with_distance_loss, "embedding", "TripletMarginWithDistanceLoss",
             _ex_triplet, differentiable=_TRIPLET, batched=_TRIPLET, unbounded=_TRIPLET,
             bad_options={"margin": 0.0}),
]
