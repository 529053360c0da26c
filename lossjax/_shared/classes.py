"""Class scores `[..., C]`: the class axis moved last and checked, class weights, the log-normaliser
(log-sum-exp with a stop-gradient max, chunked on XLA:CPU for long rows), and the target's score
picked by a gather. Used by classification, margin, Fenchel-Young and mixture-of-experts losses."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from lossjax import _core as core

Array = jax.Array


def class_weight(loss: str, weight: Array | None, num_classes: int) -> Array | None:
  if weight is not None and weight.shape != (num_classes,):
    raise ValueError(
        f"{loss}: argument `weight` has shape {weight.shape}, expected ({num_classes},): "
        f"weight tensor should be defined either for all {num_classes} classes or no classes"
    )
  return weight


def class_scores(loss: str, arg: str, x: Array, axis: int) -> Array:
  """The scores with their class axis last, which must exist and be non-empty."""
  if x.ndim == 0:
    raise ValueError(f"{loss}: argument `{arg}` has shape (), expected at least one (class) axis")
  scores = core.class_axis_last(loss, x, axis)
  core.check_classes(loss, arg, x, axis if x.ndim > 1 else -1)
  return scores


#: Rows longer than this are log-normalised per chunk of about _CHUNK classes.
#: XLA:CPU's (YNNPACK) exp-sum runs at full speed over rows of up to 32,768
#: float32 and several times slower over longer ones (BENCHMARKS.md, "Measured forms").
_CHUNKED_ABOVE = 32768


_CHUNK = 8192


@jax.custom_jvp
def log_normalizer(x: Array, raw: Array | None = None) -> tuple[Array, Array]:
  """(m, log Σ exp(x - m)) over the last axis, m the stop-gradient row max.

  Kept apart rather than summed into lse = m + log Σ exp(x - m): with logits of
  1e8, lse - x_y would cancel to 0 in float32 (optax #1792), while
  (x_y - m) - log Σ exp(x - m) is exact.

  A row with no finite logit is NaN, as in torch; -inf logits (impossible
  classes) add exactly 0. The derivative is written out (_log_normalizer_jvp).
  Rows longer than _CHUNKED_ABOVE are chunked on XLA:CPU only; GPU and TPU
  programs get the plain form, which their compilers fuse into one reduction.
  """
  if x.shape[-1] <= _CHUNKED_ABOVE:
    return _plain_log_normalizer(x, raw)
  return core.on_cpu(lambda: _chunked_log_normalizer(x, raw),
                     lambda: _plain_log_normalizer(x, raw))


def _plain_log_normalizer(x: Array, raw: Array | None) -> tuple[Array, Array]:
  """The stop-gradient-max log-sum-exp. (The max of `raw`, when given, is exact: max
  commutes with the conversion; see _chunked_log_normalizer.)"""
  m = jax.lax.stop_gradient(jnp.max(x if raw is None else raw, axis=-1).astype(x.dtype))
  m_safe = _finite_shift(m)
  return m, jnp.log(jnp.sum(jnp.exp(x - m_safe[..., None]), axis=-1))


def _chunked_log_normalizer(x: Array, raw: Array | None) -> tuple[Array, Array]:
  """XLA:CPU's form for long rows: an online log-sum-exp over chunks of _CHUNK classes.

  On XLA:CPU one long-row max followed by one long-row exp-sum runs at ~2 GB/s;
  per-chunk maxima, then per-chunk sums rescaled to the row max, run near the
  read bandwidth and exp throughput (5.8x optax's forward at [1024, 131072],
  BENCHMARKS.md). The optimization barriers keep each of the two passes its own
  fusion: fused with its consumers, XLA:CPU picks a slower loop. The last
  chunk takes the remainder.

  `raw` is x before its conversion to the compute dtype (bf16 logits), when
  there was one. The maxima are taken from it (exactly: max commutes with the
  conversion), so that the converted x has one user, the exp-sum, and is
  converted inside it instead of being written out as a float32 copy.
  """
  c = x.shape[-1]
  chunk = chunk_size(c)
  k = c // chunk
  # The body and the tail are sliced from `raw` before their conversion, for
  # the same reason. XLA:CPU computes a bf16 max in float32 too, so the maxima
  # read `raw` through a barrier: their conversion is then not merged with the
  # exp-sum's into one shared (written-out) float32 copy.
  src = x if raw is None else raw
  body = src[..., : k * chunk].reshape(x.shape[:-1] + (k, chunk))
  if raw is not None and k * chunk == c:
    # The reshape (a bitcast) behind a barrier: XLA:CPU's YNNPACK reduction
    # then converts bf16 chunks of its own [..., k, chunk] operand. Converted
    # after a bitcast inside the fusion it ran several times slower (BENCHMARKS.md,
    # "Measured forms").
    body = jax.lax.optimization_barrier(body)
  body = body.astype(x.dtype)
  tail = src[..., k * chunk:].astype(x.dtype)
  if raw is not None:
    src = jax.lax.optimization_barrier(src)
  chunk_max = jnp.max(src[..., : k * chunk].reshape(body.shape), axis=-1)
  if tail.shape[-1]:
    tail_max = jnp.max(src[..., k * chunk:], axis=-1, keepdims=True)
    chunk_max = jnp.concatenate([chunk_max, tail_max], axis=-1)
  chunk_max = chunk_max.astype(x.dtype)
  chunk_max = jax.lax.optimization_barrier(jax.lax.stop_gradient(chunk_max))
  m = jnp.max(chunk_max, axis=-1)
  # An all -inf chunk is rescaled by exp(0) = 1 and contributes a sum of 0.
  chunk_max = jnp.where(jnp.isneginf(chunk_max), m[..., None], chunk_max)
  chunk_sum = jnp.sum(jnp.exp(body - chunk_max[..., :k, None]), axis=-1)
  if tail.shape[-1]:
    tail_sum = jnp.sum(jnp.exp(tail - chunk_max[..., k:]), axis=-1, keepdims=True)
    chunk_sum = jnp.concatenate([chunk_sum, tail_sum], axis=-1)
  chunk_sum = jax.lax.optimization_barrier(chunk_sum)
  return m, jnp.log(jnp.sum(chunk_sum * jnp.exp(chunk_max - m[..., None]), axis=-1))


@functools.cache
def chunk_size(c: int) -> int:
  """The chunk length for a row of c classes: the divisor of c nearest _CHUNK
  within [_CHUNK / 2, 2 _CHUNK] (128256 = 16 x 8016), else _CHUNK with a tail.

  Without a tail the chunks are a reshape of the row; a tail makes the body a
  slice, which XLA:CPU reads more slowly (BENCHMARKS.md, "Measured forms").
  """
  divisors = [c // k for k in range(max(1, c // (2 * _CHUNK)), c // (_CHUNK // 2) + 1)
              if c % k == 0 and _CHUNK // 2 <= c // k <= 2 * _CHUNK]
  return min(divisors, key=lambda d: abs(d - _CHUNK), default=_CHUNK)


def _finite_shift(m: Array) -> Array:
  """The row max as a shift for exp(x - m): a row of -inf (max -inf) is shifted
  by the lowest finite number instead, so exp gives 0 rather than NaN.

  A max, not a select: XLA:CPU then fuses the row max and the exp-sum into one
  pass, which with bf16 logits also avoids writing a float32 copy of them.
  """
  return jnp.maximum(m, jnp.finfo(m.dtype).min)


@log_normalizer.defjvp
def _log_normalizer_jvp(primals, tangents):
  # d log_s = Σ_c softmax(x)_c dx_c (m is a stop-gradient constant). Written
  # out so that reverse mode transposes it to one elementwise pass,
  # softmax(x) * ct, instead of differentiating through the chunked sums
  # (which stores exp(x) and reads it back).
  # `raw` (see log_normalizer) is x itself in another dtype: its tangent is
  # already carried by dx.
  (x, raw), (dx, _) = primals, tangents
  if x.shape[-1] <= _CHUNKED_ABOVE and raw is None:
    m, log_s, p = _softmax_once(x)
  else:
    m, log_s, p = core.on_cpu(lambda: _softmax_recomputed(x, raw), lambda: _softmax_once(x))
  return (m, log_s), (jnp.zeros_like(m), jnp.sum(p * dx, axis=-1))


def _softmax_once(x: Array) -> tuple[Array, Array, Array]:
  """(m, log_s, softmax): exp(x - m) computed once serves the sum and the softmax."""
  m = jax.lax.stop_gradient(jnp.max(x, axis=-1))
  m_safe = _finite_shift(m)
  e = jnp.exp(x - m_safe[..., None])
  s = jnp.sum(e, axis=-1)
  return m, jnp.log(s), e / s[..., None]


def _softmax_recomputed(x: Array, raw: Array | None) -> tuple[Array, Array, Array]:
  """XLA:CPU's form for long rows and converted (bf16) logits: the softmax is recomputed
  from x inside the gradient's fusion, so no float32 [N, C] buffer is kept (for bf16
  logits a kept exp(x - m) is a float32 temporary of twice the input's size)."""
  m, log_s = log_normalizer(x, raw)
  m_safe = _finite_shift(m)
  if raw is not None:
    # Converted again from `raw`, behind a barrier: otherwise x - m is shared
    # with the forward's exp-sum and written out as a float32 temporary
    # (and so would the broadcast of m_safe).
    raw, m_safe = jax.lax.optimization_barrier((raw, m_safe))
    x = raw.astype(x.dtype)
  return m, log_s, jnp.exp((x - m_safe[..., None]) - log_s[..., None])


def pick_class(scores: Array, target: Array) -> Array:
  """scores[..., target]: a gather (reads N values, not N x C).

  Its reverse-mode transpose is a scatter-add that XLA applies in place to the
  softmax gradient's buffer, which measured faster than writing the one-hot
  term as an elementwise select (BENCHMARKS.md, "Measured forms").
  """
  return jnp.take_along_axis(scores, target[..., None], axis=-1)[..., 0]


@jax.custom_jvp
def pick_class_converted(raw: Array, scores: Array, target: Array) -> Array:
  """pick_class(scores, target) where ``scores = raw.astype(scores.dtype)``, gathered
  from ``raw``.

  Gathering from the converted array makes XLA:CPU write all of it (a bf16
  [8192, 32768] input: a 1 GiB float32 copy, 2.5x the float32 loss's time),
  since a gather does not fuse with the conversion. The value is the same (the
  conversion is exact), and the derivative is taken with respect to
  ``scores`` (``raw``'s tangent is the same one, already carried by
  ``scores``), so the gradient is still accumulated in the compute dtype and
  rounded once.
  """
  # The barrier keeps the gather from being seen as a second user of the
  # conversion (with it, XLA:CPU writes the converted copy anyway).
  return pick_class(jax.lax.optimization_barrier(raw), target).astype(scores.dtype)


@pick_class_converted.defjvp
def _pick_converted_jvp(primals, tangents):
  raw, scores, target = primals
  # The tangent as a one-hot select-sum: its transpose is elementwise and joins
  # the softmax term and the conversion to the input dtype in one fusion (a
  # scatter-add would need a float32 gradient buffer, converted afterwards).
  classes = jax.lax.broadcasted_iota(target.dtype, scores.shape, scores.ndim - 1)
  onehot = classes == target[..., None]
  tangent = jnp.sum(jnp.where(onehot, tangents[1], jnp.zeros_like(tangents[1])), axis=-1)
  return pick_class_converted(raw, scores, target), tangent
