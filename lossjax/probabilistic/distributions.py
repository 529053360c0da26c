"""Probabilistic losses with torch twins: KL divergence, Poisson NLL, Gaussian NLL."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import ANY, FLOAT, REAL, VECTOR_AXIS, Bool, Float, declare
from lossjax._spec import LossSpec

__all__ = ["kl_div", "poisson_nll_loss", "gaussian_nll_loss", "generalized_kl_div", "js_divergence"]


Array = jax.Array


@declare(input=FLOAT, target=REAL.same_as("input"), log_target=Bool(), reductions=("batchmean",))
def kl_div(
    input: ArrayLike,
    target: ArrayLike,
    *,
    log_target: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Kullback-Leibler divergence $\mathrm{KL}(t \,\|\, p)$ with ``input = log p``.

  The twin of ``torch.nn.functional.kl_div``: per element
  $\ell = t (\log t - x)$ (0 where $t = 0$), or with
  ``log_target=True`` $\ell = e^{t} (t - x)$.

  "mean" averages over every element, as torch does; "batchmean" divides the
  sum by the batch size (the first axis), which is the mathematical KL per
  sample. With ``where``, "batchmean" divides by the counted elements
  expressed in rows (the number of rows when whole rows are masked).

  At $t = 0$ the loss and its gradients wrt both arguments are 0, as in
  torch (optax #1786 gave NaN); a ``-inf`` log-probability under a zero
  target is 0 as well (torch gives NaN).

  Args:
    input: log-probabilities, any shape.
    target: probabilities (or log-probabilities with ``log_target``) of
      exactly the input's shape.
    log_target: whether ``target`` is given in log space.
    reduction: "mean" (default, torch's), "batchmean", "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> logp = jax.nn.log_softmax(jnp.array([[1.0, 2.0, 0.5]]))
    >>> print(f"{lj.kl_div(logp, jnp.array([[0.2, 0.5, 0.3]]), reduction='batchmean'):.4f}")
    0.0847

  References: PyTorch ``torch.nn.KLDivLoss``.
  """
  name = core.loss_name()
  keep, (xf, tf) = core.elementwise(name, where, ("input", input), ("target", target))
  if log_target:
    # e^t (t - x); a -inf log-target is a zero probability: loss 0, not 0 * inf.
    zero = tf == -jnp.inf
    t_safe = jnp.where(zero, jnp.zeros_like(tf), tf)
    x_safe = jnp.where(zero, jnp.zeros_like(xf), xf)
    values = jnp.where(zero, jnp.zeros_like(tf), jnp.exp(t_safe) * (t_safe - x_safe))
  else:
    # Double-where: t log t - t x at t <= 0 is defined as 0 with zero gradients,
    # and neither log(0) nor 0 * (-inf) may reach the backward pass. A NaN
    # target takes the computing branch (NaN in, NaN out).
    pos = core.above_zero(tf)
    t_safe = jnp.where(pos, tf, jnp.ones_like(tf))
    x_safe = jnp.where(pos, xf, jnp.zeros_like(xf))
    values = jnp.where(pos, t_safe * (jnp.log(t_safe) - x_safe), jnp.zeros_like(tf))
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"), log_input=Bool(), full=Bool(), eps=Float(lo=0.0))
def poisson_nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Negative log-likelihood of a Poisson target.

  The twin of ``torch.nn.functional.poisson_nll_loss``: per element
  $\ell = e^{x} - t x$ (``log_input=True``, ``x`` is the log-rate) or
  $\ell = x - t \log(x + \epsilon)$ (``log_input=False``, ``x`` is the
  rate). ``full=True`` adds Stirling's term
  $t \log t - t + \tfrac12 \log(2\pi t)$ for targets above 1.

  Args:
    input: log-rates (or rates), any shape.
    target: counts of exactly the input's shape.
    log_input: whether ``input`` is the log of the rate.
    full: add the Stirling approximation term.
    eps: added to the rate inside the log when ``log_input=False``.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  A rate of 0 (``log_input=False`` with ``x = 0``, or a ``-inf`` log-rate with
  target 0) gives a finite loss and gradient.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.poisson_nll_loss(jnp.array([0.0, 1.0]), jnp.array([1.0, 3.0])):.4f}")
    0.3591

  References: PyTorch ``torch.nn.PoissonNLLLoss``.
  """
  name = core.loss_name()
  keep, (xf, tf) = core.elementwise(name, where, ("input", input), ("target", target),
                                    fill={"input": 0.0 if log_input else 1.0})
  if log_input:
    # A -inf log-rate is rate 0: clip so 0 * (-inf) cannot appear.
    xf = core.finite_logits(xf)
    values = jnp.exp(xf) - tf * xf
  else:
    values = xf - tf * jnp.log(xf + eps)
  if full:
    # Stirling's term only where t > 1; double-where keeps log(0) out of the gradient.
    big = tf > 1
    t_safe = jnp.where(big, tf, jnp.full_like(tf, 2.0))
    stirling = t_safe * jnp.log(t_safe) - t_safe + 0.5 * jnp.log(2 * math.pi * t_safe)
    values = values + jnp.where(big, stirling, jnp.zeros_like(tf))
  return core.reduce_loss(name, values, reduction, keep)


def _gaussian_var(name: str, var, x: Array, keep: Array | None) -> Array:
  """torch's rules for the shape of `var` (as of 2.13), returning it broadcast to x.

  A Python float variance is weakly typed (it does not widen the math), as a
  Python float input would be."""
  if isinstance(var, (int, float)) and not isinstance(var, bool):
    core.check_values(name, "var", np.asarray(var), lambda a: a < 0,
                      "a non-negative variance (var has negative entry/entries)")
    return jnp.full(x.shape, float(var), core.compute_dtype(x))
  v = core.as_array(name, "var", var)
  core.check_float(name, "var", v)
  if v.shape != x.shape:
    if x.shape[:-1] == v.shape:
      # Homoscedastic: one variance per row of the last axis.
      v = v[..., None]
    elif x.ndim == v.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1:
      pass  # exactly one broadcast (size-1) axis
    else:
      raise ValueError(
          f"{name}: argument `var` has shape {v.shape}, expected {x.shape}, {x.shape[:-1]}, "
          "or the input's shape with one axis of size 1 (torch: var is of incorrect size)"
      )
  v = jnp.broadcast_to(v, x.shape)
  core.check_values(name, "var", v, lambda a: a < 0,
                    "non-negative variances (var has negative entry/entries)", where=keep)
  return v


@declare(input=FLOAT, target=REAL.same_as("input"), var=ANY, full=Bool(), eps=Float(lo=0.0))
def gaussian_nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    var: ArrayLike | float,
    *,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Negative log-likelihood of a target under a Gaussian with predicted mean and variance.

  The twin of ``torch.nn.functional.gaussian_nll_loss``: per element
  $\ell = \tfrac12 [\log \max(v, \epsilon) + (x - t)^2 / \max(v, \epsilon)]$
  (+ $\tfrac12\log 2\pi$ with ``full``). As in torch, the clamp at
  ``eps`` does not stop gradients: the gradient wrt ``var`` is taken at the
  clamped value and passed through.

  Args:
    input: predicted means, any shape.
    target: targets of exactly the input's shape.
    var: predicted variances: the input's shape, the input's shape without the
      last axis (homoscedastic), the input's shape with one axis of size 1, or
      a non-negative Python float.
    full: include the constant term.
    eps: lower clamp of the variance.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> mu, y = jnp.array([0.0, 1.0]), jnp.array([0.5, 0.0])
    >>> print(f"{lj.gaussian_nll_loss(mu, y, jnp.array([1.0, 2.0])):.4f}")
    0.3608

  References: PyTorch ``torch.nn.GaussianNLLLoss``; Nix & Weigend (1994).
  """
  name = core.loss_name()
  keep = core.as_mask(name, where, input.shape)
  v = _gaussian_var(name, var, input, keep)
  keep, (xf, tf, vf) = core.elementwise(name, keep, ("input", input), ("target", target),
                                        ("var", v), fill={"var": 1.0})
  vf = core.clamp_min_keep_grad(vf, eps)
  values = 0.5 * (jnp.log(vf) + jnp.square(xf - tf) / vf)
  if full:
    values = values + 0.5 * math.log(2 * math.pi)
  return core.reduce_loss(name, values, reduction, keep)


def _xlogx_over(t: Array, log_ratio_fn) -> Array:
  """t * log(t / p) with 0 at t = 0, value and gradients (double-where); NaN stays NaN."""
  pos = core.above_zero(t)
  t_safe = jnp.where(pos, t, jnp.ones_like(t))
  return jnp.where(pos, t_safe * log_ratio_fn(t_safe), jnp.zeros_like(t))


@declare(input=FLOAT, target=REAL.same_as("input"), log_input=Bool())
def generalized_kl_div(
    input: ArrayLike,
    target: ArrayLike,
    *,
    log_input: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Generalized KL (I-divergence) for non-negative, unnormalised inputs.

  Per element $\ell = t \log(t / p) - t + p$ (Lee & Seung's NMF
  divergence), with $0 \log 0 = 0$: a zero target gives ``p`` with
  finite gradients. With ``log_input=True``, ``input`` is $\log p$.
  Summed over the last axis it equals optax's
  ``generalized_kl_divergence``.

  Args:
    input: predictions p >= 0 (or log p), any shape.
    target: targets t >= 0 of exactly the input's shape.
    log_input: whether ``input`` is log p.
    reduction: "mean" (default, over elements), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.generalized_kl_div(jnp.array([1.0, 2.0]), jnp.array([0.5, 0.0])):.4f}")
    1.0767

  References: Lee & Seung, "Algorithms for Non-negative Matrix
  Factorization" (NIPS 2000); optax ``generalized_kl_divergence``.
  """
  name = core.loss_name()
  keep, (x, t) = core.elementwise(name, where, ("input", input), ("target", target),
                                  fill={"input": 0.0 if log_input else 1.0, "target": 1.0})
  if not log_input:
    core.check_values(name, "input", input, lambda a: a < 0, "non-negative values", where=keep)
  core.check_values(name, "target", target, lambda a: a < 0, "non-negative values", where=keep)
  log_p = x if log_input else jnp.log(x)
  p = jnp.exp(x) if log_input else x
  values = _xlogx_over(t, lambda ts: jnp.log(ts) - log_p) - t + p
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT.at_least(1, "a distribution axis"), target=FLOAT.same_as("input"),
         log_input=Bool(), axis=VECTOR_AXIS)
def js_divergence(
    input: ArrayLike,
    target: ArrayLike,
    *,
    log_input: bool = False,
    axis: int = -1,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Jensen-Shannon divergence between two distributions along ``axis``.

  $$
  \mathrm{JS}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) +
  \tfrac12 \mathrm{KL}(q \,\|\, m), \qquad m = \tfrac12 (p + q),
  $$

  in nats, symmetric and bounded by $\log 2$. Zero probabilities
  contribute 0, with finite gradients. Equal to scipy's
  ``jensenshannon(p, q) ** 2``.

  Args:
    input: probabilities p (or log p with ``log_input``), any shape.
    target: probabilities q of exactly the input's shape (or log q).
    log_input: whether both are given as log-probabilities.
    axis: the distribution axis.
    reduction: "mean" (default, over distributions), "sum" or "none".
    where: boolean mask broadcastable to the per-distribution loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.js_divergence(jnp.array([0.5, 0.5, 0.0]), jnp.array([0.0, 0.5, 0.5])):.4f}")
    0.3466

  References: Lin, "Divergence measures based on the Shannon entropy"
  (1991); scipy ``spatial.distance.jensenshannon``.
  """
  name = core.loss_name()
  keep = core.as_mask(name, where, core.batch_shape(input, axis))
  dtype = core.compute_dtype(input, target)
  x, t = (core.masked_fill(core.mask_at(keep, axis), core.to_float(a, dtype))
          for a in (input, target))
  p, q = (jnp.exp(x), jnp.exp(t)) if log_input else (x, t)
  m = 0.5 * (p + q)
  m_safe = jnp.where(m > 0, m, jnp.ones_like(m))
  kl_pm = _xlogx_over(p, lambda ps: jnp.log(ps) - jnp.log(m_safe))
  kl_qm = _xlogx_over(q, lambda qs: jnp.log(qs) - jnp.log(m_safe))
  values = 0.5 * jnp.sum(kl_pm + kl_qm, axis=axis)
  return core.reduce_loss(name, values, reduction, keep)


def _softmax_np(z):
  e = np.exp(z - z.max(axis=-1, keepdims=True))
  return e / e.sum(axis=-1, keepdims=True)


def _ex_generalized_kl(rng):
  return (rng.uniform(0.1, 3.0, size=(6, 4)), rng.uniform(0.1, 3.0, size=(6, 4))), {}


def _ex_js(rng):
  return (_softmax_np(rng.normal(size=(6, 5))), _softmax_np(rng.normal(size=(6, 5)))), {}


def _ex_kl_div(rng):
  return (np.log(_softmax_np(rng.normal(size=(6, 5)))), _softmax_np(rng.normal(size=(6, 5)))), {}


def _ex_poisson(rng):
  return (rng.normal(size=(6, 3)), rng.poisson(2.0, size=(6, 3)).astype(np.float64) + 0.5), {
      "full": True
  }


def _ex_gaussian(rng):
  return (rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), rng.uniform(0.5, 2.0, size=(6, 3))), {}


SPECS = [
    LossSpec(kl_div, "KLDivLoss", _ex_kl_div,
             differentiable=("input", "target"), batched=("input", "target"),
             extra_reductions=("batchmean",),
             unbounded=("input",)),
    LossSpec(poisson_nll_loss, "PoissonNLLLoss", _ex_poisson,
             differentiable=("input", "target"), batched=("input", "target"),
             unbounded=("target",)),
    LossSpec(gaussian_nll_loss, "GaussianNLLLoss", _ex_gaussian,
             differentiable=("input", "target", "var"), batched=("input", "target", "var"),
             unbounded=("input", "target")),
    LossSpec(generalized_kl_div, None, _ex_generalized_kl,
             differentiable=("input", "target"), batched=("input", "target"),
             source="Lee & Seung 2000 (I-divergence); optax generalized_kl_divergence"),
    LossSpec(js_divergence, None, _ex_js, differentiable=("input", "target"),
             batched=("input", "target"), bad_options={"axis": 3},
             source="Lin 1991; scipy jensenshannon**2"),
]
