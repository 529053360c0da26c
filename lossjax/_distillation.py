r"""Distillation losses between a student's and a teacher's logits: KD with T², generalized JSD, TVD.

Every loss here compares two distributions over the last axis (by default)
per token, and "mean" is over tokens: the sum over the vocabulary and the
counted tokens divided by their number, which is what TRL and Liger call
"batchmean" (masking ``labels == -100`` is ``where=labels != -100``). Both
arguments are differentiable; pass ``jax.lax.stop_gradient(teacher_logits)``
(or compute them outside ``grad``) for a frozen teacher.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import AXIS, FLOAT, Bool, Choice, Float, declare
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = ["kd_loss", "generalized_jsd_loss", "tvd_loss"]

_TEMPERATURE = Float(lo=0.0, lo_open=True)


def _log_probs(name: str, student, teacher, temperature: float, axis: int, where):
  """Both log-softmaxes at temperature T, class axis last, masked, in the compute dtype."""
  if student.ndim == 0:
    raise ValueError(f"{name}: argument `student_logits` has shape (), expected at least one "
                     "(class) axis")
  core.check_same_shape(name, "teacher_logits", teacher, "student_logits", student)
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


@declare(student_logits=FLOAT, teacher_logits=FLOAT, temperature=_TEMPERATURE,
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
  name = "kd_loss"
  keep, log_q, log_p = _log_probs(name, student_logits, teacher_logits, temperature, axis, where)
  values = _kl(log_p, log_q) if direction == "forward" else _kl(log_q, log_p)
  if temperature_squared:
    values = values * temperature**2
  return core.reduce_loss(name, values, reduction, keep)


@declare(student_logits=FLOAT, teacher_logits=FLOAT, beta=Float(0.0, 1.0),
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
  name = "generalized_jsd_loss"
  keep, log_q, log_p = _log_probs(name, student_logits, teacher_logits, temperature, axis, where)
  if beta == 0.0:
    values = _kl(log_p, log_q)
  elif beta == 1.0:
    values = _kl(log_q, log_p)
  else:
    # log m = logsumexp(log q + log(1 - β), log p + log β), as TRL computes it.
    log_m = jnp.logaddexp(log_q + math.log1p(-beta), log_p + math.log(beta))
    values = beta * _kl(log_p, log_m) + (1.0 - beta) * _kl(log_q, log_m)
  return core.reduce_loss(name, values, reduction, keep)


@declare(student_logits=FLOAT, teacher_logits=FLOAT, temperature=_TEMPERATURE, axis=AXIS)
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
  name = "tvd_loss"
  keep, log_q, log_p = _log_probs(name, student_logits, teacher_logits, temperature, axis, where)
  values = 0.5 * jnp.sum(core.abs0(jnp.exp(log_p) - jnp.exp(log_q)), axis=-1)
  return core.reduce_loss(name, values, reduction, keep)


def _ex_kd(rng):
  return (rng.normal(size=(6, 7)) * 2.0, rng.normal(size=(6, 7)) * 2.0), {"temperature": 2.0}


def _ex_jsd(rng):
  return (rng.normal(size=(6, 7)) * 2.0, rng.normal(size=(6, 7)) * 2.0), {"beta": 0.3}


def _ex_tvd(rng):
  return (rng.normal(size=(6, 7)) * 2.0, rng.normal(size=(6, 7)) * 2.0), {"temperature": 1.5}


_ARGS = ("student_logits", "teacher_logits")
SPECS = [
    LossSpec(kd_loss, "distillation", None, _ex_kd, differentiable=_ARGS, batched=_ARGS,
             unbounded=_ARGS, softmax_args=_ARGS, classes={"student_logits": 1},
             bad_options={"temperature": 0.0, "direction": "both"},
             source="Hinton et al. 2015 (T²); DistilBERT distiller"),
    LossSpec(generalized_jsd_loss, "distillation", None, _ex_jsd, differentiable=_ARGS,
             batched=_ARGS, unbounded=_ARGS, softmax_args=_ARGS, classes={"student_logits": 1},
             bad_options={"beta": 1.5}, source="GKD (Agarwal et al. 2024); TRL, Liger JSD"),
    LossSpec(tvd_loss, "distillation", None, _ex_tvd, differentiable=_ARGS, batched=_ARGS,
             unbounded=_ARGS, softmax_args=_ARGS, classes={"student_logits": 1},
             bad_options={"temperature": -1.0}, source="Liger Kernel LigerTVDLoss"),
]
