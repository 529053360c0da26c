"""What the segmentation losses share: the soft overlap statistics per image and class
(`overlap_stats`: intersection, predicted and target masses over the spatial axes), the
probability and one-hot maps they come from, the per-class finish, and the catalogue
options of the overlap, compound and distance losses.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from lossjax import _core as core
from lossjax._declare import (
  AXIS,
  Bool,
  Choice,
)

MODES = ("multiclass", "multilabel", "binary")


def overlap_stats(name, x, t, where, *, mode, from_logits, ignore_index, include_background,
             batch, axis, per_class=True):
  """Soft (I, P, T) per image and class (``[N, C]``, or ``[C]`` with ``batch``) and the
  validated `where` mask of the per-element loss (``[N, C]``, ``[C]``; or ``[N]``, ``()``
  with ``per_class=False``).
  """
  probs, tf, keep = _soft_maps(name, x, t, where, mode=mode, from_logits=from_logits,
                               ignore_index=ignore_index, include_background=include_background,
                               batch=batch, axis=axis, per_class=per_class)
  stats = spatial_sums((probs * tf, probs, tf), batch)
  if not include_background:
    stats = [a[..., 1:] for a in stats]
  return stats, keep


def spatial_sums(maps, batch):
  """Each ``[N, ..., C]`` map summed over its spatial axes (and the batch with ``batch``)."""
  axes = tuple(range(0 if batch else 1, maps[0].ndim - 1))
  return [jnp.sum(a, axis=axes) for a in maps]


def _soft_maps(name, x, t, where, *, mode, from_logits, ignore_index, include_background,
               batch, axis, per_class=True):
  """Probabilities and (one-hot) targets, ``[N, ..., C]`` with every class (ignored pixels 0
  in both), and the validated `where` mask as `overlap_stats` describes it.

  A pixel whose every loss is masked is filled before any math (softmax couples
  a pixel's classes, so with it a pixel is filled when its image is masked). A
  class index out of range makes its image's maps NaN under jit.
  """
  dtype = core.compute_dtype(x, t if jnp.issubdtype(t.dtype, jnp.floating) else None)
  if mode == "binary":
    core.check_same_shape(name, "target", t, "input", x)
    core.check_min_rank(name, "input", x, 1, "[N, ...]")
    scores, tf = core.to_float(x, dtype)[..., None], core.to_float(t, dtype)[..., None]
  else:
    core.check_min_rank(name, "input", x, 2, "[N, ..., C]")
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


def finish_classes(name, per_class, class_weights, reduction, keep, include_background):
  if class_weights is not None:
    w = class_weights
    if not include_background:
      w = w[1:]
    core.check_shape(name, "class_weights", w, per_class.shape[-1:])
    per_class = per_class * jnp.broadcast_to(core.to_float(w, per_class.dtype), per_class.shape)
  return core.reduce_loss(name, per_class, reduction, keep)


def dice_or_jaccard(stats, smooth_nr, smooth_dr, jaccard=False):
  """1 - (2I + s_n) / (P + T + s_d), or MONAI's Jaccard 1 - (2I + s_n) / (2(P + T - I) + s_d)
  (its false positives and negatives are not halved)."""
  i, p, t = stats
  return 1.0 - (2.0 * i + smooth_nr) / ((2.0 * (p + t - i) if jaccard else p + t) + smooth_dr)


def ex_multiclass(rng):
  return (rng.normal(size=(4, 5, 3)) * 2, rng.integers(0, 3, size=(4, 5))), {}


OVERLAP_SPEC = dict(differentiable=("input",), batched=("input", "target"), unbounded=("input",),
                softmax_args=("input",), classes={"input": -1})


MAP_OPTIONS = dict(mode=Choice(MODES), include_background=Bool(), batch=Bool(), axis=AXIS)


def channels_last(name, x, mode, axis):
  return x[..., None] if mode == "binary" else core.class_axis_last(name, x, axis)


def probability_maps(name, input, target, where, mode, ignore_index, include_background, batch, axis):
  """`_soft_maps` (probabilities, one-hot targets, validated mask) without the background
  when asked, and the channels-last logits with the masked pixels filled. One channel has no
  background to drop: MONAI ignores ``include_background=False`` there (with a warning)."""
  include_background = include_background or mode == "binary"
  probs, onehot, keep = _soft_maps(name, input, target, where, mode=mode, from_logits=True,
                                   ignore_index=ignore_index,
                                   include_background=include_background, batch=batch, axis=axis)
  x = channels_last(name, input, mode, axis)
  if keep is not None:  # the pixels of a masked (image, class) never reach the focal part
    k = keep if include_background else jnp.concatenate([jnp.any(keep, -1, keepdims=True), keep], -1)
    k = k.reshape(((1,) if batch else (x.shape[0],)) + (1,) * (x.ndim - 2) + k.shape[-1:])
    x = core.masked_fill(jnp.broadcast_to(k, x.shape), x)
  return (drop_background(probs, include_background),
          drop_background(onehot, include_background), keep), x


def drop_background(a, include_background):
  return a if include_background else a[..., 1:]


def spatial_mean(values, batch, counted=None):
  """The mean over the spatial axes (and the batch with ``batch``), over the ``counted``
  pixels when given."""
  axes = tuple(range(0 if batch else 1, values.ndim - 1))
  if counted is None:
    return jnp.mean(values, axis=axes)
  return core.safe_div(jnp.sum(values, axis=axes), jnp.sum(counted, axis=axes, dtype=values.dtype))


def ex_maps(**kw):
  def build(rng):
    return (rng.normal(size=(3, 5, 4, 3)) * 2, rng.integers(0, 3, size=(3, 5, 4))), dict(kw)
  return build


MAP_SPEC = dict(differentiable=("input",), batched=("input", "target"), unbounded=("input",),
            softmax_args=("input",), classes={"input": -1})
