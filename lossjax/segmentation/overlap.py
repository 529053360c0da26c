"""Overlap (segmentation) losses: dice, Jaccard, Tversky, focal Tversky, generalized dice.

All share one computation of the soft overlap statistics per image and class
(`overlap_stats`): the intersection ``I``, the predicted mass ``P`` and the
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
  TARGET,
  WEIGHT,
  Bool,
  Choice,
  Float,
  declare,
)
from lossjax._spec import LossSpec
from lossjax.segmentation.maps import (
  MODES,
  OVERLAP_SPEC,
  dice_or_jaccard,
  ex_multiclass,
  finish_classes,
  overlap_stats,
)

__all__ = ["dice_loss", "jaccard_loss", "tversky_loss", "focal_tversky_loss", "generalized_dice_loss"]


Array = jax.Array


#: The options every overlap loss shares, declared once.
_OVERLAP_OPTIONS = dict(
    mode=Choice(MODES), from_logits=Bool(), smooth_nr=Float(lo=0.0), smooth_dr=Float(lo=0.0),
    ignore_index=IGNORE_INDEX, include_background=Bool(), batch=Bool(), axis=AXIS,
)


def _tversky_index(stats, alpha, beta, smooth_nr, smooth_dr):
  i, p, t = stats
  return (i + smooth_nr) / (i + alpha * (p - i) + beta * (t - i) + smooth_dr)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, class_weights=WEIGHT, **_OVERLAP_OPTIONS)
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
  name = core.loss_name()
  stats, keep = overlap_stats(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  per_class = dice_or_jaccard(stats, smooth_nr, smooth_dr)
  return finish_classes(name, per_class, class_weights, reduction, keep, include_background)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, class_weights=WEIGHT, **_OVERLAP_OPTIONS)
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
  name = core.loss_name()
  stats, keep = overlap_stats(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  # MONAI's form: the union doubled, like the intersection, so the smoothing
  # counts half as much as in (I + s_n) / (U + s_d).
  per_class = dice_or_jaccard(stats, smooth_nr, smooth_dr, jaccard=True)
  return finish_classes(name, per_class, class_weights, reduction, keep, include_background)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, alpha=Float(lo=0.0), beta=Float(lo=0.0), class_weights=WEIGHT,
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
  name = core.loss_name()
  stats, keep = overlap_stats(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  per_class = 1.0 - _tversky_index(stats, alpha, beta, smooth_nr, smooth_dr)
  return finish_classes(name, per_class, class_weights, reduction, keep, include_background)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, alpha=Float(lo=0.0), beta=Float(lo=0.0),
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
  name = core.loss_name()
  stats, keep = overlap_stats(name, input, target, where, mode=mode, from_logits=from_logits,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  one_minus = 1.0 - _tversky_index(stats, alpha, beta, smooth_nr, smooth_dr)
  # x ** gamma has an infinite derivative at 0 for gamma < 1: keep x >= 1e-12.
  per_class = jnp.power(jnp.maximum(one_minus, 1e-12), gamma)
  return finish_classes(name, per_class, class_weights, reduction, keep, include_background)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, w_type=Choice(("square", "simple", "uniform")),
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
  name = core.loss_name()
  (i, p, t), keep = overlap_stats(name, input, target, where, mode=mode, from_logits=from_logits,
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


def _ex_weighted(rng):
  (x, y), _ = ex_multiclass(rng)
  return (x, y), {"class_weights": rng.uniform(0.5, 2.0, size=(3,))}


SPECS = [
    LossSpec(dice_loss, None, _ex_weighted, **OVERLAP_SPEC,
             bad_options={"mode": "ternary", "class_weights": np.ones(2)},
             source="Milletari et al. 2016; MONAI DiceLoss"),
    LossSpec(jaccard_loss, None, _ex_weighted, **OVERLAP_SPEC,
             bad_options={"mode": "ternary"}, source="MONAI DiceLoss(jaccard=True)"),
    LossSpec(tversky_loss, None, _ex_weighted, **OVERLAP_SPEC,
             bad_options={"mode": "ternary"}, source="Salehi et al. 2017; MONAI TverskyLoss"),
    LossSpec(focal_tversky_loss, None, ex_multiclass, **OVERLAP_SPEC,
             bad_options={"gamma": 0.0}, source="Abraham & Khan 2019"),
    LossSpec(generalized_dice_loss, None, ex_multiclass, **OVERLAP_SPEC,
             bad_options={"w_type": "cubic"}, source="Sudre et al. 2017; MONAI GeneralizedDiceLoss"),
]
