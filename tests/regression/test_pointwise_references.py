"""log-cosh, Charbonnier, MSLE, MAPE, cosine distance: references and edges.

log_cosh_loss and cosine_similarity_loss are checked against optax here; all
five are also fixed by torch fixtures (tests/fixture_cases/regression.py), the
cosine one by torch's own F.cosine_similarity.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
X = jnp.asarray(RNG.normal(size=(6, 4)) * 3)
T = jnp.asarray(RNG.normal(size=(6, 4)))


def test_log_cosh_equals_optax_and_never_overflows():
  np.testing.assert_allclose(lj.log_cosh_loss(X, T, reduction="none"), optax.log_cosh(X, T),
                             rtol=1e-12, atol=1e-15)
  big = jnp.array([1e4, -1e4], jnp.float32)  # cosh overflows float32 beyond ~89
  value, grad = jax.value_and_grad(lj.log_cosh_loss)(big, jnp.zeros(2, jnp.float32))
  assert np.isfinite(value) and np.allclose(grad, [0.5, -0.5])  # tanh(d) / 2


def test_cosine_similarity_loss_equals_optax_cosine_distance():
  with jax.numpy_dtype_promotion("standard"):
    want = optax.cosine_distance(X, T)
  np.testing.assert_allclose(lj.cosine_similarity_loss(X, T, reduction="none"), want, rtol=1e-12)


def test_cosine_similarity_loss_at_zero_vectors_is_one_with_finite_gradient():
  zero = jnp.zeros((2, 3))
  value, grads = jax.value_and_grad(lj.cosine_similarity_loss, argnums=(0, 1))(zero, zero)
  assert value == 1.0 and all(np.all(np.isfinite(g)) for g in grads)


def test_msle_rejects_values_at_or_below_minus_one_like_scikit_learn():
  with pytest.raises(ValueError, match=r"msle_loss: argument `target` holds -1.0"):
    lj.msle_loss(jnp.ones(2), jnp.array([1.0, -1.0]))
  sklearn = pytest.importorskip("sklearn.metrics")
  x, t = jnp.array([-0.5, 0.3, 2.0]), jnp.array([0.2, -0.9, 1.0])  # (-1, 0) is defined
  np.testing.assert_allclose(lj.msle_loss(x, t),
                             sklearn.mean_squared_log_error(np.asarray(t), np.asarray(x)),
                             rtol=1e-12)
  with pytest.raises(ValueError):
    sklearn.mean_squared_log_error(np.array([1.0, -1.0]), np.ones(2))


def test_mape_with_a_zero_target_is_finite():
  value, grad = jax.value_and_grad(lj.mape_loss)(jnp.array([1.0, 2.0]), jnp.array([0.0, 1.0]))
  assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_charbonnier_is_smooth_at_zero_and_tends_to_l1():
  g = jax.grad(lj.charbonnier_loss)(jnp.zeros(3), jnp.zeros(3))
  np.testing.assert_array_equal(g, 0.0)
  np.testing.assert_allclose(lj.charbonnier_loss(X, T, eps=1e-9), lj.l1_loss(X, T), rtol=1e-9)


def test_mape_equals_scikit_learn():
  sklearn = pytest.importorskip("sklearn.metrics")
  x, t = jnp.asarray(RNG.normal(size=(7,))), jnp.asarray(RNG.normal(size=(7,))).at[2].set(0.0)
  np.testing.assert_allclose(
      lj.mape_loss(x, t), sklearn.mean_absolute_percentage_error(np.asarray(t), np.asarray(x)),
      rtol=1e-12)
