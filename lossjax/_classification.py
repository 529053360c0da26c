"""Classification losses with torch twins: cross-entropy, NLL, binary cross-entropy."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
    AXIS,
    FLOAT,
    IGNORE_INDEX,
    INDEX,
    LABEL_SMOOTHING,
    REAL,
    TARGET,
    WEIGHT,
    ArrayOption,
    Float,
    declare,
)
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = [
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "sigmoid_focal_loss",
    "softmax_focal_loss",
    "poly1_cross_entropy",
    "generalized_cross_entropy",
    "z_loss",
]


def _class_weight(loss: str, weight: Array | None, num_classes: int) -> Array | None:
  if weight is not None and weight.shape != (num_classes,):
    raise ValueError(
        f"{loss}: argument `weight` has shape {weight.shape}, expected ({num_classes},): "
        f"weight tensor should be defined either for all {num_classes} classes or no classes"
    )
  return weight


def _class_scores(loss: str, arg: str, x: Array, axis: int) -> Array:
  """The scores with their class axis last, which must exist and be non-empty."""
  if x.ndim == 0:
    raise ValueError(f"{loss}: argument `{arg}` has shape (), expected at least one (class) axis")
  scores = core.class_axis_last(loss, x, axis)
  core.check_classes(loss, arg, x, axis if x.ndim > 1 else -1)
  return scores


#: Rows longer than this are log-normalised per chunk of about _CHUNK classes.
#: XLA:CPU's (YNNPACK) exp-sum runs at full speed over rows of up to 32,768
#: float32 and 6-8x slower over longer ones (0.042 s vs 0.32 s per 2^27
#: logits at 32,768 vs 40,960 and 131,072 classes, 2 cores).
_CHUNKED_ABOVE = 32768
_CHUNK = 8192


@jax.custom_jvp
def _log_normalizer(x: Array, raw: Array | None = None) -> tuple[Array, Array]:
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
  fusion: fused with its consumers, XLA:CPU picks a loop ~2.5x slower. The last
  chunk takes the remainder.

  `raw` is x before its conversion to the compute dtype (bf16 logits), when
  there was one. The maxima are taken from it (exactly: max commutes with the
  conversion), so that the converted x has one user, the exp-sum, and is
  converted inside it instead of being written out as a float32 copy.
  """
  c = x.shape[-1]
  chunk = _chunk_size(c)
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
    # after a bitcast inside the fusion it ran ~5x slower (0.19 s vs 0.039 s
    # for the exp-sum at [1024, 131072]).
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
def _chunk_size(c: int) -> int:
  """The chunk length for a row of c classes: the divisor of c nearest _CHUNK
  within [_CHUNK / 2, 2 _CHUNK] (128256 = 16 x 8016), else _CHUNK with a tail.

  Without a tail the chunks are a reshape of the row; a tail makes the body a
  slice, which XLA:CPU reads 2-3x slower (0.17 s vs 0.065 s forward at
  [1024, 128256] against [1024, 131072], float32).
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


@_log_normalizer.defjvp
def _log_normalizer_jvp(primals, tangents):
  # d log_s = Σ_c softmax(x)_c dx_c (m is a stop-gradient constant). Written
  # out so that reverse mode transposes it to one elementwise pass,
  # softmax(x) * ct, instead of differentiating through the chunked sums
  # (which stores exp(x) and reads it back).
  # `raw` (see _log_normalizer) is x itself in another dtype: its tangent is
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
  m, log_s = _log_normalizer(x, raw)
  m_safe = _finite_shift(m)
  if raw is not None:
    # Converted again from `raw`, behind a barrier: otherwise x - m is shared
    # with the forward's exp-sum and written out as a float32 temporary
    # (and so would the broadcast of m_safe).
    raw, m_safe = jax.lax.optimization_barrier((raw, m_safe))
    x = raw.astype(x.dtype)
  return m, log_s, jnp.exp((x - m_safe[..., None]) - log_s[..., None])


def _pick(scores: Array, target: Array) -> Array:
  """scores[..., target]: a gather (reads N values, not N x C).

  Its reverse-mode transpose is a scatter-add that XLA applies in place to the
  softmax gradient's buffer, which measured faster than writing the one-hot
  term as an elementwise select (0.200 s vs 0.221 s for value_and_grad at
  [1024, 131072] on a 2-core CPU).
  """
  return jnp.take_along_axis(scores, target[..., None], axis=-1)[..., 0]


@jax.custom_jvp
def _pick_converted(raw: Array, scores: Array, target: Array) -> Array:
  """_pick(scores, target) where ``scores = raw.astype(scores.dtype)``, gathered
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
  return _pick(jax.lax.optimization_barrier(raw), target).astype(scores.dtype)


@_pick_converted.defjvp
def _pick_converted_jvp(primals, tangents):
  raw, scores, target = primals
  # The tangent as a one-hot select-sum: its transpose is elementwise and joins
  # the softmax term and the conversion to the input dtype in one fusion (a
  # scatter-add would need a float32 gradient buffer, converted afterwards).
  classes = jax.lax.broadcasted_iota(target.dtype, scores.shape, scores.ndim - 1)
  onehot = classes == target[..., None]
  tangent = jnp.sum(jnp.where(onehot, tangents[1], jnp.zeros_like(tangents[1])), axis=-1)
  return _pick_converted(raw, scores, target), tangent


def _class_index_nll(
    loss: str,
    scores: Array,
    normalizer: tuple[Array, Array] | None,
    target: Array,
    weight: Array | None,
    *,
    ignore_index: int | None,
    label_smoothing: float,
    reduction: str,
    keep: Array | None,
    raw_scores: Array | None = None,
    target_arg: str = "target",
    poly_epsilon: float = 0.0,
) -> Array:
  """Class-index NLL with ``log p_c = (scores_c - m) - log_s`` over `[..., C]`,
  ``normalizer = (m, log_s)``, shared by cross_entropy (scores are logits) and
  nll_loss (scores are log-probabilities, ``normalizer`` None).

  Per element: ``(1 - ε) w_y (-log p_y) + ε/C Σ_c w_c (-log p_c)``; "mean"
  divides by the summed ``w_y`` of counted targets (torch's normaliser, used
  for both terms). log p is never materialised: the target's score is picked
  by a gather whose gradient is an elementwise one-hot select (see
  `_pick`), and the smoothing term is
  ``lse Σ_c w_c - Σ_c w_c s_c``. ``poly_epsilon`` adds Poly-1's
  ``ε (1 - p_y)``. `keep` is the validated `where` mask (the scores are
  already filled under it).
  """
  num_classes = scores.shape[-1]
  safe_target, valid, out_of_range = core.class_indices(
      loss, target_arg, target, num_classes, ignore_index=ignore_index, where=keep,
      expected=f"class indices in [0, {num_classes})"
      + ("" if ignore_index is None else f" or ignore_index={ignore_index}")
      + " (torch: Target is out of bounds)")
  if raw_scores is None or raw_scores.dtype == scores.dtype:
    picked = _pick(scores, safe_target)
  else:  # scores = raw_scores converted to the compute dtype: on CPU, gather before converting
    picked = core.on_cpu(lambda: _pick_converted(raw_scores, scores, safe_target),
                         lambda: _pick(scores, safe_target))
  # Unchecked under jit, an out-of-range class must not yield a plausible
  # number: it gives NaN (lossjax.checked raises instead).
  picked = core.poison(picked, out_of_range)
  if normalizer is None:
    log_p_target = picked
  else:
    m, log_s = normalizer
    log_p_target = (picked - m) - log_s
  w_target = None if weight is None else jnp.take(weight, safe_target).astype(scores.dtype)
  values = -log_p_target if w_target is None else -log_p_target * w_target
  if label_smoothing > 0.0:
    shifted = scores if normalizer is None else scores - normalizer[0][..., None]
    if weight is None:
      total, weighted_sum = float(num_classes), jnp.sum(shifted, axis=-1)
    else:
      w = weight.astype(scores.dtype)
      total = jnp.sum(w)
      weighted_sum = jnp.sum(shifted * jnp.broadcast_to(w, scores.shape), axis=-1)
    smooth = -weighted_sum if normalizer is None else normalizer[1] * total - weighted_sum
    values = (1.0 - label_smoothing) * values + (label_smoothing / num_classes) * smooth
  if poly_epsilon:
    values = values + poly_epsilon * (1.0 - jnp.exp(log_p_target))
  return core.reduce_loss(
      loss, values, reduction, keep, valid=None if ignore_index is None else valid,
      norm_weight=w_target
  )


@declare(input=FLOAT, target=TARGET, weight=WEIGHT, ignore_index=IGNORE_INDEX,
         label_smoothing=LABEL_SMOOTHING, axis=AXIS)
def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    ignore_index: int | None = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Cross-entropy between logits and class indices or class probabilities.

  The twin of ``torch.nn.functional.cross_entropy`` (same numbers, same
  options), with lossjax's ``where`` and ``axis``.

  With class indices ``y`` (any integer dtype), per element

  $$
  \ell = (1 - \varepsilon)\, w_y\, (-\log p_y)
  + \frac{\varepsilon}{C} \sum_c w_c\, (-\log p_c),
  \qquad p = \mathrm{softmax}(x),
  $$

  and "mean" divides by $\sum w_y$ over the counted targets (targets equal
  to ``ignore_index`` or masked by ``where`` are not counted). With class
  probabilities ``t`` (a float target of the input's shape), per element
  $\ell = -\sum_c w_c t'_c \log p_c$ with $t' = (1-\varepsilon)t +
  \varepsilon/C$, and "mean" divides by the number of elements.

  Args:
    input: logits, ``[C]``, ``[..., C]`` (``axis=-1``) or ``[N, C, d1, ...]``
      (``axis=1``, torch's layout). 16-bit inputs give a float32 loss.
    target: integer class indices of the input's shape without the class axis,
      or float class probabilities of the input's shape.
    weight: optional ``[C]`` rescaling weight per class.
    ignore_index: class-index targets equal to it are ignored (class indices
      only); None: no target is ignored.
    label_smoothing: ε in [0, 1].
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis of ``input`` (ignored for an unbatched ``[C]`` input).

  Returns:
    A scalar, or the per-element loss (input's shape without the class axis)
    for ``reduction="none"``.

  Differences from torch: an all-ignored "mean" is 0, not NaN; a ``-inf`` logit
  with a zero probability target gives a finite loss, not NaN.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.cross_entropy(logits, jnp.array([0, 2])):.4f}")
    0.1755

  References:
    PyTorch ``torch.nn.CrossEntropyLoss``; Szegedy et al., "Rethinking the
    Inception Architecture" (2016) for label smoothing.
  """
  return _cross_entropy("cross_entropy", input, target, weight=weight, ignore_index=ignore_index,
                        label_smoothing=label_smoothing, reduction=reduction, where=where,
                        axis=axis)


def _cross_entropy(name, x, t, *, weight, ignore_index, label_smoothing, reduction,
                   where, axis, arg_names=("input", "target"), poly_epsilon=0.0):
  """cross_entropy's body, raising errors in the name of the loss that calls it."""
  logits_last = _class_scores(name, arg_names[0], x, axis)
  num_classes = logits_last.shape[-1]
  w = _class_weight(name, weight, num_classes)
  prob_target = jnp.issubdtype(t.dtype, jnp.floating)
  if prob_target:
    if t.shape != x.shape:
      raise ValueError(
          f"{name}: argument `{arg_names[1]}` has shape {t.shape} and dtype {t.dtype}, expected "
          f"{x.shape}: a float target holds class probabilities of the input's shape "
          "(class indices must be integers)"
      )
  else:
    core.check_int(name, arg_names[1], t)
    core.check_class_indices_shape(name, arg_names[1], t, x, arg_names[0], axis)
  keep = core.as_mask(name, where, logits_last.shape[:-1])
  logits_last = core.masked_fill(keep, logits_last)
  dtype = core.compute_dtype(x, t if prob_target else None, w)
  logits = core.to_float(logits_last, dtype)
  if not prob_target:
    # Class indices need no clipping: -inf logits only ever enter exp() (see
    # _log_normalizer) or, as the target's own logit, give a genuinely
    # infinite loss.
    normalizer = _log_normalizer(logits, None if logits_last.dtype == dtype else logits_last)
    return _class_index_nll(
        name, logits, normalizer, t, w, ignore_index=ignore_index, label_smoothing=label_smoothing,
        reduction=reduction, keep=keep, raw_scores=logits_last, target_arg=arg_names[1],
        poly_epsilon=poly_epsilon,
    )
  # Probability targets multiply every logit: clip ±inf so a zero probability
  # times an impossible class is 0, not NaN (optax #896).
  logits = core.finite_logits(logits)
  normalizer = _log_normalizer(logits)
  probs = core.masked_fill(keep, core.class_axis_last(name, core.to_float(t, dtype), axis))
  target_probs = probs
  if label_smoothing > 0.0:
    probs = probs * (1.0 - label_smoothing) + label_smoothing / num_classes
  if w is not None:
    probs = probs * jnp.broadcast_to(core.to_float(w, dtype), probs.shape)
  # -Σ_c t_c log p_c = log_s Σ_c t_c - Σ_c t_c (z_c - m); the logits are
  # finite (finite_logits), so a zero probability contributes exactly 0.
  m, log_s = normalizer
  values = log_s * jnp.sum(probs, axis=-1) - jnp.sum(probs * (logits - m[..., None]), axis=-1)
  if poly_epsilon:
    # Poly-1 with probability labels: p_t = Σ_c t_c p_c (optax's convention).
    p = jnp.exp((logits - m[..., None]) - log_s[..., None])
    values = values + poly_epsilon * (1.0 - jnp.sum(target_probs * p, axis=-1))
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=INDEX, weight=WEIGHT, ignore_index=IGNORE_INDEX, axis=AXIS)
def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    ignore_index: int | None = -100,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Negative log-likelihood of class indices under given log-probabilities.

  The twin of ``torch.nn.functional.nll_loss``. Per element
  $\ell = -w_y\, x_y$; "mean" divides by $\sum w_y$ over counted
  targets (not ``ignore_index``, not masked).

  Args:
    input: log-probabilities ``[C]``, ``[..., C]`` (``axis=-1``) or
      ``[N, C, d1, ...]`` (``axis=1``).
    target: integer class indices, the input's shape without the class axis.
    weight: optional ``[C]`` weight per class.
    ignore_index: targets equal to it are ignored; None: none is.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis of ``input``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> logp = jax.nn.log_softmax(jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]))
    >>> print(f"{lj.nll_loss(logp, jnp.array([0, 2])):.4f}")
    0.1755

  References: PyTorch ``torch.nn.NLLLoss``.
  """
  name = "nll_loss"
  logp_last = _class_scores(name, "input", input, axis)
  core.check_class_indices_shape(name, "target", target, input, "input", axis)
  w = _class_weight(name, weight, logp_last.shape[-1])
  keep = core.as_mask(name, where, logp_last.shape[:-1])
  dtype = core.compute_dtype(input, w)
  return _class_index_nll(
      name, core.masked_fill(keep, core.to_float(logp_last, dtype)), None, target, w,
      ignore_index=ignore_index, label_smoothing=0.0, reduction=reduction, keep=keep,
  )


# torch clamps each log term of binary cross-entropy at -100.
_LOG_CLAMP = -100.0
# torch's binary_cross_entropy_backward divides by max(p (1 - p), EPSILON), with
# EPSILON the float32 value of 1e-12 (9.99999996e-13), also for float64 inputs:
# the fixtures at p in {0, 1} pin this down to the last bit.
_BCE_GRAD_EPS = float(np.float32(1e-12))


def _bce_logs(p: Array) -> tuple[Array, Array]:
  return jnp.maximum(jnp.log(p), _LOG_CLAMP), jnp.maximum(jnp.log1p(-p), _LOG_CLAMP)


@jax.custom_jvp
def _bce(p: Array, t: Array) -> Array:
  log_p, log_1mp = _bce_logs(p)
  return -(t * log_p + (1.0 - t) * log_1mp)


@_bce.defjvp
def _bce_jvp(primals, tangents):
  # torch's gradient, finite at p = 0 and p = 1 where log's derivative is not:
  # d/dp = (p - t) / max(p (1 - p), 1e-12);  d/dt = log(1 - p) - log(p), clamped.
  p, t = primals
  dp, dt = tangents
  log_p, log_1mp = _bce_logs(p)
  out = -(t * log_p + (1.0 - t) * log_1mp)
  dout = (p - t) / jnp.maximum(p * (1.0 - p), _BCE_GRAD_EPS) * dp + (log_1mp - log_p) * dt
  return out, dout


@declare(input=FLOAT, target=REAL, weight=WEIGHT)
def binary_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Binary cross-entropy between probabilities and targets.

  The twin of ``torch.nn.functional.binary_cross_entropy``. Per element
  $\ell = -w\,[t \log p + (1 - t) \log(1 - p)]$ with each log clamped at
  −100 as torch does, so ``p`` exactly 0 or 1 gives a finite loss. The
  gradient wrt ``p`` is torch's, $w (p - t) / \max(p(1-p), 10^{-12})$,
  finite at 0 and 1.

  Args:
    input: probabilities in [0, 1], any shape (checked on concrete inputs).
    target: targets of exactly the input's shape (soft targets allowed).
    weight: optional weight broadcastable to the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> p = jnp.array([0.9, 0.2, 0.6])
    >>> print(f"{lj.binary_cross_entropy(p, jnp.array([1.0, 0.0, 1.0])):.4f}")
    0.2798

  References: PyTorch ``torch.nn.BCELoss``.
  """
  name = "binary_cross_entropy"
  keep, (p, t) = core.elementwise(name, where, ("input", input), ("target", target),
                                  fill={"input": 0.5}, dtype_args=(weight,))
  core.check_values(
      name, "input", input, lambda a: ~((a >= 0) & (a <= 1)),
      "probabilities in [0, 1] (torch: all elements of input should be between 0 and 1)",
      where=keep,
  )
  values = _bce(p, t)
  w = core.elementwise_option(name, "weight", weight, p.shape, p.dtype, keep)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL, weight=WEIGHT, pos_weight=WEIGHT)
def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    pos_weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Binary cross-entropy on logits, computed stably in log space.

  The twin of ``torch.nn.functional.binary_cross_entropy_with_logits``. Per
  element, with $l = 1 + (p_w - 1)\,t$,

  $$
  \ell = w\,[(1 - t)\,x - l \log\sigma(x)]
  = -w\,[p_w\, t \log\sigma(x) + (1 - t) \log\sigma(-x)].
  $$

  Args:
    input: logits, any shape.
    target: targets of exactly the input's shape (soft targets allowed).
    weight: optional weight broadcastable to the input's shape.
    pos_weight: optional weight of positive examples, broadcastable to the
      input's shape; a ``[C]`` vector applies along the last (class) axis.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  ``±inf`` logits give finite values and gradients (torch gives NaN for
  ``-inf`` with target 0).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([2.0, -1.0, 0.5])
    >>> t = jnp.array([1.0, 0.0, 1.0])
    >>> print(f"{lj.binary_cross_entropy_with_logits(x, t, pos_weight=jnp.array(2.0)):.4f}")
    0.5051

  References: PyTorch ``torch.nn.BCEWithLogitsLoss``.
  """
  name = "binary_cross_entropy_with_logits"
  keep, (xf, tf) = core.elementwise(name, where, ("input", input), ("target", target),
                                    dtype_args=(weight, pos_weight))
  xf = core.finite_logits(xf)
  # log σ(x) = -softplus(-x), stable for any sign of x.
  log_sig = core.log_sigmoid(xf)
  pw = core.elementwise_option(name, "pos_weight", pos_weight, xf.shape, xf.dtype, keep)
  log_weight = 1.0 if pw is None else 1.0 + (pw - 1.0) * tf
  values = (1.0 - tf) * xf - log_weight * log_sig
  w = core.elementwise_option(name, "weight", weight, xf.shape, xf.dtype, keep)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, keep)


@declare(inputs=FLOAT, targets=REAL, alpha=Float(hi=1.0), gamma=Float(lo=0.0))
def sigmoid_focal_loss(
    inputs: ArrayLike,
    targets: ArrayLike,
    *,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Binary focal loss on logits (torchvision's ``sigmoid_focal_loss``).

  With $p = \sigma(x)$ and $p_t = p\,t + (1 - p)(1 - t)$,

  $$
  \ell = \alpha_t\,(1 - p_t)^{\gamma}\,\mathrm{BCE}(x, t),
  \qquad \alpha_t = \alpha t + (1 - \alpha)(1 - t),
  $$

  and ``alpha < 0`` disables the weighting. Targets may be soft. The
  modulating factor is computed in log space, as
  $\exp(\gamma \log(1 - p_t))$, with ``log(1 - p_t)`` a
  log-sum-exp of log-sigmoids. So logits of ±1000 give a finite value,
  gradient and Hessian for every ``gamma``, including 0 (optax #1267).
  Default reduction "mean", like every lossjax loss (torchvision's is "none").

  Args:
    inputs: logits, any shape.
    targets: targets in [0, 1] of the same shape.
    alpha: weight of the positive class in [0, 1], or < 0 for none.
    gamma: focusing parameter, >= 0.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the inputs' shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([2.0, -1.0, 0.5])
    >>> print(f"{lj.sigmoid_focal_loss(x, jnp.array([1.0, 0.0, 1.0])):.4f}")
    0.0114

  References: Lin et al., "Focal Loss for Dense Object Detection" (2017);
  torchvision ``ops.sigmoid_focal_loss``.
  """
  name = "sigmoid_focal_loss"
  keep, (xf, tf) = core.elementwise(name, where, ("inputs", inputs), ("targets", targets))
  dtype = xf.dtype
  xf = core.finite_logits(xf)
  log_p, log_q = core.log_sigmoid(xf), core.log_sigmoid(-xf)
  ce = -(tf * log_p + (1.0 - tf) * log_q)
  values = ce
  if gamma != 0:  # gamma == 0: the factor is exactly 1 (no 0 ** 0 in the gradient)
    # log(1 - p_t) = log((1 - t) p + t (1 - p)): a weighted log-sum-exp of
    # log p and log q = log(1 - p), written out (jax.scipy's logsumexp with
    # weights stacks both terms and ran at 0.66x optax's speed). The shifted
    # terms are exp(min(±x, 0)) since log p - log q = x. At t = 1 and x > 88
    # (float32) the sum underflows to 0: there log(tiny) stands in, behind a
    # double where so that no derivative of any order sees log(0) (the factor
    # is then exp(gamma * log(tiny)), 0 in float32 for gamma >= 1.2).
    m = jnp.maximum(log_p, log_q)
    total = (1.0 - tf) * jnp.exp(jnp.minimum(xf, 0.0)) + tf * jnp.exp(jnp.minimum(-xf, 0.0))
    tiny = jnp.finfo(dtype).tiny
    normal = total >= tiny
    log_total = jnp.where(normal, jnp.log(jnp.where(normal, total, 1.0)), jnp.log(tiny))
    log_one_minus_pt = m + log_total
    values = values * jnp.exp(gamma * log_one_minus_pt)
  if alpha >= 0:
    values = values * (alpha * tf + (1.0 - alpha) * (1.0 - tf))
  return core.reduce_loss(name, values, reduction, keep)


@declare(logits=FLOAT, labels=INDEX, alpha=ArrayOption("float", scalar=True),
         gamma=Float(lo=0.0), weight=WEIGHT, ignore_index=IGNORE_INDEX, axis=AXIS)
def softmax_focal_loss(
    logits: ArrayLike,
    labels: ArrayLike,
    *,
    alpha: ArrayLike | float | None = None,
    gamma: float = 2.0,
    weight: ArrayLike | None = None,
    ignore_index: int | None = -100,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Multi-class focal loss: $\ell = -\alpha_y\,w_y\,(1 - p_y)^{\gamma} \log p_y$.

  The softmax generalisation of Lin et al.'s focal loss, with a per-class
  ``alpha`` (a ``[C]`` array, or one float for every class). "mean" divides
  by $\sum w_y$ over the counted targets, as [`cross_entropy`][lossjax.cross_entropy]
  does (by their count without ``weight``). ``gamma=0`` with no
  ``alpha`` is exactly [`cross_entropy`][lossjax.cross_entropy]. $1 - p_y$ is computed as
  ``-expm1(log p_y)``, accurate as $p_y \to 1$.

  Args:
    logits: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    labels: integer class indices, the logits' shape without the class axis.
    alpha: ``[C]`` weights, a float, or None.
    gamma: focusing parameter, >= 0.
    weight: optional ``[C]`` class weights (the normaliser, as in cross_entropy).
    ignore_index: labels equal to it are ignored.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.softmax_focal_loss(logits, jnp.array([0, 1])):.4f}")
    1.3061

  References: Lin et al., "Focal Loss for Dense Object Detection" (2017).
  """
  name = "softmax_focal_loss"
  scores = _class_scores(name, "logits", logits, axis)
  core.check_class_indices_shape(name, "labels", labels, logits, "logits", axis)
  c = scores.shape[-1]
  w = _class_weight(name, weight, c)
  if isinstance(alpha, jax.Array) and alpha.ndim:
    core.check_shape(name, "alpha", alpha, (c,))
  keep = core.as_mask(name, where, scores.shape[:-1])
  dtype = core.compute_dtype(scores, w, alpha)
  z = core.masked_fill(keep, core.to_float(scores, dtype))
  safe, valid, out_of_range = core.class_indices(name, "labels", labels, c,
                                                 ignore_index=ignore_index, where=keep)
  m, log_s = _log_normalizer(z)
  log_p = core.poison((_pick(z, safe) - m) - log_s, out_of_range)
  values = -log_p
  if gamma != 0:
    values = values * jnp.power(-jnp.expm1(log_p), gamma)
  if isinstance(alpha, jax.Array):
    af = core.to_float(alpha, dtype)
    values = values * (jnp.take(af, safe) if af.ndim else af)
  elif alpha is not None:
    values = values * alpha
  w_target = None if w is None else jnp.take(core.to_float(w, dtype), safe)
  if w_target is not None:
    values = values * w_target
  return core.reduce_loss(name, values, reduction, keep,
                          valid=None if ignore_index is None else valid, norm_weight=w_target)


@declare(logits=FLOAT, labels=TARGET, epsilon=Float(), axis=AXIS)
def poly1_cross_entropy(
    logits: ArrayLike,
    labels: ArrayLike,
    *,
    epsilon: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Poly-1 cross-entropy: $\ell = \mathrm{CE} + \epsilon\,(1 - p_t)$.

  PolyLoss's first-order form (Leng et al. 2022), where $p_t$ is the
  probability of the target: the labelled class for integer labels, or
  $\sum_c t_c p_c$ for probability labels (optax's
  ``poly_loss_cross_entropy`` convention, default epsilon 1 as in the paper).

  Args:
    logits: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    labels: integer class indices (the logits' shape without the class
      axis), or class probabilities of the logits' shape.
    epsilon: the weight of the polynomial term.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.poly1_cross_entropy(logits, jnp.array([0, 2])):.4f}")
    0.3346

  References: Leng et al., "PolyLoss: A Polynomial Expansion Perspective of
  Classification Loss Functions" (ICLR 2022).
  """
  return _cross_entropy("poly1_cross_entropy", logits, labels, weight=None, ignore_index=None,
                        label_smoothing=0.0, reduction=reduction, where=where, axis=axis,
                        arg_names=("logits", "labels"), poly_epsilon=epsilon)


@declare(logits=FLOAT, labels=INDEX, q=Float(0.0, 1.0, lo_open=True), axis=AXIS)
def generalized_cross_entropy(
    logits: ArrayLike,
    labels: ArrayLike,
    *,
    q: float = 0.7,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Generalized cross-entropy: $\ell = (1 - p_y^{q}) / q$, robust to noisy labels.

  Zhang & Sabuncu's $L_q$ loss: $q \to 0$ is cross-entropy,
  $q = 1$ is MAE on the target probability. $p_y^q$ is computed
  as $\exp(q \log p_y)$ from the log-normaliser, so it is finite for
  any logits.

  Args:
    logits: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    labels: integer class indices, the logits' shape without the class axis.
    q: in (0, 1].
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.generalized_cross_entropy(logits, jnp.array([0, 1])):.4f}")
    0.7321

  References: Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training
  Deep Neural Networks with Noisy Labels" (NeurIPS 2018).
  """
  name = "generalized_cross_entropy"
  scores = _class_scores(name, "logits", logits, axis)
  core.check_class_indices_shape(name, "labels", labels, logits, "logits", axis)
  keep = core.as_mask(name, where, scores.shape[:-1])
  z = core.masked_fill(keep, core.to_float(scores, core.compute_dtype(scores)))
  safe, _, out_of_range = core.class_indices(name, "labels", labels, z.shape[-1], where=keep)
  m, log_s = _log_normalizer(z)
  log_p = core.poison((_pick(z, safe) - m) - log_s, out_of_range)
  return core.reduce_loss(name, (1.0 - jnp.exp(q * log_p)) / q, reduction, keep)


@declare(logits=FLOAT, axis=AXIS)
def z_loss(
    logits: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""PaLM's auxiliary z-loss: $\ell = (\log \sum_c e^{x_c})^2$ per example.

  Keeps the softmax normaliser near 1 (log Z near 0) for stable training.
  Scale it yourself (PaLM uses 1e-4). It needs no labels.

  Args:
    logits: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-example loss.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.z_loss(jnp.array([[2.0, 0.5, -1.0]])):.4f}")
    5.0235

  References: Chowdhery et al., "PaLM: Scaling Language Modeling with
  Pathways" (2022), section 5.
  """
  name = "z_loss"
  scores = _class_scores(name, "logits", logits, axis)
  keep = core.as_mask(name, where, scores.shape[:-1])
  z = core.masked_fill(keep, core.to_float(scores, core.compute_dtype(scores)))
  m, log_s = _log_normalizer(z)
  return core.reduce_loss(name, jnp.square(m + log_s), reduction, keep)


# --------------------------------------------------------------------------
# Catalogue entries
# --------------------------------------------------------------------------


def _log_softmax_np(z):
  z = z - z.max(axis=-1, keepdims=True)
  return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _ex_cross_entropy(rng):
  logits = rng.normal(size=(6, 5)) * 2
  labels = rng.integers(0, 5, size=(6,))
  labels[2] = -100  # one ignored target
  return (logits, labels), {"weight": rng.uniform(0.5, 2.0, size=(5,)), "label_smoothing": 0.1}


def _ex_nll_loss(rng):
  logp = _log_softmax_np(rng.normal(size=(6, 5)) * 2)
  labels = rng.integers(0, 5, size=(6,))
  labels[1] = -100
  return (logp, labels), {"weight": rng.uniform(0.5, 2.0, size=(5,))}


def _ex_bce(rng):
  p = 1 / (1 + np.exp(-rng.normal(size=(6, 3))))
  return (p, rng.uniform(size=(6, 3))), {"weight": rng.uniform(0.5, 2.0, size=(3,))}


def _ex_bce_logits(rng):
  return (rng.normal(size=(6, 3)) * 2, rng.uniform(size=(6, 3))), {
      "weight": rng.uniform(0.5, 2.0, size=(3,)),
      "pos_weight": rng.uniform(0.5, 3.0, size=(3,)),
  }


def _ex_sigmoid_focal(rng):
  return (rng.normal(size=(6, 3)) * 2, (rng.uniform(size=(6, 3)) < 0.4).astype(np.float64)), {
      "alpha": 0.3, "gamma": 1.5}


def _ex_softmax_focal(rng):
  labels = rng.integers(0, 5, size=(6,))
  labels[3] = -100
  return (rng.normal(size=(6, 5)) * 2, labels), {
      "alpha": rng.uniform(0.2, 1.0, size=(5,)), "gamma": 2.0,
      "weight": rng.uniform(0.5, 2.0, size=(5,))}


def _ex_poly1(rng):
  return (rng.normal(size=(6, 5)) * 2, rng.integers(0, 5, size=(6,))), {"epsilon": 1.5}


def _ex_gce(rng):
  return (rng.normal(size=(6, 5)) * 2, rng.integers(0, 5, size=(6,))), {"q": 0.6}


def _ex_z_loss(rng):
  return (rng.normal(size=(6, 5)) * 2,), {}


SPECS = [
    LossSpec(cross_entropy, "classification", "CrossEntropyLoss", _ex_cross_entropy,
             differentiable=("input",), batched=("input", "target"),
             unbounded=("input",), softmax_args=("input",),
             bad_options={"label_smoothing": 1.5, "axis": 3, "weight": np.ones(4)},
             classes={"input": -1}),
    LossSpec(nll_loss, "classification", "NLLLoss", _ex_nll_loss,
             differentiable=("input",), batched=("input", "target"),
             unbounded=("input",), bad_options={"weight": np.ones(4), "axis": 5},
             classes={"input": -1}),
    LossSpec(binary_cross_entropy, "classification", "BCELoss", _ex_bce,
             differentiable=("input", "target"), batched=("input", "target"),
             bad_options={"weight": np.ones(4)}),
    LossSpec(binary_cross_entropy_with_logits, "classification", "BCEWithLogitsLoss",
             _ex_bce_logits, differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("input",),
             bad_options={"weight": np.ones(4), "pos_weight": np.ones(2)}),
    LossSpec(sigmoid_focal_loss, "classification", None, _ex_sigmoid_focal,
             differentiable=("inputs",), batched=("inputs", "targets"), unbounded=("inputs",),
             bad_options={"gamma": -1.0, "alpha": 1.5},
             source="Lin et al. 2017; torchvision sigmoid_focal_loss"),
    LossSpec(softmax_focal_loss, "classification", None, _ex_softmax_focal,
             differentiable=("logits",), batched=("logits", "labels"), unbounded=("logits",),
             softmax_args=("logits",), bad_options={"gamma": -0.5, "alpha": np.ones(3)},
             source="Lin et al. 2017 (multi-class)",
             classes={"logits": -1}),
    LossSpec(poly1_cross_entropy, "classification", None, _ex_poly1,
             differentiable=("logits",), batched=("logits", "labels"), unbounded=("logits",),
             softmax_args=("logits",), bad_options={"axis": 4},
             source="Leng et al. 2022 (PolyLoss); optax poly_loss_cross_entropy",
             classes={"logits": -1}),
    LossSpec(generalized_cross_entropy, "classification", None, _ex_gce,
             differentiable=("logits",), batched=("logits", "labels"), unbounded=("logits",),
             softmax_args=("logits",), bad_options={"q": 0.0},
             source="Zhang & Sabuncu 2018 (L_q loss)",
             classes={"logits": -1}),
    LossSpec(z_loss, "classification", None, _ex_z_loss, differentiable=("logits",),
             batched=("logits",), unbounded=("logits",), bad_options={"axis": 4},
             mismatch=lambda args: (args[0][0, 0],), source="PaLM (Chowdhery et al. 2022)",
             classes={"logits": -1}),
]
