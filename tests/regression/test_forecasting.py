"""Forecasting losses against scikit-learn run for real, and Barron's closed forms.

Fixtures (torch transcriptions of scikit-learn, properscoring and robust_loss_pytorch)
check values and gradients in test_fixtures.py; here scikit-learn's own functions give the
values, on random inputs.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn import metrics

import lossjax as lj

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("q", [0.05, 0.5, 0.9])
def test_quantile_loss_is_sklearn_mean_pinball_loss(q):
  y, pred = RNG.normal(size=50), RNG.normal(size=50)
  np.testing.assert_allclose(lj.quantile_loss(jnp.asarray(pred), jnp.asarray(y), quantiles=q),
                             metrics.mean_pinball_loss(y, pred, alpha=q), rtol=1e-12)


def test_several_quantiles_average_sklearns_per_quantile_losses():
  qs = np.array([0.1, 0.5, 0.9])
  y, fan = RNG.normal(size=40), RNG.normal(size=(40, 3))
  want = np.mean([metrics.mean_pinball_loss(y, fan[:, i], alpha=q) for i, q in enumerate(qs)])
  np.testing.assert_allclose(lj.quantile_loss(jnp.asarray(fan), jnp.asarray(y), quantiles=qs),
                             want, rtol=1e-12)


@pytest.mark.parametrize("power", [-1.0, 0.0, 1.0, 1.2, 1.5, 1.9, 2.0, 3.0])
def test_tweedie_deviance_is_sklearn_mean_tweedie_deviance(power):
  mu = RNG.uniform(0.1, 4.0, size=60)
  y = RNG.uniform(0.05 if power >= 2 else 0.0, 4.0, size=60)
  if power < 1:
    y = y - 1.0  # any real target below power 1
  if 1 <= power < 2:
    y[:5] = 0.0  # exact zeros, Tweedie's reason to exist
  got = lj.tweedie_deviance(jnp.asarray(mu), jnp.asarray(y), power=power)
  np.testing.assert_allclose(got, metrics.mean_tweedie_deviance(y, mu, power=power), rtol=1e-12)


def test_gamma_deviance_is_sklearn_mean_gamma_deviance():
  mu, y = RNG.uniform(0.1, 4.0, size=60), RNG.uniform(0.1, 4.0, size=60)
  np.testing.assert_allclose(lj.gamma_deviance(jnp.asarray(mu), jnp.asarray(y)),
                             metrics.mean_gamma_deviance(y, mu), rtol=1e-12)


def test_tweedie_domain_errors_name_the_argument():
  with pytest.raises(ValueError, match="tweedie_deviance: .*`power`.*0 < power < 1"):
    lj.tweedie_deviance(jnp.ones(3), jnp.ones(3), power=0.5)
  with pytest.raises(ValueError, match="tweedie_deviance: .*`input`.*> 0"):
    lj.tweedie_deviance(jnp.array([1.0, -1.0]), jnp.ones(2), power=1.5)
  with pytest.raises(ValueError, match="gamma_deviance: .*`target`.*> 0"):
    lj.gamma_deviance(jnp.ones(2), jnp.array([1.0, 0.0]))
  assert np.isnan(jax.jit(lambda m: lj.gamma_deviance(m, jnp.ones(2)))(jnp.array([1.0, -1.0])))


@pytest.mark.parametrize(("alpha", "closed_form"), [
    (-math.inf, lambda z: 1 - np.exp(-0.5 * z)),  # Welsch
    (-2.0, lambda z: 2 * z / (z + 4)),  # Geman-McClure
    (0.0, lambda z: np.log(0.5 * z + 1)),  # Cauchy
    (1.0, lambda z: np.sqrt(z + 1) - 1),  # Charbonnier / pseudo-Huber
    (2.0, lambda z: 0.5 * z),  # L2
    (4.0, lambda z: z**2 / 8 + z / 2),
])
def test_barron_special_cases_are_the_named_losses(alpha, closed_form):
  # robust_loss_pytorch's tests/general_test.py closed forms, z = (x / c)^2.
  x, c = RNG.normal(size=30) * 3, 0.7
  got = lj.barron_loss(jnp.asarray(x), jnp.zeros(30), alpha=alpha, scale=c, reduction="none")
  np.testing.assert_allclose(got, closed_form((x / c) ** 2), rtol=1e-6, atol=1e-12)


def test_crps_ensemble_of_one_member_is_the_absolute_error_and_gaussian_limit():
  y, x = RNG.normal(size=20), RNG.normal(size=20)
  np.testing.assert_allclose(lj.crps_ensemble(jnp.asarray(x)[:, None], jnp.asarray(y),
                                              reduction="none"), np.abs(x - y), rtol=1e-12)
  # A large ensemble drawn from N(mu, sigma) approaches the Gaussian closed form.
  mu, sigma, obs = 0.3, 1.4, -0.5
  members = mu + sigma * np.random.default_rng(1).standard_normal(4000)
  np.testing.assert_allclose(
      lj.crps_ensemble(jnp.asarray(members)[None], jnp.asarray([obs])),
      lj.crps_gaussian(jnp.asarray([mu]), jnp.asarray([sigma]), jnp.asarray([obs])), rtol=2e-2)
