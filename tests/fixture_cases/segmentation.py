"""Fixture cases of the segmentation family (`lossjax/segmentation/`).

Fixture cases for generalized_dice_loss: MONAI's GeneralizedDiceLoss, transcribed in torch
(softmax over classes, one-hot targets, weights from the target volumes, per-image ratio).

Fixture cases for dice_ce_loss, dice_focal_loss, hausdorff_dt_loss and boundary_loss: MONAI
1.6.1, run for real (installed with --no-deps beside torch==2.13.0).

Every case uses MONAI's layout, ``[N, C, H, W]`` logits (lossjax's ``axis=1``) and integer
class maps, passed to MONAI as ``[N, 1, H, W]`` with ``to_onehot_y=True, softmax=True``
(``sigmoid=True`` for "binary"). Masks are over whole images: the reference slices them out.
- DiceCELoss: monai/losses/dice.py lines 718-875 ("none" is not MONAI's: its DiceLoss "none"
  summed over classes plus torch's per-pixel cross-entropy summed over each image, the parts
  whose sums are MONAI's "sum").
- DiceFocalLoss: dice.py lines 878-1012 (MONAI's "none" is ``[N, C, H, W]``, dice broadcast
  over the focal map: averaged over the pixels here). MONAI's weight omits the background
  when include_background=False (lossjax's keeps one per class).
- HausdorffDTLoss: hausdorff_loss.py lines 30-211; BoundaryLoss: boundary_loss.py lines 27-233.
"""

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


def _maps_segmentation(n, h, c, absent=False, ignore=False, **kw):
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


def _monai_inputs(input, target, mode, where):
  if mode == "binary":
    x, t = input[:, None], target[:, None].to(input.dtype)
  else:
    x, t = input, target[:, None]
  if where is not None:
    rows = where if where.ndim == 1 else where[:, 0]
    assert where.ndim == 1 or bool((where == rows[:, None]).all()), "image masks only"
    x, t = x[rows], t[rows]
  else:
    rows = None
  act = {"sigmoid": True} if mode == "binary" else {"softmax": True, "to_onehot_y": True}
  return x, t, rows, act


def _scatter(per, rows, n):
  import torch

  if rows is None:
    return per
  full = torch.zeros((n,) + per.shape[1:], dtype=per.dtype)
  full[rows] = per
  return full


def _torch_dice_ce(input, target, *, mode="multiclass", lambda_dice=1.0, lambda_ce=1.0,
                   smooth_nr=1e-5, smooth_dr=1e-5, jaccard=False, class_weights=None,
                   label_smoothing=0.0, ignore_index=-100, include_background=True, batch=False,
                   reduction="mean", where=None, axis=-1):
  import torch.nn.functional as F
  from monai.losses import DiceCELoss, DiceLoss

  assert axis == 1 or mode == "binary"
  x, t, rows, act = _monai_inputs(input, target, mode, where)
  common = dict(include_background=include_background, smooth_nr=smooth_nr,
                smooth_dr=smooth_dr, jaccard=jaccard, batch=batch, **act)
  if reduction != "none":
    return DiceCELoss(weight=class_weights, lambda_dice=lambda_dice, lambda_ce=lambda_ce,
                      label_smoothing=label_smoothing, reduction=reduction, **common)(x, t)
  w = class_weights if class_weights is None or include_background else class_weights[1:]
  dice = DiceLoss(weight=w, reduction="none", **common)(x, t)
  dice = dice.reshape(dice.shape[0], -1).sum(1)
  if mode == "binary":
    ce = F.binary_cross_entropy_with_logits(x, t, pos_weight=class_weights, reduction="none")
  else:
    ce = F.cross_entropy(x, t[:, 0], weight=class_weights, label_smoothing=label_smoothing,
                         reduction="none")
  return _scatter(lambda_dice * dice + lambda_ce * ce.reshape(ce.shape[0], -1).sum(1), rows,
                  input.shape[0])


def _per_class(loss, x, t):
  """MONAI's "none" as ``[N, C]``: its maps averaged over the pixels."""
  out = loss(x, t)
  return out.reshape(out.shape[0], out.shape[1], -1).mean(-1)


def _reduced(make, x, t, rows, n, reduction, where):
  from torchref import reduce_masked

  if reduction != "none":
    return make(reduction)(x, t)
  per = _scatter(_per_class(make("none"), x, t), rows, n)
  return reduce_masked(per, "none", where)


def _torch_dice_focal(input, target, *, mode="multiclass", lambda_dice=1.0, lambda_focal=1.0,
                      gamma=2.0, alpha=None, smooth_nr=1e-5, smooth_dr=1e-5, jaccard=False,
                      class_weights=None, ignore_index=-100, include_background=True,
                      batch=False, reduction="mean", where=None, axis=-1):
  from monai.losses import DiceFocalLoss

  assert axis == 1 or mode == "binary"
  x, t, rows, act = _monai_inputs(input, target, mode, where)
  w = class_weights if class_weights is None or include_background else class_weights[1:]

  def make(r):
    return DiceFocalLoss(include_background=include_background, smooth_nr=smooth_nr,
                         smooth_dr=smooth_dr, jaccard=jaccard, batch=batch, gamma=gamma,
                         alpha=alpha, weight=w, lambda_dice=lambda_dice,
                         lambda_focal=lambda_focal, reduction=r, **act)
  return _reduced(make, x, t, rows, input.shape[0], reduction, where)


def _torch_hausdorff(input, target, *, mode="multiclass", alpha=2.0, ignore_index=None,
                     include_background=False, batch=False, reduction="mean", where=None,
                     axis=-1):
  from monai.losses import HausdorffDTLoss

  assert axis == 1 or mode == "binary"
  x, t, rows, act = _monai_inputs(input, target, mode, where)

  def make(r):
    return HausdorffDTLoss(alpha=alpha, include_background=include_background, batch=batch,
                           reduction=r, **act)
  return _reduced(make, x, t, rows, input.shape[0], reduction, where)


def _torch_boundary(input, target, *, mode="multiclass", ignore_index=None,
                    include_background=True, batch=False, reduction="mean", where=None, axis=-1):
  from monai.losses import BoundaryLoss

  assert axis == 1 or mode == "binary"
  x, t, rows, act = _monai_inputs(input, target, mode, where)

  def make(r):
    return BoundaryLoss(include_background=include_background, batch=batch, reduction=r, **act)
  return _reduced(make, x, t, rows, input.shape[0], reduction, where)


def _maps(n=3, c=3, h=7, w=6, where=False, per_class=None, **kw):
  def build(rng):
    y = rng.integers(0, c, size=(n, h, w))
    y[1] = np.where(y[1] == c - 1, 0, y[1])  # image 1 lacks the last class: empty masks
    opts = dict(kw, axis=1)
    if where:
      keep = np.arange(n) != 1
      opts["where"] = keep if per_class is None else np.repeat(keep[:, None], per_class, 1)
    return [("input", rng.normal(size=(n, c, h, w)) * 2), ("target", y)], opts
  return build


def _binary_compound(n=3, h=8, w=7, **kw):
  def build(rng):
    return [("input", rng.normal(size=(n, h, w)) * 2),
            ("target", (rng.uniform(size=(n, h, w)) < 0.4).astype(np.int64))], dict(kw,
                                                                                   mode="binary")
  return build


_W = np.array([0.3, 1.0, 2.5])


TORCH_REFERENCES["generalized_dice_loss"] = _torch_generalized_dice
TORCH_REFERENCES["lovasz_hinge_loss"] = _torch_lovasz_hinge
TORCH_REFERENCES["lovasz_softmax_loss"] = _torch_lovasz_softmax
TORCH_REFERENCES["dice_ce_loss"] = _torch_dice_ce
TORCH_REFERENCES["dice_focal_loss"] = _torch_dice_focal
TORCH_REFERENCES["hausdorff_dt_loss"] = _torch_hausdorff
TORCH_REFERENCES["boundary_loss"] = _torch_boundary


CASES = {
    "generalized_dice_loss": [
        Case("square", _maps_segmentation(4, 12, 3)),
        Case("simple", _maps_segmentation(3, 10, 4, w_type="simple")),
        Case("uniform", _maps_segmentation(3, 10, 4, w_type="uniform")),
        Case("absent_class", _maps_segmentation(3, 8, 4, absent=True)),
    ],
    "lovasz_hinge_loss": [
        Case("per_image", _binary(4, 9)),
        Case("batch", _binary(3, 7, per_image=False), reductions=("mean",)),
        Case("ignore", _binary(3, 8, ignore=True, ignore_index=255)),
    ],
    "lovasz_softmax_loss": [
        Case("batch", _maps_segmentation(3, 10, 4), reductions=("mean",)),
        Case("per_image", _maps_segmentation(3, 10, 4, per_image=True)),
        Case("absent_class", _maps_segmentation(3, 8, 4, absent=True, per_image=True)),
        Case("all_classes", _maps_segmentation(3, 8, 4, absent=True, per_image=True, classes="all")),
        Case("ignore", _maps_segmentation(3, 10, 4, ignore=True, per_image=True, ignore_index=255)),
    ],
    "dice_ce_loss": [
        Case("defaults", _maps()),
        Case("weights_no_background", _maps(class_weights=_W, include_background=False)),
        Case("lambdas_smoothing_jaccard", _maps(lambda_dice=0.7, lambda_ce=1.5,
                                                label_smoothing=0.1, jaccard=True,
                                                class_weights=_W)),
        Case("masked_image", _maps(where=True, class_weights=_W)),
        Case("batch", _maps(batch=True), reductions=("mean", "sum")),
        Case("binary", _binary_compound(class_weights=np.array([2.0]))),
    ],
    "dice_focal_loss": [
        Case("defaults", _maps()),
        Case("weights_no_background", _maps(class_weights=_W, include_background=False,
                                            gamma=1.5, alpha=0.25)),
        Case("lambdas_gamma0_masked", _maps(lambda_dice=0.6, lambda_focal=2.0, gamma=0.0,
                                            where=True, per_class=3)),
        Case("batch", _maps(batch=True, jaccard=True), reductions=("mean",)),
        Case("binary", _binary_compound(alpha=0.7)),
    ],
    "hausdorff_dt_loss": [
        Case("defaults", _maps(h=9, w=8)),
        Case("background_alpha1_masked", _maps(include_background=True, alpha=1.0,
                                               where=True, per_class=3)),
        Case("batch", _maps(batch=True), reductions=("mean", "sum")),
        Case("binary", _binary_compound()),
    ],
    "boundary_loss": [
        Case("defaults", _maps(h=9, w=8)),
        Case("no_background_masked", _maps(include_background=False, where=True,
                                           per_class=2)),
        Case("batch", _maps(batch=True), reductions=("mean", "sum")),
        Case("binary", _binary_compound()),
    ],
}
