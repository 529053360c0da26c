"""Fixture cases for linear_cross_entropy against torch 2.13's F.linear_cross_entropy.

torch's weight is [V, D] (nn.Linear), i.e. lossjax's weight_layout="vd"; its
bias is `linear_bias`. z_loss and logit_softcap have no torch counterpart and
are tested against the naive computation in tests/test_large_vocab.py.
"""

from __future__ import annotations

from torchref import TORCH_REFERENCES, Case


def _torch_linear_cross_entropy(hidden, weight, labels, *, bias=None, weight_layout="vd",
                                reduction="mean", ignore_index=-100, label_smoothing=0.0):
  import torch.nn.functional as F

  assert weight_layout == "vd"
  return F.linear_cross_entropy(hidden, weight, labels, linear_bias=bias, reduction=reduction,
                                ignore_index=ignore_index, label_smoothing=label_smoothing)


TORCH_REFERENCES["linear_cross_entropy"] = _torch_linear_cross_entropy


def _build(n=12, d=8, v=37, bias=False, n_ignore=0, **kw):
  def build(rng):
    h = rng.normal(size=(n, d))
    w = rng.normal(size=(v, d)) / 2
    y = rng.integers(0, v, size=(n,))
    y[:n_ignore] = -100
    kwargs = {"weight_layout": "vd", **kw}
    if bias:
      kwargs["bias"] = rng.normal(size=(v,))
    return [("hidden", h), ("weight", w), ("labels", y)], kwargs
  return build


grads = ("hidden", "weight")
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
    ]
}
