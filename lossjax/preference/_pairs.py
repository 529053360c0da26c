"""What the preference losses share: per-sequence log-probabilities in, TRL's conventions out.

Each loss takes one value per example (a completion's summed or mean token
log-probability), masks it once, and returns TRL's rewards detached. Token
counts, where a loss needs them (length normalisation, the chosen
completions' NLL), are data arguments of the same shape.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax

from lossjax import _core as core
from lossjax._declare import Float, Role

Array = jax.Array

BETA = Float(lo=0.0, lo_open=True)

SMOOTHING = Float(0.0, 0.5, hi_open=True)

OPTIONAL_LOGPS = Role("float", optional=True)

#: Token counts of completions, one per example: whole numbers >= 0.
LENGTHS = Role("real", optional=True)


def logps(name, where, *pairs, fill=None):
  """The per-sequence arrays, one shape ``[N]``, masked, in the compute dtype."""
  core.check_rank(name, pairs[0][0], pairs[0][1], 1, " (one value per example)")
  return core.elementwise(name, where, *pairs, fill=fill)


def lengths(name, arg, x, keep):
  """Token counts, checked (whole numbers >= 0 where kept), detached: a count is data. TRL
  floors them at 1 where it divides one completion's score by its own count (ipo,
  sigmoid_norm, WPO); a batch's token mean (sft, CPO's NLL) counts them as they are."""
  core.check_values(name, arg, x, lambda a: (a < 0) | (a % 1 != 0),
                    "whole token counts >= 0", where=keep)
  return lax.stop_gradient(x)


def check_weights(name, arg, x, keep):
  """WPO weights: >= 0 where kept (each is exp of a mean log-ratio)."""
  core.check_values(name, arg, x, lambda a: a < 0, "weights >= 0 (exp of a mean)", where=keep)


def smoothed_sigmoid(z: Array, label_smoothing) -> Array:
  """-(1 - ε) log σ(z) - ε log σ(-z): the conservative (cDPO) binary cross-entropy."""
  loss = -core.log_sigmoid(z)
  if not core.static_equals(label_smoothing, 0):
    loss = loss * (1.0 - label_smoothing) - core.log_sigmoid(-z) * label_smoothing
  return loss


def log1mexp(x: Array) -> Array:
  """log(1 - e^x) for x < 0, stable at both ends (TRL's `log1mexp`; Mächler 2012)."""
  return jnp.where(x < -math.log(2.0), jnp.log1p(-jnp.exp(x)), jnp.log(-jnp.expm1(x)))


def token_nll(summed: Array, counts: Array, keep) -> Array:
  """The mean token NLL over the kept completions, -Σ summed / Σ counts (TRL's mean over the
  chosen tokens: DPO's sft, CPO's NLL). An empty completion adds no token; no token at all
  gives 0 with a zero gradient, lossjax's empty mean."""
  if keep is not None:
    summed, counts = jnp.where(keep, summed, 0), jnp.where(keep, counts, 0)
  return -core.safe_div(jnp.sum(summed), jnp.sum(counts))


def with_rewards(loss: Array, rewards, keep):
  """``loss`` alone, or with the rewards TRL logs: per example, masked to 0, no gradient."""
  if rewards is None:
    return loss
  return (loss, *(lax.stop_gradient(core.masked_fill(keep, r)) for r in rewards))


def poison_nan_data(loss: Array, *data: Array | None) -> Array:
  """NaN for the pairs whose data (token counts, weights) hold a NaN, also where the chosen
  loss type does not read them: a NaN input never gives a plausible number."""
  for x in data:
    if x is not None:
      loss = core.poison(loss, jnp.isnan(x))
  return loss
