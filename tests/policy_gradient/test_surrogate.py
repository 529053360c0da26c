"""policy_gradient_loss beyond the fixtures (TRL 1.16's GRPOTrainer, run): errors, NaN, options."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
LP = jnp.asarray(np.log(RNG.uniform(0.05, 0.95, size=(4, 6))))
OLD = LP + jnp.asarray(RNG.normal(size=(4, 6)) * 0.2)
REF = LP + jnp.asarray(RNG.normal(size=(4, 6)) * 0.3)
ADV = jnp.asarray(RNG.normal(size=4))


@pytest.mark.parametrize(("objective", "option", "value"), [
    ("sapo", "delta", 1.5), ("cispo", "delta", 2.0), ("vespo", "epsilon_high", 0.3),
    ("clip", "sapo_temperature_neg", 2.0), ("clip", "vespo_k_pos", 1.0),
    ("sapo", "vespo_lambda_neg", 1.0)])
def test_an_option_the_objective_does_not_read_is_an_error(objective, option, value):
  with pytest.raises(ValueError, match=rf"policy_gradient_loss: argument `{option}`: "
                                       rf"objective='{objective}' does not read it"):
    lj.policy_gradient_loss(LP, OLD, ADV, objective=objective, **{option: value})


def test_dr_grpos_constant_is_at_least_the_token_axis():
  with pytest.raises(ValueError, match=r"policy_gradient_loss: argument `max_length`: got 5, "
                                       r"fewer than the 6 tokens"):
    lj.policy_gradient_loss(LP, OLD, ADV, average="constant", max_length=5)


@pytest.mark.parametrize("objective", ["clip", "cispo", "sapo", "vespo"])
def test_a_nan_log_probability_gives_nan_and_a_masked_one_does_not(objective):
  # TRL's VESPO makes a NaN sequence weight 0 (nan_to_num): a plausible number. lossjax: NaN.
  old = OLD.at[0, 1].set(jnp.nan)
  assert jnp.isnan(lj.policy_gradient_loss(LP, old, ADV, objective=objective))
  keep = jnp.ones(LP.shape, bool).at[0, 1].set(False)
  value, grad = jax.value_and_grad(lambda lp: lj.policy_gradient_loss(
      lp, old, ADV, REF, objective=objective, beta=0.1, where=keep))(LP)
  assert np.isfinite(value) and np.all(np.isfinite(grad)) and grad[0, 1] == 0.0


def test_the_kl_is_bias_corrected_by_default_as_trl_1_16():
  # use_bias_correction_kl defaults to True in TRL 1.16: the KL estimate times the ratio,
  # whose gradient is nonzero even on-policy (ratio exactly 1).
  lp = LP
  on_policy = jax.lax.stop_gradient(lp)

  def loss(lp, **kw):
    return lj.policy_gradient_loss(lp, on_policy, jnp.zeros(4), REF, beta=0.1, **kw)

  with_ratio, without = jax.grad(loss)(lp), jax.grad(lambda x: loss(x, bias_correction_kl=False))(lp)
  # d/dlp [k3 * ratio] = d k3 + k3 at ratio 1: the correction adds the estimate itself.
  k3 = jnp.exp(REF - lp) - (REF - lp) - 1.0
  np.testing.assert_allclose(with_ratio - without, 0.1 * k3 / lp.size, rtol=1e-12, atol=1e-16)
