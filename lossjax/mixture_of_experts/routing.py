"""Mixture-of-experts auxiliary losses: the Switch/GShard load-balancing loss.

The router z-loss of ST-MoE is `z_loss` (classification), the mean of
``logsumexp(router_logits)**2`` over tokens.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Int, declare
from lossjax._shared.classes import class_scores
from lossjax._spec import LossSpec

__all__ = ["load_balancing_loss"]


Array = jax.Array


@declare(whole_batch="the experts' token fractions over the batch",
         router_logits=FLOAT, top_k=Int(lo=1, size_of=("router_logits", -1), size_rule="count",
                                        size_message="expected at most the {size} experts, got {value}"))
def load_balancing_loss(
    router_logits: ArrayLike,
    *,
    top_k: int = 2,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""The Switch Transformer / GShard load-balancing loss, Hugging Face's ``load_balancing_loss_func``.

  With router probabilities $p_{n} = \mathrm{softmax}(r_n)$ over $E$ experts
  for token $n$, $F_i$ the fraction of tokens that have expert $i$ among their
  ``top_k`` choices (summed over the $k$ choices) and $P_i$ the mean router
  probability of expert $i$ over the tokens,

  $$
  \mathcal{L} = E \sum_{i=1}^{E} F_i\, P_i ,
  $$

  which is ``top_k`` for a perfectly balanced router (1 for Switch's top-1).
  $F$ counts discrete choices and carries no gradient; the gradient flows
  through $P$, as in the references. Scale it yourself (Switch: 1e-2;
  Mixtral's ``router_aux_loss_coef``: 1e-3).

  The per-token loss (``reduction="none"``) is $E \sum_i F_i\, p_{ni}$, whose
  mean over tokens is $\mathcal{L}$. $F$ and $P$ are statistics of the whole
  batch: ``where`` removes tokens from the batch (Hugging Face's
  ``attention_mask``), so a masked token is in neither. For several MoE
  layers, concatenate their router logits along the token axis, as Hugging
  Face does.

  Args:
    router_logits: ``[..., E]`` router logits, one row per token.
    top_k: experts per token (Mixtral 2, Switch 1).
    reduction: "mean" (default: the loss above), "sum" or "none" (per token).
    where: boolean mask over tokens (``router_logits.shape[:-1]``).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> r = jnp.array([[2.0, 0.0, 0.0, 0.0], [1.5, 0.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0]])
    >>> print(f"{lj.load_balancing_loss(r, top_k=1):.4f}")
    1.6920

  References: Fedus, Zoph & Shazeer, "Switch Transformers" (2021), eq. 4;
  Lepikhin et al., "GShard" (2020); Hugging Face transformers
  ``load_balancing_loss_func`` (models/mixtral/modeling_mixtral.py).
  """
  name = core.loss_name()
  scores = class_scores(name, "router_logits", router_logits, -1)
  num_experts = scores.shape[-1]
  keep = core.as_mask(name, where, scores.shape[:-1])
  logits = core.masked_fill(keep, core.to_float(scores, core.compute_dtype(scores)))
  probs = jax.nn.softmax(logits, axis=-1)
  # The k experts each token chooses, as a count per expert (0 or 1 each).
  _, chosen = lax.top_k(lax.stop_gradient(probs), top_k)
  chosen_mask = jnp.sum(jax.nn.one_hot(chosen, num_experts, dtype=probs.dtype), axis=-2)
  weight = (jnp.ones(scores.shape[:-1], probs.dtype) if keep is None
            else keep.astype(probs.dtype))
  count = jnp.sum(weight)
  # F_i: the fraction of (kept) tokens routed to expert i (no gradient: discrete choices).
  fraction = core.safe_div(jnp.sum(chosen_mask * weight[..., None],
                                   axis=tuple(range(probs.ndim - 1))), count)
  per_token = num_experts * jnp.sum(fraction.reshape((1,) * (probs.ndim - 1) + (-1,)) * probs,
                                    axis=-1)
  return core.reduce_loss(name, per_token, reduction, keep)


def _ex_load_balancing(rng):
  return (rng.normal(size=(12, 6)) * 1.5,), {"top_k": 2}


SPECS = [
    LossSpec(load_balancing_loss, None, _ex_load_balancing,
             differentiable=("router_logits",), batched=("router_logits",),
             unbounded=("router_logits",), softmax_args=("router_logits",),
             bad_options={"top_k": 0}, classes={"router_logits": 1},
             mismatch=lambda args: (args[0][0, 0],),
             source="Switch Transformers (Fedus et al. 2021); Hugging Face load_balancing_loss_func"),
]
