"""Fixture cases for generalized_dice_loss: MONAI's GeneralizedDiceLoss, transcribed in torch
(softmax over classes, one-hot targets, weights from the target volumes, per-image ratio)."""

from __future__ import annotations

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


TORCH_REFERENCES["generalized_dice_loss"] = _torch_generalized_dice


def _maps(n, h, c, absent=False, **kw):
  def build(rng):
    y = rng.integers(0, c - 1 if absent else c, size=(n, h))  # absent: last class never present
    return [("input", rng.normal(size=(n, h, c)) * 2), ("target", y)], dict(kw)
  return build


CASES = {
    "generalized_dice_loss": [
        Case("square", _maps(4, 12, 3)),
        Case("simple", _maps(3, 10, 4, w_type="simple")),
        Case("uniform", _maps(3, 10, 4, w_type="uniform")),
        Case("absent_class", _maps(3, 8, 4, absent=True)),
    ]
}
