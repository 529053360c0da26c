"""Forecasting and robust regression: quantile (pinball), Tweedie and gamma deviance, CRPS, Barron.

On the regression docs page. References: scikit-learn's
``sklearn/metrics/_regression.py`` (``mean_pinball_loss``, lines 320-407;
``_mean_tweedie_deviance``, lines 1365-1395), run for real in
tests/regression/test_forecasting.py; properscoring 0.1 ``_crps.py`` (``crps_gaussian``
lines 24-78, ``crps_ensemble`` lines 187-235) and Barron's
``robust_loss_pytorch/general.py`` (lines 84-118), transcribed into the
fixture generator.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, ArrayOption, Float, declare
from lossjax._spec import LossSpec

__all__ = ["quantile_loss", "tweedie_deviance", "gamma_deviance", "crps_gaussian", "crps_ensemble", "barron_loss"]


Array = jax.Array


@declare(input=FLOAT, target=FLOAT, quantiles=ArrayOption("float", optional=False, scalar=True, max_rank=1))
def quantile_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    quantiles: ArrayLike | float = 0.5,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Quantile (pinball) loss, one or several quantiles at once.

  For quantile $q$ and residual $r = y - \hat y$,
  $\ell = \max(q\,r, (q - 1)\,r)$: under-prediction costs $q$ per unit,
  over-prediction $1 - q$, so the minimiser is the q-quantile. With a scalar
  ``quantiles``, ``input`` has the target's shape; with Q quantiles it has a
  trailing axis of Q predictions, one per quantile (a forecast fan). "mean"
  over all elements is scikit-learn's ``mean_pinball_loss(y, ŷ, alpha=q)``
  (averaged over the quantiles); at q = 0.5 that is half the MAE.

  Args:
    input: predictions, the target's shape, or ``target.shape + (Q,)``.
    target: observations.
    quantiles: q in [0, 1], a number or a ``(Q,)`` array (default 0.5).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> y = jnp.array([1.0, 2.0, 3.0])
    >>> fan = jnp.array([[0.5, 1.0, 1.5], [1.5, 2.0, 2.5], [2.0, 3.5, 4.0]])
    >>> print(f"{lj.quantile_loss(fan, y, quantiles=jnp.array([0.1, 0.5, 0.9])):.4f}")
    0.0722

  References: Koenker & Bassett, "Regression Quantiles" (1978);
  scikit-learn ``mean_pinball_loss``.
  """
  name = core.loss_name()
  q = jnp.asarray(quantiles)
  core.check_values(name, "quantiles", q, lambda v: (v < 0) | (v > 1), "quantiles in [0, 1]")
  y = target
  if q.ndim == 1:
    core.check_shape(name, "input", input, tuple(target.shape) + q.shape,
                     f" (the target's shape, then one prediction per quantile: {q.shape[0]})")
    y = jnp.broadcast_to(jnp.asarray(target)[..., None], input.shape)
  keep, (pred, yf) = core.elementwise(name, where, ("input", input), ("target", y))
  r = yf - pred
  qf = jnp.broadcast_to(q.astype(r.dtype), r.shape)  # (Q,) along the last axis
  return core.reduce_loss(name, jnp.maximum(qf * r, (qf - 1.0) * r), reduction, keep)


def _tweedie(name, mu, y, power, keep):
  """scikit-learn's ``_mean_tweedie_deviance``, per element (lines 1369-1394)."""
  if power < 0 or power >= 1:
    core.check_values(name, "input", mu, lambda m: m <= 0, "predicted means > 0", where=keep)
  if power >= 1:
    if power < 2:
      core.check_values(name, "target", y, lambda t: t < 0, "targets >= 0", where=keep)
    else:
      core.check_values(name, "target", y, lambda t: t <= 0, "targets > 0", where=keep)
  if power == 0:
    return jnp.square(y - mu)
  if power == 1:  # Poisson
    return 2.0 * (jax.scipy.special.xlogy(y, y / mu) - y + mu)
  if power == 2:  # gamma
    return 2.0 * (jnp.log(mu / y) + y / mu - 1.0)
  p = power
  y_pos = jnp.where(y > 0, y, 0.0) if p < 0 else y
  return 2.0 * (jnp.power(y_pos, 2 - p) / ((1 - p) * (2 - p)) - y * jnp.power(mu, 1 - p) / (1 - p)
                + jnp.power(mu, 2 - p) / (2 - p))




@declare(input=FLOAT, target=FLOAT.same_as("input"), power=Float(gap=(0.0, 1.0), message=(
    "expected a number <= 0 or >= 1 (no Tweedie distribution has 0 < power < 1; "
    "scikit-learn's rule)")).static())
def tweedie_deviance(
    input: ArrayLike,
    target: ArrayLike,
    *,
    power: float = 1.5,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Tweedie deviance of predicted means, scikit-learn's ``mean_tweedie_deviance``.

  For $1 < p < 2$ (compound Poisson-gamma: insurance claims, demand with
  zeros) and any $p \notin (0, 1)$, with $\mu$ the predicted mean,

  $$
  d(y, \mu) = 2\Big(\frac{\max(y, 0)^{2-p}}{(1-p)(2-p)} - \frac{y\,\mu^{1-p}}{1-p}
  + \frac{\mu^{2-p}}{2-p}\Big),
  $$

  with the limits $p = 0$ (squared error), $p = 1$ (Poisson,
  $2(y \log(y/\mu) - y + \mu)$) and $p = 2$ (gamma). ``input`` is the mean
  $\mu > 0$ itself; a model with a log link passes ``jnp.exp(raw)``.
  Domains as scikit-learn's: $\mu > 0$ for $p < 0$ or $p \ge 1$, $y \ge 0$
  for $1 \le p < 2$, $y > 0$ for $p \ge 2$ (a value outside raises, or is NaN
  under ``jit``).

  Args:
    input: predicted means μ.
    target: observations y, the same shape.
    power: p ≤ 0 or p ≥ 1 (1.5).
    reduction: "mean" (default; scikit-learn's value), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> y, mu = jnp.array([2.0, 0.5, 1.0, 4.0]), jnp.array([0.5, 0.5, 2.0, 2.0])
    >>> print(f"{lj.tweedie_deviance(mu, y, power=1.5):.6f}")
    1.071068

  References: Jørgensen, "The Theory of Dispersion Models" (1997);
  scikit-learn ``mean_tweedie_deviance``.
  """
  name = core.loss_name()
  keep, (mu, y) = core.elementwise(name, where, ("input", input), ("target", target),
                                   fill={"input": 1.0, "target": 1.0})
  return core.reduce_loss(name, _tweedie(name, mu, y, power, keep), reduction, keep)


@declare(input=FLOAT, target=FLOAT.same_as("input"))
def gamma_deviance(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Gamma deviance $2(\log(\mu / y) + y / \mu - 1)$, scikit-learn's ``mean_gamma_deviance``.

  `tweedie_deviance` at ``power=2``: scale-free (relative errors), for
  positive skewed targets (durations, costs). Needs $\mu > 0$ and $y > 0$.

  Args:
    input: predicted means μ > 0.
    target: observations y > 0, the same shape.
    reduction: "mean" (default; scikit-learn's value), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> y, mu = jnp.array([2.0, 0.5, 1.0, 4.0]), jnp.array([0.5, 0.5, 2.0, 2.0])
    >>> print(f"{lj.gamma_deviance(mu, y):.6f}")
    1.056853

  References: McCullagh & Nelder, "Generalized Linear Models" (1989);
  scikit-learn ``mean_gamma_deviance``.
  """
  name = core.loss_name()
  keep, (mu, y) = core.elementwise(name, where, ("input", input), ("target", target),
                                   fill={"input": 1.0, "target": 1.0})
  return core.reduce_loss(name, _tweedie(name, mu, y, 2, keep), reduction, keep)


@declare(input=FLOAT, scale=FLOAT.same_as("input"), target=FLOAT.same_as("input"))
def crps_gaussian(
    input: ArrayLike,
    scale: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""CRPS of a Gaussian forecast $N(\mu, \sigma^2)$, in closed form (Gneiting et al. 2005).

  With $z = (y - \mu) / \sigma$, $\Phi$ and $\varphi$ the standard normal CDF
  and density,

  $$
  \mathrm{CRPS} = \sigma\Big(z\,(2\Phi(z) - 1) + 2\varphi(z) - \frac{1}{\sqrt\pi}\Big),
  $$

  properscoring's ``crps_gaussian(y, mu, sig)``: a proper score in the
  target's units that, unlike the Gaussian NLL, stays bounded as σ → 0 away
  from the target. σ must be > 0.

  Args:
    input: predicted means μ.
    scale: predicted standard deviations σ > 0, the same shape.
    target: observations y, the same shape.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.crps_gaussian(jnp.array([0.0]), jnp.array([1.0]), jnp.array([0.5])):.4f}")
    0.3314

  References: Gneiting, Raftery, Westveld & Goldman, "Calibrated
  Probabilistic Forecasting" (2005), eq. 5; properscoring ``crps_gaussian``.
  """
  name = core.loss_name()
  keep, (mu, sig, y) = core.elementwise(name, where, ("input", input), ("scale", scale),
                                        ("target", target), fill={"scale": 1.0})
  core.check_values(name, "scale", sig, lambda s: s <= 0, "standard deviations > 0", where=keep)
  z = (y - mu) / sig
  pdf = jnp.exp(-0.5 * jnp.square(z)) / math.sqrt(2.0 * math.pi)
  cdf = jax.scipy.special.ndtr(z)
  values = sig * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi))
  return core.reduce_loss(name, core.poison(values, sig <= 0), reduction, keep)


@declare(input=FLOAT.non_empty(-1).at_least(1, "target.shape + (M,)"),  # at least one member
         target=FLOAT)
def crps_ensemble(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""CRPS of an ensemble (or samples) of M forecasts: $\mathbb{E}|X - y| - \tfrac12 \mathbb{E}|X - X'|$.

  With members $x_1 \dots x_M$ on the last axis,

  $$
  \mathrm{CRPS} = \frac1M \sum_i |x_i - y| - \frac{1}{2M^2} \sum_{i,j} |x_i - x_j|,
  $$

  properscoring's ``crps_ensemble`` (all M² pairs, i = j included: the
  standard estimator, not the "fair" one with M(M-1)). The gradient pulls
  members toward the target and apart from each other.

  Args:
    input: ``target.shape + (M,)`` ensemble members.
    target: observations.
    reduction: "mean" (default, over observations), "sum" or "none".
    where: boolean mask broadcastable to the target's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> members = jnp.array([[0.0, 1.0, 2.0]])
    >>> print(f"{lj.crps_ensemble(members, jnp.array([1.5])):.4f}")
    0.3889

  References: Gneiting & Raftery, "Strictly Proper Scoring Rules" (2007);
  properscoring ``crps_ensemble``.
  """
  name = core.loss_name()
  core.check_shape(name, "target", target, input.shape[:-1],
                   " (the ensemble's shape without its last, member axis)")
  keep = core.as_mask(name, where, target.shape)
  dtype = core.compute_dtype(input, target)
  x = core.masked_fill(keep, core.to_float(input, dtype))
  y = core.masked_fill(keep, core.to_float(target, dtype))
  skill = jnp.mean(core.abs0(x - y[..., None]), axis=-1)
  spread = jnp.mean(core.abs0(x[..., :, None] - x[..., None, :]), axis=(-2, -1))
  return core.reduce_loss(name, skill - 0.5 * spread, reduction, keep)


@declare(input=FLOAT, target=FLOAT.same_as("input"), alpha=Float(allow_inf=True), scale=Float(lo=0.0, lo_open=True))
def barron_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    alpha: float = 1.0,
    scale: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Barron's general and adaptive robust loss $\rho(x, \alpha, c)$, one family for many robust losses.

  With $x$ the residual ``input - target`` and $c$ the scale,

  $$
  \rho(x, \alpha, c) = \frac{|\alpha - 2|}{\alpha}
  \Big(\Big(\frac{(x/c)^2}{|\alpha - 2|} + 1\Big)^{\alpha/2} - 1\Big),
  $$

  with its limits: α = 2 is L2 ($\tfrac12 (x/c)^2$), α = 1 pseudo-Huber /
  Charbonnier ($\sqrt{(x/c)^2 + 1} - 1$), α = 0 Cauchy
  ($\log(\tfrac12 (x/c)^2 + 1)$), α = -2 Geman-McClure, α = -∞ Welsch
  ($1 - e^{-(x/c)^2/2}$). Lower α is more robust to outliers. As Barron's
  reference code, with its float32-epsilon guards near α = 0 and 2.

  Args:
    input: predictions.
    target: targets, the same shape.
    alpha: the shape α (a number, ±inf allowed; 1).
    scale: c > 0, the size of the quadratic bowl near 0 (1).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x, y = jnp.array([0.0, 1.0, 10.0], jnp.float32), jnp.zeros(3, jnp.float32)
    >>> print(lj.barron_loss(x, y, alpha=0.0, reduction="none"))
    [0.        0.4054651 3.9318256]

  References: Barron, "A General and Adaptive Robust Loss Function" (CVPR
  2019); ``robust_loss_pytorch/general.py`` ``lossfun``.
  """
  name = core.loss_name()
  keep, (xf, yf) = core.elementwise(name, where, ("input", input), ("target", target))
  z = jnp.square((xf - yf) / scale)
  if not core.is_static(alpha):  # a learned or swept alpha: the reference's selects
    values = _barron_traced(z, alpha)
  elif alpha in _BARRON_CASES:
    values = _BARRON_CASES[alpha](z)
  else:
    beta = max(_BARRON_EPS, abs(alpha - 2.0))
    a = math.copysign(max(_BARRON_EPS, abs(alpha)), alpha if alpha != 0 else 1.0)
    values = _barron_general(z, alpha, beta, a)
  return core.reduce_loss(name, values, reduction, keep)


#: Barron's special cases of alpha, on z = ((x - y) / scale)^2 (``lossfun``'s, with its
#: overflow guards).
_BARRON_CASES = {
    2.0: lambda z: 0.5 * z,
    0.0: lambda z: jnp.log1p(jnp.minimum(0.5 * z, 33e37)),
    -math.inf: lambda z: -jnp.expm1(-0.5 * z),
    math.inf: lambda z: jnp.expm1(jnp.minimum(0.5 * z, 87.5)),
}
_BARRON_EPS = float(np.finfo(np.float32).eps)  # the reference's guard, whatever the dtype


def _barron_general(z, alpha, beta, a):
  """The general case, with ``beta = max(eps, |alpha - 2|)`` and ``a`` alpha kept at least eps
  away from 0 (its sign kept)."""
  return (beta / a) * (jnp.power(z / beta + 1.0, 0.5 * alpha) - 1.0)


def _barron_traced(z: Array, alpha: Array) -> Array:
  """Barron's loss at a traced alpha, as ``lossfun`` computes it (every case, then a select);
  the general case sees alpha = 1 where a special case is selected, so no inf or 0/0 reaches
  a gradient."""
  a = jnp.where((alpha == 0) | (alpha == 2) | jnp.isinf(alpha), 1.0, alpha)
  beta = jnp.maximum(_BARRON_EPS, jnp.abs(a - 2.0))
  a_safe = jnp.where(a >= 0, 1.0, -1.0) * jnp.maximum(_BARRON_EPS, jnp.abs(a))
  values = _barron_general(z, a, beta, a_safe)
  for case, special in _BARRON_CASES.items():  # the cases exclude each other
    values = jnp.where(alpha == case, special(z), values)
  return values


def _ex_quantile(rng):
  return (rng.normal(size=(5, 3)), rng.normal(size=(5,))), {
      "quantiles": np.array([0.1, 0.5, 0.9])}


def _ex_tweedie(rng):
  # Means away from 0: the second-order finite differences of mu^(1 - p) stay accurate.
  return (rng.uniform(0.6, 3.0, size=(6,)), rng.uniform(0.0, 3.0, size=(6,))), {"power": 1.5}


def _ex_gamma(rng):
  return (rng.uniform(0.6, 3.0, size=(6,)), rng.uniform(0.6, 3.0, size=(6,))), {}


def _ex_crps_gaussian(rng):
  return (rng.normal(size=(6,)), rng.uniform(0.3, 2.0, size=(6,)), rng.normal(size=(6,))), {}


def _ex_crps_ensemble(rng):
  return (rng.normal(size=(5, 7)), rng.normal(size=(5,))), {}


def _ex_barron(rng):
  return (rng.normal(size=(6,)) * 2.0, rng.normal(size=(6,))), {"alpha": -0.5, "scale": 0.7}


SPECS = [
    LossSpec(quantile_loss, None, _ex_quantile, differentiable=("input", "target"),
             batched=("input", "target"), unbounded=("input", "target"),
             source="Koenker & Bassett 1978; scikit-learn mean_pinball_loss"),
    LossSpec(tweedie_deviance, None, _ex_tweedie, differentiable=("input",),
             batched=("input", "target"), bad_options={"power": 0.5},
             source="scikit-learn mean_tweedie_deviance"),
    LossSpec(gamma_deviance, None, _ex_gamma, differentiable=("input", "target"),
             batched=("input", "target"), source="scikit-learn mean_gamma_deviance"),
    LossSpec(crps_gaussian, None, _ex_crps_gaussian,
             differentiable=("input", "scale", "target"), batched=("input", "scale", "target"),
             unbounded=("input", "target"),
             source="Gneiting et al. 2005; properscoring crps_gaussian"),
    LossSpec(crps_ensemble, None, _ex_crps_ensemble,
             differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("input", "target"),
             mismatch=lambda args: (args[0], args[1][:-1]),
             source="Gneiting & Raftery 2007; properscoring crps_ensemble"),
    LossSpec(barron_loss, None, _ex_barron, differentiable=("input", "target"),
             batched=("input", "target"), unbounded=("input", "target"),
             bad_options={"scale": 0.0, "alpha": float("nan")},
             source="Barron 2019; robust_loss_pytorch general.py"),
]
