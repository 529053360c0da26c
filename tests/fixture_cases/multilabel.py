"""Fixture cases for the asymmetric losses: timm's code, transcribed into torch.

timm (huggingface/pytorch-image-models) timm/loss/asymmetric_loss.py, unchanged since
5c5ae8d4 (2024-04-09): AsymmetricLossMultiLabel.forward lines 21-50 and
AsymmetricLossSingleLabel.forward lines 66-97, line for line, with lossjax's reductions
applied to the per-element (multi-label) or per-sample (single-label) loss: timm's own
value is "sum" (multi-label) and "mean" (single-label).
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case
from torchref import reduce_masked as _reduce


def _torch_asl(x, y, *, gamma_neg=4.0, gamma_pos=1.0, clip=0.05, eps=1e-8,
               detach_focal_weight=False, reduction="mean", where=None):
  import torch

  x_sigmoid = torch.sigmoid(x)
  xs_pos = x_sigmoid
  xs_neg = 1 - x_sigmoid
  if clip is not None and clip > 0:
    xs_neg = (xs_neg + clip).clamp(max=1)
  los_pos = y * torch.log(xs_pos.clamp(min=eps))
  los_neg = (1 - y) * torch.log(xs_neg.clamp(min=eps))
  loss = los_pos + los_neg
  if gamma_neg > 0 or gamma_pos > 0:
    if detach_focal_weight:
      torch.set_grad_enabled(False)
    pt0 = xs_pos * y
    pt1 = xs_neg * (1 - y)
    pt = pt0 + pt1
    one_sided_gamma = gamma_pos * y + gamma_neg * (1 - y)
    one_sided_w = torch.pow(1 - pt, one_sided_gamma)
    if detach_focal_weight:
      torch.set_grad_enabled(True)
    loss = loss * one_sided_w
  return _reduce(-loss, reduction, where)


def _torch_asl_single(inputs, target, *, gamma_pos=1.0, gamma_neg=4.0, label_smoothing=0.1,
                      reduction="mean", where=None):
  import torch

  num_classes = inputs.size()[-1]
  log_preds = torch.log_softmax(inputs, dim=-1)
  targets_classes = torch.zeros_like(inputs).scatter_(1, target.long().unsqueeze(1), 1)
  targets = targets_classes
  anti_targets = 1 - targets
  xs_pos = torch.exp(log_preds)
  xs_neg = 1 - xs_pos
  xs_pos = xs_pos * targets
  xs_neg = xs_neg * anti_targets
  asymmetric_w = torch.pow(1 - xs_pos - xs_neg, gamma_pos * targets + gamma_neg * anti_targets)
  log_preds = log_preds * asymmetric_w
  if label_smoothing > 0:
    targets_classes = targets_classes.mul(1 - label_smoothing).add(label_smoothing / num_classes)
  loss = -targets_classes.mul(log_preds)
  return _reduce(loss.sum(-1), reduction, where)


TORCH_REFERENCES["asymmetric_loss"] = _torch_asl
TORCH_REFERENCES["asymmetric_single_label_loss"] = _torch_asl_single


def _multi(shape, where=False, **kw):
  def build(rng):
    opts = dict(kw)
    if where:
      opts["where"] = rng.uniform(size=shape) < 0.8
    return [("input", rng.normal(size=shape) * 2.5),
            ("target", (rng.uniform(size=shape) < 0.3).astype(float))], opts
  return build


def _single(n, c, where=False, **kw):
  def build(rng):
    opts = dict(kw)
    if where:
      opts["where"] = np.arange(n) % 4 != 0
    return [("input", rng.normal(size=(n, c)) * 2.0), ("target", rng.integers(0, c, n))], opts
  return build


CASES = {
    "asymmetric_loss": [
        Case("timm_defaults", _multi((6, 7)), grad_args=("input",)),
        Case("detached_weights", _multi((6, 7), detach_focal_weight=True), grad_args=("input",)),
        Case("no_clip_masked", _multi((4, 3, 5), where=True, clip=0.0, gamma_neg=2.0,
                                      gamma_pos=0.0), grad_args=("input",)),
        Case("no_focusing", _multi((6, 7), gamma_neg=0.0, gamma_pos=0.0), grad_args=("input",)),
    ],
    "asymmetric_single_label_loss": [
        Case("timm_defaults", _single(8, 5), grad_args=("input",)),
        Case("asl_repo_gamma_pos_0_masked", _single(9, 4, where=True, gamma_pos=0.0,
                                                    label_smoothing=0.0), grad_args=("input",)),
    ],
}
