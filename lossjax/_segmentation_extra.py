r"""Segmentation extras: dice + cross-entropy, dice + focal, Hausdorff distance-transform and boundary losses.

MONAI 1.6.1's ``DiceCELoss``, ``DiceFocalLoss``, ``HausdorffDTLoss`` and
``BoundaryLoss`` (``monai/losses/dice.py``, ``hausdorff_loss.py``,
``boundary_loss.py``), which the fixtures run for real, on the probabilities
and one-hot targets of `dice_loss` (the same ``mode``, ``axis``,
``include_background`` and ``batch``; ``input`` is always logits, since the
cross-entropy and focal parts need them). ``class_weights`` is always one
weight per class, background included; MONAI's ``DiceFocalLoss`` takes it
without the background when ``include_background=False``.

The distance maps of the Hausdorff and boundary losses are exact Euclidean
distance transforms (unit spacing, any number of spatial axes) computed in
JAX from the thresholded masks, outside the gradient, as MONAI computes them
with scipy under ``no_grad``: one pass per spatial axis of
$f_\text{new}(i) = \min_j f(j) + (i - j)^2$ (the separable form of the
squared distance, exact with the minimum taken over the whole line), so a
side of L pixels costs L passes over the image per axis.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._classification import (
  binary_cross_entropy_with_logits,
  cross_entropy,
  sigmoid_focal_loss,
)
from lossjax._declare import (
  AXIS,
  FLOAT,
  IGNORE_INDEX,
  LABEL_SMOOTHING,
  TARGET,
  WEIGHT,
  Bool,
  Choice,
  Float,
  declare,
)
from lossjax._segmentation import _MODES, _dice_or_jaccard, _finish, _overlap, _soft_maps, _sums
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = ["dice_ce_loss", "dice_focal_loss", "hausdorff_dt_loss", "boundary_loss"]

_MAPS = dict(mode=Choice(_MODES), include_background=Bool(), batch=Bool(), axis=AXIS)
_DICE = dict(smooth_nr=Float(lo=0.0), smooth_dr=Float(lo=0.0), jaccard=Bool(),
             lambda_dice=Float(lo=0.0), ignore_index=IGNORE_INDEX, **_MAPS)


def _dice_per_class(name, x, t, keep_nc, *, mode, ignore_index, include_background, batch, axis,
                    smooth_nr, smooth_dr, jaccard, class_weights):
  """MONAI's DiceLoss(softmax / sigmoid, reduction="none") per image and class, weighted."""
  stats, keep = _overlap(name, x, t, keep_nc, mode=mode, from_logits=True,
                         ignore_index=ignore_index, include_background=include_background,
                         batch=batch, axis=axis)
  per_class = _dice_or_jaccard(stats, smooth_nr, smooth_dr, jaccard)
  return _finish(name, per_class, class_weights, "none", keep, include_background)


def _channels_last(name, x, mode, axis):
  return x[..., None] if mode == "binary" else core.class_axis_last(name, x, axis)


@declare(input=FLOAT, target=TARGET, class_weights=WEIGHT, lambda_ce=Float(lo=0.0),
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
  name = "dice_ce_loss"
  n, keep, keep_nc = _masks(name, input, where, mode, include_background, batch, axis)
  dice = _dice_per_class(name, input, target, keep_nc, mode=mode, ignore_index=ignore_index,
                         include_background=include_background, batch=batch, axis=axis,
                         smooth_nr=smooth_nr, smooth_dr=smooth_dr, jaccard=jaccard,
                         # MONAI's DiceLoss ignores a one-channel weight (dice.py line 216).
                         class_weights=None if mode == "binary" else class_weights)
  x = _channels_last(name, input, mode, axis)
  pix = _pixel_mask(keep, x)
  if mode == "multiclass":
    ce = cross_entropy(x, target, weight=class_weights, ignore_index=ignore_index,
                       label_smoothing=label_smoothing, reduction="none", where=pix)
    counted = _counted(target, ignore_index, pix)
    w_y = jnp.ones(ce.shape, ce.dtype) if class_weights is None else core.to_float(
        jnp.asarray(class_weights), ce.dtype)[jnp.clip(target, 0, x.shape[-1] - 1)]
    ce_den = jnp.sum(jnp.where(counted, w_y, 0.0))
  else:
    t = target[..., None] if mode == "binary" else core.class_axis_last(name, target, axis)
    px = None if pix is None else jnp.broadcast_to(pix[..., None], x.shape)
    ce = binary_cross_entropy_with_logits(x, t, pos_weight=class_weights, reduction="none",
                                          where=px)
    ce_den = jnp.asarray(ce.size, ce.dtype) if px is None else jnp.sum(px, dtype=ce.dtype)
  ce_per_image = jnp.sum(ce.reshape(n, math.prod(ce.shape[1:])), axis=1)
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
  """The image mask over a channels-last input's pixels ``[N, ...]``."""
  if keep is None:
    return None
  return jnp.broadcast_to(keep.reshape((x.shape[0],) + (1,) * (x.ndim - 2)), x.shape[:-1])


def _counted(target, ignore_index, pix):
  counted = jnp.ones(target.shape, bool) if ignore_index is None else target != ignore_index
  return counted if pix is None else counted & pix


@declare(input=FLOAT, target=TARGET, class_weights=WEIGHT, lambda_focal=Float(lo=0.0),
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
  name = "dice_focal_loss"
  (probs, onehot, keep), x = _maps(name, input, target, where, mode, ignore_index,
                                   include_background, batch, axis)
  dice = _dice_or_jaccard(_sums((probs * onehot, probs, onehot), batch), smooth_nr, smooth_dr,
                          jaccard)
  x = _drop_background(x, include_background or mode == "binary")
  counted = jnp.broadcast_to(_counted_channels(target, mode, ignore_index, onehot), x.shape)
  focal = sigmoid_focal_loss(x, onehot, gamma=gamma, alpha=-1.0 if alpha is None else alpha,
                             reduction="none", where=counted)
  focal = _spatial_mean(focal, batch, counted)
  return _finish(name, lambda_dice * dice + lambda_focal * focal, class_weights, reduction,
                 keep, include_background)


def _maps(name, input, target, where, mode, ignore_index, include_background, batch, axis):
  """`_soft_maps` (probabilities, one-hot targets, validated mask) without the background
  when asked, and the channels-last logits with the masked pixels filled. One channel has no
  background to drop: MONAI ignores ``include_background=False`` there (with a warning)."""
  include_background = include_background or mode == "binary"
  probs, onehot, keep = _soft_maps(name, input, target, where, mode=mode, from_logits=True,
                                   ignore_index=ignore_index,
                                   include_background=include_background, batch=batch, axis=axis)
  x = _channels_last(name, input, mode, axis)
  if keep is not None:  # the pixels of a masked (image, class) never reach the focal part
    k = keep if include_background else jnp.concatenate([jnp.any(keep, -1, keepdims=True), keep], -1)
    k = k.reshape(((1,) if batch else (x.shape[0],)) + (1,) * (x.ndim - 2) + k.shape[-1:])
    x = core.masked_fill(jnp.broadcast_to(k, x.shape), x)
  return (_drop_background(probs, include_background),
          _drop_background(onehot, include_background), keep), x


def _drop_background(a, include_background):
  return a if include_background else a[..., 1:]


def _spatial_mean(values, batch, counted=None):
  """The mean over the spatial axes (and the batch with ``batch``), over the ``counted``
  pixels when given."""
  axes = tuple(range(0 if batch else 1, values.ndim - 1))
  if counted is None:
    return jnp.mean(values, axis=axes)
  return core.safe_div(jnp.sum(values, axis=axes), jnp.sum(counted, axis=axes, dtype=values.dtype))


def _counted_channels(target, mode, ignore_index, onehot):
  """The pixels that count, broadcastable to the one-hot maps (every class channel)."""
  if mode != "multiclass":
    return jnp.ones(onehot.shape[:-1] + (1,), bool)
  return _counted(target, ignore_index, None)[..., None]


@jax.jit  # one program even when called eagerly (the passes are loops)
def _sq_distance_to(zero: Array) -> Array:
  """Squared Euclidean distance from each pixel to the nearest True of ``zero`` (``[N, ..., C]``,
  the spatial axes between), +inf where there is none: one exact pass per axis."""
  f = jnp.where(zero, 0.0, jnp.inf)
  for ax in range(1, zero.ndim - 1):
    line = jnp.moveaxis(f, ax, -1)
    pos = jnp.arange(line.shape[-1], dtype=f.dtype).reshape((1,) * (line.ndim - 1) + (-1,))

    def step(j, acc, line=line, pos=pos):
      # Minimum over every source pixel j of the line: exact, not a two-sided scan.
      col = lax.dynamic_index_in_dim(line, j, axis=-1, keepdims=True)
      return jnp.minimum(acc, col + jnp.square(pos - j.astype(pos.dtype)))

    f = jnp.moveaxis(lax.fori_loop(0, line.shape[-1], step, jnp.full_like(line, jnp.inf)), -1, ax)
  return f


def _distance_maps(mask: Array, dtype) -> tuple[Array, Array, Array]:
  """For a boolean ``[N, ..., C]`` mask: each pixel's distance to the nearest background pixel,
  to the nearest foreground pixel, and whether its (image, class) has both (MONAI's maps are 0
  otherwise)."""
  mask = lax.stop_gradient(mask)
  to_bg = jnp.sqrt(_sq_distance_to(~mask).astype(dtype))
  to_fg = jnp.sqrt(_sq_distance_to(mask).astype(dtype))
  axes = tuple(range(1, mask.ndim - 1))
  both = jnp.any(mask, axis=axes, keepdims=True) & jnp.any(~mask, axis=axes, keepdims=True)
  return jnp.where(both, to_bg, 0.0), jnp.where(both, to_fg, 0.0), both


@declare(input=FLOAT, target=TARGET, alpha=Float(lo=0.0, lo_open=True),
         ignore_index=IGNORE_INDEX, **_MAPS)
def hausdorff_dt_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    mode: str = "multiclass",
    alpha: float = 2.0,
    ignore_index: int | None = None,
    include_background: bool = False,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Hausdorff distance-transform loss (Karimi & Salcudean 2019, MONAI's ``HausdorffDTLoss``).

  With $p$ the softmax (multiclass) or sigmoid of ``input``, $t$ the one-hot
  target and $d_p$, $d_t$ the distance of each pixel to the other side of
  the boundary of the masks $p > 0.5$ and $t > 0.5$ (0 for a mask that is
  all foreground or all background),

  $$
  \ell_{nc} = \frac{1}{|\Omega|}\sum_{x \in \Omega} (p - t)^2\,\big(d_p^\alpha + d_t^\alpha\big),
  $$

  per image and class (over the batch too with ``batch``); the distances are
  constants to the gradient, as MONAI's. ``include_background`` is False by
  default, as MONAI's. MONAI rounds its distance maps to float32
  (``hausdorff_loss.py`` lines 186-187); here they are in the inputs' dtype.

  Args:
    input: logits, ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``); ``[N, ...]``
      for "binary". Any number of spatial axes.
    target: integer class map ``[N, ...]`` ("multiclass") or ``{0, 1}`` targets of the
      input's shape.
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    alpha: the distance exponent α > 0 (2).
    ignore_index: multiclass pixels with this label count as nobody's (None).
    include_background: keep class 0 (False).
    batch: average over the batch too (``[C]`` values).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask over ``[N, C]`` (kept classes), as `dice_loss`'s.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])  # [N=1, H=3, C=2]
    >>> print(f"{lj.hausdorff_dt_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.8937

  References: Karimi & Salcudean, "Reducing the Hausdorff Distance in Medical
  Image Segmentation with Convolutional Neural Networks" (IEEE TMI 2019);
  MONAI ``HausdorffDTLoss``.
  """
  name = "hausdorff_dt_loss"
  (probs, onehot, keep), _ = _maps(name, input, target, where, mode, ignore_index,
                                   include_background, batch, axis)
  d_p = sum(_distance_maps(lax.stop_gradient(probs) > 0.5, probs.dtype)[:2])
  d_t = sum(_distance_maps(onehot > 0.5, probs.dtype)[:2])
  values = jnp.square(probs - onehot) * (d_p ** alpha + d_t ** alpha)
  per = _spatial_mean(values, batch)
  return core.reduce_loss(name, per, reduction, keep)


@declare(input=FLOAT, target=TARGET, ignore_index=IGNORE_INDEX, **_MAPS)
def boundary_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    mode: str = "multiclass",
    ignore_index: int | None = None,
    include_background: bool = True,
    batch: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Boundary loss (Kervadec et al. 2019, MONAI's ``BoundaryLoss``): probabilities weighted by the target's signed distance.

  With $p$ the softmax (multiclass) or sigmoid of ``input`` and $\phi$ the
  target's signed distance map (outside the mask: the distance to it;
  inside: $-(\text{distance to the outside} - 1)$, so the pixels along the
  boundary are 0 inside and 1 outside; 0 for a mask that is empty or full),

  $$
  \ell_{nc} = \frac{1}{|\Omega|}\sum_{x \in \Omega} p(x)\,\phi(x),
  $$

  per image and class (over the batch too with ``batch``). It is negative
  once the prediction sits inside the target, so it is added to a dice loss
  with a small weight (0.01 in the paper, increased during training).
  MONAI equals the paper's code (LIVIAETS/boundary-loss ``utils.py``
  ``one_hot2dist``, unit spacing) with every class, or the foreground
  classes with ``include_background=False``.

  Args:
    input: logits, ``[N, ..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``); ``[N, ...]``
      for "binary". Any number of spatial axes.
    target: integer class map ``[N, ...]`` ("multiclass") or ``{0, 1}`` targets of the
      input's shape.
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    ignore_index: multiclass pixels with this label count as nobody's (None).
    include_background: keep class 0 (True, as MONAI).
    batch: average over the batch too (``[C]`` values).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask over ``[N, C]`` (kept classes), as `dice_loss`'s.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[[2.0, -1.0], [-1.0, 2.0], [1.0, 0.0]]])  # [N=1, H=3, C=2]
    >>> print(f"{lj.boundary_loss(logits, jnp.array([[0, 1, 1]])):.4f}")
    0.2147

  References: Kervadec et al., "Boundary loss for highly unbalanced
  segmentation" (MIDL 2019); MONAI ``BoundaryLoss``.
  """
  name = "boundary_loss"
  (probs, onehot, keep), _ = _maps(name, input, target, where, mode, ignore_index,
                                   include_background, batch, axis)
  inside = onehot > 0.5
  to_bg, to_fg, both = _distance_maps(inside, probs.dtype)
  phi = jnp.where(both, jnp.where(inside, 1.0 - to_bg, to_fg), 0.0)
  per = _spatial_mean(probs * phi, batch)
  # A class index out of range poisons the one-hot target, which phi only reads through > 0.5.
  per = core.poison(per, jnp.isnan(_spatial_mean(onehot, batch)))
  return core.reduce_loss(name, per, reduction, keep)


# --------------------------------------------------------------------------
# Catalogue entries
# --------------------------------------------------------------------------


def _ex_maps(**kw):
  def build(rng):
    return (rng.normal(size=(3, 5, 4, 3)) * 2, rng.integers(0, 3, size=(3, 5, 4))), dict(kw)
  return build


_SEG = dict(differentiable=("input",), batched=("input", "target"), unbounded=("input",),
            softmax_args=("input",), classes={"input": -1})
SPECS = [
    LossSpec(dice_ce_loss, "segmentation", None,
             _ex_maps(class_weights=np.array([0.5, 1.0, 2.0]), lambda_ce=0.7), **_SEG,
             bad_options={"lambda_ce": -1.0, "mode": "ternary"},
             source="MONAI DiceCELoss"),
    # Not shift-invariant: the focal part is a sigmoid per class, as MONAI's.
    LossSpec(dice_focal_loss, "segmentation", None, _ex_maps(gamma=1.5, alpha=0.3),
             **{**_SEG, "softmax_args": ()},
             bad_options={"gamma": -1.0, "alpha": 1.5}, source="MONAI DiceFocalLoss"),
    LossSpec(hausdorff_dt_loss, "segmentation", None, _ex_maps(), **_SEG,
             bad_options={"alpha": 0.0}, source="Karimi & Salcudean 2019; MONAI HausdorffDTLoss"),
    LossSpec(boundary_loss, "segmentation", None, _ex_maps(), **_SEG,
             bad_options={"mode": "ternary"}, source="Kervadec et al. 2019; MONAI BoundaryLoss"),
]
