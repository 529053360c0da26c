"""Fixture cases of the preference family (`lossjax/preference/`).

Fixture cases for the preference losses: TRL's formulas, transcribed into PyTorch.

TRL is not installed (it pulls transformers, accelerate and datasets); each
reference below is the trainer's loss as written in TRL v0.25.0 (tag v0.25.0,
commit 55f5433e15cc6203d3c731f9de5247b00878bebd), with file and lines, run in
torch. Where lossjax takes TRL main's form (commit f2cd5771) it says so.
"""

from __future__ import annotations

import math

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _reduce(loss, reduction):
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _torch_dpo(chosen_logps, rejected_logps, ref_chosen_logps=None, ref_rejected_logps=None, *,
               beta=0.1, loss_type="sigmoid", label_smoothing=0.0, discopop_tau=0.05,
               reduction="mean"):
  """trl/trainer/dpo_trainer.py (v0.25.0) `dpo_loss`, lines 1077-1233: the log-ratios (1077-1109,
  reference_free when no reference is given) and one branch per loss_type (1114-1233).
  bco_pair is TRL main's (trl/trainer/dpo_trainer.py at f2cd5771, `_compute_loss`): v0.25.0
  subtracts a running mean of past rewards (RunningMoments), which is training state."""
  import torch
  import torch.nn.functional as F

  reference_free = ref_chosen_logps is None
  if reference_free:
    ref_chosen_logps = torch.zeros_like(chosen_logps)
    ref_rejected_logps = torch.zeros_like(rejected_logps)
  chosen_logratios = chosen_logps - ref_chosen_logps
  rejected_logratios = rejected_logps - ref_rejected_logps
  logratios = chosen_logps - rejected_logps
  ref_logratios = ref_chosen_logps - ref_rejected_logps
  logits = logratios - ref_logratios
  b, ls = beta, label_smoothing
  if loss_type == "sigmoid":
    losses = -F.logsigmoid(b * logits) * (1 - ls) - F.logsigmoid(-b * logits) * ls
  elif loss_type == "robust":
    losses = (-F.logsigmoid(b * logits) * (1 - ls) + F.logsigmoid(-b * logits) * ls) / (1 - 2 * ls)
  elif loss_type == "exo_pair":
    if ls == 0:
      ls = 1e-3
    losses = (b * logits).sigmoid() * (F.logsigmoid(b * logits) - math.log(1 - ls)) + (
        -b * logits).sigmoid() * (F.logsigmoid(-b * logits) - math.log(ls))
  elif loss_type == "hinge":
    losses = torch.relu(1 - b * logits)
  elif loss_type == "ipo":
    losses = (logits - 1 / (2 * b)) ** 2
  elif loss_type == "bco_pair":
    losses = -F.logsigmoid(b * chosen_logratios) - F.logsigmoid(-b * rejected_logratios)
  elif loss_type == "sppo_hard":
    a, bb = chosen_logratios, rejected_logratios
    losses = (a - 0.5 / b) ** 2 + (bb + 0.5 / b) ** 2
  elif loss_type == "nca_pair":
    cr, rr = chosen_logratios * b, rejected_logratios * b
    losses = -F.logsigmoid(cr) - 0.5 * F.logsigmoid(-cr) - 0.5 * F.logsigmoid(-rr)
  elif loss_type == "aot_pair":
    cs, _ = torch.sort(chosen_logratios, dim=0)
    rs, _ = torch.sort(rejected_logratios, dim=0)
    d = cs - rs
    losses = -F.logsigmoid(b * d) * (1 - ls) - F.logsigmoid(-b * d) * ls
  elif loss_type == "aot":
    ls_, _ = torch.sort(logratios, dim=0)
    rf, _ = torch.sort(ref_logratios, dim=0)
    d = ls_ - rf
    losses = -F.logsigmoid(b * d) * (1 - ls) - F.logsigmoid(-b * d) * ls
  elif loss_type == "apo_zero":
    losses = (1 - F.sigmoid(b * chosen_logratios)) + F.sigmoid(b * rejected_logratios)
  elif loss_type == "apo_down":
    losses = F.sigmoid(b * chosen_logratios) + (
        1 - F.sigmoid(b * (chosen_logratios - rejected_logratios)))
  elif loss_type == "discopop":
    z = b * logits
    m = torch.sigmoid(z / discopop_tau)
    losses = -F.logsigmoid(z) * (1 - m) + torch.exp(-z) * m
  else:
    raise ValueError(loss_type)
  return _reduce(losses, reduction)


def _torch_simpo(chosen_logps, rejected_logps, *, beta=0.1, gamma=0.5, label_smoothing=0.0,
                 reduction="mean"):
  """trl/trainer/cpo_trainer.py (v0.25.0) `cpo_loss`, loss_type="simpo", lines 668-700:
  logits = c - r - simpo_gamma / beta; -logsigmoid(beta*logits)(1-ls) - logsigmoid(-beta*logits) ls."""
  import torch.nn.functional as F

  logits = (chosen_logps - rejected_logps) - gamma / beta
  ls = label_smoothing
  losses = -F.logsigmoid(beta * logits) * (1 - ls) - F.logsigmoid(-beta * logits) * ls
  return _reduce(losses, reduction)


def _torch_orpo(chosen_logps, rejected_logps, *, beta=0.1, reduction="mean"):
  """trl/trainer/orpo_trainer.py (v0.25.0) `odds_ratio_loss`, lines 654-684, negated: TRL's total
  is `policy_nll_loss - losses.mean()` (line 834), with losses = beta * logsigmoid(log_odds)."""
  import torch
  import torch.nn.functional as F

  log_odds = (chosen_logps - rejected_logps) - (
      torch.log1p(-torch.exp(chosen_logps)) - torch.log1p(-torch.exp(rejected_logps)))
  return _reduce(-beta * F.logsigmoid(log_odds), reduction)


def _torch_kto(logps, ref_logps, desirable, kl, *, beta=0.1, desirable_weight=1.0,
               undesirable_weight=1.0, loss_type="kto", reduction="mean"):
  """trl/trainer/kto_trainer.py (v0.25.0) `kto_loss`, lines 1124-1199 (the KL baseline detached and
  clamped at 0, line 1150), on one batch in its own order instead of chosen-then-rejected (the mean
  over examples, `losses.nanmean()` at line 1476, is the same)."""
  import torch

  kl = kl.detach().clamp(min=0) if loss_type == "kto" else torch.zeros_like(kl)
  logratios = logps - ref_logps
  if loss_type == "kto":
    chosen = 1 - torch.sigmoid(beta * (logratios - kl))
    rejected = 1 - torch.sigmoid(beta * (kl - logratios))
  else:  # apo_zero_unpaired
    chosen = 1 - torch.sigmoid(beta * logratios)
    rejected = torch.sigmoid(beta * logratios)
  losses = torch.where(desirable.bool(), desirable_weight * chosen, undesirable_weight * rejected)
  return _reduce(losses, reduction)


def _pairs(n=10, ref=True, mean=False, **kw):
  def build(rng):
    scale = 1.0 if mean else 10.0
    c = -rng.uniform(0.2, 2.0, size=(n,)) * scale
    r = -rng.uniform(0.2, 2.0, size=(n,)) * scale
    args = [("chosen_logps", c), ("rejected_logps", r)]
    if ref:
      args += [("ref_chosen_logps", c + rng.normal(size=(n,)) * 0.3 * scale),
               ("ref_rejected_logps", r + rng.normal(size=(n,)) * 0.3 * scale)]
    return args, dict(kw)
  return build


def _unpaired(n=12, **kw):
  def build(rng):
    lp = -rng.uniform(2.0, 20.0, size=(n,))
    return [("logps", lp), ("ref_logps", lp + rng.normal(size=(n,))),
            ("desirable", rng.uniform(size=(n,)) < 0.5),
            ("kl", np.asarray(rng.uniform(-0.2, 0.5)))], dict(kw)
  return build


_PAIR_GRADS = ("chosen_logps", "rejected_logps")


_ALL_GRADS = (*_PAIR_GRADS, "ref_chosen_logps", "ref_rejected_logps")


_SMOOTHED = ("sigmoid", "robust", "exo_pair", "aot", "aot_pair")


TORCH_REFERENCES["dpo_loss"] = _torch_dpo
TORCH_REFERENCES["simpo_loss"] = _torch_simpo
TORCH_REFERENCES["orpo_loss"] = _torch_orpo
TORCH_REFERENCES["kto_loss"] = _torch_kto


CASES = {
    "dpo_loss": [
        *[Case(t, _pairs(beta=0.5, loss_type=t), grad_args=_ALL_GRADS)
          for t in ("sigmoid", "robust", "exo_pair", "hinge", "ipo", "bco_pair", "sppo_hard",
                    "nca_pair", "aot", "aot_pair", "apo_zero", "apo_down", "discopop")],
        *[Case(f"{t}_smoothed", _pairs(beta=0.2, loss_type=t, label_smoothing=0.15),
               grad_args=_ALL_GRADS) for t in _SMOOTHED],
        Case("reference_free", _pairs(ref=False, beta=0.3), grad_args=_PAIR_GRADS),
        Case("discopop_tau", _pairs(beta=0.1, loss_type="discopop", discopop_tau=0.5),
             grad_args=_ALL_GRADS),
    ],
    "simpo_loss": [
        Case("default", _pairs(ref=False, mean=True), grad_args=_PAIR_GRADS),
        Case("paper_scale", _pairs(ref=False, mean=True, beta=2.5, gamma=1.4, label_smoothing=0.1),
             grad_args=_PAIR_GRADS),
    ],
    "orpo_loss": [
        Case("default", _pairs(ref=False, mean=True), grad_args=_PAIR_GRADS),
        Case("beta", _pairs(ref=False, mean=True, beta=0.5), grad_args=_PAIR_GRADS),
    ],
    "kto_loss": [
        Case("kto", _unpaired(beta=0.5, desirable_weight=1.3, undesirable_weight=0.7),
             grad_args=("logps", "ref_logps")),
        Case("apo_zero_unpaired", _unpaired(loss_type="apo_zero_unpaired"),
             grad_args=("logps", "ref_logps")),
    ],
}
