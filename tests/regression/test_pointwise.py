"""mse_loss, l1_loss, smooth_l1_loss, huber_loss: behaviour beyond the fixtures."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

X = jnp.asarray(np.random.default_rng(0).normal(size=(4, 3)))
T = jnp.asarray(np.random.default_rng(1).normal(size=(4, 3)))



def test_option_errors_use_torch_wording():
  with pytest.raises(ValueError, match="smooth_l1_loss does not support negative values for beta"):
    lj.smooth_l1_loss(X, T, beta=-1.0)
  with pytest.raises(ValueError, match="huber_loss does not support non-positive values for delta"):
    lj.huber_loss(X, T, delta=0.0)


def test_no_silent_broadcasting_of_target_or_weight():
  for fn in (lj.mse_loss, lj.l1_loss, lj.smooth_l1_loss, lj.huber_loss):
    with pytest.raises(ValueError, match=rf"{fn.__name__}: argument `target` has shape \(3,\)"):
      fn(X, T[0])
  with pytest.raises(ValueError, match=r"mse_loss: argument `weight` has shape \(3,\)"):
    lj.mse_loss(X, T, weight=jnp.ones(3))


def test_weighted_means_follow_torch_normalisers():
  w = jnp.asarray(np.random.default_rng(2).uniform(0.5, 2.0, size=X.shape))
  # mse/l1: sum(w * e) / sum(w); huber: mean(w * e) (torch 2.13's own inconsistency).
  np.testing.assert_allclose(lj.mse_loss(X, T, weight=w), jnp.sum(w * (X - T) ** 2) / jnp.sum(w))
  np.testing.assert_allclose(
      lj.huber_loss(X, T, weight=w), jnp.mean(w * lj.huber_loss(X, T, reduction="none"))
  )


def test_huber_is_delta_times_smooth_l1_with_beta_delta():
  for delta in (0.3, 1.0, 2.5):
    np.testing.assert_allclose(
        lj.huber_loss(X, 3 * T, delta=delta), delta * lj.smooth_l1_loss(X, 3 * T, beta=delta),
        rtol=1e-12,
    )
