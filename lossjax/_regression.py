"""Regression losses with torch twins: MSE, L1, smooth L1, Huber."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
]


def _pair(name: str, input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None):
  """(input, target[, weight]) of one shape in the compute dtype; weight None if absent.

  torch: "Weights and input must have the same size."
  """
  pairs = [("input", input), ("target", target)] + ([("weight", weight)] if weight is not None else [])
  out = core.same_shape_floats(name, *pairs, float_args=("weight",))
  return out[0], out[1], (out[2] if weight is not None else None)


def mse_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Mean squared error, :math:`\ell = w\,(x - y)^2`.

  The twin of ``torch.nn.functional.mse_loss``. With ``weight`` (same shape as
  the input), "mean" divides by the summed weights, as torch does.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> print(f"{lj.mse_loss(jnp.array([1.0, 2.0, 3.0]), jnp.array([1.0, 0.0, 4.0])):.4f}")
  1.6667

  References: PyTorch ``torch.nn.MSELoss``.
  """
  name = "mse_loss"
  core.validate_reduction(name, reduction)
  x, t, w = _pair(name, input, target, weight)
  values = jnp.square(x - t)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, where, norm_weight=w)


def l1_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Mean absolute error, :math:`\ell = w\,|x - y|`.

  The twin of ``torch.nn.functional.l1_loss``. With ``weight`` (same shape as
  the input), "mean" divides by the summed weights, as torch does. The
  gradient at ``x == y`` is 0.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> print(f"{lj.l1_loss(jnp.array([1.0, 2.0, 3.0]), jnp.array([1.0, 0.0, 4.0])):.4f}")
  1.0000

  References: PyTorch ``torch.nn.L1Loss``.
  """
  name = "l1_loss"
  core.validate_reduction(name, reduction)
  x, t, w = _pair(name, input, target, weight)
  values = core.abs0(x - t)
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, where, norm_weight=w)


def smooth_l1_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    beta: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Smooth L1: quadratic below ``beta``, linear above.

  The twin of ``torch.nn.functional.smooth_l1_loss``. With :math:`z = |x - y|`,
  :math:`\ell = 0.5 z^2/\beta` if :math:`z < \beta`, else :math:`z - 0.5\beta`.
  ``beta=0`` is exactly :func:`l1_loss` (gradient 0 at ``x == y``, never NaN).

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    beta: non-negative threshold.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> print(f"{lj.smooth_l1_loss(jnp.array([0.5, 3.0]), jnp.array([0.0, 0.0])):.4f}")
  1.3125

  References: PyTorch ``torch.nn.SmoothL1Loss``; Girshick, "Fast R-CNN" (2015).
  """
  name = "smooth_l1_loss"
  core.validate_reduction(name, reduction)
  if beta < 0:
    raise core.option_error(name, "beta", "smooth_l1_loss does not support negative values for beta.")
  x, t, _ = _pair(name, input, target)
  z = core.abs0(x - t)
  if beta == 0.0:
    # torch dispatches beta == 0 to l1_loss; so do we (no division by beta).
    values = z
  else:
    values = jnp.where(z < beta, 0.5 * jnp.square(z) / beta, z - 0.5 * beta)
  return core.reduce_loss(name, values, reduction, where)


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

  The twin of ``torch.nn.functional.huber_loss``. With :math:`z = |x - y|`,
  :math:`\ell = 0.5 z^2` if :math:`z < \delta`, else
  :math:`\delta (z - 0.5\delta)`; times ``weight`` when given. Unlike
  :func:`mse_loss`, torch's weighted "mean" here divides by the element count,
  not the summed weights; lossjax keeps that.

  Args:
    input: predictions, any shape.
    target: targets of exactly the input's shape.
    delta: positive threshold.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  >>> import jax.numpy as jnp, lossjax as lj
  >>> print(f"{lj.huber_loss(jnp.array([0.5, 3.0]), jnp.array([0.0, 0.0])):.4f}")
  1.3125

  References: PyTorch ``torch.nn.HuberLoss``; Huber, "Robust Estimation of a
  Location Parameter" (1964).
  """
  name = "huber_loss"
  core.validate_reduction(name, reduction)
  if not delta > 0:
    raise core.option_error(name, "delta", "huber_loss does not support non-positive values for delta.")
  x, t, w = _pair(name, input, target, weight)
  z = core.abs0(x - t)
  values = jnp.where(z < delta, 0.5 * jnp.square(z), delta * (z - 0.5 * delta))
  if w is not None:
    values = values * w
  return core.reduce_loss(name, values, reduction, where)


# --------------------------------------------------------------------------
# Catalogue entries
# --------------------------------------------------------------------------


def _ex_weighted(rng):
  return (rng.normal(size=(6, 3)), rng.normal(size=(6, 3))), {
      "weight": rng.uniform(0.5, 2.0, size=(6, 3))
  }


def _ex_smooth_l1(rng):
  return (rng.normal(size=(6, 3)) * 2, rng.normal(size=(6, 3))), {"beta": 0.7}


def _ex_huber(rng):
  (x, t), kw = _ex_weighted(rng)
  return (2 * x, t), {**kw, "delta": 0.8}


SPECS = [
    LossSpec(mse_loss, "regression", "MSELoss", _ex_weighted,
             differentiable=("input", "target"), batched=("input", "target", "weight"),
             unbounded=("input", "target"), bad_options={"weight": np.ones(3)}),
    LossSpec(l1_loss, "regression", "L1Loss", _ex_weighted,
             differentiable=("input", "target"), batched=("input", "target", "weight"),
             unbounded=("input", "target"), bad_options={"weight": np.ones(3)}),
    LossSpec(smooth_l1_loss, "regression", "SmoothL1Loss", _ex_smooth_l1,
             differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("input", "target"), bad_options={"beta": -1.0}),
    LossSpec(huber_loss, "regression", "HuberLoss", _ex_huber,
             differentiable=("input", "target"), batched=("input", "target", "weight"),
             unbounded=("input", "target"), bad_options={"delta": 0.0, "weight": np.ones(3)}),
]
