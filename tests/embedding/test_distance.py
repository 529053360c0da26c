"""Embedding losses: zero and identical vectors, custom distances."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
A, P, N = (jnp.asarray(RNG.normal(size=(5, 4))) for _ in range(3))



def test_default_distance_is_pairwise_distance_p2():
  np.testing.assert_allclose(
      lj.triplet_margin_with_distance_loss(A, P, N, margin=0.7, swap=True),
      lj.triplet_margin_loss(A, P, N, margin=0.7, swap=True), rtol=1e-13)


def cosine_distance(x, y):
  return 1.0 - jnp.sum(x * y, -1) / jnp.sqrt(jnp.sum(x * x, -1) * jnp.sum(y * y, -1))


def test_custom_jax_distance_function():
  # Reference: the formula by hand with the same distance.
  got = lj.triplet_margin_with_distance_loss(A, P, N, distance_function=cosine_distance,
                                             margin=0.3, reduction="none")
  want = jnp.maximum(cosine_distance(A, P) - cosine_distance(A, N) + 0.3, 0.0)
  np.testing.assert_allclose(got, want, rtol=1e-13)
  loss = lj.nn.TripletMarginWithDistanceLoss(distance_function=cosine_distance, margin=0.3)
  assert hash(loss) == hash(lj.nn.TripletMarginWithDistanceLoss(
      distance_function=cosine_distance, margin=0.3))


def test_custom_distance_matches_live_torch():
  torch = pytest.importorskip("torch")
  import torch.nn.functional as F

  def torch_cosine(x, y):
    return 1.0 - F.cosine_similarity(x, y, dim=-1, eps=0.0)

  t = [torch.from_numpy(np.array(a)).requires_grad_(True) for a in (A, P, N)]
  want = F.triplet_margin_with_distance_loss(*t, distance_function=torch_cosine, margin=0.3,
                                             swap=True)
  want.backward()
  got, grads = jax.value_and_grad(
      lambda a, p, n: lj.triplet_margin_with_distance_loss(
          a, p, n, distance_function=cosine_distance, margin=0.3, swap=True),
      argnums=(0, 1, 2))(A, P, N)
  np.testing.assert_allclose(got, want.item(), rtol=1e-12)
  for g, tt in zip(grads, t):
    np.testing.assert_allclose(g, tt.grad.numpy(), rtol=1e-10, atol=1e-14)
