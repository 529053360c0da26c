"""Flow matching against torchcfm 1.0.7's matchers, run for real (float64; ``pip install
--no-deps torchcfm==1.0.7 pot``: its module imports POT for the optimal-transport sampler),
and the logit-normal weighting against Esser et al. 2024's density (eq. 19) written with
scipy's normal density. Each skips where its reference is not installed."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
SHAPE = (7, 3, 2)
MATCHERS = {"linear": "ConditionalFlowMatcher", "target": "TargetConditionalFlowMatcher",
            "variance_preserving": "VariancePreservingConditionalFlowMatcher",
            "schrodinger_bridge": "SchrodingerBridgeConditionalFlowMatcher"}


@pytest.mark.parametrize("path", list(MATCHERS))
@pytest.mark.parametrize("sigma", [0.0, 0.3])
def test_equals_torchcfm(path, sigma):
  if path == "schrodinger_bridge" and sigma == 0:
    pytest.skip("torchcfm's bridge needs sigma > 0 (with sigma = 0 it is the linear path)")
  torch = pytest.importorskip("torch")
  cfm = pytest.importorskip("torchcfm.conditional_flow_matching")
  matcher = getattr(cfm, MATCHERS[path])(sigma=sigma)
  x0, x1, eps, v = (torch.from_numpy(RNG.normal(size=SHAPE)) for _ in range(4))
  t = torch.from_numpy(RNG.uniform(size=SHAPE[0]))
  t[0], t[1] = 0.0, 1.0  # the path's ends
  # sample_location_and_conditional_flow draws ε (and, for the bridge, an OT plan first): its
  # two steps, with the ε given; the target matcher's x0 is unused, its noise is lossjax's x0
  source = eps if path == "target" else x0
  xt = matcher.sample_xt(x0, x1, t, eps)
  ut = matcher.compute_conditional_flow(x0, x1, t, xt)
  want = ((v - ut) ** 2).mean(dim=(1, 2)).numpy()  # torchcfm's examples: torch.mean((vt - ut)**2)
  if path == "target" and sigma == 0:  # torchcfm's 0/0 at t = 1: lossjax gives its limit
    assert np.isnan(want[1])
    want[1] = np.mean((v[1] - (x1[1] - eps[1])).numpy() ** 2)
    ut[1] = x1[1] - eps[1]
  got = lj.flow_matching_loss(v.numpy(), source.numpy(), x1.numpy(), t.numpy(), eps.numpy(),
                              path=path, sigma=sigma, reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
  got_xt, got_ut = lj.flow_matching_sample(source.numpy(), x1.numpy(), t.numpy(), eps.numpy(),
                                           path=path, sigma=sigma)
  np.testing.assert_allclose(got_xt, xt.numpy(), rtol=1e-12, atol=1e-14)
  np.testing.assert_allclose(got_ut, ut.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("m, s", [(0.0, 1.0), (0.5, 0.6)])
def test_logit_normal_weighting_is_the_papers_density(m, s):
  stats = pytest.importorskip("scipy.stats")
  x0, x1, v = (RNG.normal(size=SHAPE) for _ in range(3))
  t = RNG.uniform(size=SHAPE[0])
  t[0], t[1] = 0.0, 1.0  # the density's limit there is 0
  # the paper's time is 1 - t (its noise end is τ = 1): the density of logit(1 - t)
  tau = 1 - t[2:]
  logit = np.log(tau) - np.log1p(-tau)
  density = np.concatenate([[0.0, 0.0], stats.norm.pdf(logit, m, s) / (tau * (1 - tau))])
  want = np.mean((v - (x1 - x0)) ** 2, axis=(1, 2)) * density
  got = lj.flow_matching_loss(v, x0, x1, t, weighting="logit_normal", logit_mean=m, logit_std=s,
                              reduction="none")
  np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
  g = jax.grad(lambda v: lj.flow_matching_loss(v, x0, x1, t, weighting="logit_normal"))(v)
  assert np.all(np.isfinite(g)) and not np.any(g[:2])
  # m > 0 favours the noisy end (t near 0 here), as in the paper
  if m > 0:
    w = lj.flow_matching_loss(np.ones((2, 1)), np.zeros((2, 1)), np.ones((2, 1)) * 2,
                              np.array([0.2, 0.8]), weighting="logit_normal", logit_mean=m,
                              logit_std=s, reduction="none")
    assert w[0] > w[1]
  # a NaN time is NaN, also under jit for an impossible one
  bad = np.array([0.5, np.nan] + [0.5] * (SHAPE[0] - 2))
  assert np.isnan(lj.flow_matching_loss(v, x0, x1, bad, weighting="logit_normal",
                                        reduction="none")[1])
  jitted = jax.jit(lambda t: lj.flow_matching_loss(v, x0, x1, t, weighting="logit_normal",
                                                   reduction="none"))
  assert np.isnan(jitted(jnp.asarray(np.where(np.isnan(bad), 2.0, bad)))[1])


def test_bridge_needs_its_noise_and_masks_hold():
  x = np.zeros(SHAPE)
  t = np.full(SHAPE[0], 0.5)
  with pytest.raises(ValueError, match=r"flow_matching_loss: argument `noise`: got None"):
    lj.flow_matching_loss(x, x, x, t, path="schrodinger_bridge", sigma=0.5)
  with pytest.raises(ValueError, match=r"flow_matching_sample: argument `noise`: got None"):
    lj.flow_matching_sample(x, x, t, sigma=0.5)
  with pytest.raises(ValueError, match=r"flow_matching_loss: argument `t` holds 1.5"):
    lj.flow_matching_loss(x, x, x, np.where(np.arange(SHAPE[0]) == 3, 1.5, 0.5))
  v = jnp.asarray(RNG.normal(size=SHAPE)).at[3].set(jnp.inf)
  keep = np.arange(SHAPE[0]) != 3
  g = jax.grad(lambda v: lj.flow_matching_loss(v, x, x + 1.0, t, where=keep))(v)
  assert np.all(np.isfinite(g)) and not np.any(g[3])
  # a straight path: the velocity x1 - x0 is exact
  assert lj.flow_matching_loss(x + 1.0, x, x + 1.0, t) == 0.0
  assert math.isclose(float(lj.flow_matching_loss(x, x, x + 1.0, t)), 1.0)
