"""Embedding losses with torch twins: cosine embedding, triplet margin (with a distance)."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, REAL, Bool, Float, Function, declare
from lossjax._spec import LossSpec

__all__ = ["cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss"]


Array = jax.Array


# torch's Loss.cpp EPSILON, added to each squared norm of cosine_embedding_loss:
# the float32 value of 1e-12 (9.99999996e-13), as the zero-vector fixtures show
# (1e-12 itself is off by 2e-9 relative there).
_COS_EPS = float(np.float32(1e-12))


def _vectors(name: str, where, *pairs: tuple[str, Array]) -> tuple[Array | None, list[Array]]:
  """Embeddings `(N, D)` or `(D,)` of one shape (declared: the others `same_as` the first): the
  `where` mask over pairs and the embeddings in the compute dtype, masked rows filled with 0."""
  first_arg, first = pairs[0]
  core.check_rank(name, first_arg, first, {1, 2}, " ((N, D) or (D,))")
  keep = core.as_mask(name, where, first.shape[:-1])
  dtype = core.compute_dtype(*(a for _, a in pairs))
  return keep, [core.masked_fill(keep, core.to_float(a, dtype)) for _, a in pairs]


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
  pos = core.above_zero(s)  # a NaN distance stays NaN
  return jnp.where(pos, jnp.where(pos, s, jnp.ones_like(s)) ** (1.0 / p), jnp.zeros_like(s))


@declare(input1=FLOAT, input2=FLOAT.same_as("input1"), target=REAL, margin=Float())
def cosine_embedding_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    *,
    margin: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Cosine embedding: $1 - \cos(x_1, x_2)$ for ``y = 1``, $\max(0, \cos - \text{margin})$ for ``y = -1``.

  The twin of ``torch.nn.functional.cosine_embedding_loss``, with torch's
  handling of the norms:
  $\cos = \frac{x_1 \cdot x_2}{\sqrt{(\|x_1\|^2 + \epsilon)(\|x_2\|^2 + \epsilon)}}$,
  $\epsilon = 10^{-12}$, so zero vectors give a finite value and
  gradient.

  Args:
    input1: embeddings ``(N, D)`` or ``(D,)``.
    input2: embeddings of the same shape.
    target: labels in {-1, 1}, ``(N,)`` or ``()``.
    margin: the margin for dissimilar pairs, in [-1, 1].
    reduction: "mean" (default), "sum" or "none" (per pair).
    where: boolean mask broadcastable to the per-pair loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a = jnp.array([[1.0, 0.0], [1.0, 1.0]])
    >>> b = jnp.array([[1.0, 1.0], [-1.0, 1.0]])
    >>> print(f"{lj.cosine_embedding_loss(a, b, jnp.array([1.0, -1.0])):.4f}")
    0.1464

  References: PyTorch ``torch.nn.CosineEmbeddingLoss``.
  """
  name = core.loss_name()
  core.check_shape(name, "target", target, input1.shape[:-1], " (one label per pair)")
  keep, (x1, x2) = _vectors(name, where, ("input1", input1), ("input2", input2))
  core.check_values(name, "target", target, lambda t: (t != 1) & (t != -1), "values in {-1, 1}",
                    where=keep)
  y = target
  prod = jnp.sum(x1 * x2, axis=-1)
  mag1 = jnp.sum(jnp.square(x1), axis=-1) + _COS_EPS
  mag2 = jnp.sum(jnp.square(x2), axis=-1) + _COS_EPS
  cos = prod / jnp.sqrt(mag1 * mag2)  # > 0 under the sqrt: finite at zero vectors
  zeros = jnp.zeros_like(cos)
  values = (jnp.where(y == 1, 1.0 - cos, zeros)
            + jnp.where(y == -1, core.clamp_min_zero(cos - margin), zeros))
  # A label that is neither 1 nor -1 (NaN included) gives NaN: torch gives 0.
  values = core.poison(values, (y != 1) & (y != -1))
  return core.reduce_loss(name, values, reduction, keep)


#: torch checks the triplet margin in both triplet losses.
_MARGIN = Float(lo=0.0, lo_open=True, message="margin must be greater than 0, got {value}")


def _triplet(name, where, anchor, positive, negative, distance, margin, swap, reduction):
  keep, (anchor, positive, negative) = _vectors(
      name, where, ("anchor", anchor), ("positive", positive), ("negative", negative))
  d_pos = distance(anchor, positive)
  d_neg = distance(anchor, negative)
  if swap:
    d_neg = jnp.minimum(d_neg, distance(positive, negative))
  values = core.clamp_min_zero(margin + d_pos - d_neg)
  return core.reduce_loss(name, values, reduction, keep)


@declare(anchor=FLOAT, positive=FLOAT.same_as("anchor"), negative=FLOAT.same_as("anchor"), margin=_MARGIN, swap=Bool(),
         p=Float(lo=0.0, lo_open=True, allow_inf=True).static(), eps=Float(lo=0.0))
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
  r"""Triplet margin: $\ell = \max(0, d(a, p) - d(a, n) + \text{margin})$.

  The twin of ``torch.nn.functional.triplet_margin_loss`` with
  $d(x, y) = \|x - y + \epsilon\|_p$ (``eps`` inside the norm, exactly
  where ``torch.pairwise_distance`` puts it). With ``swap``, ``d(a, n)`` is
  replaced by $\min(d(a, n), d(p, n))$ (Balntas et al. 2016).
  Identical vectors give a finite gradient.

  Args:
    anchor: embeddings ``(N, D)`` or ``(D,)``.
    positive: embeddings of the same shape.
    negative: embeddings of the same shape.
    margin: the margin, > 0 (torch's check).
    p: the norm degree (> 0, or ``jnp.inf``).
    eps: added to the difference inside the norm.
    swap: use the distance swap.
    reduction: "mean" (default), "sum" or "none" (per triplet).
    where: boolean mask broadcastable to the per-triplet loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a, p, n = jnp.array([[0.0, 0.0]]), jnp.array([[1.0, 0.0]]), jnp.array([[0.0, 1.5]])
    >>> print(f"{lj.triplet_margin_loss(a, p, n):.4f}")
    0.5000

  References: PyTorch ``torch.nn.TripletMarginLoss``; Schroff et al.,
  "FaceNet" (2015).
  """
  return _triplet(core.loss_name(), where, anchor, positive, negative,
                  lambda x, y: _pairwise_distance(x, y, p, eps), margin, swap, reduction)


@declare(anchor=FLOAT, positive=FLOAT.same_as("anchor"), negative=FLOAT.same_as("anchor"), distance_function=Function(),
         margin=_MARGIN, swap=Bool())
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
  r"""Triplet margin with any distance: $\max(0, d(a, p) - d(a, n) + \text{margin})$.

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

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> cosine = lambda x, y: 1 - jnp.sum(x * y, -1) / jnp.sqrt(jnp.sum(x * x, -1) * jnp.sum(y * y, -1))
    >>> a, p, n = jnp.array([[1.0, 0.0]]), jnp.array([[1.0, 0.2]]), jnp.array([[0.0, 1.0]])
    >>> print(f"{lj.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine, margin=0.5):.4f}")
    0.0000

  References: PyTorch ``torch.nn.TripletMarginWithDistanceLoss``.
  """
  distance = distance_function if distance_function is not None else _pairwise_distance
  return _triplet(core.loss_name(), where, anchor, positive, negative, distance,
                  margin, swap, reduction)


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
    LossSpec(cosine_embedding_loss, "CosineEmbeddingLoss", _ex_cosine,
             differentiable=("input1", "input2"), batched=("input1", "input2", "target"),
             unbounded=("input1", "input2")),
    LossSpec(triplet_margin_loss, "TripletMarginLoss", _ex_triplet_p3,
             differentiable=_TRIPLET, batched=_TRIPLET, unbounded=_TRIPLET,
             bad_options={"p": 0.0}),
    LossSpec(triplet_margin_with_distance_loss, "TripletMarginWithDistanceLoss",
             _ex_triplet, differentiable=_TRIPLET, batched=_TRIPLET, unbounded=_TRIPLET,
             bad_options={"margin": 0.0}),
]
