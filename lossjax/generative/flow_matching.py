"""Conditional flow matching: the regression of a velocity field onto the conditional flow of a
probability path between source samples x₀ and data x₁ (torchcfm's matchers), with the
logit-normal timestep weighting of rectified-flow transformers.

Which x₀ is paired with which x₁ (independent, or an optimal-transport plan as in torchcfm's
``ExactOptimalTransportConditionalFlowMatcher``) is the sampler's choice, made before the loss:
pair them, then pass the pairs here.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Choice, Float, declare
from lossjax._spec import LossSpec
from lossjax.generative import per_example

__all__ = ["flow_matching_loss"]


Array = jax.Array

PATHS = ("linear", "target", "variance_preserving", "schrodinger_bridge")


def _path(path: str, x0: Array, x1: Array, t: Array, sigma, noise: Array | None):
  """(μ_t, σ_t ε, u_t) of torchcfm's matcher for `path`; t is aligned with the data."""
  eps = jnp.zeros_like(x0) if noise is None else noise
  if path == "linear":  # ConditionalFlowMatcher (I-CFM)
    return t * x1 + (1.0 - t) * x0, sigma * eps, x1 - x0
  if path == "target":  # TargetConditionalFlowMatcher (Lipman et al.): x0 is the noise
    return t * x1, (1.0 - (1.0 - sigma) * t) * x0, x1 - (1.0 - sigma) * x0
  if path == "variance_preserving":  # VariancePreservingConditionalFlowMatcher
    c, s = jnp.cos(0.5 * math.pi * t), jnp.sin(0.5 * math.pi * t)
    return c * x0 + s * x1, sigma * eps, 0.5 * math.pi * (c * x1 - s * x0)
  # SchrodingerBridgeConditionalFlowMatcher without its OT sampler: σ_t = σ √(t (1 - t)),
  # u_t = (1 - 2t) / (2 t (1 - t) + 1e-8) (x_t - μ_t) + x1 - x0 with x_t - μ_t = σ_t ε; the
  # 1e-8 is torchcfm's, and keeps t = 0 and 1 finite (σ_t is 0 there)
  spread = sigma * jnp.sqrt(t * (1.0 - t)) * eps
  return (t * x1 + (1.0 - t) * x0, spread,
          (1.0 - 2.0 * t) / (2.0 * t * (1.0 - t) + 1e-8) * spread + x1 - x0)


def flow_matching_sample(x0: ArrayLike, x1: ArrayLike, t: ArrayLike, noise: ArrayLike | None = None,
                         *, path: str = "linear", sigma: float = 0.0) -> tuple[Array, Array]:
  r"""The point $x_t$ on a conditional probability path and its conditional flow $u_t$.

  torchcfm's ``sample_location_and_conditional_flow(x0, x1, t)`` for each matcher (``path``,
  see `flow_matching_loss`), with the noise ε given instead of drawn: the model is trained to
  predict $u_t$ from $(x_t, t)$.

  Args:
    x0: source samples ``[N, ...]`` (for ``path="target"``, the Gaussian noise).
    x1: data samples, the same shape.
    t: ``[N]`` times in [0, 1].
    noise: ε, the same shape (needed where ``sigma > 0``, except for ``path="target"``).
    path: "linear" (default), "target", "variance_preserving" or "schrodinger_bridge".
    sigma: the path's σ ≥ 0.

  Returns:
    ``(x_t, u_t)``, each of ``x0``'s shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> xt, ut = lj.flow_matching_sample(jnp.zeros((1, 2)), jnp.ones((1, 2)), jnp.array([0.25]))
    >>> print(xt, ut)
    [[0.25 0.25]] [[1. 1.]]
  """
  if noise is None and path != "target" and not core.static_equals(sigma, 0):
    raise ValueError(f"flow_matching_sample: argument `noise`: got None, expected the noise ε "
                     f"of the path (path={path!r} with sigma > 0 adds σ ε to x_t)")
  dtype = core.compute_dtype(x0, x1)
  x0, x1 = core.to_float(jnp.asarray(x0), dtype), core.to_float(jnp.asarray(x1), dtype)
  tt = per_example.align(core.to_float(jnp.asarray(t), dtype), x0.ndim)
  mu, spread, ut = _path(path, x0, x1, tt, sigma, None if noise is None else
                         core.to_float(jnp.asarray(noise), dtype))
  return mu + spread, ut


def _logit_normal(t: Array, m, s) -> Array:
  """The logit-normal density π(1 - t; m, s) (Esser et al. 2024, eq. 19, whose t = 1 is the
  noise where torchcfm's, and this module's, is the data): 0 at t = 0 and 1, its limit (the
  formula there is 0/0: computed on a t kept inside (0, 1)). A NaN t stays NaN."""
  inside = ~((t <= 0) | (t >= 1))  # NaN takes the computing branch
  tc = jnp.where(inside, t, 0.5)
  z = (jnp.log1p(-tc) - jnp.log(tc) - m) / s  # logit(1 - t)
  density = jnp.exp(-0.5 * z * z) / (s * math.sqrt(2.0 * math.pi) * tc * (1.0 - tc))
  return jnp.where(inside, density, jnp.zeros_like(density))


@declare(velocity=FLOAT.at_least(1, "[N, ...]"), x0=FLOAT.same_as("velocity"),
         x1=FLOAT.same_as("velocity"), t=FLOAT.one_per_row_of("velocity"),
         noise=dataclasses.replace(FLOAT, optional=True).same_as("velocity"),
         path=Choice(PATHS), sigma=Float(lo=0.0), weighting=Choice(("none", "logit_normal")),
         logit_mean=Float(), logit_std=Float(lo=0.0, lo_open=True))
def flow_matching_loss(
    velocity: ArrayLike,
    x0: ArrayLike,
    x1: ArrayLike,
    t: ArrayLike,
    noise: ArrayLike | None = None,
    *,
    path: str = "linear",
    sigma: float = 0.0,
    weighting: str = "none",
    logit_mean: float = 0.0,
    logit_std: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Conditional flow matching: $\|v_\theta(x_t, t) - u_t(x \mid x_0, x_1)\|^2$.

  Per example, the mean over the non-batch axes of $w(t)\,(v - u_t)^2$, where $u_t$ is the
  conditional flow of torchcfm's matcher (Tong et al. 2024):

  - ``"linear"`` (``ConditionalFlowMatcher``, rectified flow): $x_t = t x_1 + (1-t) x_0 +
    \sigma\varepsilon$, $u_t = x_1 - x_0$.
  - ``"target"`` (``TargetConditionalFlowMatcher``, Lipman et al. 2023), with $x_0$ the
    Gaussian noise: $x_t = t x_1 + (1 - (1-\sigma) t) x_0$, $u_t = x_1 - (1-\sigma) x_0$
    (torchcfm computes it as $(x_1 - (1-\sigma) x_t)/(1 - (1-\sigma) t)$, which is 0/0, NaN,
    at t = 1 with σ = 0; this is its limit there).
  - ``"variance_preserving"``: $x_t = \cos(\tfrac{\pi t}{2}) x_0 +
    \sin(\tfrac{\pi t}{2}) x_1 + \sigma\varepsilon$, and
    $u_t = \tfrac{\pi}{2}(\cos(\tfrac{\pi t}{2}) x_1 - \sin(\tfrac{\pi t}{2}) x_0)$.
  - ``"schrodinger_bridge"`` (the matcher's flow, without its optimal-transport sampler):
    $\sigma_t = \sigma\sqrt{t(1-t)}$, $u_t = \frac{1-2t}{2t(1-t) + 10^{-8}}\,\sigma_t
    \varepsilon + x_1 - x_0$ (torchcfm's $10^{-8}$; needs ``noise`` when σ > 0).

  ``weighting="logit_normal"`` weighs each example by the logit-normal density of
  rectified-flow transformers (Esser et al. 2024, eq. 19), $\pi(\tau; m, s) =
  \frac{1}{s\sqrt{2\pi}}\frac{1}{\tau(1-\tau)}
  \exp\!\big(-\frac{(\mathrm{logit}\,\tau - m)^2}{2s^2}\big)$ at the paper's time
  $\tau = 1 - t$ (its τ = 1 is the noise, where t = 1 here is the data): the loss of
  uniformly drawn times weighted as if drawn from it, and $m > 0$ favours the noisier times,
  as in the paper.
  Optimal-transport pairing (torchcfm's ``ExactOptimalTransportConditionalFlowMatcher``) is a
  sampler, not a loss: pair ``x0`` and ``x1`` before calling.

  Args:
    velocity: the model's $v_\theta(x_t, t)$, ``[N, ...]``.
    x0: source samples (noise), the velocity's shape.
    x1: data samples, the velocity's shape.
    t: ``[N]`` times in [0, 1].
    noise: optional ε of the velocity's shape: only the Schrödinger-bridge flow reads it.
    path: "linear" (default), "target", "variance_preserving" or "schrodinger_bridge".
    sigma: the path's σ ≥ 0 (0). The flow itself depends on it only for "target" and
      "schrodinger_bridge"; the other paths' σ enters x_t alone (`flow_matching_sample`).
    weighting: "none" (default) or "logit_normal".
    logit_mean: the logit-normal's m, in the paper's convention (0).
    logit_std: the logit-normal's s > 0 (1).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
    where: ``[N]`` boolean mask of examples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x0, x1, v = jnp.sin(jnp.arange(24.0)).reshape(3, 4, 2)
    >>> t = jnp.array([0.1, 0.5, 0.9, 0.3])
    >>> print(f"{lj.flow_matching_loss(v, x0, x1, t):.4f}")
    0.8986

  References: Lipman et al., "Flow Matching for Generative Modeling" (2023); Liu et al.,
  "Flow Straight and Fast" (2023); Tong et al., "Improving and Generalizing Flow-Based
  Generative Models with Minibatch Optimal Transport" (2024) and torchcfm
  ``torchcfm/conditional_flow_matching.py``; Esser et al., "Scaling Rectified Flow
  Transformers for High-Resolution Image Synthesis" (2024).
  """
  name = core.loss_name()
  data = [velocity, x0, x1] + ([] if noise is None else [noise])
  keep, arrays, (tt,) = per_example.inputs(name, where, data, [(t, 0.5)])
  v, a0, a1 = arrays[:3]
  eps = arrays[3] if noise is not None else None
  def outside(a):
    return (a < 0) | (a > 1)
  core.check_values(name, "t", t, outside, "times in [0, 1]", where=where)
  if path == "schrodinger_bridge" and eps is None and not core.static_equals(sigma, 0):
    raise ValueError(f"{name}: argument `noise`: got None, expected the noise ε of the path "
                     f"(path='schrodinger_bridge' with sigma > 0 reads it)")
  tt = core.poison(tt, outside(tt))
  _, _, ut = _path(path, a0, a1, per_example.align(tt, v.ndim), sigma, eps)
  values = per_example.mean((v - ut) ** 2)
  if weighting == "logit_normal":
    values = values * _logit_normal(tt, logit_mean, logit_std)
  return core.reduce_loss(name, values, reduction, keep)


def _ex_flow(rng):
  shape = (5, 3, 2)
  return ((rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape) + 2.0,
           rng.uniform(0.05, 0.95, size=5), rng.normal(size=shape)),
          {"path": "schrodinger_bridge", "sigma": 0.3, "weighting": "logit_normal",
           "logit_std": 1.2})


def _flow_mismatch(args):
  return args[:3] + (args[3][:-1],) + args[4:]


SPECS = [
    LossSpec(flow_matching_loss, None, _ex_flow, differentiable=("velocity",),
             batched=("velocity", "x0", "x1", "t", "noise"), unbounded=("velocity",),
             mismatch=_flow_mismatch,
             source="Lipman et al. 2023; torchcfm matchers (Tong et al. 2024); logit-normal "
                    "weighting (Esser et al. 2024)"),
]
