"""Fixture cases of the metric learning family (`lossjax/metric_learning/`).

Fixture cases for the metric-learning losses: pytorch-metric-learning 2.9.0, run for real.

The generator's environment has ``pytorch-metric-learning==2.9.0`` installed with
``--no-deps`` beside ``torch==2.13.0``; each reference builds the PML loss, sets its
class centres ``W`` (PML's [D, C] layout; lossjax's ``layout="dv"``), and reduces
PML's per-sample losses (``DoNothingReducer``) the three ways lossjax does: "mean"
is PML's ``MeanReducer``.
- arcface/subcenter: losses/arcface_loss.py lines 28-42 (margin in degrees there:
  lossjax's radians are converted), losses/subcenter_arcface_loss.py lines 31-35.
- cosface: losses/cosface_loss.py lines 21-30; sphereface: losses/sphereface_loss.py and
  large_margin_softmax_loss.py lines 34-90.
- multi_similarity: losses/multi_similarity_loss.py lines 25-40 (no miner).
- proxy_anchor, lifted_structure, margin: batch quantities, PML's own default reducers
  (DivisorReducer / MeanReducer, MultipleReducers summing the sub-losses), "mean" only:
  proxy_anchor_loss.py lines 30-82, lifted_structure_loss.py lines 17-49,
  margin_loss.py lines 30-102.
"""

from __future__ import annotations

import math

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _reduce(per_sample, reduction, where):
  import torch

  if where is not None:
    per_sample = torch.where(where, per_sample, torch.zeros_like(per_sample))
  if reduction == "none":
    return per_sample
  if reduction == "sum":
    return per_sample.sum()
  count = per_sample.numel() if where is None else int(where.sum())
  return per_sample.sum() / max(count, 1)


def _per_sample(out):
  """DoNothingReducer's output: the per-sample losses (a dict of them in some versions)."""
  if isinstance(out, dict):
    (entry,) = out.values()
    out = entry["losses"]
  return out.flatten()  # multi-similarity's are [N, 1] (PML's logsumexp keeps the axis)


def _margin_reference(pml_name, degrees=False):
  def reference(embeddings, labels, weight, *, layout="vd", reduction="mean", where=None,
                margin=None, scale=None, sub_centers=None, easy_margin=False):
    from pytorch_metric_learning import losses, reducers

    assert not easy_margin, "pytorch-metric-learning has no easy_margin"
    w = weight if layout == "dv" else weight.T  # PML's W is [D, C(*K)]
    kw = {"reducer": reducers.DoNothingReducer()}
    if margin is not None:
      kw["margin"] = math.degrees(margin) if degrees else margin
    if scale is not None:
      kw["scale"] = scale
    n_centres = w.shape[1]
    if sub_centers is not None:
      kw["sub_centers"] = sub_centers
      n_centres //= sub_centers
    loss = getattr(losses, pml_name)(num_classes=n_centres, embedding_size=w.shape[0], **kw)
    x, y = embeddings, labels
    if where is not None:  # lossjax drops masked samples: so does the reference
      keep = where
      x, y = embeddings[keep], labels[keep]
    # The class centres enter through a differentiable W (PML casts W to x's dtype).
    del loss.W  # the parameter, replaced by the differentiable tensor itself
    loss.W = w
    per = _per_sample(loss(x, y))
    if where is not None:
      import torch

      full = torch.zeros(embeddings.shape[0], dtype=per.dtype)
      per = full.masked_scatter(where, per)
    return _reduce(per, reduction, where)
  return reference


def _torch_multi_similarity(embeddings, labels, *, alpha=2.0, beta=50.0, base=0.5,
                            reduction="mean", where=None):
  import torch
  from pytorch_metric_learning import losses, reducers

  loss = losses.MultiSimilarityLoss(alpha=alpha, beta=beta, base=base,
                                    reducer=reducers.DoNothingReducer())
  x, y = (embeddings, labels) if where is None else (embeddings[where], labels[where])
  per = _per_sample(loss(x, y))
  if where is not None:
    per = torch.zeros(embeddings.shape[0], dtype=per.dtype).masked_scatter(where, per)
  return _reduce(per, reduction, where)


def _torch_proxy_nca(embeddings, labels, proxies, *, softmax_scale=1.0, reduction="mean",
                     where=None):
  """losses/proxy_losses.py ProxyNCALoss and nca_loss.py lines 26-51; proxies replaced by the
  differentiable tensor."""
  from pytorch_metric_learning import losses, reducers

  loss = losses.ProxyNCALoss(num_classes=proxies.shape[0], embedding_size=proxies.shape[1],
                             softmax_scale=softmax_scale, reducer=reducers.DoNothingReducer())
  del loss.proxies
  loss.proxies = proxies
  return _per_sample_reduced(loss, embeddings, labels, reduction, where)


def _per_sample_reduced(loss, embeddings, labels, reduction, where):
  import torch

  x, y = (embeddings, labels) if where is None else (embeddings[where], labels[where])
  per = _per_sample(loss(x, y))
  if where is not None:
    per = torch.zeros(embeddings.shape[0], dtype=per.dtype).masked_scatter(where, per)
  return _reduce(per, reduction, where)


def _torch_n_pairs(embeddings, labels, *, reduction="mean", where=None):
  """losses/n_pairs_loss.py lines 15-35, pairs from loss_and_miner_utils.py lines 73-76. PML's
  per-pair losses are scattered back to their anchors (lossjax's "none")."""
  import numpy as np
  import torch
  from pytorch_metric_learning import losses, reducers
  from pytorch_metric_learning.utils import loss_and_miner_utils as lmu

  x, y = (embeddings, labels) if where is None else (embeddings[where], labels[where])
  index = torch.arange(embeddings.shape[0])
  kept = index if where is None else index[where]
  per_pair = _per_sample(losses.NPairsLoss(reducer=reducers.DoNothingReducer())(x, y))
  # The anchors, in PML's order: each label's first sample, labels ascending (np.unique).
  a1, p, _, _ = lmu.get_all_pairs_indices(y)
  _, first = np.unique(y[a1].numpy(), return_index=True)
  anchors = kept[a1[first]]
  per = torch.zeros(embeddings.shape[0], dtype=embeddings.dtype).index_put((anchors,), per_pair)
  if reduction == "none":
    return per
  if reduction == "sum":
    return per.sum()
  return per.sum() / max(len(anchors), 1)


def _torch_glift(embeddings, labels, *, pos_margin=0.0, neg_margin=1.0, reduction="mean",
                 where=None):
  """losses/lifted_structure_loss.py GeneralizedLiftedStructureLoss, lines 52-80."""
  from pytorch_metric_learning import losses, reducers

  loss = losses.GeneralizedLiftedStructureLoss(neg_margin=neg_margin, pos_margin=pos_margin,
                                               reducer=reducers.DoNothingReducer())
  return _per_sample_reduced(loss, embeddings, labels, reduction, where)


def _pml_batch(x, y, where):
  return (x, y) if where is None else (x[where], y[where])


def _torch_proxy_anchor(embeddings, labels, proxies, *, margin=0.1, alpha=32.0,
                        reduction="mean", where=None):
  from pytorch_metric_learning import losses

  assert reduction == "mean"
  loss = losses.ProxyAnchorLoss(num_classes=proxies.shape[0], embedding_size=proxies.shape[1],
                                margin=margin, alpha=alpha)
  del loss.proxies
  loss.proxies = proxies
  return loss(*_pml_batch(embeddings, labels, where))


def _torch_lifted(embeddings, labels, *, pos_margin=0.0, neg_margin=1.0, reduction="mean",
                  where=None):
  from pytorch_metric_learning import losses

  assert reduction == "mean"
  loss = losses.LiftedStructureLoss(neg_margin=neg_margin, pos_margin=pos_margin)
  return loss(*_pml_batch(embeddings, labels, where))


def _torch_margin(embeddings, labels, *, margin=0.2, beta=1.2, nu=0.0, reduction="mean",
                  where=None):
  """PML's beta is a float32 tensor: the cases use betas exact in float32. A learnable
  (``learn_beta``) beta is what ``nu`` regularises; an array beta is PML's ``num_classes``."""
  import torch
  from pytorch_metric_learning import losses

  assert reduction == "mean"
  per_class = isinstance(beta, torch.Tensor) and beta.ndim == 1
  loss = losses.MarginLoss(margin=margin, nu=nu, beta=1.0, learn_beta=bool(nu),
                           num_classes=len(beta) if per_class else None)
  del loss.beta
  loss.beta = beta if per_class else torch.tensor([float(beta)], dtype=embeddings.dtype)
  return loss(*_pml_batch(embeddings, labels, where))


def _margin(n, d, c, k=1, layout="dv", where=False, spread=1.0, **kw):
  def build(rng):
    w = rng.normal(size=(d, c * k)) if layout == "dv" else rng.normal(size=(c * k, d))
    args = [("embeddings", rng.normal(size=(n, d)) * spread), ("labels", rng.integers(0, c, n)),
            ("weight", w)]
    opts = dict(kw, layout=layout)
    if where:
      opts["where"] = np.arange(n) % 4 != 1
    return args, opts
  return build


_GRADS = ("embeddings", "weight")


TORCH_REFERENCES["arcface_loss"] = _margin_reference("ArcFaceLoss", degrees=True)
TORCH_REFERENCES["cosface_loss"] = _margin_reference("CosFaceLoss")
TORCH_REFERENCES["sphereface_loss"] = _margin_reference("SphereFaceLoss")
TORCH_REFERENCES["subcenter_arcface_loss"] = _margin_reference("SubCenterArcFaceLoss",
                                                               degrees=True)
TORCH_REFERENCES["proxy_nca_loss"] = _torch_proxy_nca
TORCH_REFERENCES["n_pairs_loss"] = _torch_n_pairs
TORCH_REFERENCES["generalized_lifted_structure_loss"] = _torch_glift
TORCH_REFERENCES["multi_similarity_loss"] = _torch_multi_similarity
TORCH_REFERENCES["proxy_anchor_loss"] = _torch_proxy_anchor
TORCH_REFERENCES["lifted_structure_loss"] = _torch_lifted
TORCH_REFERENCES["margin_loss"] = _torch_margin


CASES = {
    "arcface_loss": [
        Case("pml_defaults", _margin(10, 5, 4, margin=math.radians(28.6), scale=64.0),
             grad_args=_GRADS),
        Case("small_scale_vd", _margin(9, 4, 3, layout="vd", margin=0.5, scale=8.0),
             grad_args=_GRADS),
        # Large margin, aligned embeddings: targets beyond θ = π - m take cos θ - m sin m.
        Case("past_pi_minus_m", _margin(12, 2, 3, margin=1.2, scale=4.0, where=True),
             grad_args=_GRADS),
    ],
    "cosface_loss": [
        Case("pml_defaults", _margin(10, 5, 4), grad_args=_GRADS),
        Case("masked_vd", _margin(9, 4, 3, layout="vd", margin=0.2, scale=16.0, where=True),
             grad_args=_GRADS),
    ],
    "sphereface_loss": [
        Case("pml_defaults", _margin(10, 5, 4), grad_args=_GRADS),
        Case("m3_scale2", _margin(9, 4, 3, layout="vd", margin=3, scale=2.0, spread=0.5),
             grad_args=_GRADS),
        Case("m2_masked", _margin(8, 3, 3, margin=2, where=True), grad_args=_GRADS),
    ],
    "subcenter_arcface_loss": [
        Case("pml_defaults", _margin(10, 5, 4, k=3, sub_centers=3, margin=math.radians(28.6),
                                     scale=64.0), grad_args=_GRADS),
        Case("k2_vd", _margin(9, 4, 3, k=2, layout="vd", sub_centers=2, margin=0.4, scale=8.0,
                              where=True), grad_args=_GRADS),
    ],
    "proxy_nca_loss": [
        Case("pml_defaults", lambda rng: ([("embeddings", rng.normal(size=(10, 4))),
                                           ("labels", rng.integers(0, 4, 10)),
                                           ("proxies", rng.normal(size=(4, 4)))], {}),
             grad_args=("embeddings", "proxies")),
        Case("scale_8_masked", lambda rng: ([("embeddings", rng.normal(size=(9, 3))),
                                             ("labels", rng.integers(0, 3, 9)),
                                             ("proxies", rng.normal(size=(3, 3)))],
                                            {"softmax_scale": 8.0, "where": np.arange(9) != 2}),
             grad_args=("embeddings", "proxies")),
    ],
    "n_pairs_loss": [
        Case("pml_defaults", lambda rng: ([("embeddings", rng.normal(size=(12, 4))),
                                           ("labels", np.array([3, 1, 3, 0, 1, 2, 0, 5, 1, 2, 4,
                                                                0]))], {}),
             grad_args=("embeddings",)),
        Case("masked_first_sample", lambda rng: ([("embeddings", rng.normal(size=(9, 3))),
                                                  ("labels", np.array([0, 0, 0, 1, 1, 2, 2, 1,
                                                                       3]))],
                                                 {"where": np.arange(9) != 0}),
             grad_args=("embeddings",)),
    ],
    "generalized_lifted_structure_loss": [
        Case("pml_defaults", lambda rng: ([("embeddings", rng.normal(size=(10, 4))),
                                           ("labels", rng.integers(0, 3, 10))], {}),
             grad_args=("embeddings",)),
        Case("margins_masked", lambda rng: ([("embeddings", rng.normal(size=(9, 3))),
                                             ("labels", np.array([0, 0, 1, 1, 1, 2, 2, 3, 0]))],
                                            {"pos_margin": 0.2, "neg_margin": 1.4,
                                             "where": np.arange(9) != 4}),
             grad_args=("embeddings",)),
    ],
    "multi_similarity_loss": [
        Case("pml_defaults", lambda rng: ([("embeddings", rng.normal(size=(10, 4))),
                                           ("labels", rng.integers(0, 3, 10))], {}),
             grad_args=("embeddings",)),
        Case("singleton_and_masked", lambda rng: (
            [("embeddings", rng.normal(size=(9, 3))),
             ("labels", np.array([0, 0, 1, 1, 1, 2, 2, 3, 0]))],
            {"alpha": 1.5, "beta": 20.0, "base": 0.3, "where": np.arange(9) != 4}),
            grad_args=("embeddings",)),
    ],
    "proxy_anchor_loss": [
        Case("pml_defaults", lambda rng: ([("embeddings", rng.normal(size=(10, 4))),
                                           ("labels", rng.integers(0, 5, 10)),
                                           ("proxies", rng.normal(size=(5, 4)))], {}),
             grad_args=("embeddings", "proxies"), reductions=("mean",)),
        # Class 3 absent: it only pushes; margin and alpha changed, one sample masked.
        Case("absent_class_masked", lambda rng: (
            [("embeddings", rng.normal(size=(9, 3))),
             ("labels", np.array([0, 0, 1, 1, 1, 2, 2, 0, 4])),
             ("proxies", rng.normal(size=(5, 3)))],
            {"margin": 0.3, "alpha": 8.0, "where": np.arange(9) != 4}),
            grad_args=("embeddings", "proxies"), reductions=("mean",)),
    ],
    "lifted_structure_loss": [
        Case("pml_defaults", lambda rng: ([("embeddings", rng.normal(size=(10, 4))),
                                           ("labels", rng.integers(0, 3, 10))], {}),
             grad_args=("embeddings",), reductions=("mean",)),
        Case("margins_singleton_masked", lambda rng: (
            [("embeddings", rng.normal(size=(9, 3))),
             ("labels", np.array([0, 0, 1, 1, 1, 2, 2, 3, 0]))],
            {"pos_margin": 0.2, "neg_margin": 1.4, "where": np.arange(9) != 4}),
            grad_args=("embeddings",), reductions=("mean",)),
    ],
    "margin_loss": [
        Case("beta_1_25", lambda rng: ([("embeddings", rng.normal(size=(10, 4))),
                                        ("labels", rng.integers(0, 3, 10))], {"beta": 1.25}),
             grad_args=("embeddings",), reductions=("mean",)),
        Case("nu_masked", lambda rng: ([("embeddings", rng.normal(size=(9, 3))),
                                        ("labels", np.array([0, 0, 1, 1, 1, 2, 2, 3, 0]))],
                                       {"margin": 0.5, "beta": 0.75, "nu": 0.1,
                                        "where": np.arange(9) != 4}),
             grad_args=("embeddings",), reductions=("mean",)),
        Case("per_class_beta_nu", lambda rng: (
            [("embeddings", rng.normal(size=(10, 4))), ("labels", rng.integers(0, 4, 10))],
            {"beta": np.array([0.75, 1.0, 1.25, 0.5]), "nu": 0.2}),
            grad_args=("embeddings",), reductions=("mean",)),
    ],
}
