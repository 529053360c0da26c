"""Fixture cases of the policy gradient family (`lossjax/policy_gradient/`).

Every objective and aggregation TRL 1.16.0's ``GRPOTrainer`` offers is run there:
``_compute_loss`` (trl/trainer/grpo_trainer.py lines 3020-3290) on an instance made
with ``object.__new__`` whose ``_get_per_token_logps_and_entropies`` returns the
given log-probabilities, one case per ``loss_type`` (grpo, bnpo, dr_grpo, dapo,
luspo, cispo, sapo, vespo), with the KL term, clipping, ``delta``, GSPO's
sequence-level ratio and the KL's bias correction. What TRL does not have is
verl's: the dual clip is verl's ``compute_policy_loss_vanilla`` (volcengine/verl at
b178a3cd, verl/trainer/ppo/core_algos.py lines 1159-1250) and the k1/k2
estimators its ``kl_penalty_forward`` (lines 1867-1902, without verl's +-20 clamp
of the log-ratio, which TRL's k3 does not have), transcribed below.
"""

from __future__ import annotations

import numpy as np
from fixture_cases._trl import Accelerator
from torchref import TORCH_REFERENCES, Case

#: lossjax's (objective, average) for each TRL 1.16 loss_type.
TRL_LOSS_TYPES = {("clip", "sequences"): "grpo", ("clip", "tokens"): "dapo",
                  ("clip", "constant"): "dr_grpo", ("clip", "sequence_sums"): "luspo",
                  ("cispo", "tokens"): "cispo", ("sapo", "sequences"): "sapo",
                  ("vespo", "tokens"): "vespo"}


def _policy(logps, old_logps, advantages, ref_logps=None, *, objective="clip", clip_ratio_c=None,
            kl_estimator="k3", average="tokens", reduction="mean", **kw):
  """TRL 1.16.0 where it has the case (mean over a batch), verl's transcription otherwise."""
  if clip_ratio_c is None and kl_estimator == "k3" and reduction == "mean":
    loss = _trl_grpo(logps, old_logps, advantages, ref_logps, objective=objective,
                     average=average, **kw)
    if (objective, average) == ("clip", "tokens"):  # TRL's "bnpo" is "dapo" on one process
      import torch

      bnpo = _trl_grpo(logps, old_logps, advantages, ref_logps, average=average, bnpo=True, **kw)
      torch.testing.assert_close(bnpo, loss, rtol=1e-12, atol=0)
    return loss
  return _verl_policy(logps, old_logps, advantages, ref_logps, clip_ratio_c=clip_ratio_c,
                      kl_estimator=kl_estimator, average=average, reduction=reduction, **kw)


def _trl_grpo(logps, old_logps, advantages, ref_logps=None, *, objective="clip",
              importance_sampling="token", epsilon_low=0.2, epsilon_high=None, delta=None,
              beta=0.0, bias_correction_kl=True, sapo_temperature_pos=1.0,
              sapo_temperature_neg=1.05, vespo_k_pos=2.0, vespo_lambda_pos=3.0, vespo_k_neg=3.0,
              vespo_lambda_neg=2.0, average="tokens", max_length=None, where=None, bnpo=False):
  """TRL 1.16.0 `GRPOTrainer._compute_loss`, run: one process, no gradient accumulation, one
  step per generation (so "dapo"'s `num_items_in_batch` is this batch's token count), no vLLM,
  no entropy mask or bonus. `bnpo=True` runs "bnpo" for the tokens average (the same value as
  "dapo" here)."""
  import collections
  import types

  import torch
  from trl.trainer.grpo_trainer import GRPOTrainer

  loss_type = TRL_LOSS_TYPES[(objective, average)]
  if bnpo:
    loss_type = "bnpo"
  b, t = logps.shape
  mask = torch.ones_like(logps) if where is None else where.to(logps.dtype)
  trainer = object.__new__(GRPOTrainer)
  trainer.__dict__.update(
      model=types.SimpleNamespace(training=True), accelerator=Accelerator(),
      _metrics={m: collections.defaultdict(list) for m in ("train", "eval")},
      top_entropy_quantile=1.0, off_policy_mask_threshold=None,
      importance_sampling_level=importance_sampling, beta=beta, loss_type=loss_type,
      epsilon_low=epsilon_low, epsilon_high=epsilon_low if epsilon_high is None else epsilon_high,
      use_vllm=False, vllm_importance_sampling_correction=False,
      current_gradient_accumulation_steps=1, max_completion_length=max_length or t,
      _entropy_bonus_enabled=False, aux_loss_enabled=False,
      args=types.SimpleNamespace(
          use_bias_correction_kl=bias_correction_kl, delta=delta, steps_per_generation=1,
          sapo_temperature_pos=sapo_temperature_pos, sapo_temperature_neg=sapo_temperature_neg,
          vespo_k_pos=vespo_k_pos, vespo_lambda_pos=vespo_lambda_pos, vespo_k_neg=vespo_k_neg,
          vespo_lambda_neg=vespo_lambda_neg))
  trainer._get_per_token_logps_and_entropies = lambda *a, **k: (logps, torch.zeros_like(logps), None)
  inputs = {"prompt_ids": torch.zeros(b, 1, dtype=torch.long), "prompt_mask": torch.ones(b, 1, dtype=torch.long),
            "completion_ids": torch.zeros(b, t, dtype=torch.long), "completion_mask": mask,
            "advantages": advantages, "old_per_token_logps": old_logps,
            "num_items_in_batch": mask.sum()}
  if ref_logps is not None:
    inputs["ref_per_token_logps"] = ref_logps
  return trainer._compute_loss(None, inputs)


def _verl_policy(logps, old_logps, advantages, ref_logps=None, *, epsilon_low=0.2,
                 epsilon_high=None, delta=None, clip_ratio_c=None, beta=0.0, kl_estimator="k3",
                 bias_correction_kl=True, average="tokens", max_length=None, where=None,
                 reduction="mean"):
  """verl's dual clip and k1/k2 on TRL's clipped surrogate and aggregations (see the module
  docstring); also every reduction of the cases TRL runs for the mean only."""
  import torch

  per_token_logps = logps
  mask = torch.ones_like(logps) if where is None else where.to(logps.dtype)
  if advantages.dim() == 1:
    advantages = advantages.unsqueeze(1)
  epsilon_high = epsilon_low if epsilon_high is None else epsilon_high
  coef_1 = torch.exp(per_token_logps - old_logps.detach())
  coef_2 = torch.clamp(coef_1, 1 - epsilon_low, 1 + epsilon_high)
  if delta is not None:
    coef_1 = torch.clamp(coef_1, max=delta)
  per_token_loss1 = coef_1 * advantages
  per_token_loss2 = coef_2 * advantages
  per_token_loss = -torch.min(per_token_loss1, per_token_loss2)
  if clip_ratio_c is not None:  # verl: pg_losses3 = -advantages * clip_ratio_c, where A < 0
    per_token_loss = torch.where(advantages < 0,
                                 torch.min(-advantages * clip_ratio_c, per_token_loss),
                                 per_token_loss)
  if beta != 0.0:
    ref = ref_logps.detach()
    if kl_estimator == "k3":
      per_token_kl = torch.exp(ref - per_token_logps) - (ref - per_token_logps) - 1
    elif kl_estimator == "k2":
      per_token_kl = 0.5 * (per_token_logps - ref) ** 2
    else:
      per_token_kl = per_token_logps - ref
    if bias_correction_kl:  # TRL 1.16 grpo_trainer.py lines 3096-3098: times the ratio
      per_token_kl = per_token_kl * torch.exp(per_token_logps - old_logps.detach())
    per_token_loss = per_token_loss + beta * per_token_kl
  if reduction == "none":
    return per_token_loss * mask
  if reduction == "sum":
    return (per_token_loss * mask).sum()
  if average == "sequences":  # loss_type="grpo"
    return ((per_token_loss * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
  if average == "constant":  # loss_type="dr_grpo"
    length = per_token_loss.size(1) if max_length is None else max_length
    return (per_token_loss * mask).sum() / (per_token_loss.size(0) * length)
  return (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)  # "bnpo" / "dapo"


def _rollouts(b=5, t=7, ref=False, per_token_advantages=False, masked=True, scale=0.3, **kw):
  def build(rng):
    logps = np.log(rng.uniform(0.05, 0.95, size=(b, t)))
    old = logps + rng.normal(size=(b, t)) * scale  # ratios about 0.5 to 2: clipping is active
    adv = rng.normal(size=(b, t) if per_token_advantages else (b,))
    args = [("logps", logps), ("old_logps", old), ("advantages", adv)]
    if ref:
      args.append(("ref_logps", logps + rng.normal(size=(b, t)) * 0.3))
    kwargs = dict(kw)
    if masked:  # completions of different lengths, every one with at least one token
      lengths = rng.integers(1, t + 1, size=(b,))
      kwargs["where"] = np.arange(t)[None, :] < lengths[:, None]
    return args, kwargs
  return build


def _clip_bounds():
  """Ratios exactly at the clip range's bounds, where torch.clamp passes the whole gradient:
  on-policy tokens (a ratio of exactly exp(0) = 1) with epsilon_low = epsilon_high = 0, and
  off-policy ones elsewhere."""
  def build(rng):
    logps = np.log(rng.uniform(0.05, 0.95, size=(4, 5)))
    old = np.where(rng.uniform(size=(4, 5)) < 0.5, logps, logps + rng.normal(size=(4, 5)) * 0.3)
    return [("logps", logps), ("old_logps", old), ("advantages", rng.normal(size=(4,)))], {
        "epsilon_low": 0.0, "epsilon_high": 0.0}
  return build


TORCH_REFERENCES["policy_gradient_loss"] = _policy


_MEAN = ("mean",)


CASES = {
    "policy_gradient_loss": [
        Case("dapo_tokens", _rollouts(epsilon_high=0.28), grad_args=("logps",)),
        Case("grpo_sequences_kl_k3", _rollouts(ref=True, beta=0.04, average="sequences"),
             grad_args=("logps",)),
        Case("dr_grpo_constant", _rollouts(average="constant", max_length=10),
             grad_args=("logps",)),
        Case("dual_clip_delta", _rollouts(clip_ratio_c=3.0, delta=1.5, epsilon_low=0.1),
             grad_args=("logps",)),
        Case("per_token_advantages_k2", _rollouts(per_token_advantages=True, ref=True, beta=0.1,
                                                  kl_estimator="k2", masked=False,
                                                  bias_correction_kl=False),
             grad_args=("logps",)),
        Case("k1", _rollouts(ref=True, beta=0.2, kl_estimator="k1", bias_correction_kl=False),
             grad_args=("logps",)),
        Case("k3_none_sum_bias_corrected", _rollouts(ref=True, beta=0.1), grad_args=("logps",)),
        # TRL 1.16's loss types, each with the KL term and clipping active, mean only (TRL's).
        Case("trl_grpo", _rollouts(ref=True, beta=0.04, average="sequences", delta=1.6),
             grad_args=("logps",), reductions=_MEAN),
        Case("trl_dr_grpo", _rollouts(ref=True, beta=0.04, average="constant", max_length=9),
             grad_args=("logps",), reductions=_MEAN),
        Case("trl_dapo_bnpo", _rollouts(ref=True, beta=0.04, epsilon_high=0.28), grad_args=("logps",),
             reductions=_MEAN),
        Case("trl_luspo_gspo", _rollouts(ref=True, beta=0.04, average="sequence_sums",
                                         importance_sampling="sequence", epsilon_low=3e-4,
                                         epsilon_high=4e-4), grad_args=("logps",), reductions=_MEAN),
        Case("trl_cispo", _rollouts(ref=True, beta=0.04, objective="cispo", epsilon_high=1.5),
             grad_args=("logps",), reductions=_MEAN),
        Case("trl_sapo", _rollouts(ref=True, beta=0.04, objective="sapo", average="sequences"),
             grad_args=("logps",), reductions=_MEAN),
        Case("trl_vespo", _rollouts(ref=True, beta=0.04, objective="vespo", scale=0.05),
             grad_args=("logps",), reductions=_MEAN),
        Case("trl_gspo_bias_corrected_kl", _rollouts(ref=True, beta=0.1, average="sequences",
                                                     importance_sampling="sequence",
                                                     bias_correction_kl=True),
             grad_args=("logps",), reductions=_MEAN),
        Case("trl_clip_at_the_bounds", _clip_bounds(), grad_args=("logps",), reductions=_MEAN),
        Case("trl_per_token_advantages", _rollouts(per_token_advantages=True, ref=True, beta=0.1,
                                                   bias_correction_kl=True, masked=False),
             grad_args=("logps",), reductions=_MEAN),
    ],
}
