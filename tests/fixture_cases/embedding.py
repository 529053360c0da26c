"""Fixture cases of the embedding family (`lossjax/embedding/`).

Fixture cases for supcon_loss, circle_loss and contrastive_loss: their sources' formulas in torch.

supcon follows the paper's reference code (SupContrast/losses.py) step by step;
circle_loss follows pytorch-metric-learning 2.9.0 (its Keras 3 twin is run for
real in test_migration.py); contrastive_loss is Hadsell et al.'s pair loss with
pytorch-metric-learning's two margins. info_nce_loss is checked against
optax.ntxent in tests/embedding/test_contrastive.py.

Fixture cases for the embedding losses (torch.nn twins).

triplet_margin_with_distance_loss is fixed with its default distance here; a
custom JAX distance is tested against the same distance written in torch in
tests/embedding/test_distance.py (live, when torch is installed) and against
triplet_margin_loss.

Fixture cases for VICReg and Barlow Twins: the reference repositories' forward passes in torch.

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


def _cosine(shape, zero=False, **kw):
  def build(rng):
    x1, x2 = rng.normal(size=shape), rng.normal(size=shape)
    y = np.where(rng.uniform(size=shape[:-1]) < 0.5, -1.0, 1.0)
    if zero:  # zero vectors: torch's eps keeps value and gradient finite
      x1[0] = 0.0
      x2[-1] = 0.0
    return [("input1", x1), ("input2", x2), ("target", y)], dict(kw)
  return build


def _triplet(shape, same=False, **kw):
  def build(rng):
    a, p, n = (rng.normal(size=shape) for _ in range(3))
    if same:  # identical anchor and positive: sqrt at eps, finite
      p[0] = a[0]
    return [("anchor", a), ("positive", p), ("negative", n)], dict(kw)
  return build


two = ("input1", "input2")


three = ("anchor", "positive", "negative")


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


def _views(n, f, where=False, scale=1.0, **kw):
  def build(rng):
    x = rng.normal(size=(n, f)) * scale
    opts = dict(kw)
    if where:
      opts["where"] = np.arange(n) % 5 != 1
    return [("input1", x), ("input2", x + 0.4 * rng.normal(size=(n, f)))], opts
  return build


_G = ("input1", "input2")


TORCH_REFERENCES["clip_loss"] = _torch_clip
TORCH_REFERENCES["siglip_loss"] = _torch_siglip
TORCH_REFERENCES["supcon_loss"] = _torch_supcon
TORCH_REFERENCES["circle_loss"] = _torch_circle
TORCH_REFERENCES["contrastive_loss"] = _torch_contrastive
TORCH_REFERENCES["vicreg_loss"] = _torch_vicreg
TORCH_REFERENCES["barlow_twins_loss"] = _torch_barlow


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
    "cosine_embedding_loss": [
        Case("basic", _cosine((6, 4)), grad_args=two),
        Case("margin", _cosine((6, 4), margin=0.3), grad_args=two),
        Case("negative_margin", _cosine((5, 3), margin=-0.2), grad_args=two),
        Case("zero_vectors", _cosine((4, 3), zero=True), grad_args=two),
        Case("unbatched", _cosine((5,)), grad_args=two),
    ],
    "triplet_margin_loss": [
        Case("basic", _triplet((6, 4)), grad_args=three),
        Case("margin_swap", _triplet((6, 4), margin=2.0, swap=True), grad_args=three),
        Case("p1", _triplet((5, 3), p=1.0), grad_args=three),
        Case("p3_eps", _triplet((5, 3), p=3.0, eps=1e-3), grad_args=three),
        Case("identical_anchor_positive", _triplet((4, 3), same=True), grad_args=three),
        Case("unbatched", _triplet((6,), margin=0.5), grad_args=three),
    ],
    "triplet_margin_with_distance_loss": [
        Case("default_distance", _triplet((6, 4)), grad_args=three),
        Case("margin_swap", _triplet((6, 4), margin=0.7, swap=True), grad_args=three),
        Case("unbatched", _triplet((5,)), grad_args=three),
    ],
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
