"""Fixture cases of the probabilistic family (`lossjax/probabilistic/`).

Fixture cases for the first eleven torch.nn losses (the Foundation issue).
"""

from __future__ import annotations

import numpy as np
from torchref import Case


def _softmax(z, axis=-1):
  e = np.exp(z - z.max(axis=axis, keepdims=True))
  return e / e.sum(axis=axis, keepdims=True)


def _kl_cases() -> list[Case]:
  def build_for(shape, log_target=False, zeros=False):
    def build(rng):
      x = np.log(_softmax(rng.normal(size=shape)))
      t = _softmax(rng.normal(size=shape) * 2)
      if zeros:
        t = np.where(rng.uniform(size=shape) < 0.3, 0.0, t)
      if log_target:
        t = np.log(t)
      return [("input", x), ("target", t)], ({"log_target": True} if log_target else {})
    return build

  both = ("input", "target")
  return [
      Case("basic", build_for((5, 4)), grad_args=both),
      Case("log_target", build_for((5, 4), log_target=True), grad_args=both),
      # torch's target gradient at t = 0 is -inf (log 0); lossjax's is 0 by
      # design (finite gradients at zero targets), so only the input gradient
      # is compared there.
      Case("zero_targets", build_for((6, 5), zeros=True), grad_args=("input",)),
      Case("3d", build_for((2, 3, 4)), grad_args=both),
      Case("3d_log_target", build_for((3, 2, 4), log_target=True), grad_args=both),
      Case("vector", build_for((6,)), grad_args=both),
  ]


def _poisson_cases() -> list[Case]:
  def build_for(log_input, full, shape=(5, 4)):
    def build(rng):
      x = rng.normal(size=shape) if log_input else rng.uniform(0.05, 4.0, size=shape)
      # Positive targets on both sides of 1 (Stirling's term applies above 1).
      # Target 0 with full=True gives NaN target gradients in torch, so it is not here.
      t = rng.poisson(2.0, size=shape) + rng.uniform(0.1, 0.9, size=shape)
      return [("input", x), ("target", t)], {"log_input": log_input, "full": full}
    return build

  both = ("input", "target")
  cases = [
      Case(f"log_input_{li}_full_{fu}", build_for(li, fu), grad_args=both)
      for li in (True, False) for fu in (False, True)
  ]

  def counts(rng):
    x = rng.normal(size=(6, 3))
    return [("input", x), ("target", rng.poisson(1.0, size=(6, 3)).astype(np.float64))], {}

  def eps(rng):
    x = rng.uniform(0.0, 2.0, size=(4, 3))
    x[0, 0] = 0.0
    t = rng.poisson(2.0, size=(4, 3)).astype(np.float64)
    return [("input", x), ("target", t)], {"log_input": False, "eps": 1e-3}

  cases += [Case("integer_counts", counts, grad_args=both),
            Case("rate_zero_eps", eps, grad_args=both)]
  return cases


def _gaussian_cases() -> list[Case]:
  def build_for(shape, var_shape, full=False, eps=None, tiny=False):
    def build(rng):
      x, t = rng.normal(size=shape), rng.normal(size=shape)
      if var_shape == "float":
        var = 0.7
      else:
        var = rng.uniform(0.2, 2.0, size=var_shape)
        if tiny:
          var.reshape(-1)[::2] = 1e-9  # below eps: clamped, gradient passed through
      kwargs = {"full": full}
      if eps is not None:
        kwargs["eps"] = eps
      return [("input", x), ("target", t), ("var", var)], kwargs
    return build

  three = ("input", "target", "var")
  return [
      Case("heteroscedastic", build_for((5, 3), (5, 3)), grad_args=three),
      Case("full", build_for((5, 3), (5, 3), full=True), grad_args=three),
      Case("homoscedastic_short", build_for((5, 3), (5,)), grad_args=three),
      Case("homoscedastic_one", build_for((5, 3), (5, 1)), grad_args=three),
      Case("broadcast_middle_axis", build_for((4, 2, 3), (4, 1, 3)), grad_args=three),
      Case("var_below_eps", build_for((4, 3), (4, 3), tiny=True), grad_args=three),
      Case("custom_eps", build_for((4, 3), (4, 3), eps=0.5, tiny=True), grad_args=three),
      Case("float_var", build_for((4, 3), "float", full=True), grad_args=("input", "target")),
  ]


CASES = {
    "kl_div": _kl_cases(),
    "poisson_nll_loss": _poisson_cases(),
    "gaussian_nll_loss": _gaussian_cases(),
}

REDUCTIONS = {
    "kl_div": ("none", "mean", "sum", "batchmean"),
}
