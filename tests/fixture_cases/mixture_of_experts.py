"""Fixture cases of the mixture of experts family (`lossjax/mixture_of_experts/`).

Fixture cases for load_balancing_loss: Hugging Face transformers' load_balancing_loss_func in torch.

transformers is not installed; the reference is the function as written in
src/transformers/models/mixtral/modular_mixtral.py (commit 7792ab1a, lines ~61-140,
shared by Qwen2-MoE, Qwen3-MoE and GraniteMoE), with its attention_mask branch given
lossjax's `where` over tokens. One change: Hugging Face's `expert_mask.float()` computes the
routing fractions in float32 whatever the logits' dtype (6e-9 to 3e-8 relative off in float64,
measured on these cases); here they are in the logits' dtype.
"""

from __future__ import annotations

from torchref import TORCH_REFERENCES, Case


def _torch_load_balancing(router_logits, *, top_k=2, where=None, reduction="mean"):
  import torch
  import torch.nn.functional as F

  assert reduction == "mean", "Hugging Face returns the loss itself"
  num_experts = router_logits.shape[-1]
  gate_logits = router_logits.reshape(-1, num_experts)
  routing_weights = F.softmax(gate_logits, dim=-1)
  _, selected_experts = torch.topk(routing_weights, top_k, dim=-1)
  expert_mask = F.one_hot(selected_experts, num_experts)
  if where is None:
    tokens_per_expert = torch.mean(expert_mask.to(routing_weights.dtype), dim=0)
    router_prob_per_expert = torch.mean(routing_weights, dim=0)
  else:
    mask = where.reshape(-1).to(routing_weights.dtype)
    expert_attention_mask = mask[:, None, None].expand(-1, top_k, num_experts)
    tokens_per_expert = torch.sum(expert_mask.to(mask.dtype) * expert_attention_mask, dim=0) / torch.sum(
        expert_attention_mask, dim=0)
    router_per_expert_attention_mask = mask[:, None].expand(-1, num_experts)
    router_prob_per_expert = torch.sum(routing_weights * router_per_expert_attention_mask,
                                       dim=0) / torch.sum(router_per_expert_attention_mask, dim=0)
  overall_loss = torch.sum(tokens_per_expert * router_prob_per_expert.unsqueeze(0))
  return overall_loss * num_experts


def _router(shape, masked=False, **kw):
  def build(rng):
    kwargs = dict(kw)
    if masked:
      kwargs["where"] = rng.uniform(size=shape[:-1]) < 0.7
    return [("router_logits", rng.normal(size=shape) * 1.5)], kwargs
  return build


TORCH_REFERENCES["load_balancing_loss"] = _torch_load_balancing


CASES = {
    "load_balancing_loss": [
        Case("mixtral_top2", _router((24, 8)), grad_args=("router_logits",)),
        Case("switch_top1", _router((30, 4), top_k=1), grad_args=("router_logits",)),
        Case("batch_and_sequence_axes", _router((3, 7, 6), top_k=3), grad_args=("router_logits",)),
        Case("attention_mask", _router((4, 9, 8), masked=True), grad_args=("router_logits",)),
    ],
}

REDUCTIONS = {
    "load_balancing_loss": ("mean",),
}
