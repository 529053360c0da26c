"""What the segmentation losses share: the soft overlap statistics per image and class
(`overlap_stats`: intersection, predicted and target masses over the spatial axes), the
probability and one-hot maps they come from, the per-class finish, and the catalogue
options of the overlap, compound and distance losses.
"""

from __future__ import annotations

import functools

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
  """Each ``[N, C, ...]`` map summed over its spatial axes (and the batch with ``batch``):
  ``[N, C]`` (``[C]``)."""
  axes = _spatial_axes(maps[0], batch)
  return [jnp.sum(a, axis=axes) for a in maps]


def _spatial_axes(a, batch):
  return ((0,) if batch else ()) + tuple(range(2, a.ndim))


def _soft_maps(name, x, t, where, *, mode, from_logits, ignore_index, include_background,
               batch, axis, per_class=True):
  """Probabilities and (one-hot) targets, ``[N, C, ...]`` with every class (ignored pixels 0
  in both; the classes second whatever the input's `axis`: see `channels_first`), and the
  validated `where` mask as `overlap_stats` describes it.

  A pixel whose every loss is masked is filled before any math (softmax couples
  a pixel's classes, so with it a pixel is filled when its image is masked). A
  class index out of range makes its image's maps NaN under jit.
  """
  dtype = core.compute_dtype(x, t if jnp.issubdtype(t.dtype, jnp.floating) else None)
  if mode == "binary":
    core.check_same_shape(name, "target", t, "input", x)
    core.check_min_rank(name, "input", x, 1, "[N, ...]")
    scores, tf = (core.to_float(channels_first(a, mode, axis), dtype) for a in (x, t))
  else:
    core.check_min_rank(name, "input", x, 2, "[N, ..., C]")
    scores = core.to_float(channels_first(x, mode, axis), dtype)
    core.check_classes(name, "input", x, axis)
    if mode == "multiclass":
      core.check_int(name, "target", t)
      core.check_class_indices_shape(name, "target", t, x, "input", axis)
    else:
      core.check_same_shape(name, "target", t, "input", x)
      tf = core.to_float(channels_first(t, mode, axis), dtype)
  n, c = scores.shape[0], scores.shape[1]
  if not include_background and c < 2:
    raise core.option_error(name, "include_background", "needs at least two classes")
  c_kept = c if include_background else c - 1
  lead = () if batch else (n,)
  keep = core.as_mask(name, where, lead + ((c_kept,) if per_class else ()))
  # The mask on the inputs: [N or 1, C or 1, 1...].
  px_keep = None
  if keep is not None:
    k = keep if per_class else keep[..., None]
    coupled = mode == "multiclass" and from_logits
    k = jnp.any(k, axis=-1, keepdims=True) if coupled or not per_class else k
    if not include_background and k.shape[-1] == c_kept:
      k = jnp.concatenate([jnp.any(k, axis=-1, keepdims=True), k], axis=-1)
    k = k.reshape((n if not batch else 1, k.shape[-1]) + (1,) * (scores.ndim - 2))
    px_keep = jnp.broadcast_to(k, scores.shape[:1] + k.shape[1:])
  scores = core.masked_fill(px_keep, scores)
  counted = jnp.ones(scores.shape[:1] + (1,) + scores.shape[2:], bool)
  if mode == "multiclass":
    pixel_keep = None if px_keep is None else jnp.broadcast_to(
        jnp.any(px_keep, axis=1), scores.shape[:1] + scores.shape[2:])
    safe, valid, out_of_range = core.class_indices(name, "target", t, c,
                                                   ignore_index=ignore_index, where=pixel_keep)
    counted = valid[:, None]
    classes = lax.broadcasted_iota(t.dtype, scores.shape, 1)
    tf = core.poison((classes == safe[:, None]).astype(dtype), out_of_range[:, None])
    probs = class_softmax(scores) if from_logits else scores
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


#: Up to this many classes, `class_softmax` unrolls over them on CPU.
UNROLL_CLASSES = 16


def class_softmax(z, *, log=False):
  """softmax (``log``: log_softmax) over the classes, axis 1, of a ``[N, C, ...]`` map.

  On CPU, with at most `UNROLL_CLASSES` classes, the softmax is unrolled over them: each class
  is a contiguous ``[N, ...]`` slice, so the max, the sum of exponentials and the quotients
  are elementwise and fuse into a few passes. XLA:CPU's own softmax across a short class axis
  was the bottleneck: value_and_grad of dice + cross-entropy at [2, 3, 64, 64, 64] took 30 ms
  with it and 7.5 ms unrolled (1.6 ms at [8, 4, 128, 128]; MONAI 12.6 and 3.2 ms,
  benchmarks/peers.py). GPU and TPU keep jax.nn's form; the values are the same formula.
  """
  c = z.shape[1]
  fused = (lambda: jax.nn.log_softmax(z, axis=1)) if log else (lambda: jax.nn.softmax(z, axis=1))
  if c > UNROLL_CLASSES or z.ndim < 2:
    return fused()

  def unrolled():
    # A split, not c slices: reverse mode transposes it to one concatenate, where each slice
    # became a zero-padded copy of the whole map, summed: with dice + focal's gradient fused
    # into that sum, XLA:CPU took 37 ms at [2, 3, 64, 64, 64] against 27 ms split (BENCHMARKS.md).
    parts = [v[:, 0] for v in lax.split(z, (1,) * c, axis=1)]
    m = lax.stop_gradient(functools.reduce(jnp.maximum, parts))  # the stop-gradient max
    shifted = [v - m for v in parts]
    exps = [jnp.exp(v) for v in shifted]
    total = functools.reduce(jnp.add, exps)
    if log:
      log_total = jnp.log(total)
      return jnp.stack([v - log_total for v in shifted], axis=1)
    return jnp.stack([e / total for e in exps], axis=1)

  return core.on_cpu(unrolled, fused)


def channels_first(x, mode, axis):
  """The map with its classes second, ``[N, C, ...]`` (one channel for "binary"): the layout
  every segmentation statistic is computed in, whatever the input's `axis`. The spatial sums
  then reduce the minor, contiguous axes and the softmax runs across whole spatial rows: on
  XLA:CPU, value_and_grad of dice + cross-entropy at [8, 4, 128, 128] took 1.3 ms this way
  against 4.2 ms with the classes last (a channels-last input pays one transpose, 2.0 ms), and
  GPU and TPU assign their own layouts (benchmarks/peers.py, BENCHMARKS.md)."""
  return x[:, None] if mode == "binary" else jnp.moveaxis(x, axis, 1)


def probability_maps(name, input, target, where, mode, ignore_index, include_background, batch, axis):
  """`_soft_maps` (probabilities, one-hot targets, validated mask) without the background
  when asked, and the ``[N, C, ...]`` logits with the masked pixels filled. One channel has no
  background to drop: MONAI ignores ``include_background=False`` there (with a warning)."""
  include_background = include_background or mode == "binary"
  probs, onehot, keep = _soft_maps(name, input, target, where, mode=mode, from_logits=True,
                                   ignore_index=ignore_index,
                                   include_background=include_background, batch=batch, axis=axis)
  x = channels_first(input, mode, axis)
  if keep is not None:  # the pixels of a masked (image, class) never reach the focal part
    k = keep if include_background else jnp.concatenate([jnp.any(keep, -1, keepdims=True), keep], -1)
    k = k.reshape(((1,) if batch else (x.shape[0],)) + k.shape[-1:] + (1,) * (x.ndim - 2))
    x = core.masked_fill(jnp.broadcast_to(k, x.shape), x)
  return (drop_background(probs, include_background),
          drop_background(onehot, include_background), keep), x


def drop_background(a, include_background):
  """A ``[N, C, ...]`` map without class 0 unless `include_background`."""
  return a if include_background else a[:, 1:]


def spatial_mean(values, batch, counted=None):
  """The mean over the spatial axes (and the batch with ``batch``), over the ``counted``
  pixels when given."""
  axes = _spatial_axes(values, batch)
  if counted is None:
    return jnp.mean(values, axis=axes)
  return core.safe_div(jnp.sum(values, axis=axes), jnp.sum(counted, axis=axes, dtype=values.dtype))


def ex_maps(**kw):
  def build(rng):
    return (rng.normal(size=(3, 5, 4, 3)) * 2, rng.integers(0, 3, size=(3, 5, 4))), dict(kw)
  return build


MAP_SPEC = dict(differentiable=("input",), batched=("input", "target"), unbounded=("input",),
            softmax_args=("input",), classes={"input": -1})
