"""Ranking losses per list on the last axis: softmax, pairwise logistic/hinge, ListMLE.

Every loss here takes ``scores`` and graded ``labels`` of shape ``[..., L]``
(leading axes are lists) and a ``where`` mask ``[..., L]`` for ragged lists:
masked items are removed from the list itself, not merely from a normaliser
(a ``[...]`` mask removes whole lists).
The per-list loss is reduced over lists; "mean" counts only lists with at
least one valid item (one valid pair for the pairwise losses), so a fully
masked list gives 0, never NaN.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, REAL, Float, declare
from lossjax._spec import LossSpec

__all__ = ["softmax_ranking_loss", "pairwise_logistic_loss", "pairwise_hinge_loss", "listmle_loss"]


Array = jax.Array


#: Lists of items: scores and labels of one shape [..., L].
_LISTS = dict(scores=FLOAT.at_least(1, "[..., L] lists"), labels=REAL.same_as("scores"))


def _lists(name: str, scores: Array, labels: Array, where: ArrayLike | None):
  """(scores, labels, valid items) of shape [..., L] in the compute dtype.

  Masked items are filled with 0 in both scores and labels, so that a NaN
  there reaches neither the value nor a gradient.
  """
  if where is not None:
    w = core.as_array(name, "where", where)
    # A [...] mask masks whole lists (the per-list loss); [..., L] masks items.
    valid = core.as_mask(name, w[..., None] if w.ndim == scores.ndim - 1 else w, scores.shape)
    keep = valid
  else:
    valid, keep = jnp.ones(scores.shape, bool), None
  _, (s, y) = core.elementwise(name, keep, ("scores", scores), ("labels", labels))
  return s, y, valid


def _finish(name: str, values: Array, s: Array, y: Array, valid: Array, counted: Array,
            reduction: str) -> Array:
  """Reduces per-list losses over the lists that count; a NaN score or label in a list's
  valid items makes its loss NaN (a NaN label would otherwise drop out of every pair)."""
  nan = jnp.any((jnp.isnan(s) | jnp.isnan(y)) & valid, axis=-1)
  return core.reduce_loss(name, core.poison(values, nan), reduction, valid=counted | nan)


def _masked_max(s: Array, valid: Array) -> Array:
  m = jnp.max(jnp.where(valid, s, -jnp.inf), axis=-1, keepdims=True, initial=-jnp.inf)
  return lax.stop_gradient(jnp.where(jnp.isneginf(m), jnp.zeros_like(m), m))


@declare(**_LISTS)
def softmax_ranking_loss(
    scores: ArrayLike,
    labels: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Listwise softmax cross-entropy: $\ell = -\sum_i y_i \log \mathrm{softmax}(s)_i$ per list.

  rax's ``softmax_loss`` (labels are used as given, not normalised; ListNet
  with graded relevance). The softmax runs over the valid items of each list.

  Args:
    scores: ``[..., L]`` scores.
    labels: ``[..., L]`` non-negative relevance labels.
    reduction: "mean" (default, over lists with a valid item), "sum" or "none".
    where: ``[..., L]`` boolean mask of valid items (or ``[...]`` of lists).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, y = jnp.array([[2.0, 1.0, 0.5]]), jnp.array([[1.0, 0.0, 0.0]])
    >>> print(f"{lj.softmax_ranking_loss(s, y):.4f}")
    0.4644

  References: Cao et al., "Learning to Rank: From Pairwise Approach to
  Listwise Approach" (ICML 2007); rax ``softmax_loss``.
  """
  name = core.loss_name()
  s, y, valid = _lists(name, scores, labels, where)
  m = _masked_max(s, valid)
  shifted = jnp.where(valid, s - m, jnp.zeros_like(s))
  log_norm = jnp.log(jnp.sum(jnp.where(valid, jnp.exp(shifted), 0.0), axis=-1, keepdims=True))
  log_softmax = shifted - jnp.where(jnp.isneginf(log_norm), jnp.zeros_like(log_norm), log_norm)
  values = -jnp.sum(jnp.where(valid, y * log_softmax, 0.0), axis=-1)
  return _finish(name, values, s, y, valid, jnp.any(valid, axis=-1), reduction)


def _pairwise(name, scores, labels, where, reduction, pair_loss):
  s, y, valid = _lists(name, scores, labels, where)
  diff = s[..., :, None] - s[..., None, :]  # s_i - s_j
  # A pair counts when item i is more relevant than item j, both valid.
  pairs = (y[..., :, None] > y[..., None, :]) & valid[..., :, None] & valid[..., None, :]
  values = jnp.sum(jnp.where(pairs, pair_loss(diff), 0.0), axis=(-2, -1))
  return _finish(name, values, s, y, valid, jnp.any(pairs, axis=(-2, -1)), reduction)


@declare(**_LISTS)
def pairwise_logistic_loss(
    scores: ArrayLike,
    labels: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""RankNet's pairwise logistic loss: $\ell = \sum_{y_i > y_j} \log(1 + e^{-(s_i - s_j)})$ per list.

  rax's ``pairwise_logistic_loss``, with the per-list loss the sum over its
  pairs (rax's default "mean" averages over all pairs of all lists instead).

  Args:
    scores: ``[..., L]`` scores.
    labels: ``[..., L]`` relevance labels.
    reduction: "mean" (default, over lists with a valid pair), "sum" or "none".
    where: ``[..., L]`` boolean mask of valid items (or ``[...]`` of lists).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, y = jnp.array([[2.0, 1.0, 0.5]]), jnp.array([[1.0, 0.0, 2.0]])
    >>> print(f"{lj.pairwise_logistic_loss(s, y):.4f}")
    2.9888

  References: Burges et al., "Learning to Rank using Gradient Descent"
  (ICML 2005); rax ``pairwise_logistic_loss``.
  """
  name = core.loss_name()
  return _pairwise(name, scores, labels, where, reduction, lambda d: core.softplus(-d))


@declare(**_LISTS, margin=Float())
def pairwise_hinge_loss(
    scores: ArrayLike,
    labels: ArrayLike,
    *,
    margin: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Pairwise hinge: $\ell = \sum_{y_i > y_j} \max(0, \text{margin} - (s_i - s_j))$ per list.

  rax's ``pairwise_hinge_loss`` (margin 1, ReLU gradient at the kink), with
  the per-list loss the sum over its pairs.

  Args:
    scores: ``[..., L]`` scores.
    labels: ``[..., L]`` relevance labels.
    margin: the margin.
    reduction: "mean" (default, over lists with a valid pair), "sum" or "none".
    where: ``[..., L]`` boolean mask of valid items (or ``[...]`` of lists).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, y = jnp.array([[2.0, 1.0, 0.5]]), jnp.array([[1.0, 0.0, 2.0]])
    >>> print(f"{lj.pairwise_hinge_loss(s, y):.4f}")
    4.0000

  References: Joachims, "Optimizing Search Engines using Clickthrough Data"
  (KDD 2002); rax ``pairwise_hinge_loss``.
  """
  name = core.loss_name()
  return _pairwise(name, scores, labels, where, reduction, lambda d: core.hinge_strict(margin - d))


@declare(**_LISTS)
def listmle_loss(
    scores: ArrayLike,
    labels: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""ListMLE: the negative log-likelihood of the label order under Plackett-Luce.

  Items are sorted by decreasing label (ties keep their order), then
  $\ell = -\sum_k \big(s_{\pi_k} - \log \sum_{j \ge k} e^{s_{\pi_j}}\big)$
  over the valid items, as rax's ``listmle_loss``.

  Args:
    scores: ``[..., L]`` scores.
    labels: ``[..., L]`` relevance labels.
    reduction: "mean" (default, over lists with a valid item), "sum" or "none".
    where: ``[..., L]`` boolean mask of valid items (or ``[...]`` of lists).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, y = jnp.array([[2.0, 1.0, 0.5]]), jnp.array([[1.0, 0.0, 2.0]])
    >>> print(f"{lj.listmle_loss(s, y):.4f}")
    2.2776

  References: Xia et al., "Listwise Approach to Learning to Rank" (ICML
  2008); rax ``listmle_loss``.
  """
  name = core.loss_name()
  s, y, valid = _lists(name, scores, labels, where)
  # Valid items by decreasing label first, invalid items last (stable).
  key = jnp.where(valid, -y, jnp.inf)
  order = jnp.argsort(key, axis=-1, stable=True)
  s_sorted = jnp.take_along_axis(s, order, axis=-1)
  v_sorted = jnp.take_along_axis(valid, order, axis=-1)
  # Invalid items sit at the end: give them a score 1000 below the lowest valid
  # one, whose exp underflows to exactly 0 in the reverse cumulative sum.
  floor = lax.stop_gradient(jnp.min(jnp.where(valid, s, jnp.inf), axis=-1, keepdims=True,
                                    initial=jnp.inf))
  floor = jnp.where(jnp.isinf(floor), jnp.zeros_like(floor), floor) - 1000.0
  s_fill = jnp.where(v_sorted, s_sorted, jnp.broadcast_to(floor, s.shape))
  lse = lax.cumlogsumexp(s_fill, axis=s.ndim - 1, reverse=True)
  values = -jnp.sum(jnp.where(v_sorted, s_fill - lse, 0.0), axis=-1)
  return _finish(name, values, s, y, valid, jnp.any(valid, axis=-1), reduction)


def _ex_ranking(rng):
  return (rng.normal(size=(6, 5)) * 2, rng.permutation(30).reshape(6, 5).astype(np.float64) / 10), {}


_ARGS = ("scores", "labels")


SPECS = [
    LossSpec(softmax_ranking_loss, None, _ex_ranking, differentiable=("scores",),
             batched=_ARGS, unbounded=("scores",), softmax_args=("scores",),
             source="rax softmax_loss (ListNet)"),
    LossSpec(pairwise_logistic_loss, None, _ex_ranking, differentiable=("scores",),
             batched=_ARGS, unbounded=("scores",), softmax_args=("scores",),
             source="rax pairwise_logistic_loss (RankNet)"),
    LossSpec(pairwise_hinge_loss, None, _ex_ranking, differentiable=("scores",),
             batched=_ARGS, unbounded=("scores",), softmax_args=("scores",),
             source="rax pairwise_hinge_loss"),
    LossSpec(listmle_loss, None, _ex_ranking, differentiable=("scores",),
             batched=_ARGS, unbounded=("scores",), softmax_args=("scores",),
             source="rax listmle_loss (Xia et al. 2008)"),
]
