"""VAE objectives against distrax 0.1.9, run for real (float64; ``pip install distrax==0.1.9``,
a JAX library): ``MultivariateNormalDiag.kl_divergence``, ``Bernoulli(logits).log_prob``,
``Normal.log_prob``. Free bits against Kingma et al. 2016's objective, Σ_j max(λ, E_x[KL_j]),
written out with distrax's per-dimension KLs (``Normal.kl_divergence``). Skips without
distrax."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
N, D = 7, 5


def _distrax():
  return pytest.importorskip("distrax")


def _posterior():
  return RNG.normal(size=(N, D)), RNG.normal(size=(N, D)) * 0.7


@pytest.mark.parametrize("prior", [False, True])
def test_kl_equals_distrax(prior):
  distrax = _distrax()
  mu, lv = _posterior()
  pm, plv = (RNG.normal(size=(N, D)), RNG.normal(size=(N, D)) * 0.7) if prior else (
      np.zeros((N, D)), np.zeros((N, D)))
  with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
    q = distrax.MultivariateNormalDiag(jnp.asarray(mu), jnp.exp(0.5 * jnp.asarray(lv)))
    p = distrax.MultivariateNormalDiag(jnp.asarray(pm), jnp.exp(0.5 * jnp.asarray(plv)))
    want = q.kl_divergence(p)
  got = (lj.gaussian_kl_loss(mu, lv, pm, plv, reduction="none") if prior
         else lj.gaussian_kl_loss(mu, lv, reduction="none"))
  np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("likelihood, beta, scale", [("bernoulli", 1.0, 1.0),
                                                     ("bernoulli", 4.0, 1.0),
                                                     ("gaussian", 1.0, 1.0),
                                                     ("gaussian", 0.5, 0.3)])
def test_elbo_equals_distrax(likelihood, beta, scale):
  distrax = _distrax()
  mu, lv = _posterior()
  shape = (N, 2, 3)
  rec = RNG.normal(size=shape) * 2
  x = (RNG.uniform(size=shape) < 0.4).astype(float) if likelihood == "bernoulli" else (
      RNG.normal(size=shape))
  with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
    if likelihood == "bernoulli":
      log_p = distrax.Bernoulli(logits=jnp.asarray(rec)).log_prob(jnp.asarray(x))
    else:
      log_p = distrax.Normal(jnp.asarray(rec), scale).log_prob(jnp.asarray(x))
    q = distrax.MultivariateNormalDiag(jnp.asarray(mu), jnp.exp(0.5 * jnp.asarray(lv)))
    prior = distrax.MultivariateNormalDiag(jnp.zeros(D), jnp.ones(D))
    want = -jnp.sum(log_p, axis=(1, 2)) + beta * q.kl_divergence(prior)
  got = lj.elbo_loss(rec, x, mu, lv, likelihood=likelihood, beta=beta, obs_scale=scale,
                     reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("free_bits", [0.05, 0.4, 3.0])
def test_free_bits_is_the_papers_objective(free_bits):
  distrax = _distrax()
  mu, lv = _posterior()
  mu[:, 0] *= 0.05  # a dimension near the prior: below λ
  lv[:, 0] *= 0.05
  keep = np.arange(N) != 4

  def papers(mu, lv):
    with jax.numpy_dtype_promotion("standard"), jax.numpy_rank_promotion("allow"):
      kl = distrax.Normal(mu, jnp.exp(0.5 * lv)).kl_divergence(distrax.Normal(0.0, 1.0))
    per_dim = jnp.mean(kl[keep], axis=0)  # E_x over the (unmasked) batch
    return jnp.sum(jnp.maximum(free_bits, per_dim))

  def ours(mu, lv):
    return lj.gaussian_kl_loss(mu, lv, free_bits=free_bits, where=keep)

  np.testing.assert_allclose(ours(mu, lv), papers(jnp.asarray(mu), jnp.asarray(lv)), rtol=1e-12)
  for i in (0, 1):
    np.testing.assert_allclose(jax.grad(ours, i)(mu, lv),
                               jax.grad(papers, i)(jnp.asarray(mu), jnp.asarray(lv)),
                               rtol=1e-12, atol=1e-15)
  # the ELBO's free bits are the same KL term's
  x, rec = np.zeros((N, 3)), RNG.normal(size=(N, 3))
  np.testing.assert_allclose(
      lj.elbo_loss(rec, x, mu, lv, free_bits=free_bits, where=keep),
      lj.elbo_loss(rec, x, np.zeros_like(mu), np.zeros_like(lv), where=keep) + ours(mu, lv),
      rtol=1e-12)
  with pytest.raises(ValueError, match=r"`free_bits=.*` pools statistics over the batch"):
    lj.gaussian_kl_loss(mu, lv, free_bits=free_bits, reduction="parts")


def test_shapes_and_masks():
  mu, lv = _posterior()
  with pytest.raises(ValueError, match=r"elbo_loss: argument `mean` has shape \(6, 5\)"):
    lj.elbo_loss(np.zeros((N, 3)), np.zeros((N, 3)), mu[:6], lv[:6])
  bad = jnp.asarray(lv).at[2].set(jnp.nan)
  keep = np.arange(N) != 2
  g = jax.grad(lambda v: lj.gaussian_kl_loss(mu, v, where=keep))(bad)
  assert np.all(np.isfinite(g)) and not np.any(g[2])
  assert np.isnan(lj.gaussian_kl_loss(mu, bad, reduction="none")[2])
