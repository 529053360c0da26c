"""Ranking losses against rax 0.4 directly (per list: rax's unreduced losses summed).

rax's default "mean" averages over all pairs of all lists; lossjax averages
per-list losses over the lists that count, so the per-list values are compared.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

rax = pytest.importorskip("rax")

RNG = np.random.default_rng(0)
SCORES = jnp.asarray(RNG.normal(size=(5, 6)) * 2)
LABELS = jnp.asarray(RNG.integers(0, 4, size=(5, 6)).astype(np.float64))
WHERE = jnp.asarray(RNG.uniform(size=(5, 6)) < 0.7).at[2].set(False)  # list 2 fully masked

CASES = [
    (lj.softmax_ranking_loss, rax.softmax_loss, ()),
    (lj.pairwise_logistic_loss, rax.pairwise_logistic_loss, (-1,)),  # rax: [..., L * L]
    (lj.pairwise_hinge_loss, rax.pairwise_hinge_loss, (-1,)),
    (lj.listmle_loss, rax.listmle_loss, ()),
]


@pytest.mark.parametrize(("ours", "theirs", "pair_axes"), CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("ragged", [False, True])
def test_per_list_losses_equal_rax(ours, theirs, pair_axes, ragged):
  where = WHERE if ragged else None
  labels = LABELS if ours is not lj.listmle_loss else jnp.asarray(
      RNG.permutation(30).reshape(5, 6).astype(np.float64))  # ListMLE: no ties in the order
  with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
    want = theirs(SCORES, labels, where=where, reduce_fn=None)
  if pair_axes:
    want = jnp.sum(want, axis=pair_axes)
  got = ours(SCORES, labels, where=where, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fn", [c[0] for c in CASES])
def test_fully_masked_lists_count_for_nothing(fn):
  none = fn(SCORES, LABELS, where=WHERE, reduction="none")
  assert none[2] == 0.0
  counted = np.array([i != 2 for i in range(5)])
  np.testing.assert_allclose(fn(SCORES, LABELS, where=WHERE), np.mean(np.asarray(none)[counted]),
                             rtol=1e-12)
  value, grad = jax.value_and_grad(fn)(SCORES, LABELS, where=jnp.zeros((5, 6), bool))
  assert value == 0.0 and not np.any(np.asarray(grad))


def test_single_item_lists():
  s, y = jnp.array([[1.5], [0.2]]), jnp.array([[1.0], [0.0]])
  for fn in (lj.softmax_ranking_loss, lj.listmle_loss):  # log softmax of one item is 0
    np.testing.assert_array_equal(fn(s, y, reduction="none"), 0.0)
  assert lj.pairwise_hinge_loss(s, y) == 0.0  # no pairs: nothing to rank
