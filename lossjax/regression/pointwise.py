"""Regression losses with torch twins: MSE, L1, smooth L1, Huber."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, REAL, VECTOR_AXIS, WEIGHT, Float, declare
from lossjax._spec import LossSpec

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "log_cosh_loss", "charbonnier_loss", "msle_loss", "mape_loss", "cosine_similarity_loss"]


Array = jax.Array


def _pair(name: str, input: Array, target: Array, where, weight: Array | None = None):
  """(keep, input, target, weight) of one shape in the compute dtype, masked; weight None if absent.

  torch: "Weights and input must have the same size."
  """
  pairs = [("input", input), ("target", target)] + ([("weight", weight)] if weight is not None else [])
  keep, out = core.elementwise(name, where, *pairs)
  return keep, out[0], out[1], (out[2] if weight is not None else None)


@declare(input=FLOAT, target=REAL.same_as("input"), weight=WEIGHT)
def mse_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Mean squared error, $\ell = w\,(x - y)^2$.

  The twin of ``torch.nn.functional.mse_loss``. With ``weight`` (same shape as
  the input), "mean" divides by the summed weights, as torch does.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.mse_loss(jnp.array([1.0, 2.0, 3.0]), jnp.array([1.0, 0.0, 4.0])):.4f}")
    1.6667

  References: PyTorch ``torch.nn.MSELoss``.
  """
  name = core.loss_name()
  keep, x, t, w = _pair(name, input, target, where, weight)
  values = jnp.square(x - t)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, keep, norm_weight=w)


@declare(input=FLOAT, target=REAL.same_as("input"), weight=WEIGHT)
def l1_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Mean absolute error, $\ell = w\,|x - y|$.

  The twin of ``torch.nn.functional.l1_loss``. With ``weight`` (same shape as
  the input), "mean" divides by the summed weights, as torch does. The
  gradient at ``x == y`` is 0.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.l1_loss(jnp.array([1.0, 2.0, 3.0]), jnp.array([1.0, 0.0, 4.0])):.4f}")
    1.0000

  References: PyTorch ``torch.nn.L1Loss``.
  """
  name = core.loss_name()
  keep, x, t, w = _pair(name, input, target, where, weight)
  values = core.abs0(x - t)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, keep, norm_weight=w)


@declare(input=FLOAT, target=REAL.same_as("input"),
         beta=Float(lo=0.0, message="smooth_l1_loss does not support negative values for beta."))
def smooth_l1_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    beta: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Smooth L1: quadratic below ``beta``, linear above.

  The twin of ``torch.nn.functional.smooth_l1_loss``. With $z = |x - y|$,
  $\ell = 0.5 z^2/\beta$ if $z < \beta$, else $z - 0.5\beta$.
  ``beta=0`` is exactly [`l1_loss`][lossjax.l1_loss] (gradient 0 at ``x == y``, never NaN).

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    beta: non-negative threshold.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.smooth_l1_loss(jnp.array([0.5, 3.0]), jnp.array([0.0, 0.0])):.4f}")
    1.3125

  References: PyTorch ``torch.nn.SmoothL1Loss``; Girshick, "Fast R-CNN" (2015).
  """
  name = core.loss_name()
  keep, x, t, _ = _pair(name, input, target, where)
  z = core.abs0(x - t)
  if core.static_equals(beta, 0):
    # torch dispatches beta == 0 to l1_loss; so do we (no division by beta).
    values = z
  else:
    # A traced beta may be 0 too: l1 there, behind a double where (no division by 0).
    b = beta if core.is_static(beta) else jnp.where(beta == 0, 1.0, beta)
    # Quadratic part q = min(z, beta), linear remainder z - q: the same pieces as
    # a select between the two branches, without the select, which XLA:CPU does
    # not vectorise in a reduction (the select form ran at half the speed).
    q = jnp.minimum(z, b)
    values = (0.5 / b) * jnp.square(q) + (z - q)
    if not core.is_static(beta):
      values = jnp.where(beta == 0, z, values)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"), weight=WEIGHT,
         delta=Float(lo=0.0, lo_open=True,
                     message="huber_loss does not support non-positive values for delta."))
def huber_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    delta: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Huber loss: quadratic below ``delta``, linear with slope ``delta`` above.

  The twin of ``torch.nn.functional.huber_loss``. With $z = |x - y|$,
  $\ell = 0.5 z^2$ if $z < \delta$, else
  $\delta (z - 0.5\delta)$; times ``weight`` when given. Unlike
  [`mse_loss`][lossjax.mse_loss], torch's weighted "mean" here divides by the element count,
  not the summed weights; lossjax keeps that.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    delta: positive threshold.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.huber_loss(jnp.array([0.5, 3.0]), jnp.array([0.0, 0.0])):.4f}")
    1.3125

  References: PyTorch ``torch.nn.HuberLoss``; Huber, "Robust Estimation of a
  Location Parameter" (1964).
  """
  name = core.loss_name()
  keep, x, t, w = _pair(name, input, target, where, weight)
  z = core.abs0(x - t)
  # q = min(z, delta): q (z - q/2) is both branches without a select (see
  # smooth_l1_loss), each rounded exactly as torch rounds it (0.5 z z below
  # delta, delta (z - delta/2) above). XLA:CPU's YNNPACK reduction pays for
  # every value used twice (z and q here), so this form runs below the read
  # bandwidth: see the ops probe in BENCHMARKS.md.
  q = jnp.minimum(z, delta)
  values = q * (z - 0.5 * q)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"))
def log_cosh_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Log-cosh: $\ell = \log\cosh(x - y)$, quadratic near 0 and linear far away.

  Computed as $|d| + \mathrm{softplus}(-2|d|) - \log 2$, which never
  overflows (``cosh`` does beyond ~89 in float32). Its gradient is
  $\tanh(d)$.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.log_cosh_loss(jnp.array([0.5, 3.0]), jnp.array([0.0, 0.0])):.4f}")
    1.2147

  References: optax ``log_cosh``; Chen et al., "Log Hyperbolic Cosine Loss
  Improves Variational Auto-Encoder" (2019).
  """
  name = core.loss_name()
  keep, x, t, _ = _pair(name, input, target, where)
  return core.reduce_loss(name, _log_cosh(x - t), reduction, keep)


@jax.custom_jvp
def _log_cosh(d: Array) -> Array:
  # |d| + log1p(e^{-2|d|}) - log 2; e^{-2|d|} <= 1, so nothing overflows.
  a = jnp.abs(d)
  return a + jnp.log1p(jnp.exp(-2.0 * a)) - jnp.log(2.0).astype(d.dtype)


@_log_cosh.defjvp
def _log_cosh_jvp(primals, tangents):
  # The derivative tanh(d), written out: differentiating |d| and log1p(exp)
  # made value_and_grad 1.3x optax's time at 2^27 (now 0.66x), and it is 0 at
  # d = 0 without a sign(0) convention.
  (d,), (g,) = primals, tangents
  return _log_cosh(d), jnp.tanh(d) * g


@declare(input=FLOAT, target=REAL.same_as("input"), eps=Float(lo=0.0, lo_open=True))
def charbonnier_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    eps: float = 1e-3,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Charbonnier (pseudo-Huber L1): $\ell = \sqrt{(x - y)^2 + \epsilon^2}$.

  A smooth L1 that is differentiable at 0, common in image restoration
  (LapSRN, EDVR use ``eps=1e-3``).

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    eps: smoothing, > 0.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.charbonnier_loss(jnp.array([0.5, 3.0]), jnp.array([0.0, 0.0])):.4f}")
    1.7500

  References: Charbonnier et al., "Two deterministic half-quadratic
  regularization algorithms for computed imaging" (1994); Lai et al.,
  "LapSRN" (2017).
  """
  name = core.loss_name()
  keep, x, t, _ = _pair(name, input, target, where)
  values = jnp.sqrt(jnp.square(x - t) + eps * eps)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"))
def msle_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Mean squared logarithmic error: $\ell = (\log(1 + x) - \log(1 + y))^2$.

  scikit-learn's ``mean_squared_log_error``: values must be above -1 (where
  log1p is defined); values at or below -1 raise ValueError where they are
  known (eager calls, ``grad``), as scikit-learn (1.5+) does.

  Args:
    input: predictions > -1, any shape.
    target: targets > -1 of exactly the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.msle_loss(jnp.array([0.5, 3.0]), jnp.array([1.0, 2.0])):.4f}")
    0.0828

  References: scikit-learn ``mean_squared_log_error``.
  """
  name = core.loss_name()
  keep, x, t, _ = _pair(name, input, target, where)
  for arg, value in (("input", input), ("target", target)):
    # scikit-learn (1.5+) rejects values <= -1 only: log1p is defined above -1.
    core.check_values(name, arg, value, lambda a: a <= -1, "values > -1 (log1p is defined above -1)",
                      where=keep)
  values = jnp.square(jnp.log1p(x) - jnp.log1p(t))
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"), eps=Float(lo=0.0, lo_open=True))
def mape_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    eps: float = float(np.finfo(np.float64).eps),
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Mean absolute percentage error (as a fraction): $\ell = |x - y| / \max(|y|, \epsilon)$.

  scikit-learn's ``mean_absolute_percentage_error`` semantics: a fraction,
  not a percentage, and ``eps`` (default: float64 machine epsilon) keeps a
  zero target finite.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    eps: lower bound of the denominator, > 0.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.mape_loss(jnp.array([0.5, 3.0]), jnp.array([1.0, 2.0])):.4f}")
    0.5000

  References: scikit-learn ``mean_absolute_percentage_error``.
  """
  name = core.loss_name()
  keep, x, t, _ = _pair(name, input, target, where)
  values = core.abs0(x - t) / jnp.maximum(core.abs0(t), eps)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT.at_least(1, "a vector axis"), target=REAL.same_as("input"),
         axis=VECTOR_AXIS, eps=Float(lo=0.0))
def cosine_similarity_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    axis: int = -1,
    eps: float = 1e-8,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Cosine distance: $\ell = 1 - \frac{x}{\max(\|x\|, \epsilon)} \cdot \frac{y}{\max(\|y\|, \epsilon)}$ along ``axis``.

  One minus ``torch.nn.functional.cosine_similarity``, with the same eps
  handling: each norm is clamped without stopping its gradient.
  Zero vectors give a loss of 1 with a finite gradient.

  Args:
    input: vectors, any shape with the vector axis ``axis``.
    target: vectors of exactly the input's shape.
    axis: the vector axis.
    eps: lower bound of each norm (0: none, so a zero vector gives NaN, as optax's default).
    reduction: "mean" (default), "sum" or "none" (per vector).
    where: boolean mask broadcastable to the per-vector loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a, b = jnp.array([[1.0, 0.0], [1.0, 1.0]]), jnp.array([[1.0, 1.0], [-1.0, 1.0]])
    >>> print(f"{lj.cosine_similarity_loss(a, b):.4f}")
    0.6464

  References: PyTorch ``torch.nn.functional.cosine_similarity``; optax
  ``cosine_distance``.
  """
  name = core.loss_name()
  keep = core.as_mask(name, where, core.batch_shape(input, axis))
  dtype = core.compute_dtype(input, target)
  x, t = (core.masked_fill(core.mask_at(keep, axis), core.to_float(a, dtype)) for a in (input, target))

  # As torch, the norms are clamped at eps without stopping their gradient.
  # torch divides each vector by its norm before the dot product; the dot
  # product divided by both norms is the same number and reads each input
  # once instead of twice (BENCHMARKS.md, "Measured forms").
  x_norm = core.clamp_min_keep_grad(core.safe_norm(x, axis), eps)
  t_norm = core.clamp_min_keep_grad(core.safe_norm(t, axis), eps)
  cos = jnp.sum(x * t, axis=axis) / (x_norm * t_norm)
  return core.reduce_loss(name, 1.0 - cos, reduction, keep)


def _ex_weighted(rng):
  return (rng.normal(size=(6, 3)), rng.normal(size=(6, 3))), {
      "weight": rng.uniform(0.5, 2.0, size=(6, 3))
  }


def _ex_pair(rng):
  return (rng.normal(size=(6, 3)) * 2, rng.normal(size=(6, 3))), {}


def _ex_nonneg(rng):
  return (rng.uniform(0, 3, size=(6, 3)), rng.uniform(0, 3, size=(6, 3))), {}


def _ex_smooth_l1(rng):
  return (rng.normal(size=(6, 3)) * 2, rng.normal(size=(6, 3))), {"beta": 0.7}


def _ex_huber(rng):
  (x, t), kw = _ex_weighted(rng)
  return (2 * x, t), {**kw, "delta": 0.8}


SPECS = [
    LossSpec(mse_loss, "MSELoss", _ex_weighted,
             differentiable=("input", "target"), batched=("input", "target", "weight"),
             unbounded=("input", "target"), bad_options={"weight": np.ones(3)}),
    LossSpec(l1_loss, "L1Loss", _ex_weighted,
             differentiable=("input", "target"), batched=("input", "target", "weight"),
             unbounded=("input", "target"), bad_options={"weight": np.ones(3)}),
    LossSpec(smooth_l1_loss, "SmoothL1Loss", _ex_smooth_l1,
             differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("input", "target"), bad_options={"beta": -1.0}),
    LossSpec(huber_loss, "HuberLoss", _ex_huber,
             differentiable=("input", "target"), batched=("input", "target", "weight"),
             unbounded=("input", "target"), bad_options={"delta": 0.0, "weight": np.ones(3)}),
    LossSpec(log_cosh_loss, None, _ex_pair, differentiable=("input", "target"),
             batched=("input", "target"), unbounded=("input", "target"), source="optax log_cosh"),
    LossSpec(charbonnier_loss, None, _ex_pair, differentiable=("input", "target"),
             batched=("input", "target"), unbounded=("input", "target"),
             bad_options={"eps": 0.0}, source="Charbonnier et al. 1994"),
    LossSpec(msle_loss, None, _ex_nonneg, differentiable=("input", "target"),
             batched=("input", "target"), source="scikit-learn mean_squared_log_error"),
    LossSpec(mape_loss, None, _ex_pair, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",), bad_options={"eps": -1.0},
             source="scikit-learn mean_absolute_percentage_error"),
    LossSpec(cosine_similarity_loss, None, _ex_pair,
             differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("input", "target"), bad_options={"axis": 2},
             source="1 - torch cosine_similarity; optax cosine_distance"),
]
