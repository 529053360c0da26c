"""Binary (per-element, independent) classification: BCE on probabilities with torch's
-100 log clamp, BCE on logits with `pos_weight`, and the sigmoid focal loss."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  REAL,
  WEIGHT,
  Float,
  declare,
)
from lossjax._spec import LossSpec

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "sigmoid_focal_loss"]


Array = jax.Array


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


@declare(input=FLOAT, target=REAL.same_as("input"), weight=WEIGHT)
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
  name = core.loss_name()
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


@declare(input=FLOAT, target=REAL.same_as("input"), weight=WEIGHT, pos_weight=WEIGHT)
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
  name = core.loss_name()
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


@declare(renamed={"inputs": "input", "targets": "target"},
         input=FLOAT, target=REAL.same_as("input"), alpha=Float(hi=1.0), gamma=Float(lo=0.0))
def sigmoid_focal_loss(
    input: ArrayLike,
    target: ArrayLike,
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
    input: logits, any shape.
    target: targets in [0, 1] of the same shape.
    alpha: weight of the positive class in [0, 1], or < 0 for none.
    gamma: focusing parameter, >= 0.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the inputs' shape.

  The old keywords ``inputs=``, ``targets=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([2.0, -1.0, 0.5])
    >>> print(f"{lj.sigmoid_focal_loss(x, jnp.array([1.0, 0.0, 1.0])):.4f}")
    0.0114

  References: Lin et al., "Focal Loss for Dense Object Detection" (2017);
  torchvision ``ops.sigmoid_focal_loss``.
  """
  name = core.loss_name()
  keep, (xf, tf) = core.elementwise(name, where, ("input", input), ("target", target))
  xf = core.finite_logits(xf)
  log_p, log_q = core.log_sigmoid(xf), core.log_sigmoid(-xf)
  ce = -(tf * log_p + (1.0 - tf) * log_q)
  values = ce
  if core.is_static(gamma) and gamma >= 1 and float(gamma).is_integer():
    # An integer gamma (torchvision's 2): (1 - p_t)^gamma as an integer power of
    # 1 - p_t = t q + (1 - t) p, with p = exp(log p) and q = exp(log q) = 1 - p exact
    # in each tail. Every derivative of an integer power is finite, also where 1 - p_t
    # underflows to 0, so the log-space form below is not needed; on XLA:CPU it made
    # value_and_grad 4.8x slower at [2, 3, 64, 64, 64] (27 ms against 5.7 ms).
    one_minus_pt = tf * jnp.exp(log_q) + (1.0 - tf) * jnp.exp(log_p)
    values = values * lax.integer_pow(one_minus_pt, int(gamma))
  elif not core.static_equals(gamma, 0):  # a static 0: the factor is exactly 1, skipped
    values = values * jnp.exp(gamma * _log_one_minus_pt(xf, tf))
  if not core.is_static(alpha):  # a traced alpha: a negative one still turns the weighting off
    values = values * jnp.where(alpha >= 0, alpha * tf + (1.0 - alpha) * (1.0 - tf), 1.0)
  elif alpha >= 0:
    values = values * (alpha * tf + (1.0 - alpha) * (1.0 - tf))
  return core.reduce_loss(name, values, reduction, keep)


@jax.custom_jvp
def _log_one_minus_pt(x, t):
  """log(1 - p_t) = log((1 - t) p + t q), p = σ(x), q = 1 - p: the focal factor's logarithm.

  A weighted log-sum-exp of log p and log q, written out (jax.scipy's logsumexp with weights
  stacks both terms and ran at 0.66x optax's speed). The shifted terms are exp(min(±x, 0))
  since log p - log q = x. At t = 1 and x > 88 (float32) the sum underflows to 0: there
  log(tiny) stands in, behind a double where (the factor is then exp(gamma * log(tiny)), 0 in
  float32 for gamma >= 1.2).
  """
  m = jnp.maximum(core.log_sigmoid(x), core.log_sigmoid(-x))
  total = (1.0 - t) * jnp.exp(jnp.minimum(x, 0.0)) + t * jnp.exp(jnp.minimum(-x, 0.0))
  tiny = jnp.finfo(total.dtype).tiny
  normal = total >= tiny
  return m + jnp.where(normal, jnp.log(jnp.where(normal, total, 1.0)), jnp.log(tiny))


@_log_one_minus_pt.defjvp
def _log_one_minus_pt_jvp(primals, tangents):
  # Autodiff through log(total) divides by total², which overflows float32 where total is
  # tiny but normal (t = 1, x = 50: total = e^-50, total² underflows, 1/total² is inf), and
  # optax's own test of the Hessian at such logits got NaN. The derivatives in log space stay
  # finite to every order: d/dx = (1 - 2t) pq / (1 - p_t), d/dt = (q - p) / (1 - p_t), each
  # ratio an exp of a difference of logs, differentiated again by the same rule.
  x, t = primals
  dx, dt = tangents
  out = _log_one_minus_pt(x, t)  # itself, not its formula: the next derivative uses this rule
  log_p, log_q = core.log_sigmoid(x), core.log_sigmoid(-x)
  tangent = ((1.0 - 2.0 * t) * jnp.exp(log_p + log_q - out) * dx
             + (jnp.exp(log_q - out) - jnp.exp(log_p - out)) * dt)
  return out, tangent


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


SPECS = [
    LossSpec(binary_cross_entropy, "BCELoss", _ex_bce,
             differentiable=("input", "target"), batched=("input", "target"),
             bad_options={"weight": np.ones(4)}),
    LossSpec(binary_cross_entropy_with_logits, "BCEWithLogitsLoss",
             _ex_bce_logits, differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("input",),
             bad_options={"weight": np.ones(4), "pos_weight": np.ones(2)}),
    LossSpec(sigmoid_focal_loss, None, _ex_sigmoid_focal,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             bad_options={"gamma": -1.0, "alpha": 1.5},
             source="Lin et al. 2017; torchvision sigmoid_focal_loss"),
]
