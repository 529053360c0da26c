"""Distillation losses between a student's and a teacher's logits: KD with T², generalized JSD, TVD.

Every loss here compares two distributions over the last axis (by default)
per token, and "mean" is over tokens: the sum over the vocabulary and the
counted tokens divided by their number, which is what TRL and Liger call
"batchmean" (masking ``labels == -100`` is ``where=labels != -100``). Both
arguments are differentiable; pass ``jax.lax.stop_gradient(teacher_logits)``
(or compute them outside ``grad``) for a frozen teacher.
"""

from __future__ import annotations

import functools
import math

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
  INT,
  LAYOUT,
  ArrayOption,
  Bool,
  Choice,
  Float,
  Int,
  Role,
  declare,
)
from lossjax._spec import LossSpec

__all__ = ["kd_loss", "generalized_jsd_loss", "tvd_loss", "topk_kd_loss", "linear_jsd_loss"]


Array = jax.Array


_TEMPERATURE = Float(lo=0.0, lo_open=True)
_STUDENT = FLOAT.at_least(1, "at least one (class) axis")
_TEACHER = FLOAT.same_as("student_logits")


def _log_probs(name: str, student, teacher, temperature: float, axis: int, where):
  """Both log-softmaxes at temperature T, class axis last, masked, in the compute dtype."""
  core.check_classes(name, "student_logits", student, axis if student.ndim > 1 else -1)
  s = core.class_axis_last(name, student, axis)
  t = core.class_axis_last(name, teacher, axis)
  keep = core.as_mask(name, where, s.shape[:-1])
  dtype = core.compute_dtype(s, t)
  # Finite logits: a class impossible under both (-inf) has p = q = 0 and adds 0, not NaN.
  s, t = (core.finite_logits(core.to_float(core.masked_fill(keep, x), dtype)) for x in (s, t))
  return keep, jax.nn.log_softmax(s / temperature, axis=-1), jax.nn.log_softmax(
      t / temperature, axis=-1)


def _kl(log_p: Array, log_q: Array) -> Array:
  """KL(p || q) over the last axis, from log-probabilities."""
  return jnp.sum(jnp.exp(log_p) * (log_p - log_q), axis=-1)


@declare(student_logits=_STUDENT, teacher_logits=_TEACHER, temperature=_TEMPERATURE,
         direction=Choice(("forward", "reverse")), temperature_squared=Bool(), axis=AXIS)
def kd_loss(
    student_logits: ArrayLike,
    teacher_logits: ArrayLike,
    *,
    temperature: float = 1.0,
    direction: str = "forward",
    temperature_squared: bool = True,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Knowledge distillation (Hinton et al. 2015): the KL between temperature-softened softmaxes, times T².

  With $p = \mathrm{softmax}(t / T)$ (teacher) and $q = \mathrm{softmax}(s / T)$
  (student), per token

  $$
  \ell = T^2\, \mathrm{KL}(p \,\|\, q) = T^2 \sum_c p_c (\log p_c - \log q_c)
  $$

  (``direction="forward"``, the usual KD; ``"reverse"`` is
  $T^2\,\mathrm{KL}(q \,\|\, p)$, mode-seeking). The $T^2$ keeps the
  gradient's scale independent of T (Hinton's recipe; DistilBERT's and
  RepDistiller's ``kl_div(log_softmax(s/T), softmax(t/T), "batchmean") * T**2``);
  ``temperature_squared=False`` drops it (TRL's and Liger's distillation
  trainers). "mean" is over tokens, as "batchmean" over the selected tokens.

  Args:
    student_logits: ``[..., V]`` student logits (``axis=-1``).
    teacher_logits: teacher logits of the same shape.
    temperature: T > 0.
    direction: "forward" (KL(teacher || student), default) or "reverse".
    temperature_squared: multiply by T² (default True).
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
    where: boolean mask over tokens.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, t = jnp.array([[1.0, 0.0, -1.0]]), jnp.array([[2.0, 0.5, -1.0]])
    >>> print(f"{lj.kd_loss(s, t, temperature=2.0):.4f}")
    0.0674

  References: Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural
  Network" (2015); Sanh et al., "DistilBERT" (2019), distiller.py.
  """
  name = core.loss_name()
  keep, log_q, log_p = _log_probs(name, student_logits, teacher_logits, temperature, axis, where)
  values = _kl(log_p, log_q) if direction == "forward" else _kl(log_q, log_p)
  if temperature_squared:
    values = values * temperature**2
  return core.reduce_loss(name, values, reduction, keep)


@declare(student_logits=_STUDENT, teacher_logits=_TEACHER, beta=Float(0.0, 1.0),
         temperature=_TEMPERATURE, axis=AXIS)
def generalized_jsd_loss(
    student_logits: ArrayLike,
    teacher_logits: ArrayLike,
    *,
    beta: float = 0.5,
    temperature: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""The generalized Jensen–Shannon divergence of GKD, TRL's ``generalized_jsd_loss``.

  With teacher $p$ and student $q$ (softmaxes at temperature T) and the
  mixture $m = \beta p + (1-\beta) q$,

  $$
  \ell = \beta\, \mathrm{KL}(p \,\|\, m) + (1-\beta)\, \mathrm{KL}(q \,\|\, m),
  $$

  with the ends as TRL defines them: β = 0 is the forward KL(p ‖ q) and β = 1
  the reverse KL(q ‖ p) (the mixture formula itself gives 0 there). No T²
  factor (TRL, Liger). "mean" is over tokens (TRL's "batchmean" with labels).

  Args:
    student_logits: ``[..., V]`` student logits.
    teacher_logits: teacher logits of the same shape.
    beta: β in [0, 1] (TRL's default 0.5).
    temperature: T > 0 (TRL's GKD trainer calls it with T = 1).
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
    where: boolean mask over tokens (TRL: ``labels != -100``).
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, t = jnp.array([[1.0, 0.0, -1.0]]), jnp.array([[2.0, 0.5, -1.0]])
    >>> print(f"{lj.generalized_jsd_loss(s, t):.4f}")
    0.0105

  References: Agarwal et al., "On-Policy Distillation of Language Models:
  Learning from Self-Generated Mistakes" (GKD, 2024), eq. 1; TRL
  ``GKDTrainer.generalized_jsd_loss`` (trl/experimental/gkd/gkd_trainer.py);
  Liger Kernel ``LigerJSD``.
  """
  name = core.loss_name()
  keep, log_q, log_p = _log_probs(name, student_logits, teacher_logits, temperature, axis, where)
  return core.reduce_loss(name, _jsd(log_q, log_p, beta), reduction, keep)


def _jsd(log_q: Array, log_p: Array, beta: float) -> Array:
  """Per-token generalized JSD of student log q and teacher log p (TRL's ends at β = 0 and 1)."""
  if core.is_static(beta):
    if beta == 0.0:
      return _kl(log_p, log_q)
    if beta == 1.0:
      return _kl(log_q, log_p)
    return _jsd_mixture(log_q, log_p, beta, math.log1p(-beta), math.log(beta))
  # A traced β: TRL's ends are the two KLs (not the mixture's limits), selected by a where
  # whose other branch sees β = 1/2, so no log(0) reaches a value or a gradient.
  b = jnp.where((beta == 0.0) | (beta == 1.0), 0.5, beta)
  mixture = _jsd_mixture(log_q, log_p, b, jnp.log1p(-b), jnp.log(b))
  return jnp.where(beta == 0.0, _kl(log_p, log_q),
                   jnp.where(beta == 1.0, _kl(log_q, log_p), mixture))


def _jsd_mixture(log_q, log_p, beta, log_1m_beta, log_beta):
  """β KL(p ‖ m) + (1 - β) KL(q ‖ m), with log m = logsumexp(log q + log(1 - β), log p + log β)
  as TRL computes it."""
  log_m = jnp.logaddexp(log_q + log_1m_beta, log_p + log_beta)
  return beta * _kl(log_p, log_m) + (1.0 - beta) * _kl(log_q, log_m)


@declare(student_logits=_STUDENT, teacher_logits=_TEACHER, temperature=_TEMPERATURE, axis=AXIS)
def tvd_loss(
    student_logits: ArrayLike,
    teacher_logits: ArrayLike,
    *,
    temperature: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Total variation distance $\tfrac12 \sum_c |p_c - q_c|$ between two softmaxes, per token.

  Liger Kernel's ``LigerTVDLoss`` (``0.5 * |p - q|``, "batchmean" over the
  counted tokens) on the softmaxes of the logits at temperature T. Liger
  takes the probabilities: pass their logarithms as logits. The gradient at
  $p_c = q_c$ is 0 for that class.

  Args:
    student_logits: ``[..., V]`` student logits.
    teacher_logits: teacher logits of the same shape.
    temperature: T > 0.
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
    where: boolean mask over tokens.
    axis: the class axis.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s, t = jnp.array([[1.0, 0.0, -1.0]]), jnp.array([[2.0, 0.5, -1.0]])
    >>> print(f"{lj.tvd_loss(s, t):.4f}")
    0.1204

  References: Liger Kernel ``LigerTVDLoss`` (src/liger_kernel/transformers/tvd.py);
  Wen et al., "f-Divergence Minimization for Sequence-Level Knowledge
  Distillation" (2023).
  """
  name = core.loss_name()
  keep, log_q, log_p = _log_probs(name, student_logits, teacher_logits, temperature, axis, where)
  values = 0.5 * jnp.sum(core.abs0(jnp.exp(log_p) - jnp.exp(log_q)), axis=-1)
  return core.reduce_loss(name, values, reduction, keep)


def _with_tail(lp: Array) -> Array:
  """TRL's ``_add_tail_bucket``: the top-k log-probabilities and log(1 - Σ exp) of the rest."""
  # logsumexp clamped below 0 (TRL's -1e-7), so the tail's log stays finite.
  log_sum = jnp.minimum(jax.nn.logsumexp(lp, axis=-1, keepdims=True), -1e-7)
  return jnp.concatenate([lp, jnp.log(-jnp.expm1(log_sum))], axis=-1)


def _kl_buckets(log_p: Array, log_q: Array) -> Array:
  """Σ_k p_k (log p_k - log q_k) over the last axis; a bucket with p_k = 0 adds 0."""
  p = jnp.exp(log_p)
  safe = jnp.where(p > 0, log_p - log_q, 0.0)
  return jnp.sum(p * safe, axis=-1)


@declare(student_logits=FLOAT.at_least(1, "[..., V]"), teacher_logprobs=FLOAT,
         teacher_indices=INT.same_as("teacher_logprobs"),
         temperature=_TEMPERATURE, tail=Choice(("bucket", "renormalize", "none")),
         direction=Choice(("forward", "reverse")), temperature_squared=Bool())
def topk_kd_loss(
    student_logits: ArrayLike,
    teacher_logprobs: ArrayLike,
    teacher_indices: ArrayLike,
    *,
    temperature: float = 1.0,
    tail: str = "bucket",
    direction: str = "forward",
    temperature_squared: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Distillation from a teacher's top-k log-probabilities (a served or stored teacher).

  The teacher gives, per token, the log-probabilities $\log p_k$ of its K
  most likely tokens and their indices; the student has full logits $s$, and
  $\log q = \log\mathrm{softmax}(s / T)$. The references disagree on what to
  do with the rest of the vocabulary; ``tail`` picks one:

  - ``"bucket"`` (default; TRL's ``ServerDistillationTrainer`` with
    ``loss_add_tail``, DistillKit's ``SYMMETRIC_UNIFORM``): a (K+1)-th bucket
    holds the remaining mass on both sides, $1 - \sum_k p_k$ and
    $1 - \sum_k q_{i_k}$, and
    $\ell = \sum_{k \le K+1} p_k (\log p_k - \log q_k)$;
  - ``"renormalize"`` (MaxText's offline distillation, TRL without the tail):
    both sides renormalised over the K indices,
    $p' = \mathrm{softmax}(\log p / T)$ and
    $q' = \mathrm{softmax}(s_{i} / T)$, then $\mathrm{KL}(p' \| q')$;
  - ``"none"`` (verl's GKD recipe): the truncated sum
    $\sum_k p_k (\log p_k - \log q_{i_k})$, no tail, no renormalisation.

  ``direction="reverse"`` swaps the two distributions over the same buckets
  (reverse KL, mode-seeking). The teacher's log-probabilities are used as
  given, at whatever temperature the teacher sampled them (only
  ``"renormalize"`` divides them by T, as MaxText does with its stored top-k
  logits: shift-invariant, so logits and log-probabilities agree). T²
  (``temperature_squared``) is MaxText's and DistillKit's factor; TRL and verl
  do without (the default). "mean" is over the counted tokens.

  Args:
    student_logits: ``[..., V]`` student logits.
    teacher_logprobs: ``[..., K]`` the teacher's top-k log-probabilities (≤ 0).
    teacher_indices: ``[..., K]`` their token indices in ``[0, V)``.
    temperature: T > 0 for the student's softmax.
    tail: "bucket" (default), "renormalize" or "none".
    direction: "forward" (KL(teacher ‖ student), default) or "reverse".
    temperature_squared: multiply by T².
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
    where: boolean mask over tokens (``labels != -100``).

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> s = jnp.array([[2.0, 1.0, 0.0, -1.0]])
    >>> t = jax.nn.log_softmax(jnp.array([[3.0, 0.5, 0.0, -2.0]]))
    >>> idx = jnp.array([[0, 1]], jnp.int32)
    >>> lp = jnp.take_along_axis(t, idx, axis=-1)
    >>> print(f"{lj.topk_kd_loss(s, lp, idx):.4f}")
    0.1433

  References: TRL ``trl/experimental/server_distillation`` (``_add_tail_bucket``,
  lines 71-81; loss at 255-284 and 516-545, f2cd5771); MaxText
  ``distillation_utils.py`` (lines 502-547, e591f30c); verl-recipe
  ``gkd/megatron/megatron_distill_losses.py`` (lines 47-129, 48ea0a79);
  Hinton et al. 2015 for T².
  """
  name = core.loss_name()
  s = student_logits
  core.check_shape(name, "teacher_logprobs", teacher_logprobs,
                   s.shape[:-1] + teacher_logprobs.shape[-1:],
                   " (the student's leading axes, then K)")
  keep = core.as_mask(name, where, s.shape[:-1])
  dtype = core.compute_dtype(s, teacher_logprobs)
  idx, _, out_of_range = core.class_indices(
      name, "teacher_indices", teacher_indices, s.shape[-1], where=None if keep is None else
      keep[..., None], expected=f"token indices in [0, {s.shape[-1]})")
  t = core.masked_fill(keep, core.to_float(teacher_logprobs, dtype), -1.0)
  core.check_values(name, "teacher_logprobs", t, lambda v: v > 0, "log-probabilities ≤ 0")
  z = core.finite_logits(core.masked_fill(keep, core.to_float(s, dtype))) / temperature
  picked = jnp.take_along_axis(z, idx, axis=-1)
  if tail == "renormalize":
    log_p = jax.nn.log_softmax(t / temperature, axis=-1)
    log_q = jax.nn.log_softmax(picked, axis=-1)
  else:
    log_p = t
    log_q = picked - jax.nn.logsumexp(z, axis=-1, keepdims=True)
    if tail == "bucket":
      log_p, log_q = _with_tail(log_p), _with_tail(log_q)
  values = _kl_buckets(log_p, log_q) if direction == "forward" else _kl_buckets(log_q, log_p)
  if temperature_squared:
    values = values * temperature**2
  values = core.poison(values, jnp.any(out_of_range, axis=-1))
  return core.reduce_loss(name, values, reduction, keep)


def _head_logits(x: Array, w: Array, b: Array | None, layout: str, dtype) -> Array:
  x, w = x.astype(dtype), w.astype(dtype)
  z = x @ w.T if layout == "vd" else x @ w
  return z if b is None else z + b.astype(dtype)[None, :]


@declare(student_input=FLOAT.at_least(1, "[..., D]"), student_weight=FLOAT,
         teacher_input=FLOAT.at_least(1, "[..., D_t]"),
         teacher_weight=Role("float", optional=True), target=Role("int", optional=True).class_indices_of("student_input"),
         student_bias=ArrayOption("float"), teacher_bias=ArrayOption("float"),
         beta=Float(0.0, 1.0), temperature=_TEMPERATURE, layout=LAYOUT,
         ignore_index=IGNORE_INDEX, token_chunk=Int(lo=1))
def linear_jsd_loss(
    student_input: ArrayLike,
    student_weight: ArrayLike,
    teacher_input: ArrayLike,
    teacher_weight: ArrayLike | None = None,
    target: ArrayLike | None = None,
    *,
    student_bias: ArrayLike | None = None,
    teacher_bias: ArrayLike | None = None,
    beta: float = 0.5,
    temperature: float = 1.0,
    layout: str = "vd",
    ignore_index: int | None = -100,
    token_chunk: int = 512,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""`generalized_jsd_loss` between a student's and a teacher's linear heads, without their logits.

  Equals ``generalized_jsd_loss(student_input @ student_weight.T + student_bias,
  teacher_input @ teacher_weight.T + teacher_bias, beta=, temperature=)``
  per token (β = 0: forward KL(teacher ‖ student), β = 1: reverse KL), as
  Liger Kernel's ``LigerFusedLinearJSD`` computes it, but only
  ``token_chunk`` tokens' logits exist at a time: the tokens are processed in
  chunks and each chunk's logits are recomputed in the backward pass
  (``jax.checkpoint``) instead of stored. Without ``teacher_weight``,
  ``teacher_input`` is the teacher's logits ``[..., V]`` (precomputed, e.g.
  by another process).

  Tokens whose ``target`` equals ``ignore_index`` (Liger's ``shift_labels``)
  and tokens masked by ``where`` are not counted; "mean" divides by the
  counted tokens. Add the hard loss yourself (Liger's ``weight_hard_loss``
  times ``linear_cross_entropy(student_input, student_weight, target)``).

  Args:
    student_input: ``[..., D_s]`` student hidden states.
    student_weight: ``[V, D_s]`` (``layout="vd"``) or ``[D_s, V]`` (``"dv"``).
    teacher_input: ``[..., D_t]`` teacher hidden states, or ``[..., V]``
      teacher logits when ``teacher_weight`` is None.
    teacher_weight: optional ``[V, D_t]`` (``[D_t, V]``).
    target: optional integer ``[...]`` labels, only to mask ``ignore_index``
      (their values are not read otherwise).
    student_bias: optional ``[V]``.
    teacher_bias: optional ``[V]``.
    beta: β in [0, 1] (Liger's and TRL's default 0.5).
    temperature: T > 0, dividing both heads' logits.
    layout: "vd" (default, torch's) or "dv", for both weights.
    ignore_index: targets equal to it are not counted; None: all are.
    token_chunk: tokens whose logits exist at once (default 512).
    reduction: "mean" (default, over counted tokens), "sum" or "none".
    where: boolean mask broadcastable to ``student_input.shape[:-1]``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> k = jax.random.split(jax.random.key(0), 4)
    >>> f32 = jnp.float32
    >>> hs, ht = jax.random.normal(k[0], (6, 8), f32), jax.random.normal(k[1], (6, 12), f32)
    >>> ws = jax.random.normal(k[2], (50, 8), f32) / 3
    >>> wt = jax.random.normal(k[3], (50, 12), f32) / 3
    >>> a = lj.linear_jsd_loss(hs, ws, ht, wt, token_chunk=4)
    >>> b = lj.generalized_jsd_loss(hs @ ws.T, ht @ wt.T)
    >>> print(f"{a:.4f} {b:.4f}")
    0.2300 0.2300

  References: Liger Kernel ``LigerFusedLinearJSD``
  (src/liger_kernel/transformers/fused_linear_jsd.py) and
  ``LigerFusedLinearJSDLoss`` (chunked_loss/jsd_loss.py); Agarwal et al.,
  "GKD" (2024).
  """
  name = core.loss_name()
  hs, ws, ht, wt = student_input, student_weight, teacher_input, teacher_weight
  vocab, _ = core.linear_head(name, "student_weight", ws, hs.shape[-1], layout)
  vd = layout == "vd"
  batch = hs.shape[:-1]
  core.check_shape(name, "teacher_input", ht, batch + ht.shape[-1:],
                   " (student_input's tokens, then D_t)")
  if wt is None:
    core.check_shape(name, "teacher_input", ht, batch + (vocab,), " (teacher logits)")
  else:
    core.check_rank(name, "teacher_weight", wt, 2)
    expected = (vocab, ht.shape[-1]) if vd else (ht.shape[-1], vocab)
    core.check_shape(name, "teacher_weight", wt, expected, f" (layout={layout!r})")
  for arg, bias in (("student_bias", student_bias), ("teacher_bias", teacher_bias)):
    if bias is not None:
      core.check_shape(name, arg, bias, (vocab,))
  keep = core.as_mask(name, where, batch)
  valid = None
  if target is not None:
    core.check_shape(name, "target", target, batch)
    if ignore_index is not None:
      valid = target != ignore_index
  counted = keep if valid is None else (valid if keep is None else keep & valid)
  dtype = core.compute_dtype(hs, ws, ht, wt, student_bias, teacher_bias)
  n = int(np.prod(batch))
  chunk = max(1, min(token_chunk, n)) if n else 1
  pad = -n % chunk
  flat_counted = None if counted is None else counted.reshape(n)

  def rows(x):  # [n, F] -> [n_chunks, chunk, F], padded rows zero; masked rows zero too
    x = core.masked_fill(flat_counted, x.reshape(n, x.shape[-1]))
    x = jnp.pad(x, ((0, pad), (0, 0)))
    return x.reshape(-1, chunk, x.shape[-1])

  # The backward recomputes each chunk's logits instead of storing them. Inside lax.map
  # (a scan) no barrier against common-subexpression elimination is needed.
  @functools.partial(jax.checkpoint, prevent_cse=False)
  def per_chunk(xs, xt):
    zs = _head_logits(xs, ws, student_bias, layout, dtype)
    zt = xt.astype(dtype) if wt is None else _head_logits(xt, wt, teacher_bias, layout, dtype)
    zs, zt = core.finite_logits(zs), core.finite_logits(zt)
    return _jsd(jax.nn.log_softmax(zs / temperature, axis=-1),
                jax.nn.log_softmax(zt / temperature, axis=-1), beta)

  if n == 0:
    values = jnp.zeros(batch, dtype)
  else:
    values = lax.map(lambda c: per_chunk(*c), (rows(hs), rows(ht))).reshape(-1)[:n].reshape(batch)
  return core.reduce_loss(name, values, reduction, counted)


def _ex_kd(rng):
  return (rng.normal(size=(6, 7)) * 2.0, rng.normal(size=(6, 7)) * 2.0), {"temperature": 2.0}


def _ex_jsd(rng):
  return (rng.normal(size=(6, 7)) * 2.0, rng.normal(size=(6, 7)) * 2.0), {"beta": 0.3}


def _ex_tvd(rng):
  return (rng.normal(size=(6, 7)) * 2.0, rng.normal(size=(6, 7)) * 2.0), {"temperature": 1.5}


def _ex_topk(rng):
  t = rng.normal(size=(6, 7)) * 2.0
  log_t = t - np.log(np.sum(np.exp(t), axis=-1, keepdims=True))
  idx = np.argsort(-t, axis=-1)[:, :3]
  return (rng.normal(size=(6, 7)) * 2.0, np.take_along_axis(log_t, idx, -1), idx), {
      "temperature": 1.5}


def _ex_linear_jsd(rng):
  y = rng.integers(0, 23, size=(7,))
  y[1] = -100
  return (rng.normal(size=(7, 5)), rng.normal(size=(23, 5)) / 2, rng.normal(size=(7, 6)),
          rng.normal(size=(23, 6)) / 2, y), {
              "student_bias": rng.normal(size=(23,)), "beta": 0.3, "temperature": 1.5,
              "token_chunk": 3}


_ARGS = ("student_logits", "teacher_logits")


SPECS = [
    LossSpec(kd_loss, None, _ex_kd, differentiable=_ARGS, batched=_ARGS,
             unbounded=_ARGS, softmax_args=_ARGS, classes={"student_logits": 1},
             bad_options={"temperature": 0.0, "direction": "both"},
             source="Hinton et al. 2015 (T²); DistilBERT distiller"),
    LossSpec(generalized_jsd_loss, None, _ex_jsd, differentiable=_ARGS,
             batched=_ARGS, unbounded=_ARGS, softmax_args=_ARGS, classes={"student_logits": 1},
             bad_options={"beta": 1.5}, source="GKD (Agarwal et al. 2024); TRL, Liger JSD"),
    LossSpec(tvd_loss, None, _ex_tvd, differentiable=_ARGS, batched=_ARGS,
             unbounded=_ARGS, softmax_args=_ARGS, classes={"student_logits": 1},
             bad_options={"temperature": -1.0}, source="Liger Kernel LigerTVDLoss"),
    LossSpec(topk_kd_loss, None, _ex_topk,
             differentiable=("student_logits",),
             batched=("student_logits", "teacher_logprobs", "teacher_indices"),
             unbounded=("student_logits",), softmax_args=("student_logits",),
             classes={"student_logits": 1}, bad_options={"tail": "drop", "temperature": 0.0},
             source="TRL ServerDistillationTrainer (tail bucket); MaxText; verl GKD"),
    LossSpec(linear_jsd_loss, None, _ex_linear_jsd,
             differentiable=("student_input", "student_weight", "teacher_input"),
             batched=("student_input", "teacher_input", "target"),
             unbounded=("student_input", "teacher_input"), forward_mode=True,
             mismatch=lambda args: (args[0], args[1][:, :-1], *args[2:]),
             bad_options={"beta": -0.5, "token_chunk": 0, "layout": "cd"},
             classes={"student_weight": 0},
             source="Liger Kernel LigerFusedLinearJSD; GKD (Agarwal et al. 2024)"),
]
