"""±1 labels and `[..., C]` scores with integer labels, checked once, and the ±1 hinge
max(0, margin - y x): shared by the margin and Fenchel-Young families."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lossjax import _core as core

Array = jax.Array


def check_pm1(name: str, y: Array, keep: Array | None) -> Array:
  """Checks ±1 labels (where known); a label that is neither, NaN included, poisons its element.

  torch computes such labels silently (``x + max(0, margin - x)`` in the
  hinge embedding loss, 0 in the cosine embedding loss, even for NaN).
  """
  core.check_values(name, "target", y, lambda t: (t != 1) & (t != -1), "values in {-1, 1}",
                    where=keep)
  return (y != 1) & (y != -1)


def checked_scores(name: str, arg: str, x: Array) -> Array:
  """Scores ``[..., C]`` with at least one class (optax's and Keras's layout: any leading axes)."""
  if x.ndim == 0:
    raise ValueError(f"{name}: argument `{arg}` is 0-d, expected [..., C] scores")
  core.check_classes(name, arg, x)
  return x


def scores_and_labels(name: str, scores: Array, labels: Array, where) -> tuple:
  """Scores ``[..., C]`` (C >= 1, the loss's `input`), integer labels ``[...]`` (its `target`),
  masked; returns (keep, z, safe, bad)."""
  checked_scores(name, "input", scores)  # the labels' shape: declared `class_indices_of`
  c = scores.shape[-1]
  keep = core.as_mask(name, where, scores.shape[:-1])
  z = core.masked_fill(keep, core.to_float(scores, core.compute_dtype(scores)))
  safe, _, bad = core.class_indices(name, "target", labels, c, where=keep)
  return keep, z, safe, bad


def pm1_hinge(name: str, input: Array, target: Array, margin: float, squared: bool,
               reduction: str, where) -> Array:
  """max(0, margin - y x) on ±1 labels (squared when asked); other labels poison their element."""
  keep, (x, y) = core.elementwise(name, where, ("input", input), ("target", target),
                                  fill={"target": 1.0})
  bad = check_pm1(name, target, keep)
  values = core.clamp_min_zero(margin - y * x)
  if squared:
    values = jnp.square(values)
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)
