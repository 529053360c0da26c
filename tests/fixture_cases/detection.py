"""Fixture cases for the box losses: torchvision 0.29.1's code, transcribed into torch.

torchvision's CPU build is not served for torch 2.13, so its functions are copied here
line for line from the wheel's sources (git 1f1a920d):
- _loss_inter_union: torchvision/ops/_utils.py lines 87-106;
- generalized_box_iou_loss: torchvision/ops/giou_loss.py lines 45-62;
- _diou_iou_loss / distance_box_iou_loss: torchvision/ops/diou_loss.py lines 64-91;
- complete_box_iou_loss: torchvision/ops/ciou_loss.py lines 50-64 (alpha under no_grad; the
  DIoU part called without eps).
Reductions are torchvision's: "mean" is loss.mean() (0.0 * loss.sum() when empty).
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _loss_inter_union(boxes1, boxes2):
  import torch

  x1, y1, x2, y2 = boxes1.unbind(dim=-1)
  x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
  xkis1 = torch.max(x1, x1g)
  ykis1 = torch.max(y1, y1g)
  xkis2 = torch.min(x2, x2g)
  ykis2 = torch.min(y2, y2g)
  intsctk = torch.zeros_like(x1)
  mask = (ykis2 > ykis1) & (xkis2 > xkis1)
  intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
  unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
  return intsctk, unionk


def _diou_iou_loss(boxes1, boxes2, eps=1e-7):
  intsct, union = _loss_inter_union(boxes1, boxes2)
  iou = intsct / (union + eps)
  x1, y1, x2, y2 = boxes1.unbind(dim=-1)
  x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
  import torch

  xc1 = torch.min(x1, x1g)
  yc1 = torch.min(y1, y1g)
  xc2 = torch.max(x2, x2g)
  yc2 = torch.max(y2, y2g)
  diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
  x_p = (x2 + x1) / 2
  y_p = (y2 + y1) / 2
  x_g = (x1g + x2g) / 2
  y_g = (y1g + y2g) / 2
  distance = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
  loss = 1 - iou + (distance / diagonal_distance_squared)
  return loss, iou


def _reduce(loss, reduction, where):
  if where is not None:
    loss = loss * where
    if reduction == "mean":
      return loss.sum() / max(int(where.sum()), 1)
  if reduction == "mean":
    return loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
  if reduction == "sum":
    return loss.sum()
  return loss


def _torch_iou(boxes1, boxes2, *, eps=1e-7, reduction="none", where=None):
  intsct, union = _loss_inter_union(boxes1, boxes2)
  return _reduce(1 - intsct / (union + eps), reduction, where)


def _torch_giou(boxes1, boxes2, *, eps=1e-7, reduction="none", where=None):
  import torch

  intsctk, unionk = _loss_inter_union(boxes1, boxes2)
  iouk = intsctk / (unionk + eps)
  x1, y1, x2, y2 = boxes1.unbind(dim=-1)
  x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
  xc1 = torch.min(x1, x1g)
  yc1 = torch.min(y1, y1g)
  xc2 = torch.max(x2, x2g)
  yc2 = torch.max(y2, y2g)
  area_c = (xc2 - xc1) * (yc2 - yc1)
  miouk = iouk - ((area_c - unionk) / (area_c + eps))
  return _reduce(1 - miouk, reduction, where)


def _torch_diou(boxes1, boxes2, *, eps=1e-7, reduction="none", where=None):
  loss, _ = _diou_iou_loss(boxes1, boxes2, eps)
  return _reduce(loss, reduction, where)


def _torch_ciou(boxes1, boxes2, *, eps=1e-7, reduction="none", where=None):
  import math

  import torch

  diou_loss, iou = _diou_iou_loss(boxes1, boxes2)
  x1, y1, x2, y2 = boxes1.unbind(dim=-1)
  x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
  w_pred = x2 - x1
  h_pred = y2 - y1
  w_gt = x2g - x1g
  h_gt = y2g - y1g
  v = (4 / (math.pi**2)) * torch.pow((torch.atan(w_gt / h_gt) - torch.atan(w_pred / h_pred)), 2)
  with torch.no_grad():
    alpha = v / (1 - iou + v + eps)
  return _reduce(diou_loss + alpha * v, reduction, where)


TORCH_REFERENCES["iou_loss"] = _torch_iou
TORCH_REFERENCES["generalized_box_iou_loss"] = _torch_giou
TORCH_REFERENCES["distance_box_iou_loss"] = _torch_diou
TORCH_REFERENCES["complete_box_iou_loss"] = _torch_ciou


def _boxes(n, apart=False, where=False, **kw):
  def build(rng):
    def boxes(shift):
      xy = rng.uniform(0.0, 4.0, size=(n, 2)) + shift
      return np.concatenate([xy, xy + rng.uniform(0.3, 3.0, size=(n, 2))], axis=1)
    b1, b2 = boxes(0.0), boxes(6.0 if apart else 0.0)
    b1[0] = b2[0]  # one exact match
    opts = dict(kw)
    if where:
      opts["where"] = np.arange(n) % 3 != 1
    return [("boxes1", b1), ("boxes2", b2)], opts
  return build


_G = ("boxes1", "boxes2")
CASES = {name: [
    Case("overlapping", _boxes(10), grad_args=_G),
    Case("disjoint_masked", _boxes(9, apart=True, where=True), grad_args=_G),
    Case("eps_0.1", _boxes(8, eps=0.1), grad_args=_G),
] for name in ("iou_loss", "generalized_box_iou_loss", "distance_box_iou_loss",
               "complete_box_iou_loss")}
