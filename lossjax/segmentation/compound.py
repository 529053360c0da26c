"""Compound segmentation losses: Dice plus cross-entropy, and Dice plus focal.

MONAI 1.6.1's ``DiceCELoss`` and ``DiceFocalLoss`` (``monai/losses/dice.py``), which the fixtures
run for real, on the probabilities and one-hot targets of `dice_loss` (the same ``mode``,
``axis``, ``include_background`` and ``batch``; ``input`` is always logits, since the
cross-entropy and focal parts need them). ``class_weights`` is always one weight per class,
background included; MONAI's ``DiceFocalLoss`` takes it without the background when
``include_background=False``.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  IGNORE_INDEX,
  LABEL_SMOOTHING,
  TARGET,
  WEIGHT,
  Bool,
  Float,
  declare,
)
from lossjax._spec import LossSpec
from lossjax.classification.binary import binary_cross_entropy_with_logits, sigmoid_focal_loss
from lossjax.segmentation.maps import (
  MAP_OPTIONS,
  MAP_SPEC,
  channels_first,
  class_softmax,
  dice_or_jaccard,
  drop_background,
  ex_maps,
  finish_classes,
  overlap_stats,
  probability_maps,
  spatial_mean,
  spatial_sums,
)

__all__ = ["dice_ce_loss", "dice_focal_loss"]


Array = jax.Array


_DICE = dict(smooth_nr=Float(lo=0.0), smooth_dr=Float(lo=0.0), jaccard=Bool(),
             lambda_dice=Float(lo=0.0), ignore_index=IGNORE_INDEX, **MAP_OPTIONS)


def _dice_per_class(name, x, t, keep_nc, *, mode, ignore_index, include_background, batch, axis,
                    smooth_nr, smooth_dr, jaccard, class_weights):
  """MONAI's DiceLoss(softmax / sigmoid, reduction="none") per image and class, weighted."""
  stats, keep = overlap_stats(name, x, t, keep_nc, mode=mode, from_logits=True,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  per_class = dice_or_jaccard(stats, smooth_nr, smooth_dr, jaccard)
  return finish_classes(name, per_class, class_weights, "none", keep, include_background)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, class_weights=WEIGHT, lambda_ce=Float(lo=0.0),
         label_smoothing=LABEL_SMOOTHING, **_DICE)
def dice_ce_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    mode: str = "multiclass",
    lambda_dice: float = 1.0,
    lambda_ce: float = 1.0,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    jaccard: bool = False,
    class_weights: ArrayLike | None = None,
    label_smoothing: float = 0.0,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Dice plus cross-entropy (MONAI's ``DiceCELoss``): $\lambda_d\,\ell_\text{dice} + \lambda_{ce}\,\ell_\text{CE}$.

  The dice part is `dice_loss` on the softmax (multiclass) or sigmoid
  (multilabel, binary) of ``input``, averaged over images and classes; the
  cross-entropy part is `cross_entropy` on the logits over every class
  (``include_background`` only drops the background from the dice, as
  MONAI), with ``class_weights`` as its class weights and its weighted mean
  $\sum w_y \ell / \sum w_y$; binary and multilabel use
  `binary_cross_entropy_with_logits` with ``class_weights`` as ``pos_weight``
  (MONAI's one-channel path; in "binary" the weight reaches only that part,
  as MONAI's dice ignores a one-channel weight). For "multilabel" MONAI would
  take a softmax cross-entropy over the channels even with its sigmoid dice;
  here it is the per-channel sigmoid one the dice uses. "sum" is MONAI's: the dice values summed plus
  the cross-entropy summed over pixels. "none" gives each image's part of
  that sum, ``[N]`` (so "sum" is its sum; "mean" is MONAI's mean, not the
  mean of "none", as for a weighted cross-entropy).

  Args:
    input: logits, ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``); ``[N, ...]``
      for "binary".
    target: integer class map ``[N, ...]`` ("multiclass") or ``{0, 1}`` targets of the
      input's shape.
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    lambda_dice: λ_d >= 0.
    lambda_ce: λ_ce >= 0.
    smooth_nr: the dice numerator's smoothing.
    smooth_dr: the dice denominator's smoothing.
    jaccard: the dice part is MONAI's Jaccard form.
    class_weights: ``[C]`` weights of both parts.
    label_smoothing: the cross-entropy's (multiclass).
    ignore_index: multiclass pixels with this label leave both parts.
    include_background: keep class 0 in the dice part.
    batch: the dice statistics are summed over the batch too.
    reduction: "mean" (default), "sum" or "none" (``[N]``).
    where: boolean mask over images, ``[N]``.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])  # [N=1, H=3, C=2]
    >>> print(f"{lj.dice_ce_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.7477

  References: Isensee et al., "nnU-Net" (2021); MONAI ``DiceCELoss``.
  """
  name = core.loss_name()
  n, keep, keep_nc = _masks(name, input, where, mode, include_background, batch, axis)
  dice = _dice_per_class(name, input, target, keep_nc, mode=mode, ignore_index=ignore_index,
                         include_background=include_background, batch=batch, axis=axis,
                         smooth_nr=smooth_nr, smooth_dr=smooth_dr, jaccard=jaccard,
                         # MONAI's DiceLoss ignores a one-channel weight (dice.py line 216).
                         class_weights=None if mode == "binary" else class_weights)
  x = core.to_float(channels_first(input, mode, axis), core.compute_dtype(input, class_weights))
  pix = _pixel_mask(keep, x)
  if mode == "multiclass":
    ce_per_image, ce_den = _class_cross_entropy(name, x, target, class_weights, ignore_index,
                                                label_smoothing, pix)
  else:
    t = channels_first(target, mode, axis)
    px = None if pix is None else jnp.broadcast_to(pix[:, None], x.shape)
    pos_weight = None if class_weights is None else jnp.reshape(
        jnp.asarray(class_weights), (-1,) + (1,) * (x.ndim - 2))  # per class, classes second
    ce = binary_cross_entropy_with_logits(x, t, pos_weight=pos_weight, reduction="none",
                                          where=px)
    ce_den = core.mean_denominator(px, None, ce.shape, ce.dtype)
    ce_per_image = jnp.sum(ce.reshape(n, math.prod(ce.shape[1:])), axis=1)
  if reduction == "parts":  # two means with their own counts: one term each
    dice_total, dice_count = core.loss_parts(name, dice, keep_nc)
    return core.Parts(jnp.stack([lambda_dice * dice_total, lambda_ce * jnp.sum(ce_per_image)]),
                      jax.lax.stop_gradient(jnp.stack([dice_count, ce_den])))
  if reduction == "mean":
    dice_mean = core.reduce_loss(name, dice, "mean", keep_nc)
    return lambda_dice * dice_mean + lambda_ce * core.safe_div(jnp.sum(ce_per_image), ce_den)
  dice_per_image = (jnp.broadcast_to(jnp.sum(dice) / max(n, 1), (n,)) if batch
                    else jnp.sum(dice, axis=1))
  return core.reduce_loss(name, lambda_dice * dice_per_image + lambda_ce * ce_per_image,
                          reduction, keep)


def _masks(name, x, where, mode, include_background, batch, axis):
  """The batch size, the ``[N]`` image mask and its ``[N, C kept]`` form (None with ``batch``)."""
  n = x.shape[0] if x.ndim else 0
  keep = core.as_mask(name, where, (n,))
  if keep is None:
    return n, None, None
  if batch:
    raise core.option_error(name, "batch", "cannot be combined with `where`: batch-summed "
                            "statistics have no per-image part to mask (slice the batch)")
  c = 1 if mode == "binary" else x.shape[axis]
  return n, keep, jnp.broadcast_to(keep[:, None], (n, c - (0 if include_background else 1)))


def _pixel_mask(keep, x):
  """The image mask over the pixels ``[N, ...]`` of a ``[N, C, ...]`` map."""
  if keep is None:
    return None
  return jnp.broadcast_to(keep.reshape((x.shape[0],) + (1,) * (x.ndim - 2)),
                          x.shape[:1] + x.shape[2:])


def _class_cross_entropy(name, x, target, class_weights, ignore_index, label_smoothing, pix):
  """torch's cross-entropy (class weights, ignore_index, label smoothing) of ``[N, C, ...]``
  logits, summed per image, and its mean's denominator (the counted pixels' target weights).

  Computed with the classes second, as every statistic here (`channels_first`), and with the
  counted pixels folded into the one-hot selector rather than masked afterwards: on XLA:CPU a
  per-pixel select after the class sum doubled the time of the whole value_and_grad at
  [2, 3, 64, 64, 64] (10 ms against 2 ms). Masked pixels are filled before any math; an image
  with a class index out of range gives NaN.
  """
  c = x.shape[1]
  logp = class_softmax(core.masked_fill(None if pix is None else pix[:, None], x), log=True)
  _, counted, out_of_range = core.class_indices(name, "target", target, c,
                                                ignore_index=ignore_index, where=pix)
  if pix is not None:
    counted = counted & pix
  hot = (lax.broadcasted_iota(target.dtype, logp.shape, 1) == target[:, None]) & counted[:, None]
  w_c = None if class_weights is None else core.to_float(
      jnp.asarray(class_weights), x.dtype).reshape((1, c) + (1,) * (x.ndim - 2))
  weighted = logp if w_c is None else logp * w_c
  values = -jnp.sum(jnp.where(hot, weighted, 0.0), axis=1)
  if not core.static_equals(label_smoothing, 0):
    smooth = -jnp.sum(jnp.where(counted[:, None], weighted, 0.0), axis=1)
    values = (1.0 - label_smoothing) * values + (label_smoothing / c) * smooth
  per_pixel = (x.shape[0], math.prod(values.shape[1:]))  # (an empty batch has no -1)
  per_image = jnp.sum(values.reshape(per_pixel), axis=1)
  per_image = core.poison(per_image, jnp.any((out_of_range & counted).reshape(per_pixel), axis=1))
  den = (jnp.sum(counted, dtype=x.dtype) if w_c is None
         else jnp.sum(jnp.where(hot, w_c, 0.0)))
  return per_image, den


def _counted(target, ignore_index, pix):
  counted = jnp.ones(target.shape, bool) if ignore_index is None else target != ignore_index
  return counted if pix is None else counted & pix


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, class_weights=WEIGHT, lambda_focal=Float(lo=0.0),
         gamma=Float(lo=0.0), alpha=Float(0.0, 1.0, optional=True), **_DICE)
def dice_focal_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    mode: str = "multiclass",
    lambda_dice: float = 1.0,
    lambda_focal: float = 1.0,
    gamma: float = 2.0,
    alpha: float | None = None,
    smooth_nr: float = 1e-5,
    smooth_dr: float = 1e-5,
    jaccard: bool = False,
    class_weights: ArrayLike | None = None,
    ignore_index: int | None = -100,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Dice plus focal (MONAI's ``DiceFocalLoss``): $\lambda_d\,\ell_\text{dice} + \lambda_f\,\ell_\text{focal}$ per image and class.

  The dice part is `dice_loss` on the softmax (multiclass) or sigmoid of
  ``input``; the focal part is `sigmoid_focal_loss` of every class channel
  against the one-hot target, as MONAI's (which uses the sigmoid form
  whatever the dice's activation), times ``class_weights``, averaged over
  pixels. Both are ``[N, C]`` (without the background when
  ``include_background=False``), and so is "none": image n, class c gets
  $\lambda_d\,\text{dice}_{nc} + \lambda_f\,\overline{\text{focal}}_{nc}$, whose mean and
  sum are MONAI's "mean" and "sum". MONAI computes its focal part in
  float32 (``focal_loss.py`` lines 184-185); here it is in the inputs' dtype.

  Args:
    input: logits, ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``); ``[N, ...]``
      for "binary".
    target: integer class map ``[N, ...]`` ("multiclass") or ``{0, 1}`` targets of the
      input's shape.
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    lambda_dice: λ_d >= 0.
    lambda_focal: λ_f >= 0.
    gamma: the focal exponent γ >= 0 (2).
    alpha: the focal positive weight in [0, 1], or None (MONAI's default: none).
    smooth_nr: the dice numerator's smoothing.
    smooth_dr: the dice denominator's smoothing.
    jaccard: the dice part is MONAI's Jaccard form.
    class_weights: ``[C]`` weights of both parts.
    ignore_index: multiclass pixels with this label leave both parts.
    include_background: keep class 0 in both parts.
    batch: the statistics are taken over the batch too (``[C]`` values).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask over ``[N, C]`` (kept classes), as `dice_loss`'s.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])  # [N=1, H=3, C=2]
    >>> print(f"{lj.dice_focal_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.4315

  References: Zhu et al., "AnatomyNet" (2019); Lin et al., "Focal Loss for
  Dense Object Detection" (2017); MONAI ``DiceFocalLoss``.
  """
  name = core.loss_name()
  (probs, onehot, keep), x = probability_maps(name, input, target, where, mode, ignore_index,
                                   include_background, batch, axis)
  dice = dice_or_jaccard(spatial_sums((probs * onehot, probs, onehot), batch), smooth_nr, smooth_dr,
                          jaccard)
  x = drop_background(x, include_background or mode == "binary")
  counted = jnp.broadcast_to(_counted_channels(target, mode, ignore_index, onehot), x.shape)
  if mode == "multiclass" and core.is_static(gamma):
    part = functools.partial(_one_hot_focal, name, gamma=gamma, alpha=alpha)
  else:
    part = functools.partial(_soft_focal, gamma=gamma, alpha=alpha)
  # On CPU recomputed in the backward pass rather than kept: at [2, 3, 64, 64, 64] the kept
  # focal intermediates took the program's temporaries from 17 to 39 MiB, past glibc's 32 MiB
  # mmap threshold, so every call faulted in fresh pages (20 ms against 10 ms on XLA:CPU).
  # GPU and TPU keep them (their allocators pool memory; jax.checkpoint's barriers would only
  # constrain their fusion).
  focal = core.on_cpu(lambda: jax.checkpoint(part)(x, onehot, counted),
                      lambda: part(x, onehot, counted))
  focal = spatial_mean(focal, batch, counted)
  return finish_classes(name, lambda_dice * dice + lambda_focal * focal, class_weights, reduction,
                 keep, include_background)


def _soft_focal(x, onehot, counted, *, gamma, alpha):
  return sigmoid_focal_loss(x, onehot, gamma=gamma, alpha=-1.0 if alpha is None else alpha,
                            reduction="none", where=counted)


def _one_hot_focal(name, x, onehot, counted, *, gamma, alpha):
  """`_soft_focal` for one-hot targets that are exactly 0 or 1 (the one-hot of a class map) and
  a static gamma, on the signed logit z = x where t = 1 and -x where t = 0 (p_t = σ(z)).

  The general form takes log σ(x), log σ(-x) and both exponentials, and XLA:CPU keeps each for
  the backward pass; `_signed_focal` needs one exp(-|z|), and its derivative is one product:
  value_and_grad of dice + focal at [2, 3, 64, 64, 64] took 13.4 ms with the general form
  and 9.7 ms with this one (both recomputed in the backward; BENCHMARKS.md, #31).
  """
  keep, (xf, tf) = core.elementwise(name, counted, ("input", x), ("target", onehot))
  xf = core.finite_logits(xf)
  values = _signed_focal(jnp.where(tf > 0.5, xf, -xf), gamma)
  if alpha is not None:
    values = values * (alpha * tf + (1.0 - alpha) * (1.0 - tf))
  return core.reduce_loss(name, values, "none", keep)


def _signed_focal_parts(z, gamma):
  """softplus(-z), σ(-z), σ(z) and σ(-z)^γ from one exp(-|z|), exact in both tails."""
  e = jnp.exp(-jnp.abs(z))
  a = 1.0 / (1.0 + e)
  sm, sp = jnp.where(z >= 0, e * a, a), jnp.where(z >= 0, a, e * a)  # σ(-z), σ(z)
  log1p_e = jnp.log1p(e)
  nll = jnp.maximum(-z, 0.0) + log1p_e  # softplus(-z) = -log p_t
  if float(gamma).is_integer():
    factor = lax.integer_pow(sm, int(gamma))  # every derivative finite, also where σ(-z) is 0
  else:  # σ(-z)^γ = exp(-γ softplus(z)), finite at every order where σ(-z) underflows
    factor = jnp.exp(-gamma * (jnp.maximum(z, 0.0) + log1p_e))
  return nll, sm, sp, factor


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _signed_focal(z, gamma):
  """softplus(-z) σ(-z)^γ: the focal term on the signed logit, with its derivative written out."""
  nll, _, _, factor = _signed_focal_parts(z, gamma)
  return nll * factor


@_signed_focal.defjvp
def _signed_focal_jvp(gamma, primals, tangents):
  # d/dz softplus(-z) = -σ(-z) and d/dz σ(-z)^γ = -γ σ(z) σ(-z)^γ, so the derivative is
  # -σ(-z)^γ (σ(-z) + γ softplus(-z) σ(z)): one elementwise product, where autodiff of the
  # forward keeps and re-reads each intermediate. Higher orders differentiate this plain
  # formula, finite everywhere (no division by a quantity that underflows).
  (z,), (dz,) = primals, tangents
  nll, sm, sp, factor = _signed_focal_parts(z, gamma)
  return nll * factor, -factor * (sm + gamma * nll * sp) * dz


def _counted_channels(target, mode, ignore_index, onehot):
  """The pixels that count, broadcastable to the one-hot maps (every class channel)."""
  if mode != "multiclass":
    return jnp.ones(onehot.shape[:1] + (1,) + onehot.shape[2:], bool)
  return _counted(target, ignore_index, None)[:, None]


SPECS = [
    LossSpec(dice_ce_loss, None,
             ex_maps(class_weights=np.array([0.5, 1.0, 2.0]), lambda_ce=0.7), **MAP_SPEC,
             bad_options={"lambda_ce": -1.0, "mode": "ternary"},
             source="MONAI DiceCELoss"),
    LossSpec(dice_focal_loss, None, ex_maps(gamma=1.5, alpha=0.3),
             **{**MAP_SPEC, "softmax_args": ()},
             bad_options={"gamma": -1.0, "alpha": 1.5}, source="MONAI DiceFocalLoss"),
]
