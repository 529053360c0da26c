"""Reference-free preference losses: CPO (and AlphaPO), SimPO and ORPO's odds-ratio term.

They need no reference model: the policy's log-probabilities of the chosen and
rejected completions are the rewards. TRL 1.16.0 keeps their trainers in
``trl/experimental`` (``CPOTrainer``, ``ORPOTrainer``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Bool, Choice, Float, declare
from lossjax._spec import LossSpec
from lossjax.preference import _pairs

__all__ = ["cpo_loss", "simpo_loss", "orpo_loss"]


Array = jax.Array


def _cpo_whole_batch(given) -> str | None:
  if given.get("cpo_alpha", 1.0) != 0 and given.get("loss_type") != "alphapo":
    return "`cpo_alpha` != 0 adds the chosen completions' token mean over the batch"
  return None


@declare(whole_batch_if=_cpo_whole_batch,
         chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"),
         chosen_lengths=_pairs.LENGTHS.same_as("chosen_logps"), beta=_pairs.BETA,
         loss_type=Choice(("sigmoid", "hinge", "ipo", "simpo", "alphapo")), label_smoothing=_pairs.SMOOTHING,
         simpo_gamma=Float(), alpha=Float().static(), cpo_alpha=Float(lo=0.0),
         return_rewards=Bool())
def cpo_loss(
    chosen_logps: ArrayLike,
    rejected_logps: ArrayLike,
    chosen_lengths: ArrayLike | None = None,
    *,
    beta: float = 0.1,
    loss_type: str = "sigmoid",
    label_smoothing: float = 0.0,
    simpo_gamma: float = 0.5,
    alpha: float = 0.0,
    cpo_alpha: float = 1.0,
    return_rewards: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array, Array]:
  r"""Contrastive Preference Optimization: TRL's ``CPOTrainer`` loss, preference term plus NLL.

  With $c$, $r$ the policy's log-probabilities of the chosen and rejected
  completions (summed over tokens for ``sigmoid`` and ``hinge``, averaged for
  ``ipo`` and ``simpo``, as TRL computes them) and $u = c - r$,

  - ``sigmoid``: $-(1-\varepsilon)\log\sigma(\beta u) - \varepsilon\log\sigma(-\beta u)$ (CPO's
    preference term, DPO without a reference);
  - ``hinge``: $\max(0, 1 - \beta u)$; ``ipo``: $(u - 1/(2\beta))^2$;
  - ``simpo``: the ``sigmoid`` form on $u - \gamma/\beta$ (SimPO); ``alphapo`` is ``simpo``
    without the NLL (TRL's shorthand: it sets ``cpo_alpha`` to 0), for use with ``alpha``;

  plus ``cpo_alpha`` times the chosen completions' token NLL over the batch,
  $-\sum_i S_i / \sum_i n_i$ with $S_i$ the summed log-probability ($c_i n_i$
  when $c_i$ is a mean) and $n_i$ the ``chosen_lengths`` (CPO's behaviour
  cloning; TRL's default ``cpo_alpha=1``, 0 for SimPO). Every pair carries that batch
  mean, so "mean" is TRL's ``losses.mean() + cpo_alpha * nll_loss``. With AlphaPO's
  ``alpha`` ≠ 0 the rewards are $(1 - p^{-\alpha})/\alpha$ with $p = e^{c}$ instead
  of $c$, and $u$ their difference. The rewards TRL logs are β times them.

  Args:
    chosen_logps: ``[N]`` log-probabilities of the chosen completions (sum, or mean for ipo/simpo).
    rejected_logps: ``[N]`` the same for the rejected ones.
    chosen_lengths: ``[N]`` token counts of the chosen completions (needed when ``cpo_alpha`` ≠ 0).
    beta: β > 0 (TRL's default 0.1).
    loss_type: "sigmoid" (default), "hinge", "ipo", "simpo" or "alphapo".
    label_smoothing: ε in [0, 0.5) (sigmoid and simpo only).
    simpo_gamma: SimPO's target margin γ (TRL's default 0.5).
    alpha: AlphaPO's α (default 0: log-probability rewards).
    cpo_alpha: the NLL's weight ≥ 0 (TRL's default 1).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``.
    reduction: "mean" (default, over pairs), "sum" or "none".
    where: boolean mask over pairs.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> c, r = jnp.array([-10.0, -14.0]), jnp.array([-12.0, -13.0])
    >>> print(f"{lj.cpo_loss(c, r, jnp.array([8.0, 9.0]), beta=0.5):.4f}")
    2.0554

  References: Xu et al., "Contrastive Preference Optimization" (2024); Meng
  et al., "SimPO" (2024); Gupta et al., "AlphaPO" (2025); TRL ``CPOTrainer``
  (trl/experimental/cpo/cpo_trainer.py, 1.16.0: ``cpo_loss``,
  ``concatenated_forward``'s NLL, ``get_batch_loss_metrics``).
  """
  name = core.loss_name()
  if loss_type == "alphapo":  # TRL's CPOConfig.__post_init__: simpo without the NLL
    loss_type, cpo_alpha = "simpo", 0.0
  if loss_type in ("hinge", "ipo") and not core.static_equals(label_smoothing, 0):
    raise core.option_error(name, "label_smoothing", f"got {label_smoothing}, but loss_type "
                            f"{loss_type!r} does not read it (TRL warns and ignores it)")
  if chosen_lengths is None and not core.static_equals(cpo_alpha, 0):
    raise core.option_error(name, "chosen_lengths", "cpo_alpha != 0 adds the chosen completions' "
                            "token NLL: give their token counts (or cpo_alpha=0)")
  pairs = [("chosen_logps", chosen_logps), ("rejected_logps", rejected_logps)]
  if chosen_lengths is not None:
    pairs.append(("chosen_lengths", chosen_lengths))
  keep, arrays = _pairs.logps(name, where, *pairs, fill={"chosen_lengths": 1.0})
  c, r = arrays[:2]
  if alpha != 0.0:
    # AlphaPO: (1 - p^-α) / α = -expm1(-α log p) / α.
    c_reward, r_reward = -jnp.expm1(-alpha * c) / alpha, -jnp.expm1(-alpha * r) / alpha
  else:
    c_reward, r_reward = c, r
  u = c_reward - r_reward
  if loss_type == "simpo":
    loss = _pairs.smoothed_sigmoid(beta * (u - simpo_gamma / beta), label_smoothing)
  elif loss_type == "sigmoid":
    loss = _pairs.smoothed_sigmoid(beta * u, label_smoothing)
  elif loss_type == "hinge":
    loss = core.hinge_strict(1.0 - beta * u)  # torch.relu: no gradient at the kink
  else:
    loss = jnp.square(u - 1.0 / (2.0 * beta))
  if chosen_lengths is not None and not core.static_equals(cpo_alpha, 0):
    n = _pairs.lengths(name, "chosen_lengths", arrays[2], keep)
    summed = c * n if loss_type in ("ipo", "simpo") else c
    loss = loss + cpo_alpha * _pairs.token_nll(summed, n, keep)
  loss = _pairs.poison_nan_data(loss, arrays[2] if chosen_lengths is not None else None)
  loss = core.reduce_loss(name, loss, reduction, keep)
  return _pairs.with_rewards(loss, (beta * c_reward, beta * r_reward) if return_rewards else None,
                             keep)


@declare(chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"), beta=_pairs.BETA,
         gamma=Float(), label_smoothing=_pairs.SMOOTHING, return_rewards=Bool())
def simpo_loss(
    chosen_logps: ArrayLike,
    rejected_logps: ArrayLike,
    *,
    beta: float = 0.1,
    gamma: float = 0.5,
    label_smoothing: float = 0.0,
    return_rewards: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array, Array]:
  r"""SimPO: a reference-free, length-normalised preference loss with a target margin.

  With $c$ and $r$ the *average* per-token log-probabilities of the chosen
  and rejected completions,
  $\ell = -(1-\varepsilon)\log\sigma(\beta(c - r) - \gamma) - \varepsilon\log\sigma(-\beta(c - r) + \gamma)$.
  This is TRL's ``CPOTrainer`` with ``loss_type="simpo"`` and ``cpo_alpha=0``
  (``-logsigmoid(beta * (c - r - simpo_gamma / beta))``; `cpo_loss` adds the NLL) and
  Liger Kernel's ``LigerFusedLinearSimPOLoss``, with their defaults β = 0.1, γ = 0.5 (the
  paper tunes β in [2, 10], γ/β in [0.3, 1]). The rewards are $\beta c$ and $\beta r$.

  Args:
    chosen_logps: ``[N]`` mean token log-probabilities of the chosen completions.
    rejected_logps: ``[N]`` the same for the rejected ones.
    beta: β > 0.
    gamma: the target reward margin γ.
    label_smoothing: ε in [0, 0.5).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``.
    reduction: "mean" (default, over pairs), "sum" or "none".
    where: boolean mask over pairs.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.simpo_loss(jnp.array([-0.8, -1.1]), jnp.array([-1.2, -1.0]), beta=2.0):.4f}")
    0.8288

  References: Meng, Xia & Chen, "SimPO: Simple Preference Optimization with a
  Reference-Free Reward" (2024); TRL ``CPOTrainer.cpo_loss``
  (trl/experimental/cpo/cpo_trainer.py, 1.16.0); Liger Kernel
  ``chunked_loss/simpo_loss.py``.
  """
  name = core.loss_name()
  keep, (c, r) = _pairs.logps(name, where, ("chosen_logps", chosen_logps),
                              ("rejected_logps", rejected_logps))
  loss = _pairs.smoothed_sigmoid(beta * (c - r) - gamma, label_smoothing)
  loss = core.reduce_loss(name, loss, reduction, keep)
  return _pairs.with_rewards(loss, (beta * c, beta * r) if return_rewards else None, keep)


@declare(chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"), beta=_pairs.BETA,
         return_rewards=Bool())
def orpo_loss(
    chosen_logps: ArrayLike,
    rejected_logps: ArrayLike,
    *,
    beta: float = 0.1,
    return_rewards: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array, Array]:
  r"""ORPO's odds-ratio term: $-\beta \log\sigma\big(\log\tfrac{\mathrm{odds}(c)}{\mathrm{odds}(r)}\big)$.

  With $c$, $r$ the *average* token log-probabilities of the chosen and
  rejected completions and $\mathrm{odds}(p) = p / (1 - p)$, the log odds
  ratio is $(c - r) - (\log(1 - e^c) - \log(1 - e^r))$, computed with a
  stable $\log(1 - e^x)$. TRL's ``ORPOTrainer`` minimises
  ``nll - mean(beta * logsigmoid(log_odds))``: this loss is the second term
  (its "mean" is TRL's); add the chosen sequences' token NLL (TRL: prompt
  and completion for decoder-only models) yourself. Average log-probabilities
  must be negative (a probability of 1 has infinite odds). The rewards are
  $\beta c$ and $\beta r$. (TRL 1.16 computes this term in float32 whatever
  the input dtype; lossjax keeps the input's.)

  Args:
    chosen_logps: ``[N]`` mean token log-probabilities (< 0) of the chosen completions.
    rejected_logps: ``[N]`` the same for the rejected ones.
    beta: β > 0 (TRL's default 0.1).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``.
    reduction: "mean" (default, over pairs), "sum" or "none".
    where: boolean mask over pairs.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.orpo_loss(jnp.array([-0.5, -0.9]), jnp.array([-1.5, -0.7])):.4f}")
    0.0531

  References: Hong, Lee & Thorne, "ORPO: Monolithic Preference Optimization
  without Reference Model" (2024); TRL ``ORPOTrainer.odds_ratio_loss``
  (trl/experimental/orpo/orpo_trainer.py, 1.16.0).
  """
  name = core.loss_name()
  keep, (c, r) = _pairs.logps(name, where, ("chosen_logps", chosen_logps),
                              ("rejected_logps", rejected_logps),
                              fill={"chosen_logps": -1.0, "rejected_logps": -1.0})
  log_odds = (c - r) - (_pairs.log1mexp(c) - _pairs.log1mexp(r))
  loss = core.reduce_loss(name, -beta * core.log_sigmoid(log_odds), reduction, keep)
  return _pairs.with_rewards(loss, (beta * c, beta * r) if return_rewards else None, keep)


def _ex_pairs(rng, mean=False):
  scale = 1.0 if mean else 10.0
  return -rng.uniform(0.2, 2.0, size=(8,)) * scale, -rng.uniform(0.2, 2.0, size=(8,)) * scale


def _ex_cpo(rng):
  return (*_ex_pairs(rng), rng.integers(1, 20, size=(8,)).astype(np.float64)), {
      # AlphaPO (alpha != 0) overflows for log-probabilities near -1e4 (p^-alpha), as TRL's
      # does: the property tests' range. Its fixtures cover it.
      "beta": 0.2, "label_smoothing": 0.1, "cpo_alpha": 0.0}


def _ex_simpo(rng):
  return _ex_pairs(rng, mean=True), {"beta": 2.0, "gamma": 1.0, "label_smoothing": 0.1}


def _ex_orpo(rng):
  return _ex_pairs(rng, mean=True), {"beta": 0.25}


_PAIRS = ("chosen_logps", "rejected_logps")


SPECS = [
    LossSpec(cpo_loss, None, _ex_cpo, differentiable=_PAIRS, batched=(*_PAIRS, "chosen_lengths"),
             unbounded=_PAIRS, bad_options={"loss_type": "apo_zero", "beta": 0.0},
             source="Xu et al. 2024; TRL CPOTrainer (1.16.0)"),
    LossSpec(simpo_loss, None, _ex_simpo, differentiable=_PAIRS, batched=_PAIRS,
             unbounded=_PAIRS, bad_options={"beta": -1.0},
             source="Meng et al. 2024; TRL CPOTrainer simpo, Liger SimPO"),
    LossSpec(orpo_loss, None, _ex_orpo, differentiable=_PAIRS, batched=_PAIRS,
             bad_options={"beta": 0.0}, source="Hong et al. 2024; TRL ORPOTrainer (1.16.0)"),
]
