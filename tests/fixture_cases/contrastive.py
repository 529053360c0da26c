"""Fixture cases for supcon_loss and contrastive_loss: their sources' formulas in torch.

supcon follows the paper's reference code (SupContrast/losses.py) step by step;
contrastive_loss is Hadsell et al.'s pair loss with pytorch-metric-learning's
two margins. info_nce_loss is checked against optax.ntxent in test_contrastive.py.
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _torch_supcon(features, labels=None, *, temperature=0.07, base_temperature=0.07,
                  contrast_mode="all", reduction="mean"):
  import torch

  batch_size, contrast_count = features.shape[0], features.shape[1]
  if labels is None:
    mask = torch.eye(batch_size, dtype=features.dtype)
  else:
    labels = labels.view(-1, 1)
    mask = torch.eq(labels, labels.T).to(features.dtype)
  contrast_feature = torch.cat(torch.unbind(features, dim=1), dim=0)
  if contrast_mode == "one":
    anchor_feature, anchor_count = features[:, 0], 1
  else:
    anchor_feature, anchor_count = contrast_feature, contrast_count
  logits = torch.matmul(anchor_feature, contrast_feature.T) / temperature
  logits = logits - torch.max(logits, dim=1, keepdim=True)[0].detach()
  mask = mask.repeat(anchor_count, contrast_count)
  logits_mask = torch.scatter(torch.ones_like(mask), 1,
                              torch.arange(batch_size * anchor_count).view(-1, 1), 0)
  mask = mask * logits_mask
  exp_logits = torch.exp(logits) * logits_mask
  log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
  pos = mask.sum(1)
  pos = torch.where(pos < 1e-6, torch.ones_like(pos), pos)
  loss = -(temperature / base_temperature) * (mask * log_prob).sum(1) / pos
  loss = loss.view(anchor_count, batch_size)
  if contrast_mode == "one":
    loss = loss[0]
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _torch_contrastive(input1, input2, same, *, pos_margin=0.0, neg_margin=1.0,
                       distance="euclidean", reduction="mean"):
  import torch
  import torch.nn.functional as F

  if distance == "euclidean":
    d = torch.linalg.vector_norm(input1 - input2, dim=-1)
  else:
    d = 1 - F.cosine_similarity(input1, input2, dim=-1, eps=1e-12)
  loss = torch.where(same.bool(), F.relu(d - pos_margin), F.relu(neg_margin - d))
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


TORCH_REFERENCES["supcon_loss"] = _torch_supcon
TORCH_REFERENCES["contrastive_loss"] = _torch_contrastive


def _supcon(n, v, d, labels=True, **kw):
  def build(rng):
    f = rng.normal(size=(n, v, d))
    f = f / np.linalg.norm(f, axis=-1, keepdims=True)
    args = [("features", f)]
    if labels:
      args.append(("labels", rng.integers(0, 3, size=(n,))))
    return args, dict(kw)
  return build


def _pairs(n, d, **kw):
  def build(rng):
    return [("input1", rng.normal(size=(n, d))), ("input2", rng.normal(size=(n, d)) * 0.7),
            ("same", rng.uniform(size=(n,)) < 0.5)], dict(kw)
  return build


CASES = {
    "supcon_loss": [
        Case("all", _supcon(6, 2, 4, temperature=0.5), grad_args=("features",)),
        Case("one", _supcon(6, 3, 4, contrast_mode="one", temperature=0.2, base_temperature=0.1),
             grad_args=("features",)),
        Case("unsupervised", _supcon(5, 2, 3, labels=False), grad_args=("features",)),
    ],
    "contrastive_loss": [
        Case("euclidean", _pairs(8, 4, pos_margin=0.1, neg_margin=2.0), grad_args=("input1", "input2")),
        Case("cosine", _pairs(8, 4, neg_margin=0.5, distance="cosine"),
             grad_args=("input1", "input2")),
    ],
}
