"""Fixture cases of the regression family (`lossjax/regression/`).

Fixture cases for losses without a torch.nn twin, from torch implementations of
their sources' formulas (written here, run by the generator with real torch).

Fixture cases for the forecasting and robust-regression losses, their sources in torch.

- quantile_loss: scikit-learn 1.9.1 sklearn/metrics/_regression.py mean_pinball_loss, lines
  390-393 (sign = diff >= 0; alpha * sign * diff - (1 - alpha) * (1 - sign) * diff).
- tweedie_deviance, gamma_deviance: the same file, _mean_tweedie_deviance lines 1369-1394.
- crps_gaussian: properscoring 0.1 _crps.py lines 66-72; crps_ensemble: lines 221-230 (the
  vectorized energy form, all M^2 pairs).
- barron_loss: jonbarron/robust_loss_pytorch (9831f1d) robust_loss_pytorch/general.py lossfun,
  lines 84-118, with util.py's log1p_safe / expm1_safe (lines 34-49).
scikit-learn itself is also run, in tests/regression/test_forecasting.py.

Fixture cases for the first eleven torch.nn losses (the Foundation issue).
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case
from torchref import reduce_masked as _reduce


def _reduce_plain(loss, reduction):
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _torch_log_cosh(input, target, *, reduction="mean"):
  import torch

  return _reduce_plain(torch.log(torch.cosh(input - target)), reduction)


def _torch_charbonnier(input, target, *, eps=1e-3, reduction="mean"):
  import torch

  return _reduce_plain(torch.sqrt((input - target) ** 2 + eps**2), reduction)


def _torch_msle(input, target, *, reduction="mean"):
  import torch

  return _reduce_plain((torch.log1p(input) - torch.log1p(target)) ** 2, reduction)


def _torch_mape(input, target, *, eps=2.220446049250313e-16, reduction="mean"):
  # scikit-learn's mean_absolute_percentage_error, per element.

  return _reduce_plain((input - target).abs() / target.abs().clamp_min(eps), reduction)


def _torch_cosine_similarity_loss(input, target, *, axis=-1, eps=1e-8, reduction="mean"):
  import torch.nn.functional as F

  return _reduce_plain(1 - F.cosine_similarity(input, target, dim=axis, eps=eps), reduction)


def _pair(shape, scale, *, zero_target=False, tiny=False, **kw):
  def build(rng):
    x, t = rng.normal(size=shape) * scale, rng.normal(size=shape)
    if zero_target:
      t[0] = 0.0
    if tiny:
      t = t * 1e-9
    return [("input", x), ("target", t)], dict(kw)
  return build


def _nonneg(shape):
  def build(rng):
    return [("input", rng.uniform(0, 3, size=shape)), ("target", rng.uniform(0, 3, size=shape))], {}
  return build


def _torch_quantile(y_pred, y_true, *, quantiles=0.5, reduction="mean", where=None):
  import torch

  alpha = torch.as_tensor(quantiles, dtype=y_pred.dtype)
  if alpha.ndim == 1:
    y_true = y_true[..., None]
  diff = y_true - y_pred
  sign = (diff >= 0).to(diff.dtype)
  loss = alpha * sign * diff - (1 - alpha) * (1 - sign) * diff
  return _reduce(loss, reduction, where)


def _tweedie(y_pred, y_true, power):
  import torch

  p = power
  if p < 0:
    return 2 * (torch.pow(torch.where(y_true > 0, y_true, 0.0), 2 - p) / ((1 - p) * (2 - p))
                - y_true * torch.pow(y_pred, 1 - p) / (1 - p) + torch.pow(y_pred, 2 - p) / (2 - p))
  if p == 0:
    return (y_true - y_pred) ** 2
  if p == 1:
    return 2 * (torch.xlogy(y_true, y_true / y_pred) - y_true + y_pred)
  if p == 2:
    return 2 * (torch.log(y_pred / y_true) + y_true / y_pred - 1)
  return 2 * (torch.pow(y_true, 2 - p) / ((1 - p) * (2 - p))
              - y_true * torch.pow(y_pred, 1 - p) / (1 - p) + torch.pow(y_pred, 2 - p) / (2 - p))


def _torch_tweedie(y_pred, y_true, *, power=1.5, reduction="mean", where=None):
  return _reduce(_tweedie(y_pred, y_true, power), reduction, where)


def _torch_gamma(y_pred, y_true, *, reduction="mean", where=None):
  return _reduce(_tweedie(y_pred, y_true, 2), reduction, where)


def _torch_crps_gaussian(mu, sig, x, *, reduction="mean", where=None):
  import math

  import torch

  sx = (x - mu) / sig
  pdf = torch.exp(-(sx**2) / 2) / math.sqrt(2 * math.pi)
  cdf = torch.special.ndtr(sx)
  crps = sig * (sx * (2 * cdf - 1) + 2 * pdf - 1 / math.sqrt(math.pi))
  return _reduce(crps, reduction, where)


def _torch_crps_ensemble(forecasts, observations, *, reduction="mean", where=None):
  import torch

  score = torch.mean(torch.abs(forecasts - observations[..., None]), -1)
  forecasts_diff = torch.abs(forecasts[..., :, None] - forecasts[..., None, :])
  score = score - 0.5 * forecasts_diff.mean(dim=(-2, -1))
  return _reduce(score, reduction, where)


def _torch_barron(input, target, *, alpha=1.0, scale=1.0, reduction="mean", where=None):
  import numpy as np
  import torch

  x = input - target
  alpha = torch.as_tensor(alpha, dtype=x.dtype)
  scale = torch.as_tensor(scale, dtype=x.dtype)
  squared_scaled_x = (x / scale) ** 2
  loss_two = 0.5 * squared_scaled_x
  loss_zero = torch.log1p(torch.min(0.5 * squared_scaled_x, torch.tensor(33e37, dtype=x.dtype)))
  loss_neginf = -torch.expm1(-0.5 * squared_scaled_x)
  loss_posinf = torch.expm1(torch.min(0.5 * squared_scaled_x, torch.tensor(87.5, dtype=x.dtype)))
  machine_epsilon = torch.tensor(np.finfo(np.float32).eps, dtype=x.dtype)
  beta_safe = torch.max(machine_epsilon, torch.abs(alpha - 2.0))
  alpha_safe = torch.where(alpha >= 0, torch.ones_like(alpha), -torch.ones_like(alpha)) * torch.max(
      machine_epsilon, torch.abs(alpha))
  loss_otherwise = (beta_safe / alpha_safe) * (
      torch.pow(squared_scaled_x / beta_safe + 1.0, 0.5 * alpha) - 1.0)
  # general.py lines 111-118 select with torch.where over all five branches. Its value is kept,
  # but at alpha = -inf the unselected general branch (beta_safe / alpha_safe = inf / -inf)
  # makes torch's gradient NaN through the where, so the branch is chosen first here (alpha is
  # one number): the same value, and the gradient of the branch that computes it.
  branches = {-float("inf"): loss_neginf, 0.0: loss_zero, 2.0: loss_two,
              float("inf"): loss_posinf}
  loss = branches.get(float(alpha), loss_otherwise)
  return _reduce(loss, reduction, where)


def _pair_forecasting(n, lo=None, where=False, target_lo=None, **kw):
  def build(rng):
    pred = rng.uniform(lo, 3.0, size=(n,)) if lo is not None else rng.normal(size=(n,)) * 2
    y = rng.uniform(target_lo, 3.0, size=(n,)) if target_lo is not None else rng.normal(size=(n,))
    opts = dict(kw)
    if where:
      opts["where"] = np.arange(n) % 4 != 2
    return [("input", pred), ("target", y)], opts
  return build


def _fan(n, q, where=False):
  def build(rng):
    opts = {"quantiles": np.linspace(0.05, 0.95, q)}
    if where:
      opts["where"] = np.arange(n) % 3 != 0
    return [("input", rng.normal(size=(n, q))), ("target", rng.normal(size=(n,)))], opts
  return build


def _pair_cases(weighted: bool, **opts) -> list[Case]:
  def build_for(shape, scale=1.0, use_weight=False, **kw):
    def build(rng):
      kwargs = dict(kw)
      if use_weight:
        kwargs["weight"] = rng.uniform(0.2, 3.0, size=shape)
      return [("input", rng.normal(size=shape) * scale), ("target", rng.normal(size=shape))], kwargs
    return build

  def ties(rng):
    # input == target exactly on half the elements: torch's l1 gradient there is
    # sign(0) = 0 (JAX's abs would give 1).
    x, t = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    x[::2] = t[::2]
    return [("input", x), ("target", t)], dict(opts and {k: v[-1] for k, v in opts.items()})

  both = ("input", "target")
  cases = [
      Case("basic", build_for((5, 3)), grad_args=both),
      Case("ties", ties, grad_args=both),
      Case("3d", build_for((2, 3, 4), scale=3.0), grad_args=both),
      Case("scalar", build_for(()), grad_args=both),
  ]
  if weighted:
    cases.append(Case("weight", build_for((5, 4), scale=2.0, use_weight=True), grad_args=both))
  for key, values in opts.items():
    for v in values:
      cases.append(Case(f"{key}_{v}", build_for((6, 4), scale=2.0, **{key: v}), grad_args=both))
  if weighted and opts:
    key, values = next(iter(opts.items()))
    cases.append(Case(f"{key}_{values[-1]}_weight",
                      build_for((5, 3), scale=2.0, use_weight=True, **{key: values[-1]}),
                      grad_args=both))
  return cases


TORCH_REFERENCES["log_cosh_loss"] = _torch_log_cosh
TORCH_REFERENCES["charbonnier_loss"] = _torch_charbonnier
TORCH_REFERENCES["msle_loss"] = _torch_msle
TORCH_REFERENCES["mape_loss"] = _torch_mape
TORCH_REFERENCES["cosine_similarity_loss"] = _torch_cosine_similarity_loss
TORCH_REFERENCES["quantile_loss"] = _torch_quantile
TORCH_REFERENCES["tweedie_deviance"] = _torch_tweedie
TORCH_REFERENCES["gamma_deviance"] = _torch_gamma
TORCH_REFERENCES["crps_gaussian"] = _torch_crps_gaussian
TORCH_REFERENCES["crps_ensemble"] = _torch_crps_ensemble
TORCH_REFERENCES["barron_loss"] = _torch_barron


CASES = {
    "log_cosh_loss": [
        Case("basic", _pair((6, 4), 3.0), grad_args=("input", "target")),
    ],
    "charbonnier_loss": [
        Case("basic", _pair((6, 4), 1.0), grad_args=("input", "target")),
        Case("eps", _pair((5, 3), 0.01, eps=0.1), grad_args=("input", "target")),
    ],
    "msle_loss": [
        Case("basic", _nonneg((6, 4)), grad_args=("input", "target")),
    ],
    "mape_loss": [
        Case("basic", _pair((6, 4), 2.0), grad_args=("input",)),
        Case("zero_target_eps", _pair((4, 3), 2.0, zero_target=True, eps=1e-3),
             grad_args=("input",)),
    ],
    "cosine_similarity_loss": [
        Case("basic", _pair((6, 4), 1.0), grad_args=("input", "target")),
        Case("axis0", _pair((5, 3), 1.0, axis=0), grad_args=("input", "target")),
        # Both norms below eps: torch clamps each norm (not their product).
        Case("tiny_vectors", _pair((4, 3), 1e-9, tiny=True, eps=1e-8),
             grad_args=("input", "target")),
    ],
    "quantile_loss": [
        Case("median", _pair_forecasting(9, quantiles=0.5), grad_args=("input", "target")),
        Case("q0.9_masked", _pair_forecasting(9, quantiles=0.9, where=True), grad_args=("input", "target")),
        Case("fan_of_5", _fan(7, 5), grad_args=("input", "target")),
    ],
    "tweedie_deviance": [
        Case(f"power_{p}", _pair_forecasting(9, lo=0.2, target_lo=lo_y, power=p), grad_args=("input",))
        for p, lo_y in ((1.5, 0.0), (1.2, 0.0), (-1.0, -2.0), (0.0, -2.0), (1.0, 0.0), (3.0, 0.1))
    ] + [Case("power_1.5_masked", _pair_forecasting(9, lo=0.2, target_lo=0.0, power=1.5, where=True),
              grad_args=("input",))],
    "gamma_deviance": [
        Case("default", _pair_forecasting(9, lo=0.2, target_lo=0.2), grad_args=("input", "target")),
    ],
    "crps_gaussian": [
        Case("default", lambda rng: ([("input", rng.normal(size=(9,))),
                                      ("scale", rng.uniform(0.2, 2.0, size=(9,))),
                                      ("target", rng.normal(size=(9,)))], {}),
             grad_args=("input", "scale", "target")),
    ],
    "crps_ensemble": [
        Case("members_8", lambda rng: ([("input", rng.normal(size=(6, 8))),
                                        ("target", rng.normal(size=(6,)))], {}),
             grad_args=("input", "target")),
        Case("masked_2d", lambda rng: ([("input", rng.normal(size=(3, 4, 5))),
                                        ("target", rng.normal(size=(3, 4)))],
                                       {"where": rng.uniform(size=(3, 4)) < 0.7}),
             grad_args=("input", "target")),
    ],
    "barron_loss": [
        Case(f"alpha_{a}", _pair_forecasting(9, alpha=a, scale=0.8), grad_args=("input", "target"))
        for a in (-float("inf"), -2.0, -0.5, 0.0, 1.0, 1.5, 2.0, 4.0)
    ],
    "mse_loss": _pair_cases(weighted=True),
    "l1_loss": _pair_cases(weighted=True),
    "smooth_l1_loss": _pair_cases(weighted=False, beta=[1.0, 0.5, 0.0, 2.5]),
    "huber_loss": _pair_cases(weighted=True, delta=[1.0, 0.3, 2.5]),
}
