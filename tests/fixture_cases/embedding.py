"""Fixture cases for the embedding losses (torch.nn twins).

triplet_margin_with_distance_loss is fixed with its default distance here; a
custom JAX distance is tested against the same distance written in torch in
tests/test_embedding.py (live, when torch is installed) and against
triplet_margin_loss.
"""

from __future__ import annotations

import numpy as np
from torchref import Case


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
CASES = {
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
}
