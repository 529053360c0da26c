"""Fixture cases of the classification family (`lossjax/classification/`).

Fixture cases for losses without a torch.nn twin, from torch implementations of
their sources' formulas (written here, run by the generator with real torch).

Fixture cases for the asymmetric losses: timm's code, transcribed into torch.

timm (huggingface/pytorch-image-models) timm/loss/asymmetric_loss.py, unchanged since
5c5ae8d4 (2024-04-09): AsymmetricLossMultiLabel.forward lines 21-50 and
AsymmetricLossSingleLabel.forward lines 66-97, line for line, with lossjax's reductions
applied to the per-element (multi-label) or per-sample (single-label) loss: timm's own
value is "sum" (multi-label) and "mean" (single-label).

Fixture cases for the first eleven torch.nn losses (the Foundation issue).
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case
from torchref import reduce_masked as _reduce


def _torch_softmax_focal(logits, labels, *, alpha=None, gamma=2.0, weight=None,
                         ignore_index=-100, reduction="mean"):
  # Lin et al. 2017, multi-class: -alpha_y (1 - p_y)^gamma log p_y, per-class weights
  # normalising "mean" like torch's cross_entropy.
  import torch

  valid = labels != ignore_index
  safe = torch.where(valid, labels, torch.zeros_like(labels))
  logp = torch.log_softmax(logits, dim=-1).gather(-1, safe[..., None])[..., 0]
  loss = -(1 - logp.exp()) ** gamma * logp
  if alpha is not None:
    loss = loss * (alpha if isinstance(alpha, float) else alpha[safe])
  w = weight[safe] if weight is not None else torch.ones_like(loss)
  loss = torch.where(valid, loss * w, torch.zeros_like(loss))
  if reduction == "none":
    return loss
  if reduction == "sum":
    return loss.sum()
  return loss.sum() / torch.where(valid, w, torch.zeros_like(w)).sum()


def _torch_z_loss(logits, *, reduction="mean"):
  # PaLM: the squared log of the softmax normaliser.
  import torch

  loss = torch.logsumexp(logits, dim=-1) ** 2
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _reduce_plain(loss, reduction):
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _torch_gce(logits, labels, *, q=0.7, reduction="mean"):
  # Zhang & Sabuncu 2018: (1 - p_y ** q) / q
  import torch

  p = torch.softmax(logits, dim=-1).gather(-1, labels[..., None])[..., 0]
  return _reduce_plain((1 - p**q) / q, reduction)


def _focal(n, c, *, alpha=None, weight=False, n_ignore=0, **kw):
  def build(rng):
    x = rng.normal(size=(n, c)) * 2
    y = rng.integers(0, c, size=(n,))
    y[:n_ignore] = -100
    kwargs = dict(kw)
    if alpha == "vector":
      kwargs["alpha"] = rng.uniform(0.1, 1.0, size=(c,))
    elif alpha is not None:
      kwargs["alpha"] = alpha
    if weight:
      kwargs["weight"] = rng.uniform(0.2, 3.0, size=(c,))
    return [("logits", x), ("labels", y)], kwargs
  return build


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


def _softmax(z, axis=-1):
  e = np.exp(z - z.max(axis=axis, keepdims=True))
  return e / e.sum(axis=axis, keepdims=True)


def _labels(rng, shape, c, ignore=None, n_ignore=0):
  y = rng.integers(0, c, size=shape)
  if n_ignore:
    flat = y.reshape(-1)
    flat[rng.choice(flat.size, n_ignore, replace=False)] = ignore
  return y


def _ce_cases() -> list[Case]:
  def idx(shape_x, n_ignore=0, ignore=-100, **kw):
    def build(rng):
      x = rng.normal(size=shape_x) * 2
      c = shape_x[0] if len(shape_x) == 1 else shape_x[1]
      tshape = () if len(shape_x) == 1 else (shape_x[0],) + shape_x[2:]
      y = np.asarray(_labels(rng, tshape, c, ignore, n_ignore))
      kwargs = {k: (v(rng, c) if callable(v) else v) for k, v in kw.items()}
      if n_ignore or ignore != -100:
        kwargs["ignore_index"] = ignore
      return [("input", x), ("target", y)], kwargs
    return build

  def prob(shape_x, **kw):
    def build(rng):
      x = rng.normal(size=shape_x) * 2
      c = shape_x[0] if len(shape_x) == 1 else shape_x[1]
      t = _softmax(rng.normal(size=shape_x) * 2, axis=0 if len(shape_x) == 1 else 1)
      kwargs = {k: (v(rng, c) if callable(v) else v) for k, v in kw.items()}
      return [("input", x), ("target", t)], kwargs
    return build

  def weight(rng, c):
    return rng.uniform(0.2, 3.0, size=(c,))

  kdim = {"axis": 1}
  return [
      Case("index", idx((5, 4))),
      Case("index_weight", idx((6, 4), weight=weight)),
      Case("index_ignore", idx((7, 4), n_ignore=2)),
      Case("index_ignore_in_range_weight", idx((8, 5), n_ignore=0, ignore=1, weight=weight)),
      Case("index_all_but_one_ignored_weight", idx((4, 3), n_ignore=3, weight=weight)),
      Case("index_smoothing", idx((6, 5), label_smoothing=0.2)),
      Case("index_smoothing_weight_ignore", idx((8, 5), n_ignore=2, weight=weight, label_smoothing=0.3)),
      Case("index_smoothing_one", idx((5, 4), label_smoothing=1.0)),
      Case("index_kdim", idx((3, 4, 5, 2)), jax_kwargs=kdim),
      Case("index_kdim_all_options",
           idx((2, 3, 4, 3), n_ignore=3, weight=weight, label_smoothing=0.15), jax_kwargs=kdim),
      Case("index_unbatched", idx((6,))),
      Case("index_unbatched_weight_smoothing", idx((6,), weight=weight, label_smoothing=0.1)),
      Case("index_large_logits", lambda rng: ([("input", rng.normal(size=(4, 3)) * 300),
                                               ("target", rng.integers(0, 3, size=(4,)))], {})),
      Case("prob", prob((5, 4)), grad_args=("input", "target")),
      Case("prob_weight_smoothing", prob((6, 5), weight=weight, label_smoothing=0.25),
           grad_args=("input", "target")),
      Case("prob_kdim", prob((2, 3, 4)), grad_args=("input", "target"), jax_kwargs=kdim),
      Case("prob_kdim_weight", prob((2, 4, 3, 2), weight=weight), grad_args=("input", "target"),
           jax_kwargs=kdim),
      Case("prob_unbatched", prob((5,), label_smoothing=0.1), grad_args=("input", "target")),
  ]


def _nll_cases() -> list[Case]:
  def build_for(shape_x, n_ignore=0, ignore=-100, use_weight=False):
    def build(rng):
      axis = 0 if len(shape_x) == 1 else 1
      x = np.log(_softmax(rng.normal(size=shape_x) * 2, axis=axis))
      c = shape_x[axis]
      tshape = () if len(shape_x) == 1 else (shape_x[0],) + shape_x[2:]
      y = np.asarray(_labels(rng, tshape, c, ignore, n_ignore))
      kwargs = {}
      if use_weight:
        kwargs["weight"] = rng.uniform(0.2, 3.0, size=(c,))
      if n_ignore or ignore != -100:
        kwargs["ignore_index"] = ignore
      return [("input", x), ("target", y)], kwargs
    return build

  return [
      Case("basic", build_for((5, 4))),
      Case("weight", build_for((6, 4), use_weight=True)),
      Case("ignore", build_for((7, 4), n_ignore=2)),
      Case("ignore_in_range_weight", build_for((8, 4), ignore=2, use_weight=True)),
      Case("kdim", build_for((3, 4, 5)), jax_kwargs={"axis": 1}),
      Case("kdim_weight_ignore", build_for((2, 3, 4, 2), n_ignore=2, use_weight=True),
           jax_kwargs={"axis": 1}),
      Case("unbatched", build_for((5,))),
  ]


def _sigmoid(z):
  return 1 / (1 + np.exp(-z))


def _bce_cases() -> list[Case]:
  def build_for(shape, weight_shape=None, hard=False):
    def build(rng):
      p = _sigmoid(rng.normal(size=shape) * 1.5)
      t = (rng.uniform(size=shape) > 0.5).astype(np.float64) if hard else rng.uniform(size=shape)
      kwargs = {} if weight_shape is None else {"weight": rng.uniform(0.2, 3.0, size=weight_shape)}
      return [("input", p), ("target", t)], kwargs
    return build

  def edges(rng):
    p = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.999], [1e-7, 0.5, 1 - 1e-7]])
    t = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.5, 0.0]])
    return [("input", p), ("target", t)], {}

  both = ("input", "target")
  return [
      Case("basic", build_for((5, 3)), grad_args=both),
      Case("hard_targets", build_for((6, 4), hard=True), grad_args=both),
      Case("weight_broadcast", build_for((5, 3), weight_shape=(3,)), grad_args=both),
      Case("weight_full", build_for((4, 3, 2), weight_shape=(4, 3, 2)), grad_args=both),
      Case("vector", build_for((7,)), grad_args=both),
      Case("scalar", build_for(()), grad_args=both),
      # Probabilities exactly 0 and 1: torch's -100 clamp and its gradient
      # (p - t) / max(p (1 - p), 1e-12). The target gradient is infinite in
      # torch there (finite in lossjax), so only the input gradient is compared.
      Case("probabilities_0_and_1", edges, grad_args=("input",)),
  ]


def _bce_logits_cases() -> list[Case]:
  def build_for(shape, scale=2.0, weight_shape=None, pos_weight_shape=None, hard=False):
    def build(rng):
      x = rng.normal(size=shape) * scale
      t = (rng.uniform(size=shape) > 0.5).astype(np.float64) if hard else rng.uniform(size=shape)
      kwargs = {}
      if weight_shape is not None:
        kwargs["weight"] = rng.uniform(0.2, 3.0, size=weight_shape)
      if pos_weight_shape is not None:
        kwargs["pos_weight"] = rng.uniform(0.2, 4.0, size=pos_weight_shape)
      return [("input", x), ("target", t)], kwargs
    return build

  both = ("input", "target")
  return [
      Case("basic", build_for((5, 3)), grad_args=both),
      Case("hard_targets", build_for((6, 4), hard=True), grad_args=both),
      Case("weight", build_for((5, 3), weight_shape=(3,)), grad_args=both),
      Case("pos_weight", build_for((5, 4), pos_weight_shape=(4,)), grad_args=both),
      Case("weight_and_pos_weight", build_for((6, 3), weight_shape=(6, 3), pos_weight_shape=(3,)),
           grad_args=both),
      Case("pos_weight_4d", build_for((2, 3, 4, 5), pos_weight_shape=(5,)), grad_args=both),
      Case("pos_weight_channels", build_for((2, 3, 2, 2), pos_weight_shape=(3, 1, 1)),
           grad_args=both),
      Case("large_logits", build_for((4, 3), scale=60.0, pos_weight_shape=(3,)), grad_args=both),
      Case("scalar", build_for(()), grad_args=both),
  ]


TORCH_REFERENCES["softmax_focal_loss"] = _torch_softmax_focal
TORCH_REFERENCES["generalized_cross_entropy"] = _torch_gce
TORCH_REFERENCES["z_loss"] = _torch_z_loss
TORCH_REFERENCES["asymmetric_loss"] = _torch_asl
TORCH_REFERENCES["asymmetric_single_label_loss"] = _torch_asl_single


CASES = {
    "softmax_focal_loss": [
        Case("gamma2", _focal(8, 5), grad_args=("logits",)),
        Case("alpha_vector_weight_ignore", _focal(8, 5, alpha="vector", weight=True, n_ignore=2,
                                                   gamma=1.5), grad_args=("logits",)),
        Case("alpha_scalar_gamma0", _focal(6, 4, alpha=0.25, gamma=0.0), grad_args=("logits",)),
        Case("gamma3", _focal(6, 7, gamma=3.0), grad_args=("logits",)),
    ],
    "generalized_cross_entropy": [
        Case("q07", _focal(8, 5, q=0.7), grad_args=("logits",)),
        Case("q1", _focal(6, 4, q=1.0), grad_args=("logits",)),
        Case("q02", _focal(6, 4, q=0.2), grad_args=("logits",)),
    ],
    "z_loss": [
        Case("basic", lambda rng: ([("logits", rng.normal(size=(6, 5)) * 3)], {}),
             grad_args=("logits",)),
        Case("3d", lambda rng: ([("logits", rng.normal(size=(2, 3, 7)))], {}),
             grad_args=("logits",)),
    ],
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
    "cross_entropy": _ce_cases(),
    "nll_loss": _nll_cases(),
    "binary_cross_entropy": _bce_cases(),
    "binary_cross_entropy_with_logits": _bce_logits_cases(),
}
