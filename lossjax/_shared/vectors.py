"""Embedding batches `(N, D)`: unit rows, cosine and distance matrices, the positive and
negative pair masks among kept samples, masked log-sum-exps over a row, and a batch loss's
per-sample shares. Shared by the embedding and metric-learning families."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from lossjax import _core as core

Array = jax.Array


def unit_rows(x: Array, eps: float = 1e-12) -> Array:
  """The rows of x divided by their norms (at least eps): a zero row stays 0, finitely."""
  return x / jnp.maximum(core.safe_norm(x), eps)[:, None]


def cosine_matrix(x: Array, eps: float) -> Array:
  """Pairwise cosine similarities of the rows of x; zero rows give 0, finitely."""
  unit = unit_rows(x, eps)
  return unit @ unit.T


def masked_logsumexp(s: Array, mask: Array) -> tuple[Array, Array]:
  """Row-wise log-sum-exp of ``s`` over ``mask``, and whether each row has an entry.

  An empty row gives 0 (and False), with a zero gradient. The masked entries
  go through ``exp(-inf) = 0``, never through ``exp`` of a large value, so
  they reach no gradient either (stop-gradient max, as jax.nn does).
  """
  m = lax.stop_gradient(jnp.max(jnp.where(mask, s, -jnp.inf), axis=1, initial=-jnp.inf))
  m = jnp.where(jnp.isneginf(m), jnp.zeros_like(m), m)
  total = jnp.sum(jnp.exp(jnp.where(mask, s - m[:, None], -jnp.inf)), axis=1)
  has = core.above_zero(total)
  return jnp.log(jnp.where(has, total, jnp.ones_like(total))) + m, has


def embedding_matrix(name: str, arg: str, e: Array) -> Array:
  core.check_rank(name, arg, e, 2, " (N, D)")
  return e


Array = jax.Array


def unit_batch(name, embeddings, labels, where):
  """Unit-normalised (N, D) embeddings (masked rows 0) and the mask (the labels' shape is
  declared by the losses: `one_per_row_of("embeddings")`)."""
  x = embedding_matrix(name, "embeddings", embeddings)
  keep = core.as_mask(name, where, x.shape[:1])
  xf = core.masked_fill(keep, core.to_float(x, core.compute_dtype(x)))
  return unit_rows(xf), keep


def _unit_distances(unit: Array) -> tuple[Array, Array]:
  """Euclidean distances between unit rows (torch.cdist's matmul form), and the diagonal."""
  sq = jnp.sum(jnp.square(unit), axis=1)
  eye = jnp.eye(unit.shape[0], dtype=bool)
  # The diagonal (never a pair) stays out of the sqrt, so no derivative of any order sees 0.
  d2 = jnp.where(eye, 1.0, jnp.maximum(sq[:, None] + sq[None, :] - 2.0 * unit @ unit.T, 0.0))
  return jnp.where(eye, 0.0, core.safe_sqrt(d2)), eye


def present_rows(keep: Array | None, n: int) -> Array:
  return jnp.ones((n,), bool) if keep is None else keep


def pair_masks(unit: Array, labels: Array, keep: Array | None):
  """Distances between unit rows, and the positive (same label, not itself) and negative
  pairs among the kept samples, ``[N, N]`` each; and the kept samples ``[N]``."""
  d, eye = _unit_distances(unit)
  present = present_rows(keep, unit.shape[0])
  both = present[:, None] & present[None, :]
  same = labels[:, None] == labels[None, :]
  return d, same & ~eye & both, ~same & both, present


def unit_proxies(name: str, proxies: Array, unit: Array) -> Array:
  core.check_rank(name, "proxies", proxies, 2, " (C, D)")
  if proxies.shape[1] != unit.shape[1]:
    raise ValueError(f"{name}: argument `proxies` has shape {tuple(proxies.shape)}, expected "
                     f"(C, {unit.shape[1]})")
  core.check_classes(name, "proxies", proxies, 0)
  return unit_rows(core.to_float(proxies, unit.dtype))


Array = jax.Array


def log1p_sum_exp(s: Array, mask: Array, axis: int) -> Array:
  """log(1 + Σ exp(s)) over ``mask`` along ``axis``: pytorch-metric-learning's
  ``logsumexp(add_one=True)``; the 1 is an extra entry 0, so the max is never -inf."""
  m = jax.lax.stop_gradient(jnp.max(jnp.where(mask, s, -jnp.inf), axis=axis, initial=0.0))
  total = jnp.sum(jnp.exp(jnp.where(mask, s - jnp.expand_dims(m, axis), -jnp.inf)), axis=axis)
  return jnp.log(total + jnp.exp(-m)) + m


def batch_shares(per_anchor: Array, total: Array, present: Array) -> Array:
  """Each sample's share n Σ_its terms / total over the n kept samples: their mean is the batch
  loss Σ terms / total, its gradient included (0 when total is 0)."""
  return jnp.sum(present, dtype=per_anchor.dtype) * core.safe_div(per_anchor, total)
