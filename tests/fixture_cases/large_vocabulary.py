"""Fixture cases of the large vocabulary family (`lossjax/large_vocabulary/`).

Fixture cases for linear_cross_entropy against torch 2.13's F.linear_cross_entropy.

The signatures are the same: linear_weight [V, D] (nn.Linear's layout), linear_bias,
class weights `weight`, class indices or probabilities, and the K-dimensional form
(linear_weight [V, d1, ..., D]). lossjax's other layout ("dv"), z_loss and
logit_softcap have no torch counterpart and are tested against the naive computation
in tests/large_vocabulary/test_head.py.
"""

from __future__ import annotations

from torchref import TORCH_REFERENCES, Case


def _torch_linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                                reduction="mean", ignore_index=-100, label_smoothing=0.0):
  import torch.nn.functional as F

  if target.is_floating_point():
    ignore_index = None  # torch refuses ignore_index with probabilities
  return F.linear_cross_entropy(input, linear_weight, target, linear_bias=linear_bias,
                                weight=weight, reduction=reduction, ignore_index=ignore_index,
                                label_smoothing=label_smoothing)


def _build(n=12, d=8, v=37, bias=False, n_ignore=0, class_weights=False, probs=False, out=(),
           **kw):
  def build(rng):
    h = rng.normal(size=(n, d))
    w = rng.normal(size=(v, *out, d)) / 2
    if probs:
      y = rng.dirichlet(rng.uniform(0.2, 2.0, size=v), size=(n, *out))
      y = y.transpose(0, y.ndim - 1, *range(1, y.ndim - 1))  # [N, V, d1, ...]
    else:
      y = rng.integers(0, v, size=(n, *out))
      y.reshape(-1)[:n_ignore] = -100
    kwargs = dict(kw)
    if bias:
      kwargs["linear_bias"] = rng.normal(size=(v, *out))
    if class_weights:
      kwargs["weight"] = rng.uniform(0.3, 3.0, size=(v,))
    return [("input", h), ("linear_weight", w), ("target", y)], kwargs
  return build


grads = ("input", "linear_weight")


TORCH_REFERENCES["linear_cross_entropy"] = _torch_linear_cross_entropy


CASES = {
    "linear_cross_entropy": [
        Case("basic", _build(), grad_args=grads),
        Case("bias", _build(bias=True), grad_args=grads),
        Case("ignore", _build(n_ignore=3), grad_args=grads),
        Case("smoothing", _build(label_smoothing=0.2), grad_args=grads),
        Case("all_options", _build(bias=True, n_ignore=2, label_smoothing=0.1, ignore_index=-100),
             grad_args=grads),
        Case("ignore_index_in_range", _build(ignore_index=3), grad_args=grads),
        Case("large_vocab_chunks", _build(n=9, d=4, v=5000, bias=True), grad_args=grads),
        # torch 2.13's keywords that lossjax lacked before: class weights, probabilities, K-dim.
        Case("class_weights", _build(class_weights=True, n_ignore=2, label_smoothing=0.15),
             grad_args=grads),
        Case("probabilities", _build(probs=True, class_weights=True, label_smoothing=0.1),
             grad_args=(*grads, "target")),
        Case("k_dimensional", _build(n=6, d=5, v=11, out=(3, 2), bias=True, class_weights=True,
                                     n_ignore=2, label_smoothing=0.1), grad_args=grads),
        Case("k_dimensional_probabilities", _build(n=5, d=4, v=9, out=(3,), probs=True),
             grad_args=(*grads, "target")),
        # D == V: a [D, V] weight read as [V, D] would give another number silently (#17).
        Case("square_weight", _build(n=8, d=16, v=16, bias=True), grad_args=grads),
    ],
}
