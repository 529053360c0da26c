"""kl_div, poisson_nll_loss, gaussian_nll_loss: behaviour beyond the fixtures."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)



def test_kl_log_target_equals_probability_target():
  x = jax.nn.log_softmax(jnp.asarray(RNG.normal(size=(3, 4))))
  t = jax.nn.softmax(jnp.asarray(RNG.normal(size=(3, 4))))
  for reduction in ("none", "mean", "sum", "batchmean"):
    np.testing.assert_allclose(
        lj.kl_div(x, jnp.log(t), log_target=True, reduction=reduction),
        lj.kl_div(x, t, reduction=reduction), rtol=1e-12,
    )


def test_kl_batchmean_is_sum_over_batch_size():
  x = jax.nn.log_softmax(jnp.asarray(RNG.normal(size=(5, 4))))
  t = jax.nn.softmax(jnp.asarray(RNG.normal(size=(5, 4))))
  np.testing.assert_allclose(
      lj.kl_div(x, t, reduction="batchmean"), lj.kl_div(x, t, reduction="sum") / 5, rtol=1e-13
  )



def test_gaussian_var_rules_follow_torch():
  x, t = jnp.zeros((4, 3)), jnp.ones((4, 3))
  with pytest.raises(ValueError, match=r"gaussian_nll_loss: argument `var` has shape \(3,\)"):
    lj.gaussian_nll_loss(x, t, jnp.ones(3))
  with pytest.raises(ValueError, match="var has negative entry"):
    lj.gaussian_nll_loss(x, t, -1.0)
  with pytest.raises(ValueError, match=r"gaussian_nll_loss: argument `var` holds -1.0"):
    lj.gaussian_nll_loss(x, t, -jnp.ones((4, 3)))
  np.testing.assert_allclose(
      lj.gaussian_nll_loss(x, t, 0.5), lj.gaussian_nll_loss(x, t, jnp.full((4,), 0.5)), rtol=1e-14
  )


def test_gaussian_clamp_passes_gradient_through_like_torch():
  x, t = jnp.zeros(2), jnp.ones(2)
  g = jax.grad(lambda v: lj.gaussian_nll_loss(x, t, v, reduction="sum"))(jnp.array([1e-9, 1.0]))
  # d/dv [0.5 (log v + 1/v)] at the clamped v = eps = 1e-6, passed through to v = 1e-9.
  eps = 1e-6
  np.testing.assert_allclose(g[0], 0.5 * (1 / eps - 1 / eps**2), rtol=1e-12)
