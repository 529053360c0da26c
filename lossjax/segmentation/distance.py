r"""Distance-weighted segmentation losses: the Hausdorff distance-transform loss and the boundary loss.

MONAI 1.6.1's ``HausdorffDTLoss`` and ``BoundaryLoss`` (``monai/losses/hausdorff_loss.py``,
``boundary_loss.py``), which the fixtures run for real, on the probabilities and one-hot
targets of `dice_loss`.

The distance maps are exact Euclidean distance transforms (unit spacing, any number of
spatial axes) computed in JAX from the thresholded masks, outside the gradient, as MONAI
computes them with scipy under ``no_grad``: one pass per spatial axis of
$f_\text{new}(i) = \min_j f(j) + (i - j)^2$ (the separable form of the squared distance,
exact with the minimum taken over the whole line), so a side of L pixels costs L passes over
the image per axis.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  IGNORE_INDEX,
  TARGET,
  Float,
  declare,
)
from lossjax._spec import LossSpec
from lossjax.segmentation.maps import MAP_OPTIONS, MAP_SPEC, ex_maps, probability_maps, spatial_mean

__all__ = ["hausdorff_dt_loss", "boundary_loss"]


Array = jax.Array


@jax.jit  # one program even when called eagerly (the passes are loops)
def _sq_distance_to(zero: Array) -> Array:
  """Squared Euclidean distance from each pixel to the nearest True of ``zero`` (``[N, C, ...]``,
  the spatial axes last), +inf where there is none: one exact pass per axis."""
  f = jnp.where(zero, 0.0, jnp.inf)
  for ax in range(2, zero.ndim):
    line = jnp.moveaxis(f, ax, -1)
    pos = jnp.arange(line.shape[-1], dtype=f.dtype).reshape((1,) * (line.ndim - 1) + (-1,))

    def step(j, acc, line=line, pos=pos):
      # Minimum over every source pixel j of the line: exact, not a two-sided scan.
      col = lax.dynamic_index_in_dim(line, j, axis=-1, keepdims=True)
      return jnp.minimum(acc, col + jnp.square(pos - j.astype(pos.dtype)))

    f = jnp.moveaxis(lax.fori_loop(0, line.shape[-1], step, jnp.full_like(line, jnp.inf)), -1, ax)
  return f


def _distance_maps(mask: Array, dtype) -> tuple[Array, Array, Array]:
  """For a boolean ``[N, C, ...]`` mask: each pixel's distance to the nearest background pixel,
  to the nearest foreground pixel, and whether its (image, class) has both (MONAI's maps are 0
  otherwise)."""
  mask = lax.stop_gradient(mask)
  to_bg = jnp.sqrt(_sq_distance_to(~mask).astype(dtype))
  to_fg = jnp.sqrt(_sq_distance_to(mask).astype(dtype))
  axes = tuple(range(2, mask.ndim))
  both = jnp.any(mask, axis=axes, keepdims=True) & jnp.any(~mask, axis=axes, keepdims=True)
  return jnp.where(both, to_bg, 0.0), jnp.where(both, to_fg, 0.0), both


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, alpha=Float(lo=0.0, lo_open=True),
         ignore_index=IGNORE_INDEX, **MAP_OPTIONS)
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
  name = core.loss_name()
  (probs, onehot, keep), _ = probability_maps(name, input, target, where, mode, ignore_index,
                                   include_background, batch, axis)
  d_p = sum(_distance_maps(lax.stop_gradient(probs) > 0.5, probs.dtype)[:2])
  d_t = sum(_distance_maps(onehot > 0.5, probs.dtype)[:2])
  values = jnp.square(probs - onehot) * (d_p ** alpha + d_t ** alpha)
  per = spatial_mean(values, batch)
  return core.reduce_loss(name, per, reduction, keep)


@declare(whole_batch_if="batch", input=FLOAT, target=TARGET, ignore_index=IGNORE_INDEX, **MAP_OPTIONS)
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
  name = core.loss_name()
  (probs, onehot, keep), _ = probability_maps(name, input, target, where, mode, ignore_index,
                                   include_background, batch, axis)
  inside = onehot > 0.5
  to_bg, to_fg, both = _distance_maps(inside, probs.dtype)
  phi = jnp.where(both, jnp.where(inside, 1.0 - to_bg, to_fg), 0.0)
  per = spatial_mean(probs * phi, batch)
  # A class index out of range poisons the one-hot target, which phi only reads through > 0.5.
  per = core.poison(per, jnp.isnan(spatial_mean(onehot, batch)))
  return core.reduce_loss(name, per, reduction, keep)


SPECS = [
    LossSpec(hausdorff_dt_loss, None, ex_maps(), **MAP_SPEC,
             bad_options={"alpha": 0.0}, source="Karimi & Salcudean 2019; MONAI HausdorffDTLoss"),
    LossSpec(boundary_loss, None, ex_maps(), **MAP_SPEC,
             bad_options={"mode": "ternary"}, source="Kervadec et al. 2019; MONAI BoundaryLoss"),
]
