"""Overlap (segmentation) losses: dice, Jaccard, Tversky, focal Tversky, generalized dice.

All share one computation of the soft overlap statistics per image and class
(`_overlap`): the intersection ``I``, the predicted mass ``P`` and the
target mass ``T``, summed over the spatial axes (and the batch with
``batch=True``). The options are MONAI's where MONAI has them (``smooth_nr``,
``smooth_dr``, ``include_background``, ``batch``), plus:

- ``mode``: "multiclass" (``[N, ..., C]`` scores, integer ``[N, ...]`` class
  maps), "multilabel" (``[N, ..., C]`` scores and ``{0, 1}`` targets), or
  "binary" (``[N, ...]`` scores and targets);
- ``from_logits``: apply softmax (multiclass) or sigmoid (otherwise) first;
- ``class_weights``: a ``[C]`` weight per class;
- ``ignore_index``: multiclass pixels with this label count for nothing;
- ``axis``: the class axis (-1; ``axis=1`` for torch's ``[N, C, H, W]``).

An empty target with an empty prediction gives ratio ``smooth_nr / smooth_dr =
1`` and a loss of 0.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
    AXIS,
    FLOAT,
    IGNORE_INDEX,
    INDEX,
    REAL,
    TARGET,
    WEIGHT,
    Bool,
    Choice,
    Float,
    declare,
)
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = [
    "dice_loss",
    "jaccard_loss",
    "tversky_loss",
    "focal_tversky_loss",
    "generalized_dice_loss",
    "lovasz_softmax_loss",
    "lovasz_hinge_loss",
]

_MODES = ("multiclass", "multilabel", "binary")

#: The options every overlap loss shares, declared once.
_OVERLAP_OPTIONS = dict(
    mode=Choice(_MODES), from_logits=Bool(), smooth_nr=Float(lo=0.0), smooth_dr=Float(lo=0.0),
    ignore_index=IGNORE_INDEX, include_background=Bool(), batch=Bool(), axis=AXIS,
)


def _overlap(name, x, t, where, *, mode, from_logits, ignore_index, include_background,
             batch, axis, per_class=True):
  """Soft (I, P, T) per image and class (``[N, C]``, or ``[C]`` with ``batch``) and the
  validated `where` mask of the per-element loss (``[N, C]``, ``[C]``; or ``[N]``, ``()``
  with ``per_class=False``).
  """
  probs, tf, keep = _soft_maps(name, x, t, where, mode=mode, from_logits=from_logits,
                               ignore_index=ignore_index, include_background=include_background,
                               batch=batch, axis=axis, per_class=per_class)
  stats = _sums((probs * tf, probs, tf), batch)
  if not include_background:
    stats = [a[..., 1:] for a in stats]
  return stats, keep


def _sums(maps, batch):
  """Each ``[N, ..., C]`` map summed over its spatial axes (and the batch with ``batch``)."""
  axes = tuple(range(0 if batch else 1, maps[0].ndim - 1))
  return [jnp.sum(a, axis=axes) for a in maps]


def _soft_maps(name, x, t, where, *, mode, from_logits, ignore_index, include_background,
               batch, axis, per_class=True):
  """Probabilities and (one-hot) targets, ``[N, ..., C]`` with every class (ignored pixels 0
  in both), and the validated `where` mask as `_overlap` describes it.

  A pixel whose every loss is masked is filled before any math (softmax couples
  a pixel's classes, so with it a pixel is filled when its image is masked). A
  class index out of range makes its image's maps NaN under jit.
  """
  dtype = core.compute_dtype(x, t if jnp.issubdtype(t.dtype, jnp.floating) else None)
  if mode == "binary":
    core.check_same_shape(name, "target", t, "input", x)
    if x.ndim < 1:
      raise ValueError(f"{name}: argument `input` has shape (), expected [N, ...]")
    scores, tf = core.to_float(x, dtype)[..., None], core.to_float(t, dtype)[..., None]
  else:
    if x.ndim < 2:
      raise ValueError(f"{name}: argument `input` has shape {x.shape}, expected [N, ..., C]")
    scores = core.to_float(core.class_axis_last(name, x, axis), dtype)
    core.check_classes(name, "input", x, axis)
    if mode == "multiclass":
      core.check_int(name, "target", t)
      core.check_class_indices_shape(name, "target", t, x, "input", axis)
    else:
      core.check_same_shape(name, "target", t, "input", x)
      tf = core.to_float(core.class_axis_last(name, t, axis), dtype)
  n, c = scores.shape[0], scores.shape[-1]
  if not include_background and c < 2:
    raise core.option_error(name, "include_background", "needs at least two classes")
  c_kept = c if include_background else c - 1
  lead = () if batch else (n,)
  keep = core.as_mask(name, where, lead + ((c_kept,) if per_class else ()))
  # The mask on the inputs: [N or 1, 1..., C or 1].
  px_keep = None
  if keep is not None:
    k = keep if per_class else keep[..., None]
    coupled = mode == "multiclass" and from_logits
    k = jnp.any(k, axis=-1, keepdims=True) if coupled or not per_class else k
    if not include_background and k.shape[-1] == c_kept:
      k = jnp.concatenate([jnp.any(k, axis=-1, keepdims=True), k], axis=-1)
    k = k.reshape((n if not batch else 1,) + (1,) * (scores.ndim - 2) + (k.shape[-1],))
    px_keep = jnp.broadcast_to(k, scores.shape[:1] + (1,) * (scores.ndim - 2) + k.shape[-1:])
  scores = core.masked_fill(px_keep, scores)
  counted = jnp.ones(scores.shape[:-1] + (1,), bool)
  if mode == "multiclass":
    pixel_keep = None if px_keep is None else jnp.broadcast_to(
        jnp.any(px_keep, axis=-1), scores.shape[:-1])
    safe, valid, out_of_range = core.class_indices(name, "target", t, c,
                                                   ignore_index=ignore_index, where=pixel_keep)
    counted = valid[..., None]
    classes = lax.broadcasted_iota(t.dtype, scores.shape, scores.ndim - 1)
    tf = core.poison((classes == safe[..., None]).astype(dtype), out_of_range[..., None])
    probs = jax.nn.softmax(scores, axis=-1) if from_logits else scores
  else:
    tf = core.masked_fill(px_keep, tf)
    probs = (jax.nn.sigmoid(scores) if from_logits else scores)
  # Ignored pixels leave both the prediction and the target.
  return jnp.where(counted, probs, 0.0), jnp.where(counted, tf, 0.0), keep


def _finish(name, per_class, class_weights, reduction, keep, include_background):
  if class_weights is not None:
    w = class_weights
    if not include_background:
      w = w[1:]
    core.check_shape(name, "class_weights", w, per_class.shape[-1:])
    per_class = per_class * jnp.broadcast_to(core.to_float(w, per_class.dtype), per_class.shape)
  return core.reduce_loss(name, per_class, reduction, keep)


def _dice_or_jaccard(stats, smooth_nr, smooth_dr, jaccard=False):
  """1 - (2I + s_n) / (P + T + s_d), or MONAI's Jaccard 1 - (2I + s_n) / (2(P + T - I) + s_d)
  (its false positives and negatives are not halved)."""
  i, p, t = stats
  return 1.0 - (2.0 * i + smooth_nr) / ((2.0 * (p + t - i) if jaccard else p + t) + smooth_dr)


def _tversky_index(stats, alpha, beta, smooth_nr, smooth_dr):
  i, p, t = stats
  return (i + smooth_nr) / (i + alpha * (p - i) + beta * (t - i) + smooth_dr)


@declare(input=FLOAT, target=TARGET, class_weights=WEIGHT, **_OVERLAP_OPTIONS)
def dice_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    mode: str = "multiclass",
    from_logits: bool = True,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    class_weights: ArrayLike | None = None,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Soft dice: $\ell = 1 - \frac{2I + s_n}{P + T + s_d}$ per image and class.

  MONAI's ``DiceLoss`` semantics (softmax and one-hot targets by default).

  Args:
    input: scores: ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``) for
      "multiclass" and "multilabel", ``[N, ...]`` for "binary"; logits with
      ``from_logits=True`` (the default), else probabilities.
    target: integer class map ``[N, ...]`` ("multiclass"), or ``{0, 1}`` (or soft)
      targets of the input's shape ("multilabel", "binary").
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    reduction: "mean" (default, over images and classes), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss (``[N, C]``, ``[C]``
      with ``batch``).
    axis: the class axis of ``input``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])  # [N=1, H=3, C=2]
    >>> print(f"{lj.dice_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.2775

  References: Milletari et al., "V-Net" (2016); MONAI ``DiceLoss``.
  """
  name = "dice_loss"
  stats, keep = _overlap(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  per_class = _dice_or_jaccard(stats, smooth_nr, smooth_dr)
  return _finish(name, per_class, class_weights, reduction, keep, include_background)


@declare(input=FLOAT, target=TARGET, class_weights=WEIGHT, **_OVERLAP_OPTIONS)
def jaccard_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    mode: str = "multiclass",
    from_logits: bool = True,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    class_weights: ArrayLike | None = None,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Soft Jaccard (IoU): $\ell = 1 - \frac{2I + s_n}{2(P + T - I) + s_d}$ per image and class.

  MONAI's ``DiceLoss(jaccard=True)`` exactly: the union is doubled like the
  intersection, so the smoothing weighs half as much as in
  $(I + s)/(U + s)$. segmentation_models_pytorch's ``JaccardLoss(smooth=s)``
  is this loss with ``smooth_nr = smooth_dr = 2 s``.

  Args:
    input: scores: ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``) for
      "multiclass" and "multilabel", ``[N, ...]`` for "binary"; logits with
      ``from_logits=True`` (the default), else probabilities.
    target: integer class map ``[N, ...]`` ("multiclass"), or ``{0, 1}`` (or soft)
      targets of the input's shape ("multilabel", "binary").
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    reduction: "mean" (default, over images and classes), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss (``[N, C]``, ``[C]``
      with ``batch``).
    axis: the class axis of ``input``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])
    >>> print(f"{lj.jaccard_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.4339

  References: Rahman & Wang, "Optimizing Intersection-Over-Union in Deep
  Neural Networks for Image Segmentation" (2016); MONAI ``DiceLoss(jaccard=True)``.
  """
  name = "jaccard_loss"
  stats, keep = _overlap(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  # MONAI's form: the union doubled, like the intersection, so the smoothing
  # counts half as much as in (I + s_n) / (U + s_d).
  per_class = _dice_or_jaccard(stats, smooth_nr, smooth_dr, jaccard=True)
  return _finish(name, per_class, class_weights, reduction, keep, include_background)


@declare(input=FLOAT, target=TARGET, alpha=Float(lo=0.0), beta=Float(lo=0.0), class_weights=WEIGHT,
         **_OVERLAP_OPTIONS)
def tversky_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    mode: str = "multiclass",
    from_logits: bool = True,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    class_weights: ArrayLike | None = None,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Tversky: $\ell = 1 - \frac{I + s_n}{I + \alpha\,FP + \beta\,FN + s_d}$, FP = P - I, FN = T - I.

  ``alpha`` weighs false positives and ``beta`` false negatives (MONAI's
  convention); 0.5 and 0.5 give dice (up to the smoothing), 1 and 1 Jaccard.

  Args:
    input: scores: ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``) for
      "multiclass" and "multilabel", ``[N, ...]`` for "binary"; logits with
      ``from_logits=True`` (the default), else probabilities.
    target: integer class map ``[N, ...]`` ("multiclass"), or ``{0, 1}`` (or soft)
      targets of the input's shape ("multilabel", "binary").
    alpha: weight of the false positives, >= 0.
    beta: weight of the false negatives, >= 0.
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    reduction: "mean" (default, over images and classes), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss (``[N, C]``, ``[C]``
      with ``batch``).
    axis: the class axis of ``input``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])
    >>> print(f"{lj.tversky_loss(logits, jnp.array([[0, 1, 1]]), alpha=0.3, beta=0.7):.4f}")
    0.2664

  References: Salehi et al., "Tversky loss function for image segmentation
  using 3D fully convolutional deep networks" (2017); MONAI ``TverskyLoss``.
  """
  name = "tversky_loss"
  stats, keep = _overlap(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  per_class = 1.0 - _tversky_index(stats, alpha, beta, smooth_nr, smooth_dr)
  return _finish(name, per_class, class_weights, reduction, keep, include_background)


@declare(input=FLOAT, target=TARGET, alpha=Float(lo=0.0), beta=Float(lo=0.0),
         gamma=Float(lo=0.0, lo_open=True), class_weights=WEIGHT, **_OVERLAP_OPTIONS)
def focal_tversky_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    alpha: float = 0.3,
    beta: float = 0.7,
    gamma: float = 0.75,
    mode: str = "multiclass",
    from_logits: bool = True,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    class_weights: ArrayLike | None = None,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Focal Tversky: $\ell = (1 - \mathrm{TI})^{\gamma}$ per image and class.

  Abraham & Khan's focal form of [`tversky_loss`][lossjax.tversky_loss]. Their best setting was
  $\gamma = 4/3$ applied as the exponent $1/\gamma = 0.75$ (the
  default here), with alpha 0.3 and beta 0.7. The gradient is finite at a
  perfect overlap (TI = 1) for ``gamma >= 1``. For ``gamma < 1`` the loss is
  clamped away from 0 at 1e-12 before the power.

  Args:
    input: scores: ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``) for
      "multiclass" and "multilabel", ``[N, ...]`` for "binary"; logits with
      ``from_logits=True`` (the default), else probabilities.
    target: integer class map ``[N, ...]`` ("multiclass"), or ``{0, 1}`` (or soft)
      targets of the input's shape ("multilabel", "binary").
    alpha: weight of the false positives, >= 0.
    beta: weight of the false negatives, >= 0.
    gamma: the exponent, > 0.
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    reduction: "mean" (default, over images and classes), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss (``[N, C]``, ``[C]``
      with ``batch``).
    axis: the class axis of ``input``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])
    >>> print(f"{lj.focal_tversky_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.3697

  References: Abraham & Khan, "A Novel Focal Tversky loss function with
  improved Attention U-Net for lesion segmentation" (ISBI 2019).
  """
  name = "focal_tversky_loss"
  stats, keep = _overlap(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  one_minus = 1.0 - _tversky_index(stats, alpha, beta, smooth_nr, smooth_dr)
  # x ** gamma has an infinite derivative at 0 for gamma < 1: keep x >= 1e-12.
  per_class = jnp.power(jnp.maximum(one_minus, 1e-12), gamma)
  return _finish(name, per_class, class_weights, reduction, keep, include_background)


@declare(input=FLOAT, target=TARGET, w_type=Choice(("square", "simple", "uniform")),
         **_OVERLAP_OPTIONS)
def generalized_dice_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    w_type: str = "square",
    mode: str = "multiclass",
    from_logits: bool = True,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Generalized dice: $\ell = 1 - \frac{2\sum_c w_c I_c + s_n}{\sum_c w_c (P_c + T_c) + s_d}$ per image.

  MONAI's ``GeneralizedDiceLoss``: $w_c = 1/T_c^2$ ("square"),
  $1/T_c$ ("simple") or 1 ("uniform"), computed from the targets
  (no gradient). A class absent from an image (infinite weight) takes that
  image's largest finite weight. The per-element loss is per image (``[N]``),
  or a scalar with ``batch``.

  Args:
    input: scores: ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``) for
      "multiclass" and "multilabel", ``[N, ...]`` for "binary"; logits with
      ``from_logits=True`` (the default), else probabilities.
    target: integer class map ``[N, ...]`` ("multiclass"), or ``{0, 1}`` (or soft)
      targets of the input's shape ("multilabel", "binary").
    w_type: class weights from the target volumes: "square" (1/T^2), "simple"
      (1/T) or "uniform".
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    reduction: "mean" (default, over images), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss (``[N]``, or a scalar
      with ``batch``).
    axis: the class axis of ``input``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])
    >>> print(f"{lj.generalized_dice_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.2910

  References: Sudre et al., "Generalised Dice overlap as a deep learning loss
  function for highly unbalanced segmentations" (2017); MONAI
  ``GeneralizedDiceLoss``.
  """
  name = "generalized_dice_loss"
  (i, p, t), keep = _overlap(name, input, target, where, mode=mode, from_logits=from_logits,
                             ignore_index=ignore_index, include_background=include_background,
                             batch=batch, axis=axis, per_class=False)
  t_ng = lax.stop_gradient(t)
  if w_type == "uniform":
    w = jnp.ones_like(t_ng)
  else:
    present = t_ng > 0
    denom = jnp.where(present, t_ng if w_type == "simple" else jnp.square(t_ng), 1.0)
    w = jnp.where(present, 1.0 / denom, 0.0)
    # MONAI: an absent class's infinite weight becomes the largest finite one.
    w = w + jnp.where(present, 0.0, jnp.max(w, axis=-1, keepdims=True))
  numer = 2.0 * jnp.sum(i * w, axis=-1) + smooth_nr
  denom = jnp.sum((p + t) * w, axis=-1) + smooth_dr
  return core.reduce_loss(name, 1.0 - numer / denom, reduction, keep)


def _lovasz_grad(gt_sorted: Array) -> Array:
  """Gradient of the Lovász extension of the Jaccard loss wrt sorted errors (last axis).

  Berman et al.: jaccard_k = 1 - (G - cumsum(gt)_k) / (G + cumsum(1 - gt)_k),
  then first differences.
  """
  gts = jnp.sum(gt_sorted, axis=-1, keepdims=True)
  intersection = gts - jnp.cumsum(gt_sorted, axis=-1)
  union = gts + jnp.cumsum(1.0 - gt_sorted, axis=-1)
  jaccard = 1.0 - intersection / union  # union >= 1 from the first position on
  return jnp.concatenate([jaccard[..., :1], jaccard[..., 1:] - jaccard[..., :-1]], axis=-1)


def _lovasz_sorted(errors: Array, gt: Array, valid: Array) -> Array:
  """dot(sorted errors, lovasz_grad(sorted gt)) over the last axis; invalid items sort last."""
  key = jnp.where(valid, errors, -jnp.inf)
  order = jnp.argsort(-lax.stop_gradient(key), axis=-1, stable=True)
  e = jnp.take_along_axis(jnp.where(valid, errors, 0.0), order, axis=-1)
  g = jnp.take_along_axis(jnp.where(valid, gt, 0.0), order, axis=-1)
  return jnp.sum(e * lax.stop_gradient(_lovasz_grad(g)), axis=-1)


@declare(input=FLOAT, target=REAL, per_image=Bool(), ignore_index=IGNORE_INDEX)
def lovasz_hinge_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    per_image: bool = True,
    ignore_index: int | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Lovász hinge: the Lovász extension of the binary Jaccard loss, on hinge errors.

  Berman et al.'s ``lovasz_hinge``: errors $1 - x\,(2y - 1)$ are sorted
  in decreasing order and the ReLU errors are weighted by the gradient of
  the Lovász extension. ``per_image`` (default, as in the reference) gives
  one loss per image; otherwise one loss over the whole batch.

  Args:
    input: logits ``[N, ...]``.
    target: ``{0, 1}`` labels of the input's shape (integer or float).
    per_image: one loss per image (else one for the batch).
    ignore_index: pixels whose label equals it are left out.
    reduction: "mean" (default, over images), "sum" or "none".
    where: boolean mask broadcastable to the per-image loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[2.0, -1.0, 0.5, -3.0]])
    >>> print(f"{lj.lovasz_hinge_loss(x, jnp.array([[1, 0, 0, 1]])):.4f}")
    2.2500

  References: Berman, Triki & Blaschko, "The Lovász-Softmax loss" (CVPR
  2018), reference code ``lovasz_losses.py``.
  """
  name = "lovasz_hinge_loss"
  core.check_same_shape(name, "target", target, "input", input)
  if input.ndim < 1:
    raise ValueError(f"{name}: argument `input` has shape (), expected [N, ...]")
  n = input.shape[0]
  keep = core.as_mask(name, where, (n,) if per_image else ())
  per_image_keep = None if keep is None else jnp.broadcast_to(keep, (n,))
  dtype = core.compute_dtype(input)
  x = core.masked_fill(per_image_keep, core.to_float(input, dtype))
  y = core.masked_fill(per_image_keep, target)
  valid = jnp.ones(y.shape, bool) if ignore_index is None else y != ignore_index
  checked = valid if per_image_keep is None else valid & per_image_keep.reshape(
      (n,) + (1,) * (y.ndim - 1))
  # Labels are {0, 1}: anything else (NaN included) makes the image's loss NaN.
  core.check_values(name, "target", y, lambda a: (a != 0) & (a != 1), "labels in {0, 1}"
                    + ("" if ignore_index is None else f" or ignore_index={ignore_index}"),
                    where=checked)
  bad = valid & (y != 0) & (y != 1)
  pixels = int(np.prod(input.shape[1:]))
  xf = x.reshape(n, pixels)
  yf = jnp.where(valid & ~bad, y, 0).astype(dtype).reshape(n, pixels)
  valid, bad = valid.reshape(n, pixels), bad.reshape(n, pixels)
  if not per_image:
    xf, yf, valid, bad = (a.reshape(1, n * pixels) for a in (xf, yf, valid, bad))
  errors = 1.0 - xf * (2.0 * yf - 1.0)
  # ReLU after sorting, as the reference: the order uses the raw errors.
  key = jnp.where(valid, errors, -jnp.inf)
  order = jnp.argsort(-lax.stop_gradient(key), axis=-1, stable=True)
  e = jnp.take_along_axis(jnp.where(valid, errors, 0.0), order, axis=-1)
  g = jnp.take_along_axis(jnp.where(valid, yf, 0.0), order, axis=-1)
  values = jnp.sum(jax.nn.relu(e) * lax.stop_gradient(_lovasz_grad(g)), axis=-1)
  values = core.poison(values, jnp.any(bad, axis=-1))
  return core.reduce_loss(name, values if per_image else values[0], reduction, keep)


@declare(input=FLOAT, target=INDEX, from_logits=Bool(), classes=Choice(("present", "all")),
         per_image=Bool(), ignore_index=IGNORE_INDEX, axis=AXIS)
def lovasz_softmax_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    from_logits: bool = True,
    classes: str = "present",
    per_image: bool = False,
    ignore_index: int | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Lovász-softmax: the Lovász extension of the per-class Jaccard loss, averaged over classes.

  Berman et al.'s ``lovasz_softmax``: for each class, the errors
  $|[y = c] - p_c|$ are sorted in decreasing order and weighted by the
  gradient of the Lovász extension; the class losses are averaged. With
  ``classes="present"`` (the default), classes absent from the image (or the
  batch) are skipped; with "all", every class counts. If no class is
  present, the loss is 0. ``per_image=False`` (the default, as in the
  reference) pools the whole batch.

  Args:
    input: ``[N, ..., C]`` scores (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    target: integer class map ``[N, ...]``.
    from_logits: apply softmax first (the reference takes probabilities).
    classes: "present" or "all".
    per_image: one loss per image (else one for the batch).
    ignore_index: pixels with this label are left out.
    reduction: "mean" (default, over images), "sum" or "none".
    where: boolean mask broadcastable to the per-image loss.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])
    >>> print(f"{lj.lovasz_softmax_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.3892

  References: Berman, Triki & Blaschko, "The Lovász-Softmax loss" (CVPR
  2018), reference code ``lovasz_losses.py``.
  """
  name = "lovasz_softmax_loss"
  if input.ndim < 2:
    raise ValueError(f"{name}: argument `input` has shape {input.shape}, expected [N, ..., C]")
  core.check_class_indices_shape(name, "target", target, input, "input", axis)
  core.check_classes(name, "input", input, axis)
  scores = core.to_float(core.class_axis_last(name, input, axis), core.compute_dtype(input))
  n, c = scores.shape[0], scores.shape[-1]
  keep = core.as_mask(name, where, (n,) if per_image else ())
  image_keep = None if keep is None else jnp.broadcast_to(keep, (n,))
  scores = core.masked_fill(image_keep, scores)
  pixel_keep = None if image_keep is None else jnp.broadcast_to(
      image_keep.reshape((n,) + (1,) * (target.ndim - 1)), target.shape)
  t, valid, out_of_range = core.class_indices(name, "target", target, c, ignore_index=ignore_index,
                                              where=pixel_keep)
  probs = jax.nn.softmax(scores, axis=-1) if from_logits else scores
  pixels = int(np.prod(target.shape[1:]))
  probs = probs.reshape(n, pixels, c)
  labels, valid, out_of_range = (a.reshape(n, pixels) for a in (t, valid, out_of_range))
  if not per_image:
    probs, labels, valid, out_of_range = (
        a.reshape((1, n * pixels) + a.shape[2:]) for a in (probs, labels, valid, out_of_range))
  fg = (labels[..., None] == lax.broadcasted_iota(labels.dtype, probs.shape, 2)).astype(probs.dtype)
  # [groups, C, pixels]: one Lovász term per class.
  fg_c, p_c = jnp.swapaxes(fg, 1, 2), jnp.swapaxes(probs, 1, 2)
  valid_c = jnp.broadcast_to(valid[:, None, :], fg_c.shape)
  per_class = _lovasz_sorted(jnp.abs(fg_c - p_c), fg_c, valid_c)  # [groups, C]
  counted = jnp.any((fg_c > 0) & valid_c, axis=-1) if classes == "present" else (
      jnp.ones(per_class.shape, bool))
  values = core.safe_div(jnp.sum(jnp.where(counted, per_class, 0.0), axis=-1),
                         jnp.sum(counted, axis=-1).astype(per_class.dtype))
  values = core.poison(values, jnp.any(out_of_range, axis=-1))
  return core.reduce_loss(name, values if per_image else values[0], reduction, keep)


# --------------------------------------------------------------------------
# Catalogue entries
# --------------------------------------------------------------------------


def _ex_multiclass(rng):
  return (rng.normal(size=(4, 5, 3)) * 2, rng.integers(0, 3, size=(4, 5))), {}


def _ex_per_image(rng):
  args, _ = _ex_multiclass(rng)
  return args, {"per_image": True}


def _ex_binary(rng):
  return (rng.normal(size=(4, 6)) * 2, (rng.uniform(size=(4, 6)) < 0.5).astype(np.int64)), {}


def _ex_weighted(rng):
  (x, y), _ = _ex_multiclass(rng)
  return (x, y), {"class_weights": rng.uniform(0.5, 2.0, size=(3,))}


_OVERLAP = dict(differentiable=("input",), batched=("input", "target"), unbounded=("input",),
                softmax_args=("input",), classes={"input": -1})
SPECS = [
    LossSpec(dice_loss, "segmentation", None, _ex_weighted, **_OVERLAP,
             bad_options={"mode": "ternary", "class_weights": np.ones(2)},
             source="Milletari et al. 2016; MONAI DiceLoss"),
    LossSpec(jaccard_loss, "segmentation", None, _ex_weighted, **_OVERLAP,
             bad_options={"mode": "ternary"}, source="MONAI DiceLoss(jaccard=True)"),
    LossSpec(tversky_loss, "segmentation", None, _ex_weighted, **_OVERLAP,
             bad_options={"mode": "ternary"}, source="Salehi et al. 2017; MONAI TverskyLoss"),
    LossSpec(focal_tversky_loss, "segmentation", None, _ex_multiclass, **_OVERLAP,
             bad_options={"gamma": 0.0}, source="Abraham & Khan 2019"),
    LossSpec(generalized_dice_loss, "segmentation", None, _ex_multiclass, **_OVERLAP,
             bad_options={"w_type": "cubic"}, source="Sudre et al. 2017; MONAI GeneralizedDiceLoss"),
    LossSpec(lovasz_softmax_loss, "segmentation", None, _ex_per_image, **_OVERLAP,
             bad_options={"classes": "some"}, source="Berman et al. 2018 (lovasz_softmax)"),
    LossSpec(lovasz_hinge_loss, "segmentation", None, _ex_binary, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",),
             source="Berman et al. 2018 (lovasz_hinge)"),
]
