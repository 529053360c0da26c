"""Fixture cases for VICReg and Barlow Twins: the reference repositories' forward passes in torch.

- vicreg_loss: facebookresearch/vicreg main_vicreg.py (4e12602f) VICReg.forward, lines
  198-218, on one device (FullGatherLayer is the identity), and off_diagonal (line 242).
- barlow_twins_loss: facebookresearch/barlowtwins main.py (8e8d284c) BarlowTwins.forward,
  lines 205-220, on one device (no all_reduce), with nn.BatchNorm1d(affine=False) in training
  mode.
The references compute the batch's loss: only "mean" (lossjax's value of it) is recorded;
where removes samples from the batch, so the references see the kept rows.
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _off_diagonal(x):
  n, m = x.shape
  assert n == m
  return x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten()


def _torch_vicreg(x, y, *, sim_coeff=25.0, std_coeff=25.0, cov_coeff=1.0, eps=1e-4,
                  reduction="mean", where=None):
  import torch
  import torch.nn.functional as F

  assert reduction == "mean"
  if where is not None:
    x, y = x[where], y[where]
  batch_size, num_features = x.shape
  repr_loss = F.mse_loss(x, y)
  x = x - x.mean(dim=0)
  y = y - y.mean(dim=0)
  std_x = torch.sqrt(x.var(dim=0) + eps)
  std_y = torch.sqrt(y.var(dim=0) + eps)
  std_loss = torch.mean(F.relu(1 - std_x)) / 2 + torch.mean(F.relu(1 - std_y)) / 2
  cov_x = (x.T @ x) / (batch_size - 1)
  cov_y = (y.T @ y) / (batch_size - 1)
  cov_loss = _off_diagonal(cov_x).pow_(2).sum().div(num_features) + _off_diagonal(
      cov_y).pow_(2).sum().div(num_features)
  return sim_coeff * repr_loss + std_coeff * std_loss + cov_coeff * cov_loss


def _torch_barlow(z1, z2, *, lambd=0.0051, eps=1e-5, reduction="mean", where=None):
  import torch

  assert reduction == "mean"
  if where is not None:
    z1, z2 = z1[where], z2[where]
  bn = torch.nn.BatchNorm1d(z1.shape[1], affine=False, eps=eps).to(z1.dtype)
  bn.train()
  c = bn(z1).T @ bn(z2)
  c = c / z1.shape[0]
  on_diag = torch.diagonal(c).add(-1).pow(2).sum()
  off_diag = _off_diagonal(c).pow(2).sum()
  return on_diag + lambd * off_diag


TORCH_REFERENCES["vicreg_loss"] = _torch_vicreg
TORCH_REFERENCES["barlow_twins_loss"] = _torch_barlow


def _views(n, f, where=False, scale=1.0, **kw):
  def build(rng):
    x = rng.normal(size=(n, f)) * scale
    opts = dict(kw)
    if where:
      opts["where"] = np.arange(n) % 5 != 1
    return [("input1", x), ("input2", x + 0.4 * rng.normal(size=(n, f)))], opts
  return build


_G = ("input1", "input2")
CASES = {
    "vicreg_loss": [
        Case("defaults", _views(12, 6), grad_args=_G, reductions=("mean",)),
        # Small embeddings: std below 1, so the variance hinge is active.
        Case("collapsing_masked", _views(11, 5, where=True, scale=0.3, sim_coeff=10.0),
             grad_args=_G, reductions=("mean",)),
    ],
    "barlow_twins_loss": [
        Case("defaults", _views(12, 6), grad_args=_G, reductions=("mean",)),
        Case("lambda_0.1_masked", _views(11, 5, where=True, lambd=0.1), grad_args=_G,
             reductions=("mean",)),
    ],
}
