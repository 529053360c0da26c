"""Generalized KL and Jensen-Shannon: against optax and scipy directly."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy.spatial.distance import jensenshannon

import lossjax as lj

RNG = np.random.default_rng(0)


def _dist(shape, zeros=False):
  p = RNG.uniform(size=shape)
  if zeros:
    p[RNG.uniform(size=shape) < 0.3] = 0.0
  return p / p.sum(-1, keepdims=True)


def test_generalized_kl_equals_optax_summed_over_the_last_axis():
  import optax

  p = RNG.uniform(0.1, 3.0, size=(5, 4))
  t = RNG.uniform(0.0, 3.0, size=(5, 4))
  t[0, 0] = 0.0
  want = optax.losses.generalized_kl_divergence(jnp.log(p), jnp.asarray(t))
  for log_input, x in ((False, jnp.asarray(p)), (True, jnp.log(p))):
    got = jnp.sum(lj.generalized_kl_div(x, jnp.asarray(t), log_input=log_input, reduction="none"),
                  axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_generalized_kl_zero_targets_have_finite_gradients():
  grads = jax.grad(lj.generalized_kl_div, argnums=(0, 1))(jnp.array([1.0, 2.0]), jnp.zeros(2))
  assert all(np.all(np.isfinite(g)) for g in grads)


def test_js_divergence_equals_scipy_jensenshannon_squared():
  for zeros in (False, True):
    p, q = _dist((6, 5), zeros), _dist((6, 5), zeros)
    want = jensenshannon(p, q, axis=-1) ** 2
    got = lj.js_divergence(jnp.asarray(p), jnp.asarray(q), reduction="none")
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(lj.js_divergence(jnp.log(p), jnp.log(q), log_input=True,
                                                reduction="none"), want, rtol=1e-10, atol=1e-15)


def test_js_divergence_is_symmetric_bounded_and_finite_at_zeros():
  p, q = jnp.asarray(_dist((4, 6), True)), jnp.asarray(_dist((4, 6), True))
  np.testing.assert_allclose(lj.js_divergence(p, q), lj.js_divergence(q, p), rtol=1e-13)
  assert np.all(lj.js_divergence(p, q, reduction="none") <= np.log(2) + 1e-12)
  grads = jax.grad(lj.js_divergence, argnums=(0, 1))(p, q)
  assert all(np.all(np.isfinite(g)) for g in grads)
