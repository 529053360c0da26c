"""Fixture cases of the policy gradient family (`lossjax/policy_gradient/`).

Fixture cases for policy_gradient_loss: TRL's GRPO loss and verl's dual clip, in torch.

The per-token loss, clipping and aggregations are TRL's GRPOTrainer._compute_loss
(huggingface/trl main at f2cd5771, trl/trainer/grpo_trainer.py lines 3069-3150); the dual
clip is verl's compute_policy_loss_vanilla (volcengine/verl at b178a3cd,
verl/trainer/ppo/core_algos.py lines 1159-1250) and the k1/k2 estimators its kl_penalty_forward
(lines 1867-1902, without verl's +-20 clamp of the log-ratio, which TRL's k3 does not have).
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _torch_policy(logps, old_logps, advantages, ref_logps=None, *, epsilon_low=0.2,
                  epsilon_high=None, delta=None, clip_ratio_c=None, beta=0.0, kl_estimator="k3",
                  average="tokens", max_length=None, where=None, reduction="mean"):
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


def _rollouts(b=5, t=7, ref=False, per_token_advantages=False, masked=True, **kw):
  def build(rng):
    logps = np.log(rng.uniform(0.05, 0.95, size=(b, t)))
    old = logps + rng.normal(size=(b, t)) * 0.3  # ratios from about 0.5 to 2: clipping is active
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


TORCH_REFERENCES["policy_gradient_loss"] = _torch_policy


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
                                                  kl_estimator="k2", masked=False),
             grad_args=("logps",)),
        Case("k1", _rollouts(ref=True, beta=0.2, kl_estimator="k1"), grad_args=("logps",)),
    ],
}
