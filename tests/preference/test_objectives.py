"""Preference losses beyond the fixtures (TRL 1.16's trainers, run): rewards, masks, errors."""

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


@pytest.mark.parametrize("loss_type", ["aot", "aot_unpaired"])
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


N = jnp.asarray(RNG.integers(1, 30, 9).astype(np.float64))
M = jnp.asarray(RNG.integers(1, 30, 9).astype(np.float64))


def test_aot_pair_is_trls_old_name_for_aot_unpaired():
  for kw in ({}, {"where": jnp.arange(9) % 4 != 2}):
    np.testing.assert_array_equal(lj.dpo_loss(C, R, C0, R0, loss_type="aot_pair", **kw),
                                  lj.dpo_loss(C, R, C0, R0, loss_type="aot_unpaired", **kw))


def test_options_no_chosen_type_reads_are_errors_not_ignored():
  # TRL 1.16 ignores label_smoothing for sigmoid (v0.25 applied cDPO): lossjax asks which.
  with pytest.raises(ValueError, match=r"dpo_loss: argument `label_smoothing`: got 0.1.*"
                                       r"conservative=True"):
    lj.dpo_loss(C, R, C0, R0, label_smoothing=0.1)
  with pytest.raises(ValueError, match=r"dpo_loss: argument `label_smoothing`: exo_pair needs"):
    lj.dpo_loss(C, R, C0, R0, loss_type="exo_pair")
  with pytest.raises(ValueError, match=r"dpo_loss: argument `chosen_lengths`: loss_type 'sft'"):
    lj.dpo_loss(C, R, C0, R0, loss_type=("sigmoid", "sft"))
  with pytest.raises(ValueError, match=r"dpo_loss: argument `f_divergence_type`"):
    lj.dpo_loss(C, R, C0, R0, loss_type="bco_pair", f_divergence_type="forward_kl")
  with pytest.raises(ValueError, match=r"dpo_loss: argument `loss_weights`: got 1 weights for 2"):
    lj.dpo_loss(C, R, C0, R0, loss_type=("sigmoid", "hinge"), loss_weights=(0.5,))
  with pytest.raises(ValueError, match=r"dpo_loss: argument `conservative`"):
    lj.dpo_loss(C, R, C0, R0, loss_type="hinge", conservative=True)
  with pytest.raises(ValueError, match=r"dpo_loss: argument `where`: .*per-rank"):
    lj.dpo_loss(C, R, C0, R0, loss_type=("sigmoid", "aot"), where=C > R)
  with pytest.raises(ValueError, match=r"cpo_loss: argument `chosen_lengths`"):
    lj.cpo_loss(C, R)
  with pytest.raises(ValueError, match=r"cpo_loss: argument `label_smoothing`"):
    lj.cpo_loss(C, R, cpo_alpha=0.0, loss_type="hinge", label_smoothing=0.1)
  # cDPO stays reachable, as TRL <= 0.2x computed it.
  z = 0.1 * ((C - R) - (C0 - R0))
  want = jnp.mean(-0.85 * jax.nn.log_sigmoid(z) - 0.15 * jax.nn.log_sigmoid(-z))
  np.testing.assert_allclose(lj.dpo_loss(C, R, C0, R0, label_smoothing=0.15, conservative=True),
                             want, rtol=1e-13)


def test_batch_pooling_types_have_no_parts_and_say_why():
  with pytest.raises(ValueError, match=r"dpo_loss: .*`loss_type='sft'` pools the batch"):
    lj.dpo_loss(C, R, C0, R0, N, M, loss_type=("sigmoid", "sft"), reduction="parts")
  with pytest.raises(ValueError, match=r"cpo_loss: .*`cpo_alpha` != 0"):
    lj.cpo_loss(C, R, N, reduction="parts")
  assert isinstance(lj.cpo_loss(C, R, N, cpo_alpha=0.0, reduction="parts"), lj.Parts)


def test_masked_pairs_leave_the_batch_means_of_sft_and_cpos_nll():
  keep = jnp.arange(9) % 3 != 1
  for fn, args, kw in ((lj.dpo_loss, (C, R, C0, R0, N, M), {"loss_type": ("sft", "ipo")}),
                       (lj.cpo_loss, (C, R, N), {"beta": 0.3})):
    got = fn(*args, where=keep, **kw)
    want = fn(*(a[keep] for a in args), **kw)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    g = jax.grad(lambda c, fn=fn, args=args, kw=kw: fn(c, *args[1:], where=keep, **kw))(C)
    np.testing.assert_array_equal(np.asarray(g)[~np.asarray(keep)], 0.0)


# TRL 1.16's own trainers, run as the fixture generator runs them (skipped without TRL).
def _trl():
  pytest.importorskip("torch")
  pytest.importorskip("trl")
  from tests.fixture_cases import preference as ref
  return ref


def _t(x):
  import torch
  return torch.from_numpy(np.asarray(x).copy())


@pytest.mark.parametrize("loss_type", ["sigmoid", "ipo", "sigmoid_norm"])
def test_dpo_rewards_are_the_rewards_trl_logs(loss_type):
  # One pair per call: TRL logs the mean over pairs, which for one pair is that pair's reward.
  ref = _trl()
  from trl.trainer.dpo_trainer import DPOTrainer

  _, chosen, rejected = lj.dpo_loss(C, R, C0, R0, N, M, beta=0.3, loss_type=loss_type,
                                    return_rewards=True)
  for i in range(3):
    tokens, mask, _ = ref._token_layout(_t(jnp.stack([C[i], R[i]])), _t(jnp.stack([N[i], M[i]])))
    trainer = ref.make_trainer(DPOTrainer, ref.Model(ref.Outputs(tokens)), ld_alpha=None,
                           precompute_ref_logps=True, f_divergence_type="reverse_kl",
                           f_alpha_divergence_coef=0.5, loss_types=[loss_type], loss_weights=[1.0],
                           beta=0.3, label_smoothing=0.0, use_weighting=False)
    trainer._compute_loss(trainer.model, {"input_ids": mask * 0, "attention_mask": mask * 0 + 1,
                                          "completion_mask": mask,
                                          "ref_chosen_logps": _t(C0[i:i + 1]),
                                          "ref_rejected_logps": _t(R0[i:i + 1])}, False)
    logged = trainer._metrics["train"]
    np.testing.assert_allclose(chosen[i], logged["rewards/chosen"][0], rtol=1e-14)
    np.testing.assert_allclose(rejected[i], logged["rewards/rejected"][0], rtol=1e-14)


@pytest.mark.parametrize("alpha", [0.0, 0.05])
def test_cpo_simpo_and_orpo_rewards_are_the_rewards_trl_returns(alpha):
  ref = _trl()
  from trl.experimental.cpo.cpo_trainer import CPOTrainer
  from trl.experimental.orpo.orpo_trainer import ORPOTrainer

  trainer = ref.make_trainer(CPOTrainer, beta=0.3, label_smoothing=0.0, loss_type="sigmoid",
                         simpo_gamma=0.5, alpha=alpha)
  _, want_c, want_r = trainer.cpo_loss(_t(C), _t(R))
  _, got_c, got_r = lj.cpo_loss(C, R, beta=0.3, alpha=alpha, cpo_alpha=0.0, return_rewards=True)
  np.testing.assert_allclose(got_c, want_c.numpy(), rtol=1e-13)
  np.testing.assert_allclose(got_r, want_r.numpy(), rtol=1e-13)
  _, want_c, want_r, _, _ = ref.make_trainer(ORPOTrainer, beta=0.3).odds_ratio_loss(_t(C / 10), _t(R / 10))
  _, got_c, got_r = lj.orpo_loss(C / 10, R / 10, beta=0.3, return_rewards=True)
  np.testing.assert_allclose(got_c, want_c.numpy(), rtol=1e-6)  # TRL: float32
  np.testing.assert_allclose(got_r, want_r.numpy(), rtol=1e-6)


def test_kto_rewards_are_the_rewards_trl_logs():
  ref = _trl()
  from trl.trainer.kto_trainer import KTOTrainer

  good = C > R
  _, rewards = lj.kto_loss(C, C0, good, 0.2, beta=0.4, return_rewards=True)
  for i in range(4):
    tokens, mask, _ = ref._token_layout(_t(C[i:i + 1]), None)
    trainer = ref.make_trainer(KTOTrainer, ref.Model(ref.Outputs(tokens)), precompute_ref_logps=True,
                           calculate_KL=False, beta=0.4, loss_type="kto", desirable_weight=1.0,
                           undesirable_weight=1.0)
    trainer._compute_loss(trainer.model, {"input_ids": mask * 0, "attention_mask": mask * 0 + 1,
                                          "completion_mask": mask, "label": _t(good[i:i + 1]),
                                          "ref_logps": _t(C0[i:i + 1])}, False)
    key = "rewards/chosen" if bool(good[i]) else "rewards/rejected"
    np.testing.assert_allclose(rewards[i], trainer._metrics["train"][key][0], rtol=1e-14)


def test_length_desensitized_logps_weigh_the_tail_past_the_shared_length():
  rng = np.random.default_rng(3)
  c, r = jnp.asarray(-rng.uniform(0.1, 2, (4, 6))), jnp.asarray(-rng.uniform(0.1, 2, (4, 5)))
  kc = jnp.arange(6)[None, :] < jnp.array([[6], [2], [4], [1]])
  kr = jnp.arange(5)[None, :] < jnp.array([[3], [5], [4], [2]])
  one = lj.length_desensitized_logps(c, r, kc, kr, ld_alpha=1.0)
  np.testing.assert_allclose(one[0], jnp.sum(jnp.where(kc, c, 0), 1), rtol=1e-14)
  zero = lj.length_desensitized_logps(c, r, kc, kr, ld_alpha=0.0)
  shared = np.minimum(kc.sum(1), kr.sum(1))
  want = [float(jnp.sum(c[i, :shared[i]])) for i in range(4)]  # masks are prefixes here
  np.testing.assert_allclose(zero[0], want, rtol=1e-14)
  with pytest.raises(ValueError, match=r"length_desensitized_logps: argument `ld_alpha`"):
    lj.length_desensitized_logps(c, r, ld_alpha=1.5)
  with pytest.raises(ValueError, match=r"length_desensitized_logps: argument `rejected_token_logps`"):
    lj.length_desensitized_logps(c, r[:3], ld_alpha=0.5)


def test_ld_dpo_equals_trls_dpo_trainer_with_ld_alpha():
  # TRL 1.16 computes LD-DPO inside DPOTrainer._compute_loss from per-token log-probabilities.
  ref = _trl()
  import torch
  from trl.trainer.dpo_trainer import DPOTrainer

  rng = np.random.default_rng(4)
  n, t = 5, 7
  lengths = rng.integers(1, t + 1, size=2 * n)
  mask = np.arange(t)[None, :] < lengths[:, None]
  policy = np.where(mask, -rng.uniform(0.1, 3, (2 * n, t)), 0.0)
  reference = np.where(mask, policy + rng.normal(size=(2 * n, t)) * 0.3, 0.0)
  completion = np.concatenate([np.zeros((2 * n, 1), np.int64), mask.astype(np.int64)], axis=1)
  outputs = {}
  for name, lp in (("policy", policy), ("reference", reference)):
    outputs[name] = ref.Outputs(torch.from_numpy(lp).requires_grad_(name == "policy"))

  policy_model = ref.Model(outputs["policy"])
  policy_model.is_gradient_checkpointing = False
  trainer = ref.make_trainer(DPOTrainer, policy_model, ld_alpha=0.4, precompute_ref_logps=False,
                         ref_model=ref.Model(outputs["reference"]),
                         f_divergence_type="reverse_kl", f_alpha_divergence_coef=0.5,
                         loss_types=["sigmoid"], loss_weights=[1.0], beta=0.3,
                         label_smoothing=0.0, use_weighting=False,
                         args=type("A", (), {"gradient_checkpointing_kwargs": None})())
  want = trainer._compute_loss(trainer.model, {"input_ids": torch.from_numpy(completion * 0),
                                               "attention_mask": torch.from_numpy(completion * 0 + 1),
                                               "completion_mask": torch.from_numpy(completion)}, False)
  m = jnp.asarray(mask)
  ld = [lj.length_desensitized_logps(jnp.asarray(x[:n]), jnp.asarray(x[n:]), m[:n], m[n:],
                                     ld_alpha=0.4) for x in (policy, reference)]
  got = lj.dpo_loss(*ld[0], *ld[1], beta=0.3)
  np.testing.assert_allclose(got, want.item(), rtol=1e-13)


def test_empty_completions_add_no_token_to_the_batch_means():
  # TRL's sft and CPO's NLL are token means over the chosen completions: a completion of 0
  # tokens (its summed log-probability 0) adds nothing (ipo/sigmoid_norm floor a count at 1).
  n = jnp.array([5.0, 0.0, 7.0, 3.0])
  c = jnp.where(n > 0, C[:4], 0.0)
  want = -jnp.sum(c) / 15.0
  np.testing.assert_allclose(lj.dpo_loss(c, R[:4], C0[:4], R0[:4], n, n, loss_type="sft"), want,
                             rtol=1e-14)
  np.testing.assert_allclose(lj.cpo_loss(c, R[:4], n, cpo_alpha=1.0, beta=0.1)
                             - lj.cpo_loss(c, R[:4], n, cpo_alpha=0.0, beta=0.1), want, rtol=1e-13)
  zero = jnp.zeros(4)
  assert float(lj.dpo_loss(zero, R[:4], chosen_lengths=zero, rejected_lengths=zero,
                           loss_type="sft")) == 0.0  # no token at all: an empty mean is 0


def test_hinge_has_no_gradient_at_its_kink_as_torch_relu():
  c, r = jnp.array([-3.0, -5.0]), jnp.array([-5.0, -6.0])  # pair 0: 1 - 0.5 * 2 = 0 exactly
  g = jax.grad(lambda c: lj.dpo_loss(c, r, beta=0.5, loss_type="hinge"))(c)
  np.testing.assert_array_equal(g, [0.0, -0.25])
  g = jax.grad(lambda c: lj.cpo_loss(c, r, beta=0.5, loss_type="hinge", cpo_alpha=0.0))(c)
  np.testing.assert_array_equal(g, [0.0, -0.25])


def test_bad_counts_weights_and_masks_are_errors():
  with pytest.raises(ValueError, match=r"dpo_loss: argument `rejected_lengths`: give both"):
    lj.dpo_loss(C, R, C0, R0, N, loss_type="ipo")
  with pytest.raises(ValueError, match=r"dpo_loss: argument `chosen_lengths` holds 1.5"):
    lj.dpo_loss(C, R, C0, R0, N.at[0].set(1.5), M, loss_type="sigmoid_norm")
  with pytest.raises(ValueError, match=r"cpo_loss: argument `chosen_lengths` holds -1"):
    lj.cpo_loss(C, R, N.at[2].set(-1.0))
  w = jnp.full(9, 0.5)
  with pytest.raises(ValueError, match=r"dpo_loss: argument `rejected_weights` holds -0.5"):
    lj.dpo_loss(C, R, C0, R0, N, M, w, -w)
  with pytest.raises(ValueError, match=r"length_desensitized_logps: argument `chosen_where` has "
                                       r"dtype float"):
    lj.length_desensitized_logps(C[:, None], R[:, None], jnp.ones((9, 1)), ld_alpha=0.5)
