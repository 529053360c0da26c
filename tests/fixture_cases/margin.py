"""Fixture cases of the margin family (`lossjax/margin/`).

Fixture cases for the margin losses (torch.nn twins).
"""

from __future__ import annotations

import numpy as np
from torchref import Case


def _pm1(rng, shape):
  return np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


def _ranking(shape, **kw):
  def build(rng):
    return [("input1", rng.normal(size=shape)), ("input2", rng.normal(size=shape)),
            ("target", _pm1(rng, shape))], dict(kw)
  return build


def _hinge(shape, **kw):
  def build(rng):
    return [("input", rng.uniform(-0.5, 2.5, size=shape)), ("target", _pm1(rng, shape))], dict(kw)
  return build


def _soft(shape):
  def build(rng):
    return [("input", rng.normal(size=shape) * 2), ("target", _pm1(rng, shape))], {}
  return build


def _multilabel(n, c, *, unbatched=False, dup=False):
  def build(rng):
    t = np.full((n, c), -1)
    for i in range(n):
      k = rng.integers(0, c + 1)
      t[i, :k] = rng.choice(c, size=k, replace=False)
      if dup and k >= 2:
        t[i, 1] = t[i, 0]  # a repeated target index counts twice, as in torch
      if k + 2 <= c:
        t[i, k + 1] = rng.integers(0, c)  # after the first -1: ignored
    x = rng.normal(size=(n, c))
    if unbatched:
      return [("input", x[0]), ("target", t[0])], {}
    return [("input", x), ("target", t)], {}
  return build


def _multilabel_soft(shape, weight=False):
  def build(rng):
    kw = {"weight": rng.uniform(0.2, 3.0, size=shape[-1:])} if weight else {}
    return [("input", rng.normal(size=shape) * 2),
            ("target", (rng.uniform(size=shape) < 0.5).astype(np.float64))], kw
  return build


def _multi_margin(n, c, *, unbatched=False, **kw):
  def build(rng):
    kwargs = dict(kw)
    if kwargs.pop("weight", False):
      kwargs["weight"] = rng.uniform(0.2, 3.0, size=(c,))
    x, y = rng.normal(size=(n, c)), rng.integers(0, c, size=(n,))
    if unbatched:
      return [("input", x[0]), ("target", y[0])], kwargs
    return [("input", x), ("target", y)], kwargs
  return build


two_margin = ("input1", "input2")


CASES = {
    "margin_ranking_loss": [
        Case("basic", _ranking((7,)), grad_args=two_margin),
        Case("margin", _ranking((7,), margin=0.5), grad_args=two_margin),
        Case("2d_margin", _ranking((3, 4), margin=0.2), grad_args=two_margin),
        Case("scalar", _ranking(()), grad_args=two_margin),
    ],
    "hinge_embedding_loss": [
        Case("basic", _hinge((6, 3))),
        Case("margin", _hinge((8,), margin=2.0)),
        Case("3d", _hinge((2, 3, 4), margin=0.5)),
    ],
    "soft_margin_loss": [
        Case("basic", _soft((6, 3))),
        Case("vector", _soft((9,))),
    ],
    "multilabel_margin_loss": [
        Case("basic", _multilabel(6, 5)),
        Case("unbatched", _multilabel(1, 6, unbatched=True)),
        Case("repeated_target_index", _multilabel(5, 4, dup=True)),
    ],
    "multilabel_soft_margin_loss": [
        Case("basic", _multilabel_soft((6, 4))),
        Case("weight", _multilabel_soft((5, 3), weight=True)),
    ],
    "multi_margin_loss": [
        Case("p1", _multi_margin(6, 5)),
        Case("p2_margin", _multi_margin(6, 4, p=2, margin=0.5)),
        Case("weight", _multi_margin(7, 5, weight=True)),
        Case("p2_weight", _multi_margin(5, 3, p=2, margin=1.5, weight=True)),
        Case("unbatched", _multi_margin(1, 5, unbatched=True)),
    ],
}
