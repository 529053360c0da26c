"""Connectionist temporal classification (CTC) in torch's convention.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INDEX, INT, Bool, Int, declare
from lossjax._spec import LossSpec

__all__ = ["ctc_loss"]


Array = jax.Array


def logsumexp3(a: Array, b: Array, c: Array) -> Array:
  """log(e^a + e^b + e^c), -inf when all are -inf, with finite gradients everywhere.

  Double-where: the max is replaced by 0 when it is -inf, and log is only
  taken of a positive sum, so neither -inf - (-inf) nor log(0) reaches the
  backward pass (impossible alignments keep a zero, not NaN, gradient).
  """
  m = jnp.maximum(jnp.maximum(a, b), c)
  m = lax.stop_gradient(jnp.where(jnp.isneginf(m), jnp.zeros_like(m), m))
  s = jnp.exp(a - m) + jnp.exp(b - m) + jnp.exp(c - m)
  pos = core.above_zero(s)  # a NaN log-probability stays NaN, it does not become -inf
  return jnp.where(pos, jnp.log(jnp.where(pos, s, jnp.ones_like(s))) + m, -jnp.inf)


def _padded_targets(name, targets, target_lengths, n):
  """Targets as (N, S): padded as given, or unpacked from torch's concatenated 1-D form."""
  if targets.ndim == 2:
    return targets
  if core.is_concrete(target_lengths):
    s = max(int(np.max(np.asarray(target_lengths), initial=0)), 1)
  else:
    s = max(targets.shape[0], 1)  # traced lengths: the total length bounds every target
  offsets = jnp.cumsum(target_lengths) - target_lengths
  idx = offsets[:, None] + jnp.arange(s, dtype=offsets.dtype)[None, :]
  if targets.shape[0] == 0:
    return jnp.zeros((n, s), targets.dtype)
  # Past the end of the concatenated targets (lengths that sum to more than
  # were given, under jit) the target is -1: out of range, so the sequence is NaN.
  return jnp.where(idx < targets.shape[0], jnp.take(targets, jnp.clip(idx, 0, targets.shape[0] - 1)),
                   jnp.full_like(idx, -1).astype(targets.dtype))


@declare(log_probs=FLOAT, targets=INDEX, input_lengths=INT, target_lengths=INT,
         blank=Int(lo=0, size_of=("log_probs", -1),
                   size_message="blank must be in label range [0, {size}), got {value}"),
         zero_infinity=Bool())
def ctc_loss(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = 0,
    zero_infinity: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Connectionist temporal classification loss, in torch's convention.

  The twin of ``torch.nn.functional.ctc_loss``: the negative log-likelihood
  of each target sequence, summed over all alignments (blanks and repeats)
  by the forward algorithm. The algorithm runs in log space with
  ``lax.scan`` over time:
  $\alpha_t(s) = \log\sum_{k \in \{s, s-1, s-2\}} e^{\alpha_{t-1}(k)} + \log p_t(l'_s)$
  over the extended label sequence $l'$ (blank, label, blank, ...).
  The skip from $s-2$ is allowed between different labels. "mean"
  divides each loss by its target length (at least 1), then averages over the
  batch, as torch does.

  An impossible alignment (a target longer than its input, counting the
  blanks that repeated labels need) gives an infinite loss with a finite
  gradient. With ``zero_infinity=True`` such a loss, and its gradient, are 0.
  Rounding never makes a loss negative (optax #1771): losses are clamped at 0.

  Gradients are the true derivatives wrt ``log_probs``. torch's CTC backward
  assumes its input came from ``log_softmax`` and returns
  $e^{lp} - \gamma$ instead of $-\gamma$. The two agree after the
  ``log_softmax`` that produces the input, which is how the fixtures compare
  them.

  From batch-first logits with padding masks (optax's layout:
  ``logits [N, T, C]``, ``logit_paddings``/``label_paddings`` 1.0 at padding)::

      log_probs = jnp.swapaxes(jax.nn.log_softmax(logits, axis=-1), 0, 1)  # [T, N, C]
      input_lengths = jnp.sum(1 - logit_paddings, axis=1).astype(jnp.int32)
      target_lengths = jnp.sum(1 - label_paddings, axis=1).astype(jnp.int32)
      loss = lj.ctc_loss(log_probs, labels, input_lengths, target_lengths)

  Args:
    log_probs: ``(T, N, C)`` log-probabilities (or ``(T, C)`` unbatched).
    targets: padded ``(N, S)`` class indices, or torch's concatenated 1-D
      form of length ``sum(target_lengths)`` (``(S,)`` when unbatched).
    input_lengths: ``(N,)`` frames per sequence (scalar when unbatched).
    target_lengths: ``(N,)`` labels per sequence (scalar when unbatched).
    blank: the blank class.
    zero_infinity: replace infinite losses (impossible alignments) by 0.
    reduction: "mean" (default), "sum" or "none" (per sequence).
    where: boolean mask over sequences ``(N,)``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> lp = jax.nn.log_softmax(jnp.zeros((4, 1, 3)))  # uniform over 3 classes
    >>> loss = lj.ctc_loss(lp, jnp.array([[1, 2]]), jnp.array([4]), jnp.array([2]),
    ...                    reduction="sum")
    >>> print(f"{loss:.4f}")
    1.6864

  References: Graves et al., "Connectionist Temporal Classification" (ICML
  2006); PyTorch ``torch.nn.CTCLoss``.
  """
  name = core.loss_name()
  lp, tg, il, tl = log_probs, targets, input_lengths, target_lengths
  core.check_rank(name, "log_probs", lp, {2, 3}, " ((T, N, C) or (T, C))")
  unbatched = lp.ndim == 2
  if unbatched:
    core.check_rank(name, "targets", tg, 1, " (S,) for (T, C) log_probs")
    core.check_rank(name, "input_lengths", il, 0, " (a scalar for (T, C) log_probs)")
    core.check_rank(name, "target_lengths", tl, 0, " (a scalar for (T, C) log_probs)")
    lp, tg, il, tl = lp[:, None, :], tg[None, :], il[None], tl[None]
  t_max, n, c = lp.shape
  core.check_shape(name, "input_lengths", il, (n,))
  core.check_shape(name, "target_lengths", tl, (n,))
  core.check_rank(name, "targets", tg, {1, 2}, " ((N, S) padded or concatenated 1-D)")
  if tg.ndim == 2:
    core.check_shape(name, "targets", tg, (n, tg.shape[1]), " (N, S)")
  keep = core.as_mask(name, where, (n,) if not unbatched else ())
  keep_n = None if keep is None else keep.reshape(n)
  core.check_values(name, "input_lengths", il, lambda a: (a < 0) | (a > t_max),
                    f"lengths in [0, {t_max}] (the time axis of log_probs)", where=keep_n)
  s_avail = tg.shape[1] if tg.ndim == 2 else tg.shape[0]
  core.check_values(name, "target_lengths", tl, lambda a: (a < 0) | (a > s_avail),
                    f"lengths in [0, {s_avail}] (the targets given)", where=keep_n)
  if tg.ndim == 1 and not unbatched:
    total = core.concrete_value(tl)
    if total is not None and int(np.sum(total)) > tg.shape[0]:
      raise ValueError(
          f"{name}: argument `targets` has shape {tg.shape}, expected ({int(np.sum(total))},): "
          "concatenated targets hold sum(target_lengths) labels")
  # Lengths and positions in one integer dtype (any int dtype is accepted).
  il, tl = il.astype(jnp.int32), tl.astype(jnp.int32)
  padded = _padded_targets(name, tg, tl, n)
  s = padded.shape[1]
  # Only the first target_lengths labels of each sequence are read (padding is not checked).
  in_target = jnp.arange(s, dtype=jnp.int32)[None, :] < tl[:, None]
  read = in_target if keep_n is None else in_target & keep_n[:, None]
  _, _, out_of_range = core.class_indices(name, "targets", padded, c, where=read)
  # Under jit nothing raises: an out-of-range label or length makes its sequence NaN.
  bad = (jnp.any(out_of_range & in_target, axis=1) | (il < 0) | (il > t_max) | (tl < 0)
         | (tl > s_avail))
  padded = jnp.where(out_of_range, jnp.zeros_like(padded), padded)
  if not zero_infinity and core.CHECKED_MODE.value:
    # Checked mode only (torch returns inf): an alignment needs a frame per
    # label plus a blank between repeated labels.
    repeats = jnp.sum((padded[:, 1:] == padded[:, :-1]) & in_target[:, 1:], axis=1).astype(jnp.int32)
    core.check_values(name, "input_lengths", il - (tl + repeats), lambda a: a < 0,
                      "each input at least as long as its target plus its repeats "
                      "(an impossible alignment; zero_infinity=True makes it 0)",
                      checked_only=True, where=keep_n)
  dtype = core.compute_dtype(lp)
  lpf = core.masked_fill(None if keep_n is None else keep_n[None, :], core.to_float(lp, dtype))

  # Extended labels l' = (blank, y1, blank, y2, ..., blank), length 2S + 1.
  pos = jnp.arange(2 * s + 1, dtype=jnp.int32)
  label_idx = jnp.clip((pos - 1) // 2, 0, s - 1)
  ext = jnp.where(pos % 2 == 1, padded[:, label_idx], blank).astype(padded.dtype)  # (N, L)
  valid_l = pos[None, :] < (2 * tl[:, None] + 1)
  # The s-2 -> s skip: onto a label, from a different label two places back.
  prev2 = jnp.concatenate([jnp.full((n, 2), -1, ext.dtype), ext[:, :-2]], axis=1)
  skip = (pos[None, :] % 2 == 1) & (pos[None, :] >= 2) & (ext != prev2)
  neg_inf = jnp.asarray(-jnp.inf, dtype)
  emit = jnp.take_along_axis(lpf, jnp.broadcast_to(ext[None], (t_max, n, 2 * s + 1)), axis=2)
  emit = jnp.where(valid_l[None], emit, neg_inf)

  alpha0 = jnp.where(pos[None, :] <= 1, emit[0], neg_inf)
  alpha0 = jnp.where((pos[None, :] == 1) & (tl[:, None] == 0), neg_inf, alpha0)

  def step(alpha, t):
    shift1 = jnp.concatenate([jnp.full((n, 1), -jnp.inf, dtype), alpha[:, :-1]], axis=1)
    shift2 = jnp.concatenate([jnp.full((n, 2), -jnp.inf, dtype), alpha[:, :-2]], axis=1)
    shift2 = jnp.where(skip, shift2, neg_inf)
    new = logsumexp3(alpha, shift1, shift2) + emit[t]
    return jnp.where((t < il)[:, None], new, alpha), None  # frozen past each input's end

  alpha, _ = lax.scan(step, alpha0, jnp.arange(1, t_max, dtype=jnp.int32))
  end = 2 * tl  # the final blank; the final label sits at end - 1
  a_blank = jnp.take_along_axis(alpha, end[:, None], axis=1)[:, 0]
  a_label = jnp.take_along_axis(alpha, jnp.maximum(end - 1, 0)[:, None], axis=1)[:, 0]
  a_label = jnp.where(tl > 0, a_label, neg_inf)
  log_likelihood = logsumexp3(a_blank, a_label, jnp.full_like(a_blank, -jnp.inf))
  log_likelihood = jnp.where(il > 0, log_likelihood, jnp.where(tl == 0, 0.0, neg_inf))
  # -log p >= 0; rounding must not make it negative (optax #1771).
  losses = jnp.maximum(-log_likelihood, 0.0)
  if zero_infinity:
    losses = jnp.where(jnp.isinf(losses), jnp.zeros_like(losses), losses)
  losses = core.poison(losses, bad)
  # torch's "mean": each loss over its target length (at least 1), then the batch mean.
  target_length = jnp.maximum(tl, 1).astype(dtype)
  if unbatched:
    losses, target_length = losses[0], target_length[0]
  return core.reduce_loss(name, losses, reduction, keep, mean_divisor=target_length)


def _ex_ctc(rng):
  t, n, c, s = 12, 4, 5, 3
  z = rng.normal(size=(t, n, c))
  log_probs = z - np.log(np.exp(z).sum(-1, keepdims=True))
  return (log_probs, rng.integers(1, c, size=(n, s)), rng.integers(8, t + 1, size=(n,)),
          rng.integers(1, s + 1, size=(n,))), {}


SPECS = [
    LossSpec(ctc_loss, "CTCLoss", _ex_ctc, differentiable=("log_probs",),
             batched=("log_probs", "targets", "input_lengths", "target_lengths"),
             batch_axes={"log_probs": 1}, unbounded=("log_probs",),
             bad_options={"blank": 7},
             classes={"log_probs": 2}),
]
