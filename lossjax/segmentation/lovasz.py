"""The Lovász extensions of the Jaccard index (Berman et al. 2018): `lovasz_hinge_loss` for
binary maps and `lovasz_softmax_loss` for classes, per image or over the batch.
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
  Bool,
  Choice,
  declare,
)
from lossjax._spec import LossSpec
from lossjax.segmentation.maps import OVERLAP_SPEC, ex_multiclass

__all__ = ["lovasz_softmax_loss", "lovasz_hinge_loss"]


Array = jax.Array


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


@declare(input=FLOAT.at_least(1, "[N, ...]"), target=REAL.same_as("input"), per_image=Bool(),
         ignore_index=IGNORE_INDEX)
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
  name = core.loss_name()
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


@declare(input=FLOAT.at_least(2, "[N, ..., C]"), target=INDEX.class_indices_of("input"),
         from_logits=Bool(), classes=Choice(("present", "all")),
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
  name = core.loss_name()
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


def _ex_per_image(rng):
  args, _ = ex_multiclass(rng)
  return args, {"per_image": True}


def _ex_binary(rng):
  return (rng.normal(size=(4, 6)) * 2, (rng.uniform(size=(4, 6)) < 0.5).astype(np.int64)), {}


SPECS = [
    LossSpec(lovasz_softmax_loss, None, _ex_per_image, **OVERLAP_SPEC,
             bad_options={"classes": "some"}, source="Berman et al. 2018 (lovasz_softmax)"),
    LossSpec(lovasz_hinge_loss, None, _ex_binary, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",),
             source="Berman et al. 2018 (lovasz_hinge)"),
]
