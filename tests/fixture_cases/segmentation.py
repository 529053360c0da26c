"""Fixture cases for generalized_dice_loss: MONAI's GeneralizedDiceLoss, transcribed in torch
(softmax over classes, one-hot targets, weights from the target volumes, per-image ratio)."""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _torch_generalized_dice(input, target, *, w_type="square", smooth_nr=1e-5, smooth_dr=1e-5,
                            reduction="mean"):
  import torch

  probs = torch.softmax(input, dim=-1)  # [N, ..., C]
  onehot = torch.nn.functional.one_hot(target, probs.shape[-1]).to(probs.dtype)
  dims = tuple(range(1, probs.ndim - 1))
  intersection = (probs * onehot).sum(dims)
  ground_o, pred_o = onehot.sum(dims), probs.sum(dims)
  if w_type == "simple":
    w = torch.reciprocal(ground_o)
  elif w_type == "square":
    w = torch.reciprocal(ground_o * ground_o)
  else:
    w = torch.ones_like(ground_o)
  infs = torch.isinf(w)
  w[infs] = 0.0
  w = w + infs * torch.max(w, dim=1)[0].unsqueeze(1)
  numer = 2.0 * (intersection * w).sum(1) + smooth_nr
  denom = ((ground_o + pred_o) * w).sum(1) + smooth_dr
  loss = 1.0 - numer / denom
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _lovasz_grad(gt_sorted):
  # Berman et al., lovasz_losses.py
  p = len(gt_sorted)
  gts = gt_sorted.sum()
  intersection = gts - gt_sorted.cumsum(0)  # the reference casts to float32; kept in dtype
  union = gts + (1 - gt_sorted).cumsum(0)
  jaccard = 1.0 - intersection / union
  if p > 1:
    jaccard[1:p] = jaccard[1:p] - jaccard[0:-1]
  return jaccard


def _lovasz_hinge_flat(logits, labels):
  import torch

  if len(labels) == 0:
    return logits.sum() * 0.0
  signs = 2.0 * labels.to(logits.dtype) - 1.0
  errors = 1.0 - logits * signs
  errors_sorted, perm = torch.sort(errors, dim=0, descending=True)
  grad = _lovasz_grad(labels[perm].to(logits.dtype))
  return torch.dot(torch.relu(errors_sorted), grad)


def _torch_lovasz_hinge(input, target, *, per_image=True, ignore_index=None, reduction="mean"):
  import torch

  def flat(x, y):
    x, y = x.reshape(-1), y.reshape(-1)
    if ignore_index is not None:
      keep = y != ignore_index
      x, y = x[keep], y[keep]
    return _lovasz_hinge_flat(x, y)

  if per_image:
    loss = torch.stack([flat(x, y) for x, y in zip(input, target)])
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]
  return flat(input, target)


def _lovasz_softmax_flat(probas, labels, classes):
  import torch

  if probas.numel() == 0:
    return probas * 0.0
  losses = []
  for c in range(probas.size(1)):
    fg = (labels == c).to(probas.dtype)
    if classes == "present" and fg.sum() == 0:
      continue
    errors = (fg - probas[:, c]).abs()
    errors_sorted, perm = torch.sort(errors, 0, descending=True)
    losses.append(torch.dot(errors_sorted, _lovasz_grad(fg[perm])))
  return torch.stack(losses).mean() if losses else probas.sum() * 0.0


def _torch_lovasz_softmax(input, target, *, classes="present", per_image=False,
                          ignore_index=None, reduction="mean"):
  import torch

  probas = torch.softmax(input, dim=-1)  # [N, ..., C] (lossjax's default layout)

  def flat(p, y):
    p, y = p.reshape(-1, p.shape[-1]), y.reshape(-1)
    if ignore_index is not None:
      keep = y != ignore_index
      p, y = p[keep], y[keep]
    return _lovasz_softmax_flat(p, y, classes)

  if per_image:
    loss = torch.stack([flat(p, y) for p, y in zip(probas, target)])
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]
  return flat(probas, target)


TORCH_REFERENCES["generalized_dice_loss"] = _torch_generalized_dice
TORCH_REFERENCES["lovasz_hinge_loss"] = _torch_lovasz_hinge
TORCH_REFERENCES["lovasz_softmax_loss"] = _torch_lovasz_softmax


def _maps(n, h, c, absent=False, ignore=False, **kw):
  def build(rng):
    y = rng.integers(0, c - 1 if absent else c, size=(n, h))  # absent: last class never present
    if ignore:
      y[:, :2] = 255
    return [("input", rng.normal(size=(n, h, c)) * 2), ("target", y)], dict(kw)
  return build


def _binary(n, h, ignore=False, **kw):
  def build(rng):
    y = (rng.uniform(size=(n, h)) < 0.5).astype(np.int64)
    if ignore:
      y[:, 0] = 255
    return [("input", rng.normal(size=(n, h)) * 2), ("target", y)], dict(kw)
  return build


CASES = {
    "generalized_dice_loss": [
        Case("square", _maps(4, 12, 3)),
        Case("simple", _maps(3, 10, 4, w_type="simple")),
        Case("uniform", _maps(3, 10, 4, w_type="uniform")),
        Case("absent_class", _maps(3, 8, 4, absent=True)),
    ],
    "lovasz_hinge_loss": [
        Case("per_image", _binary(4, 9)),
        Case("batch", _binary(3, 7, per_image=False), reductions=("mean",)),
        Case("ignore", _binary(3, 8, ignore=True, ignore_index=255)),
    ],
    "lovasz_softmax_loss": [
        Case("batch", _maps(3, 10, 4), reductions=("mean",)),
        Case("per_image", _maps(3, 10, 4, per_image=True)),
        Case("absent_class", _maps(3, 8, 4, absent=True, per_image=True)),
        Case("all_classes", _maps(3, 8, 4, absent=True, per_image=True, classes="all")),
        Case("ignore", _maps(3, 10, 4, ignore=True, per_image=True, ignore_index=255)),
    ],
}
