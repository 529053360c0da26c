"""Fixture cases for supcon_loss, circle_loss and contrastive_loss: their sources' formulas in torch.

supcon follows the paper's reference code (SupContrast/losses.py) step by step;
circle_loss follows pytorch-metric-learning 2.9.0 (its Keras 3 twin is run for
real in test_migration.py); contrastive_loss is Hadsell et al.'s pair loss with
pytorch-metric-learning's two margins. info_nce_loss is checked against
optax.ntxent in test_contrastive.py.
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


def _torch_circle(embeddings, labels, ref_embeddings=None, ref_labels=None, *, gamma=80.0,
                  margin=0.4, remove_diagonal=True, normalize=False, detach_weights=False,
                  reduction="mean"):
  """pytorch-metric-learning 2.9.0, pytorch_metric_learning/losses/circle_loss.py lines 42-75
  (`_compute_loss`), with its CosineSimilarity distance (distances/base_distance.py line 29-38:
  normalise, then the dot products) made optional and its `.detach()` of the pair weights
  (lines 51 and 56) made optional; the masked log-sum-exp is utils/loss_and_miner_utils.py
  lines 10-22, the mean is AvgNonZeroReducer (reducers/avg_non_zero_reducer.py: the mean of the
  losses above 0). Without normalisation the dot products are clamped at 1, as Keras 3's
  `circle` clamps the distance 1 - x.r at 0 (keras/src/losses/losses.py lines 2701-2705)."""
  import torch
  import torch.nn.functional as F

  x = embeddings
  r = x if ref_embeddings is None else ref_embeddings
  ry = labels if ref_labels is None else ref_labels
  if normalize:
    x, r = F.normalize(x, dim=1), F.normalize(r, dim=1)
  mat = torch.clamp(x @ r.T, max=1.0)
  pos = labels[:, None] == ry[None, :]
  neg = ~pos
  if remove_diagonal:
    pos = pos & ~torch.eye(*pos.shape, dtype=torch.bool)
  w = mat.detach() if detach_weights else mat
  op, on, delta_p, delta_n = 1 + margin, -margin, 1 - margin, margin
  new_mat = torch.where(pos, -gamma * torch.relu(op - w) * (mat - delta_p),
                        gamma * torch.relu(w - on) * (mat - delta_n))

  def lse(keep):
    out = torch.logsumexp(new_mat.masked_fill(~keep, torch.finfo(mat.dtype).min), dim=1)
    return out.masked_fill(~keep.any(dim=1), 0)

  # threshold=50, not torch.nn.Softplus's 20 (circle_loss.py line 32): above 20 torch takes the
  # gradient as 1, off sigmoid(z) by up to e^-20 = 2.1e-9 relative (measured: 6e-10 on the
  # refs/float64 case); Keras's softplus is exact, and so is this one to e^-50.
  losses = F.softplus(lse(pos) + lse(neg), threshold=50.0) * (pos.any(1) & neg.any(1))
  nonzero = losses > 0
  mean = losses[nonzero].mean() if nonzero.any() else losses.sum() * 0
  return {"none": losses, "sum": losses.sum(), "mean": mean}[reduction]


def _pairs_kept(image, text, where):
  return (image, text) if where is None else (image[where], text[where])


def _scatter(per, n, where, reduction):
  import torch

  if where is not None:
    per = torch.zeros(n, dtype=per.dtype).masked_scatter(where, per)
  if reduction == "none":
    return per
  if reduction == "sum":
    return per.sum()
  return per.sum() / max(per.shape[0] if where is None else int(where.sum()), 1)


def _torch_clip(image_embeddings, text_embeddings, logit_scale, *, logit_bias=None,
                reduction="mean", where=None):
  """open_clip src/open_clip/loss.py ClipLoss (89fb801f), lines 109-114 and 134-139, per pair:
  the mean over pairs of (CE(image->text) + CE(text->image)) / 2 is its loss."""
  import torch
  import torch.nn.functional as F

  img, txt = _pairs_kept(image_embeddings, text_embeddings, where)
  logits_per_image = logit_scale * img @ txt.T
  logits_per_text = logit_scale * txt @ img.T
  if logit_bias is not None:
    logits_per_image = logits_per_image + logit_bias
    logits_per_text = logits_per_text + logit_bias
  labels = torch.arange(img.shape[0])
  per = (F.cross_entropy(logits_per_image, labels, reduction="none")
         + F.cross_entropy(logits_per_text, labels, reduction="none")) / 2
  return _scatter(per, image_embeddings.shape[0], where, reduction)


def _torch_siglip(image_embeddings, text_embeddings, logit_scale, logit_bias, *,
                  reduction="mean", where=None):
  """big_vision trainers/proj/image_text/siglip.py (0127fb6b) lines 291-306:
  logits = zimg @ ztxt.T * t + b; labels 2 eye - 1; nll = -sum(log_sigmoid(labels * logits), -1);
  the loss is mean(nll)."""
  import torch
  import torch.nn.functional as F

  img, txt = _pairs_kept(image_embeddings, text_embeddings, where)
  logits = img @ txt.T * logit_scale + logit_bias
  labels = 2 * torch.eye(img.shape[0], dtype=logits.dtype) - 1
  nll = -torch.sum(F.logsigmoid(labels * logits), dim=-1)
  return _scatter(nll, image_embeddings.shape[0], where, reduction)


TORCH_REFERENCES["clip_loss"] = _torch_clip
TORCH_REFERENCES["siglip_loss"] = _torch_siglip
TORCH_REFERENCES["supcon_loss"] = _torch_supcon
TORCH_REFERENCES["circle_loss"] = _torch_circle
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


def _circle(n, d, refs=0, **kw):
  def build(rng):
    x = rng.normal(size=(n, d))
    x = x / np.linalg.norm(x, axis=-1, keepdims=True)
    # Label n - 1 appears once: that anchor has no positive (loss 0, left out of the mean).
    labels = np.concatenate([rng.integers(0, 3, size=(n - 1,)), [9]])
    args = [("embeddings", x), ("labels", labels)]
    if refs:
      r = rng.normal(size=(refs, d))
      args += [("ref_embeddings", r / np.linalg.norm(r, axis=-1, keepdims=True)),
               ("ref_labels", rng.integers(0, 4, size=(refs,)))]
    return args, dict(kw)
  return build


def _pairs(n, d, **kw):
  def build(rng):
    return [("input1", rng.normal(size=(n, d))), ("input2", rng.normal(size=(n, d)) * 0.7),
            ("same", rng.uniform(size=(n,)) < 0.5)], dict(kw)
  return build


def _image_text(n, d, scale, bias=None, where=False, unit=True, **kw):
  def build(rng):
    img, txt = rng.normal(size=(n, d)), rng.normal(size=(n, d)) * 0.8 + 0.3
    if unit:
      img, txt = (x / np.linalg.norm(x, axis=1, keepdims=True) for x in (img, txt))
    args = [("image_embeddings", img), ("text_embeddings", txt),
            ("logit_scale", np.asarray(scale))]
    if bias is not None:
      args.append(("logit_bias", np.asarray(bias)))
    opts = dict(kw)
    if where:
      opts["where"] = np.arange(n) % 3 != 2
    return args, opts
  return build


_IT = ("image_embeddings", "text_embeddings", "logit_scale")
CASES = {
    "clip_loss": [
        Case("open_clip_init_scale", _image_text(8, 5, 1 / 0.07), grad_args=_IT),
        Case("masked", _image_text(9, 4, 3.0, where=True), grad_args=_IT),
        Case("bias_unnormalised", _image_text(7, 3, 2.0, unit=False, logit_bias=np.asarray(0.5)),
             grad_args=_IT),
    ],
    "siglip_loss": [
        Case("big_vision_init", _image_text(8, 5, 10.0, -10.0),
             grad_args=_IT + ("logit_bias",)),
        Case("masked", _image_text(9, 4, 4.0, -1.0, where=True), grad_args=_IT + ("logit_bias",)),
    ],
    "supcon_loss": [
        Case("all", _supcon(6, 2, 4, temperature=0.5), grad_args=("features",)),
        Case("one", _supcon(6, 3, 4, contrast_mode="one", temperature=0.2, base_temperature=0.1),
             grad_args=("features",)),
        Case("unsupervised", _supcon(5, 2, 3, labels=False), grad_args=("features",)),
    ],
    "circle_loss": [
        Case("keras", _circle(8, 4), grad_args=("embeddings",)),
        Case("pml", _circle(9, 5, gamma=16.0, margin=0.25, normalize=True, detach_weights=True),
             grad_args=("embeddings",)),
        Case("refs", _circle(7, 4, refs=6, gamma=32.0, remove_diagonal=False),
             grad_args=("embeddings", "ref_embeddings")),
    ],
    "contrastive_loss": [
        Case("euclidean", _pairs(8, 4, pos_margin=0.1, neg_margin=2.0), grad_args=("input1", "input2")),
        Case("cosine", _pairs(8, 4, neg_margin=0.5, distance="cosine"),
             grad_args=("input1", "input2")),
    ],
}
