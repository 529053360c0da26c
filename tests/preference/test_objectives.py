"""Preference losses beyond the fixtures (TRL's formulas in torch): rewards, masks, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lossjax as lj

RNG = np.random.default_rng(0)
C, R = jnp.asarray(-RNG.uniform(2, 20, 9)), jnp.asarray(-RNG.uniform(2, 20, 9))
C0, R0 = C + jnp.asarray(RNG.normal(size=9)), R + jnp.asarray(RNG.normal(size=9))


def test_rewards_are_what_trl_logs_and_carry_no_gradient():
  # TRL: chosen_rewards = beta * (policy_chosen_logps - ref_chosen_logps).detach().
  loss, chosen, rejected = lj.dpo_loss(C, R, C0, R0, beta=0.3, return_rewards=True)
  np.testing.assert_allclose(chosen, 0.3 * (C - C0), rtol=1e-14)
  np.testing.assert_allclose(rejected, 0.3 * (R - R0), rtol=1e-14)
  np.testing.assert_allclose(loss, lj.dpo_loss(C, R, C0, R0, beta=0.3), rtol=1e-14)
  g = jax.grad(lambda c: jnp.sum(lj.dpo_loss(c, R, C0, R0, return_rewards=True)[1]))(C)
  assert not np.any(np.asarray(g))
  for fn in (lj.simpo_loss, lj.orpo_loss):
    _, chosen, rejected = fn(C / 10, R / 10, beta=0.2, return_rewards=True)
    np.testing.assert_allclose(chosen, 0.02 * C, rtol=1e-14)
  _, rewards = lj.kto_loss(C, C0, C > R, 0.1, beta=0.4, return_rewards=True)
  np.testing.assert_allclose(rewards, 0.4 * (C - C0), rtol=1e-14)


@pytest.mark.parametrize("loss_type", ["aot", "aot_pair"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_aot_sorts_only_the_kept_pairs(loss_type, reduction):
  # The optimal-transport types sort over the batch: a masked pair must leave both sorted
  # batches, exactly as slicing it out does.
  keep = jnp.arange(9) % 3 != 1
  kw = {"loss_type": loss_type, "beta": 0.5, "reduction": reduction}
  got = lj.dpo_loss(C, R, C0, R0, where=keep, **kw)
  want = lj.dpo_loss(C[keep], R[keep], C0[keep], R0[keep], **kw)
  np.testing.assert_allclose(got, want, rtol=1e-13)


def test_bad_inputs_name_the_loss_and_the_argument():
  with pytest.raises(ValueError, match=r"dpo_loss: argument `ref_rejected_logps`"):
    lj.dpo_loss(C, R, C0)
  with pytest.raises(ValueError, match=r"dpo_loss: argument `loss_type`"):
    lj.dpo_loss(C, R, loss_type="kto")
  with pytest.raises(ValueError, match=r"kto_loss: argument `desirable` holds 2"):
    lj.kto_loss(C, C0, jnp.full(9, 2.0), 0.0)
  with pytest.raises(ValueError, match=r"simpo_loss: argument `rejected_logps` has shape"):
    lj.simpo_loss(C, R[:3])


def test_orpo_is_finite_for_log_probabilities_near_zero_and_very_negative():
  # log(1 - e^x) in its stable form (TRL main's log1mexp): x = -1e-9 and x = -50 are finite.
  c, r = jnp.array([-1e-9, -50.0]), jnp.array([-3.0, -1e-6])
  value, grads = jax.value_and_grad(lj.orpo_loss, argnums=(0, 1))(c, r)
  assert np.isfinite(value) and all(np.all(np.isfinite(g)) for g in grads)
