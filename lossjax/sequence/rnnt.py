"""The RNN transducer (RNN-T) loss in torchaudio's convention.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INDEX, INT, Bool, Float, Int, declare
from lossjax._spec import LossSpec
from lossjax.sequence.ctc import logsumexp3

__all__ = ["rnnt_loss"]


Array = jax.Array


def _lse2(a: Array, b: Array) -> Array:
  return logsumexp3(a, b, jnp.full_like(a, -jnp.inf))


@functools.partial(jax.jit, static_argnames=("blank",))  # one program even when called eagerly
def _rnnt_costs(lp: Array, targets: Array, il: Array, tl: Array, blank: int) -> Array:
  """-log P(y | x) per sequence from log-probabilities ``(N, T, U + 1, V)``.

  The lattice is swept along its anti-diagonals d = t + u, each one vector
  step over u (so T + U - 1 sequential steps, not T U):
  α(t, u) = logaddexp(α(t-1, u) + blank(t-1, u), α(t, u-1) + y(t, u-1)).
  A cell only reads cells above and to the left of it, so padded frames and
  labels never reach a sequence's cell (T_n - 1, U_n).
  """
  n, t_max, u_max, _ = lp.shape
  skip = lp[..., blank]  # (N, T, U): blank at (t, u)
  lab = jnp.concatenate([targets, jnp.zeros((n, 1), targets.dtype)], axis=1)[:, :u_max]
  emit = jnp.take_along_axis(lp, lab[:, None, :, None].astype(jnp.int32), axis=3)[..., 0]
  u = jnp.arange(u_max, dtype=jnp.int32)
  neg_inf = jnp.asarray(-jnp.inf, lp.dtype)
  alpha0 = jnp.where(u[None, :] == 0, 0.0, neg_inf) * jnp.ones((n, 1), lp.dtype)
  final = tl + il - 1  # the diagonal of (T_n - 1, U_n)

  def cell(a, t_idx, u_idx):
    ok = (t_idx >= 0) & (t_idx < t_max) & (u_idx >= 0)
    return jnp.where(ok[None, :], a[:, jnp.clip(t_idx, 0, t_max - 1), jnp.maximum(u_idx, 0)],
                     neg_inf)

  def step(carry, d):
    alpha, last = carry  # alpha on diagonal d - 1, over u
    t = d - u
    from_t = alpha + cell(skip, t - 1, u)  # from (t - 1, u) by a blank
    prev_u = jnp.concatenate([jnp.full((n, 1), -jnp.inf, lp.dtype), alpha[:, :-1]], axis=1)
    from_u = prev_u + cell(emit, t, u - 1)  # from (t, u - 1) by label y_u
    new = jnp.where(((t >= 0) & (t < t_max))[None, :], _lse2(from_t, from_u), neg_inf)
    last = jnp.where(d == final, jnp.take_along_axis(new, tl[:, None], axis=1)[:, 0], last)
    return (new, last), None

  last0 = jnp.where(final == 0, alpha0[:, 0], neg_inf)
  (_, last), _ = lax.scan(step, (alpha0, last0), jnp.arange(1, t_max + u_max - 1, dtype=jnp.int32))
  end_t = jnp.clip(il - 1, 0, t_max - 1)
  end_blank = skip[jnp.arange(n), end_t, jnp.clip(tl, 0, u_max - 1)]
  return -(last + end_blank)


def _rnnt_nll(x, targets, il, tl, blank, fused):
  """The costs from logits (log-softmaxed when ``fused``) or from log-probabilities as given."""
  return _rnnt_costs(jax.nn.log_softmax(x, axis=-1) if fused else x, targets, il, tl, blank)


@functools.partial(jax.custom_vjp, nondiff_argnums=(4, 5, 6))
def _clamped_costs(x, targets, il, tl, blank, fused, clamp):
  return _rnnt_nll(x, targets, il, tl, blank, fused)


def _clamped_fwd(x, targets, il, tl, blank, fused, clamp):
  costs, vjp = jax.vjp(lambda z: _rnnt_nll(z, targets, il, tl, blank, fused), x)
  # Each cost reads only its own sequence, so one VJP with ones stacks the per-sequence
  # gradients, which torchaudio clamps before the upstream factor (functional.py 1730-1734).
  (g,) = vjp(jnp.ones_like(costs))
  return costs, jnp.clip(g, -clamp, clamp)


def _clamped_bwd(blank, fused, clamp, g, ct):
  return g * ct[:, None, None, None], None, None, None


_clamped_costs.defvjp(_clamped_fwd, _clamped_bwd)


@declare(logits=FLOAT, targets=INDEX, logit_lengths=INT, target_lengths=INT, blank=Int(size_of=("logits", -1), size_rule="signed",
                   size_message="{value} is out of range for {size} classes (expected [-{size}, {size}))"),
         clamp=Float().static(), fused_log_softmax=Bool())
def rnnt_loss(
    logits: ArrayLike,
    targets: ArrayLike,
    logit_lengths: ArrayLike,
    target_lengths: ArrayLike,
    *,
    blank: int = -1,
    clamp: float = -1.0,
    fused_log_softmax: bool = True,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""RNN-T (transducer) loss (Graves 2012), in torchaudio's ``rnnt_loss`` convention.

  The negative log-likelihood of each target, summed over every path through
  the (frame t, labels emitted u) lattice: a blank moves to the next frame,
  label $y_{u+1}$ to the next label, and the path ends with a blank from
  $(T - 1, U)$. In log space, with $b$ and $e$ the blank and label
  log-probabilities,

  $$
  \alpha(t, u) = \log\big(e^{\alpha(t-1, u) + b(t-1, u)} + e^{\alpha(t, u-1) + e(t, u-1)}\big),
  \qquad \ell = -\alpha(T - 1, U) - b(T - 1, U).
  $$

  Any target length is reachable from one frame on (several labels per
  frame), so no alignment is impossible; padded frames and labels get a zero
  gradient. "mean" is over sequences (torchaudio divides by the batch size,
  not by lengths). ``clamp`` > 0 clips each sequence's gradient to
  [-clamp, clamp] before the upstream factor, as torchaudio's kernel does (its
  gradient is then not the derivative of the value). torchaudio takes
  float32 only and requires tight padding; here any float dtype and padding
  at least as long as the lengths. A target equal to ``blank`` is an error
  (NaN under jit): torchaudio's kernel takes the blank branch for it, so its
  gradient there is not its value's.

  Args:
    logits: ``(N, T, U + 1, V)`` joint-network outputs (log-probabilities with
      ``fused_log_softmax=False``).
    targets: ``(N, U)`` label indices, padded.
    logit_lengths: ``(N,)`` frames per sequence, >= 1.
    target_lengths: ``(N,)`` labels per sequence.
    blank: the blank class; negative counts from the end (-1, torchaudio's default: the last).
    clamp: gradient clip per element, <= 0 for none (-1).
    fused_log_softmax: apply ``log_softmax`` over V first (True); False takes ``logits``
      as log-probabilities, as given.
    reduction: "mean" (default, over sequences), "sum" or "none".
    where: boolean mask over sequences ``(N,)``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.zeros((1, 2, 2, 3))  # uniform over {a, b, blank}: 2 paths of 3 steps
    >>> print(f"{lj.rnnt_loss(logits, jnp.array([[0]]), jnp.array([2]), jnp.array([1])):.4f}")
    2.6027

  References: Graves, "Sequence Transduction with Recurrent Neural Networks"
  (2012); torchaudio ``functional.rnnt_loss`` (``rnnt/cpu/cpu_kernels.h``).
  """
  name = core.loss_name()
  core.check_rank(name, "logits", logits, 4, " (N, T, U + 1, V)")
  n, t_max, u_max, v = logits.shape
  core.check_classes(name, "logits", logits, -1)
  core.check_rank(name, "targets", targets, 2, " (N, U) padded labels")
  # torchaudio: "output length mismatch" unless logits.size(2) == targets.size(1) + 1.
  core.check_shape(name, "targets", targets, (n, u_max - 1),
                   " (N, U), with U + 1 the third axis of `logits`")
  core.check_shape(name, "logit_lengths", logit_lengths, (n,))
  core.check_shape(name, "target_lengths", target_lengths, (n,))
  b = blank + v if blank < 0 else blank
  keep = core.as_mask(name, where, (n,))
  u_avail = min(targets.shape[1], u_max - 1)
  core.check_values(name, "logit_lengths", logit_lengths, lambda a: (a < 1) | (a > t_max),
                    f"lengths in [1, {t_max}] (the time axis of logits)", where=keep)
  core.check_values(name, "target_lengths", target_lengths,
                    lambda a: (a < 0) | (a > u_avail),
                    f"lengths in [0, {u_avail}] (the targets given, and logits' U + 1 axis)",
                    where=keep)
  il, tl = logit_lengths.astype(jnp.int32), target_lengths.astype(jnp.int32)
  read = jnp.arange(targets.shape[1], dtype=jnp.int32)[None, :] < tl[:, None]
  read = read if keep is None else read & keep[:, None]
  safe, _, out_of_range = core.class_indices(name, "targets", targets, v, where=read)
  core.check_values(name, "targets", targets, lambda a: a == b,
                    f"labels other than blank ({b})", where=read)
  bad = (jnp.any((out_of_range | (targets == b)) & read, axis=1) | (il < 1) | (il > t_max)
         | (tl < 0) | (tl > u_avail))
  il, tl = jnp.clip(il, 1, t_max), jnp.clip(tl, 0, u_avail)
  dtype = core.compute_dtype(logits)
  # Padded frames and label positions, and masked sequences, are filled before any math: a
  # NaN there reaches no value and no gradient.
  inside = ((jnp.arange(t_max, dtype=jnp.int32)[None, :, None] < il[:, None, None])
            & (jnp.arange(u_max, dtype=jnp.int32)[None, None, :] <= tl[:, None, None]))
  if keep is not None:
    inside = inside & keep[:, None, None]
  x = core.masked_fill(inside, core.to_float(logits, dtype))
  if clamp > 0:
    costs = _clamped_costs(x, safe, il, tl, b, fused_log_softmax, clamp)
  else:
    costs = _rnnt_nll(x, safe, il, tl, b, fused_log_softmax)
  return core.reduce_loss(name, core.poison(costs, bad), reduction, keep)


def _ex_rnnt(rng):
  n, t, u, v = 3, 4, 3, 5
  return (rng.normal(size=(n, t, u + 1, v)), rng.integers(0, v - 1, size=(n, u)),
          np.array([4, 2, 3]), np.array([3, 1, 0])), {}


SPECS = [
    LossSpec(rnnt_loss, None, _ex_rnnt, differentiable=("logits",),
             batched=("logits", "targets", "logit_lengths", "target_lengths"),
             unbounded=("logits",), bad_options={"blank": 9}, softmax_args=("logits",),
             classes={"logits": -1}, source="Graves 2012; torchaudio rnnt_loss"),
]
