"""Margin losses: torch's (margin ranking, hinge embedding, soft margin, multilabel and
multi-class margins) and the plain hinges of optax and Keras (binary, squared,
Crammer-Singer, categorical)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INDEX, REAL, WEIGHT, Bool, Float, Int, declare
from lossjax._shared.classes import pick_class
from lossjax._shared.hinges import check_pm1, checked_scores, pm1_hinge, scores_and_labels
from lossjax._spec import LossSpec

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "hinge_loss", "multiclass_hinge_loss", "categorical_hinge_loss"]


Array = jax.Array


@declare(input1=FLOAT, input2=FLOAT.same_as("input1"), target=REAL.same_as("input1"), margin=Float())
def margin_ranking_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    *,
    margin: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Ranking hinge: $\ell = \max(0, -y (x_1 - x_2) + \text{margin})$.

  The twin of ``torch.nn.functional.margin_ranking_loss``. ``y = 1`` means
  ``input1`` should rank higher, ``y = -1`` lower.

  Args:
    input1: scores, any shape.
    input2: scores of the same shape.
    target: labels in {-1, 1} of the same shape (checked on concrete inputs).
    margin: the margin.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the inputs' shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x1, x2 = jnp.array([0.8, 0.1, 0.5]), jnp.array([0.3, 0.4, 0.5])
    >>> print(f"{lj.margin_ranking_loss(x1, x2, jnp.array([1.0, 1.0, -1.0]), margin=0.1):.4f}")
    0.1667

  References: PyTorch ``torch.nn.MarginRankingLoss``.
  """
  name = core.loss_name()
  keep, (x1, x2, y) = core.elementwise(name, where, ("input1", input1), ("input2", input2),
                                       ("target", target), fill={"target": 1.0})
  bad = check_pm1(name, target, keep)
  values = core.poison(core.clamp_min_zero(-y * (x1 - x2) + margin), bad)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"), margin=Float())
def hinge_embedding_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    margin: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Hinge embedding: $\ell = x$ for ``y = 1``, $\max(0, \text{margin} - x)$ for ``y = -1``.

  The twin of ``torch.nn.functional.hinge_embedding_loss``; ``input`` is
  usually a distance. As in torch, a target that is neither 1 nor -1 takes
  both terms (lossjax raises on concrete inputs; see DESIGN).

  Args:
    input: distances, any shape.
    target: labels in {-1, 1} of the same shape.
    margin: the margin for dissimilar pairs.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[0.5, 0.7], [-0.3, -0.9]])
    >>> y = jnp.array([[1.0, 1.0], [-1.0, -1.0]])
    >>> print(f"{lj.hinge_embedding_loss(x, y):.4f}")
    1.1000

  References: PyTorch ``torch.nn.HingeEmbeddingLoss``.
  """
  name = core.loss_name()
  keep, (x, y) = core.elementwise(name, where, ("input", input), ("target", target),
                                  fill={"target": 1.0})
  bad = check_pm1(name, target, keep)
  zeros = jnp.zeros_like(x)
  values = (jnp.where(y != 1, core.clamp_min_zero(margin - x), zeros)
            + jnp.where(y != -1, x, zeros))
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"))
def soft_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Two-class logistic loss: $\ell = \log(1 + e^{-y x})$.

  The twin of ``torch.nn.functional.soft_margin_loss``, computed as
  ``softplus(-y x)``: equal to torch's ``log1p(exp(-y x))`` wherever that is
  finite, and finite where torch overflows to inf (``-y x`` above ~88 in
  float32).

  Args:
    input: scores, any shape.
    target: labels in {-1, 1} of the same shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.soft_margin_loss(jnp.array([2.0, -1.0]), jnp.array([1.0, 1.0])):.4f}")
    0.7201

  References: PyTorch ``torch.nn.SoftMarginLoss``.
  """
  name = core.loss_name()
  keep, (x, y) = core.elementwise(name, where, ("input", input), ("target", target))
  values = core.softplus(-y * x)
  return core.reduce_loss(name, values, reduction, keep)


def _class_scores(name: str, x: Array, with_scalar: bool = False) -> Array:
  """Scores (C,) or (N, C), with at least one class; torch also takes a 0-d input as one class."""
  core.check_rank(name, "input", x, {0, 1, 2} if with_scalar else {1, 2},
                  " ((C,) or (N, C))" if not with_scalar else " ((), (C,) or (N, C))")
  core.check_classes(name, "input", x)
  return x


@declare(input=FLOAT, target=INDEX.same_as("input"))
def multilabel_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Multi-label hinge over (target class, non-target class) pairs.

  The twin of ``torch.nn.functional.multilabel_margin_loss``. ``target``
  holds class indices padded with -1; only the run before the first -1
  counts. Per sample, with $J$ the target classes,

  $$
  \ell = \frac{1}{C} \sum_{j \in J} \sum_{i \notin J}
  \max(0, 1 - (x_{y_j} - x_i)).
  $$

  Args:
    input: scores ``(C,)`` or ``(N, C)``.
    target: integer class indices of the input's shape, padded with -1.
    reduction: "mean" (default, over samples), "sum" or "none" (per sample).
    where: boolean mask broadcastable to the per-sample loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[0.1, 0.2, 0.4, 0.8]])
    >>> print(f"{lj.multilabel_margin_loss(x, jnp.array([[3, 0, -1, 1]])):.4f}")
    0.8500

  References: PyTorch ``torch.nn.MultiLabelMarginLoss``.
  """
  name = core.loss_name()
  x = _class_scores(name, input, with_scalar=True)
  if x.ndim == 0:  # torch: a 0-d input is one class and a 0-d target; no pair, loss 0
    x, target = x[None], target[None]
  t = target
  c = x.shape[-1]
  keep = core.as_mask(name, where, x.shape[:-1])
  xf = core.masked_fill(keep, core.to_float(x, core.compute_dtype(x)))
  safe_t, _, out_of_range = core.class_indices(
      name, "target", t, c, where=core.mask_at(keep, -1), lowest=-1,
      expected=f"class indices in [0, {c}) or -1 (padding)")
  # Targets count up to the first -1: a running product of "not padding".
  counted = jnp.cumprod((t != -1).astype(jnp.int32), axis=-1) == 1
  safe = jnp.where(counted, safe_t, jnp.zeros_like(t))
  classes = jax.lax.broadcasted_iota(t.dtype, t.shape + (c,), t.ndim)
  # is_target[..., i]: class i is one of the counted targets.
  is_target = jnp.any((safe[..., :, None] == classes) & counted[..., :, None], axis=-2)
  x_target = jnp.take_along_axis(xf, safe, axis=-1)  # [..., J]
  hinge = core.hinge_strict(1.0 - (x_target[..., :, None] - xf[..., None, :]))  # [..., J, C]
  pair = counted[..., :, None] & ~is_target[..., None, :]
  values = jnp.sum(jnp.where(pair, hinge, 0.0), axis=(-2, -1)) / c
  # An index below -1 or >= C that counts (before the first -1) poisons its sample.
  values = core.poison(values, jnp.any(out_of_range & counted, axis=-1))
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"), weight=WEIGHT)
def multilabel_soft_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Multi-label one-vs-all logistic loss, averaged over classes per sample.

  The twin of ``torch.nn.functional.multilabel_soft_margin_loss``:
  $\ell = -\frac{1}{C}\sum_c w_c [y_c \log\sigma(x_c) + (1 - y_c)\log\sigma(-x_c)]$.

  Args:
    input: logits ``(N, C)`` or ``(C,)``.
    target: {0, 1} (or soft) targets of the input's shape.
    weight: optional ``(C,)`` weight per class (broadcast to the input).
    reduction: "mean" (default, over samples), "sum" or "none" (per sample).
    where: boolean mask broadcastable to the per-sample loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, -2.0, 0.5]])
    >>> print(f"{lj.multilabel_soft_margin_loss(x, jnp.array([[1.0, 0.0, 1.0]])):.4f}")
    0.3048

  References: PyTorch ``torch.nn.MultiLabelSoftMarginLoss``.
  """
  name = core.loss_name()
  core.check_classes(name, "input", input)
  keep = core.as_mask(name, where, input.shape[:-1] if input.ndim else ())
  keep_x = core.mask_at(keep, -1) if input.ndim else keep
  dtype = core.compute_dtype(input, target, weight)
  x, y = (core.masked_fill(keep_x, core.to_float(a, dtype)) for a in (input, target))
  # ±inf logits: clipped, so that the target's side gives 0, not inf - inf (as BCE with logits).
  x = core.finite_logits(x)
  values = -(y * core.log_sigmoid(x) + (1.0 - y) * core.log_sigmoid(-x))
  if weight is not None:
    w = core.check_broadcastable(name, "weight", weight, x.shape)
    values = values * core.masked_fill(keep_x, core.to_float(w, dtype))
  c = x.shape[-1] if x.ndim else 1
  values = jnp.sum(values, axis=-1) / c if x.ndim else values
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=INDEX, weight=WEIGHT, margin=Float(),
         p=Int(lo=1, hi=2, message="only p == 1 and p == 2 supported"))
def multi_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Multi-class hinge: $\ell = \frac{1}{C}\sum_{i \ne y} w_y \max(0, \text{margin} - x_y + x_i)^p$.

  The twin of ``torch.nn.functional.multi_margin_loss`` (``p`` in {1, 2};
  the sum over wrong classes divided by C; "mean" is the plain mean over
  samples, also with ``weight``).

  Args:
    input: scores ``(N, C)`` or ``(C,)``.
    target: integer class indices ``(N,)`` or ``()``.
    p: 1 or 2.
    margin: the margin.
    weight: optional ``(C,)`` weight, applied by the target class.
    reduction: "mean" (default), "sum" or "none" (per sample).
    where: boolean mask broadcastable to the per-sample loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[0.1, 0.2, 0.4, 0.8]])
    >>> print(f"{lj.multi_margin_loss(x, jnp.array([3])):.4f}")
    0.3250

  References: PyTorch ``torch.nn.MultiMarginLoss``.
  """
  name = core.loss_name()
  x = _class_scores(name, input, with_scalar=True)
  t = target
  if x.ndim == 0:  # torch: a 0-d input is one class and a 0-d target; no wrong class, loss 0
    x = x[None]
  if x.ndim == 1 and t.shape == (1,):
    x = x[None]  # torch takes a (1,) target for a (C,) input: a batch of one, loss (1,)
  core.check_shape(name, "target", t, x.shape[:-1], " (input's shape without the class axis)")
  c = x.shape[-1]
  w = None
  if weight is not None:
    w = weight
    core.check_shape(name, "weight", w, (c,))
  keep = core.as_mask(name, where, x.shape[:-1])
  dtype = core.compute_dtype(x, w)
  xf = core.masked_fill(keep, core.to_float(x, dtype))
  t, _, out_of_range = core.class_indices(
      name, "target", t, c, where=keep,
      expected=f"class indices in [0, {c}) (torch: target out of range)")
  x_target = jnp.take_along_axis(xf, t[..., None], axis=-1)  # [..., 1]
  z = core.hinge_strict(margin - x_target + xf)
  if p == 2:
    z = jnp.square(z)
  if w is not None:
    z = z * jnp.take(core.to_float(w, dtype), t)[..., None]
  classes = jax.lax.broadcasted_iota(t.dtype, xf.shape, xf.ndim - 1)
  values = jnp.sum(jnp.where(classes == t[..., None], 0.0, z), axis=-1) / c
  return core.reduce_loss(name, core.poison(values, out_of_range), reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"), squared=Bool())
def hinge_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    squared: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Binary hinge: $\ell = \max(0, 1 - y x)$, or its square with ``squared=True``.

  The SVM loss on ±1 labels: optax's ``hinge_loss`` (``reduction="none"``)
  and Keras's ``Hinge`` / ``SquaredHinge`` (which also take {0, 1} labels
  and map them to ±1: pass ``2 * y - 1`` here).

  Args:
    input: scores, any shape.
    target: labels in {-1, 1} of the same shape (checked on concrete inputs).
    squared: square the hinge (Keras's ``SquaredHinge``).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x, y = jnp.array([2.0, 0.5, -0.5]), jnp.array([1.0, 1.0, 1.0])
    >>> print(f"{lj.hinge_loss(x, y):.4f}, {lj.hinge_loss(x, y, squared=True):.4f}")
    0.6667, 0.8333

  References: Cortes & Vapnik, "Support-Vector Networks" (1995); optax
  ``hinge_loss``; Keras ``Hinge`` and ``SquaredHinge``.
  """
  return pm1_hinge(core.loss_name(), input, target, 1.0, squared, reduction, where)


@declare(renamed={"scores": "input", "labels": "target"},
         input=FLOAT, target=INDEX.class_indices_of("input"))
def multiclass_hinge_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Crammer-Singer multi-class hinge: $\ell = \max_c (s_c + 1 - [c = y]) - s_y$.

  The hinge on the best wrong class (torch's
  [`multi_margin_loss`][lossjax.multi_margin_loss] averages the hinge over
  every wrong class instead). Equal to optax's ``multiclass_hinge_loss``.

  Args:
    input: ``[..., C]`` scores.
    target: integer class indices ``[...]``.
    reduction: "mean" (default), "sum" or "none" (per score vector).
    where: boolean mask broadcastable to the per-vector loss.

  The old keywords ``scores=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s = jnp.array([[2.0, 1.5, -1.0]])
    >>> print(f"{lj.multiclass_hinge_loss(s, jnp.array([1])):.4f}")
    1.5000

  References: Crammer & Singer, "On the Algorithmic Implementation of
  Multiclass Kernel-based Vector Machines" (JMLR 2001); optax
  ``multiclass_hinge_loss``.
  """
  name = core.loss_name()
  keep, z, safe, bad = scores_and_labels(name, input, target, where)
  classes = jax.lax.broadcasted_iota(safe.dtype, z.shape, z.ndim - 1)
  is_label = classes == safe[..., None]
  values = jnp.max(jnp.where(is_label, z, z + 1.0), axis=-1) - pick_class(z, safe)
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"))
def categorical_hinge_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Keras's categorical hinge: $\ell = \max(0, 1 + \max_c (1 - t_c) x_c - \sum_c t_c x_c)$.

  For one-hot targets, the hinge between the target's score and the best other
  one, where the other scores are floored at 0 by the $(1 - t_c)$ factor
  (unlike [`multiclass_hinge_loss`][lossjax.multiclass_hinge_loss]).
  Equal to Keras's ``CategoricalHinge``.

  Args:
    input: ``[..., C]`` scores.
    target: ``[..., C]`` one-hot (or soft) targets.
    reduction: "mean" (default), "sum" or "none" (per score vector).
    where: boolean mask broadcastable to the per-vector loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x, t = jnp.array([[2.0, 1.5, -1.0]]), jnp.array([[0.0, 1.0, 0.0]])
    >>> print(f"{lj.categorical_hinge_loss(x, t):.4f}")
    1.5000

  References: Keras ``keras.losses.CategoricalHinge``.
  """
  name = core.loss_name()
  x = checked_scores(name, "input", input)
  keep = core.as_mask(name, where, x.shape[:-1])
  dtype = core.compute_dtype(x, target)
  z, t = (core.masked_fill(keep, core.to_float(a, dtype)) for a in (x, target))
  pos = jnp.sum(t * z, axis=-1)
  neg = jnp.max((1.0 - t) * z, axis=-1)
  values = core.clamp_min_zero(neg - pos + 1.0)
  return core.reduce_loss(name, values, reduction, keep)


def _pm1_labels(rng, shape):
  return np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


def _ex_ranking(rng):
  return (rng.normal(size=(6,)), rng.normal(size=(6,)), _pm1_labels(rng, (6,))), {"margin": 0.3}


def _ex_hinge(rng):
  return (rng.uniform(0, 2, size=(6, 3)), _pm1_labels(rng, (6, 3))), {"margin": 1.2}


def _ex_soft(rng):
  return (rng.normal(size=(6, 3)) * 2, _pm1_labels(rng, (6, 3))), {}


def _ex_multilabel(rng):
  c = 5
  t = np.full((6, c), -1)
  for i in range(6):
    k = rng.integers(1, 4)
    t[i, :k] = rng.choice(c, size=k, replace=False)
  return (rng.normal(size=(6, c)), t), {}


def _ex_multilabel_soft(rng):
  return (rng.normal(size=(6, 4)) * 2, (rng.uniform(size=(6, 4)) < 0.5).astype(np.float64)), {
      "weight": rng.uniform(0.5, 2.0, size=(4,))}


def _ex_multi_margin(rng):
  return (rng.normal(size=(6, 5)), rng.integers(0, 5, size=(6,))), {
      "p": 2, "margin": 0.8, "weight": rng.uniform(0.5, 2.0, size=(5,))}


def _ex_multiclass(rng):
  return (rng.normal(size=(6, 5)), rng.integers(0, 5, size=(6,))), {}


def _ex_onehot(rng):
  return (rng.normal(size=(6, 5)), np.eye(5)[rng.integers(0, 5, size=6)]), {}


SPECS = [
    LossSpec(margin_ranking_loss, "MarginRankingLoss", _ex_ranking,
             differentiable=("input1", "input2"), batched=("input1", "input2", "target"),
             unbounded=("input1", "input2"), bad_options={}),
    LossSpec(hinge_embedding_loss, "HingeEmbeddingLoss", _ex_hinge,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",)),
    LossSpec(soft_margin_loss, "SoftMarginLoss", _ex_soft,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",)),
    LossSpec(multilabel_margin_loss, "MultiLabelMarginLoss", _ex_multilabel,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             classes={"input": -1, "target": -1}),
    LossSpec(multilabel_soft_margin_loss, "MultiLabelSoftMarginLoss",
             _ex_multilabel_soft, differentiable=("input",), batched=("input", "target"),
             unbounded=("input",), bad_options={"weight": np.ones(3)},
             classes={"input": -1, "target": -1}),
    LossSpec(multi_margin_loss, "MultiMarginLoss", _ex_multi_margin,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             bad_options={"p": 3, "weight": np.ones(4)},
             classes={"input": -1}),
    LossSpec(hinge_loss, None, _ex_soft, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",), source="optax, Keras"),
    LossSpec(multiclass_hinge_loss, None, _ex_multiclass,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), source="optax (Crammer & Singer 2001)",
             classes={"input": -1}),
    LossSpec(categorical_hinge_loss, None, _ex_onehot, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",), source="Keras",
             classes={"input": -1, "target": -1}),
]
