"""Preference-optimisation losses on per-sequence log-probabilities: DPO and its variants, SimPO, ORPO, KTO.

Each loss takes the log-probabilities of whole completions (the sum, or for
the length-normalised losses the mean, of their tokens' log-probabilities,
e.g. from `linear_token_stats`), one value per example, and follows TRL's
trainer of the same name (v0.25.0, the last release with the stand-alone
``dpo_loss``, ``cpo_loss``, ``odds_ratio_loss`` and ``kto_loss``). "mean" is
the trainers' mean over pairs (or examples). ``return_rewards=True`` also
returns the implicit rewards the trainers log, per example and without a
gradient.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Bool, Choice, Float, Role, declare
from lossjax._spec import LossSpec

__all__ = ["dpo_loss", "simpo_loss", "orpo_loss", "kto_loss"]


Array = jax.Array


DPO_LOSS_TYPES = ("sigmoid", "robust", "exo_pair", "hinge", "ipo", "bco_pair", "sppo_hard",
                  "nca_pair", "aot", "aot_pair", "apo_zero", "apo_down", "discopop")


_BETA = Float(lo=0.0, lo_open=True)


_SMOOTHING = Float(0.0, 0.5, hi_open=True)


_OPTIONAL_LOGPS = Role("float", optional=True)


def _logps(name, where, *pairs, fill=None):
  """The per-sequence log-probabilities, one shape, masked, in the compute dtype."""
  core.check_rank(name, pairs[0][0], pairs[0][1], 1, " (one value per example)")
  return core.elementwise(name, where, *pairs, fill=fill)


def _smoothed_sigmoid(z: Array, label_smoothing: float) -> Array:
  """-(1 - ε) log σ(z) - ε log σ(-z): the conservative (cDPO) binary cross-entropy."""
  loss = -core.log_sigmoid(z)
  if not core.static_equals(label_smoothing, 0):
    loss = loss * (1.0 - label_smoothing) - core.log_sigmoid(-z) * label_smoothing
  return loss


def _masked_sort(x: Array, keep: Array | None) -> Array:
  """Sorts the kept values ascending; masked ones go last (as +inf)."""
  return jnp.sort(x if keep is None else jnp.where(keep, x, jnp.inf))


def _with_rewards(loss: Array, rewards: tuple[Array, Array] | None, keep) -> Array | tuple:
  if rewards is None:
    return loss
  return (loss, *(lax.stop_gradient(core.masked_fill(keep, r)) for r in rewards))


@declare(chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"), ref_chosen_logps=_OPTIONAL_LOGPS.same_as("chosen_logps"),
         ref_rejected_logps=_OPTIONAL_LOGPS.same_as("chosen_logps"), beta=_BETA, loss_type=Choice(DPO_LOSS_TYPES),
         label_smoothing=_SMOOTHING, discopop_tau=_BETA, return_rewards=Bool())
def dpo_loss(
    chosen_logps: ArrayLike,
    rejected_logps: ArrayLike,
    ref_chosen_logps: ArrayLike | None = None,
    ref_rejected_logps: ArrayLike | None = None,
    *,
    beta: float = 0.1,
    loss_type: str = "sigmoid",
    label_smoothing: float = 0.0,
    discopop_tau: float = 0.05,
    return_rewards: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array, Array]:
  r"""Direct Preference Optimization and the closed-form variants of TRL's ``loss_type``.

  With the policy's and the reference's log-probabilities of the chosen
  ($c$, $c_0$) and rejected ($r$, $r_0$) completions, the log-ratios
  $\Delta_c = c - c_0$, $\Delta_r = r - r_0$ and the margin
  $l = \Delta_c - \Delta_r$, the default ``loss_type="sigmoid"`` is

  $$
  \ell = -(1 - \varepsilon) \log \sigma(\beta l) - \varepsilon \log \sigma(-\beta l),
  $$

  DPO (Rafailov et al. 2023) with cDPO's label smoothing ε. The other types,
  as TRL v0.25.0's ``DPOTrainer.dpo_loss`` computes them:

  - ``robust``: $(-(1-\varepsilon)\log\sigma(\beta l) + \varepsilon\log\sigma(-\beta l)) / (1 - 2\varepsilon)$ (rDPO);
  - ``exo_pair``: $\sigma(\beta l)(\log\sigma(\beta l) - \log(1-\varepsilon)) + \sigma(-\beta l)(\log\sigma(-\beta l) - \log\varepsilon)$, with ε = 1e-3 when ``label_smoothing=0`` (as TRL);
  - ``hinge``: $\max(0, 1 - \beta l)$ (SLiC);
  - ``ipo``: $(l - 1/(2\beta))^2$ (IPO; TRL averages the log-probabilities over tokens for it: pass means);
  - ``bco_pair``: $-\log\sigma(\beta\Delta_c) - \log\sigma(-\beta\Delta_r)$ (TRL main's form, without v0.25's running-mean reward shift, which is state);
  - ``sppo_hard``: $(\Delta_c - 1/(2\beta))^2 + (\Delta_r + 1/(2\beta))^2$;
  - ``nca_pair``: $-\log\sigma(\beta\Delta_c) - \tfrac12\log\sigma(-\beta\Delta_c) - \tfrac12\log\sigma(-\beta\Delta_r)$;
  - ``aot`` / ``aot_pair``: the sigmoid loss on sorted margins (optimal transport over the batch): ``aot`` sorts $c - r$ and $c_0 - r_0$, ``aot_pair`` sorts $\Delta_c$ and $\Delta_r$, and pairs them by rank (their "none" output is per rank);
  - ``apo_zero``: $1 - \sigma(\beta\Delta_c) + \sigma(\beta\Delta_r)$; ``apo_down``: $\sigma(\beta\Delta_c) + 1 - \sigma(\beta l)$ (APO);
  - ``discopop``: with $z = \beta l$ and $m = \sigma(z / \tau)$, $-(1 - m)\log\sigma(z) + m e^{-z}$.

  Without reference log-probabilities the reference terms are 0
  (reference-free DPO). The rewards TRL logs are $\beta\Delta_c$ and
  $\beta\Delta_r$.

  Args:
    chosen_logps: ``[N]`` policy log-probabilities of the chosen completions.
    rejected_logps: ``[N]`` policy log-probabilities of the rejected ones.
    ref_chosen_logps: optional ``[N]`` reference log-probabilities (chosen).
    ref_rejected_logps: optional ``[N]`` reference log-probabilities (rejected).
    beta: β > 0 (TRL's default 0.1).
    loss_type: one of ``DPO_LOSS_TYPES`` (default "sigmoid").
    label_smoothing: ε in [0, 0.5) for sigmoid, robust, exo_pair and the aot types.
    discopop_tau: τ > 0 of ``discopop`` (TRL's default 0.05).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``, ``[N]``.
    reduction: "mean" (default, over pairs), "sum" or "none".
    where: boolean mask over pairs.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> c, r = jnp.array([-10.0, -12.0]), jnp.array([-11.0, -11.5])
    >>> c0, r0 = jnp.array([-10.5, -12.0]), jnp.array([-10.5, -12.0])
    >>> print(f"{lj.dpo_loss(c, r, c0, r0, beta=0.5):.4f}")
    0.6500

  References: Rafailov et al., "Direct Preference Optimization" (2023); TRL
  ``DPOTrainer.dpo_loss`` (trl/trainer/dpo_trainer.py, v0.25.0) and its
  sources for each type (Mitchell 2023 cDPO; Chowdhury et al. 2024 rDPO; Ji et
  al. 2024 EXO; Zhao et al. 2023 SLiC; Azar et al. 2023 IPO; Jung et al. 2024
  BCO; Wu et al. 2024 SPPO; Chen et al. 2024 NCA; Melnyk et al. 2024 AOT;
  D'Oosterlinck et al. 2024 APO; Chris Lu et al. 2024 DiscoPOP).
  """
  name = core.loss_name()
  if (ref_chosen_logps is None) != (ref_rejected_logps is None):
    raise core.option_error(name, "ref_rejected_logps" if ref_rejected_logps is None
                            else "ref_chosen_logps",
                            "give both reference log-probabilities or neither")
  pairs = [("chosen_logps", chosen_logps), ("rejected_logps", rejected_logps)]
  if ref_chosen_logps is not None:
    pairs += [("ref_chosen_logps", ref_chosen_logps), ("ref_rejected_logps", ref_rejected_logps)]
  keep, arrays = _logps(name, where, *pairs)
  c, r = arrays[:2]
  c0, r0 = arrays[2:] if len(arrays) == 4 else (jnp.zeros_like(c), jnp.zeros_like(r))
  d_c, d_r = c - c0, r - r0
  logits = (c - r) - (c0 - r0)
  b, eps = beta, label_smoothing
  if loss_type == "sigmoid":
    loss = _smoothed_sigmoid(b * logits, eps)
  elif loss_type == "robust":
    loss = (-core.log_sigmoid(b * logits) * (1.0 - eps)
            + core.log_sigmoid(-b * logits) * eps) / (1.0 - 2.0 * eps)
  elif loss_type == "exo_pair":
    e = eps or 1e-3  # TRL replaces 0 by 1e-3: log(0) is -inf
    z = b * logits
    loss = (jax.nn.sigmoid(z) * (core.log_sigmoid(z) - math.log(1.0 - e))
            + jax.nn.sigmoid(-z) * (core.log_sigmoid(-z) - math.log(e)))
  elif loss_type == "hinge":
    loss = core.clamp_min_zero(1.0 - b * logits)
  elif loss_type == "ipo":
    loss = jnp.square(logits - 1.0 / (2.0 * b))
  elif loss_type == "bco_pair":
    loss = -core.log_sigmoid(b * d_c) - core.log_sigmoid(-b * d_r)
  elif loss_type == "sppo_hard":
    loss = jnp.square(d_c - 0.5 / b) + jnp.square(d_r + 0.5 / b)
  elif loss_type == "nca_pair":
    loss = (-core.log_sigmoid(b * d_c) - 0.5 * core.log_sigmoid(-b * d_c)
            - 0.5 * core.log_sigmoid(-b * d_r))
  elif loss_type in ("aot", "aot_pair"):
    # Optimal transport between the two sorted batches: the k-th smallest with the k-th.
    first, second = (c - r, c0 - r0) if loss_type == "aot" else (d_c, d_r)
    ranked = _masked_sort(first, keep) - _masked_sort(second, keep)
    if keep is not None:  # the kept values fill the first ranks of both sorted batches
      keep = jnp.arange(c.shape[0]) < jnp.sum(keep)
      ranked = jnp.where(keep, ranked, jnp.zeros_like(ranked))
    loss = _smoothed_sigmoid(b * ranked, eps)
  elif loss_type == "apo_zero":
    loss = 1.0 - jax.nn.sigmoid(b * d_c) + jax.nn.sigmoid(b * d_r)
  elif loss_type == "apo_down":
    loss = jax.nn.sigmoid(b * d_c) + 1.0 - jax.nn.sigmoid(b * logits)
  else:  # discopop
    z = b * logits
    m = jax.nn.sigmoid(z / discopop_tau)
    loss = -core.log_sigmoid(z) * (1.0 - m) + jnp.exp(-z) * m
  loss = core.reduce_loss(name, loss, reduction, keep)
  return _with_rewards(loss, (b * d_c, b * d_r) if return_rewards else None, keep)


@declare(chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"), beta=_BETA, gamma=Float(),
         label_smoothing=_SMOOTHING, return_rewards=Bool())
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
  This is TRL's ``CPOTrainer`` with ``loss_type="simpo"``
  (``-logsigmoid(beta * (c - r - simpo_gamma / beta))``) and Liger Kernel's
  ``LigerFusedLinearSimPOLoss``, with their defaults β = 0.1, γ = 0.5 (the
  paper tunes β in [2, 10], γ/β in [0.3, 1]). TRL adds ``cpo_alpha`` times
  the chosen completions' token NLL (CPO's behaviour-cloning term; TRL's docs
  set it to 0 for SimPO): add ``cpo_alpha * lj.cross_entropy(...)`` yourself.
  The rewards are $\beta c$ and $\beta r$.

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
  (trl/trainer/cpo_trainer.py, v0.25.0); Liger Kernel
  ``chunked_loss/simpo_loss.py``.
  """
  name = core.loss_name()
  keep, (c, r) = _logps(name, where, ("chosen_logps", chosen_logps),
                        ("rejected_logps", rejected_logps))
  loss = _smoothed_sigmoid(beta * (c - r) - gamma, label_smoothing)
  loss = core.reduce_loss(name, loss, reduction, keep)
  return _with_rewards(loss, (beta * c, beta * r) if return_rewards else None, keep)


def _log1mexp(x: Array) -> Array:
  """log(1 - e^x) for x < 0, stable at both ends (TRL main's `log1mexp`; Mächler 2012)."""
  return jnp.where(x < -math.log(2.0), jnp.log1p(-jnp.exp(x)), jnp.log(-jnp.expm1(x)))


@declare(chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"), beta=_BETA, return_rewards=Bool())
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
  $\beta c$ and $\beta r$.

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
  (trl/trainer/orpo_trainer.py, v0.25.0; the stable log1mexp of
  trl/experimental/orpo on main).
  """
  name = core.loss_name()
  keep, (c, r) = _logps(name, where, ("chosen_logps", chosen_logps),
                        ("rejected_logps", rejected_logps), fill={"chosen_logps": -1.0,
                                                                  "rejected_logps": -1.0})
  log_odds = (c - r) - (_log1mexp(c) - _log1mexp(r))
  loss = core.reduce_loss(name, -beta * core.log_sigmoid(log_odds), reduction, keep)
  return _with_rewards(loss, (beta * c, beta * r) if return_rewards else None, keep)


@declare(logps=FLOAT, ref_logps=FLOAT.same_as("logps"), desirable=Role("real").same_as("logps"), kl=FLOAT, beta=_BETA,
         desirable_weight=Float(lo=0.0), undesirable_weight=Float(lo=0.0),
         loss_type=Choice(("kto", "apo_zero_unpaired")), return_rewards=Bool())
def kto_loss(
    logps: ArrayLike,
    ref_logps: ArrayLike,
    desirable: ArrayLike,
    kl: ArrayLike,
    *,
    beta: float = 0.1,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
    loss_type: str = "kto",
    return_rewards: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array]:
  r"""Kahneman–Tversky Optimization on unpaired examples, TRL's ``KTOTrainer``.

  With the log-ratio $\Delta = \log\pi(y|x) - \log\pi_0(y|x)$ of each
  completion and the KL baseline $z_0$ (an input: TRL's mean log-ratio on
  mismatched prompt/completion pairs, detached and clamped at 0 here as there),

  $$
  \ell = \begin{cases}
  \lambda_D (1 - \sigma(\beta(\Delta - z_0))) & \text{desirable} \\
  \lambda_U (1 - \sigma(\beta(z_0 - \Delta))) & \text{undesirable,}
  \end{cases}
  $$

  and "mean" is over all examples, as TRL's ``losses.nanmean()``.
  ``loss_type="apo_zero_unpaired"`` drops $z_0$ and uses
  $1 - \sigma(\beta\Delta)$ and $\sigma(\beta\Delta)$. The reward is
  $\beta\Delta$ (one per example).

  Args:
    logps: ``[N]`` policy log-probabilities (summed over tokens) of the completions.
    ref_logps: ``[N]`` reference log-probabilities.
    desirable: ``[N]`` booleans (or 0/1): whether each completion is desirable.
    kl: the KL baseline $z_0$, a scalar (or broadcastable to ``[N]``).
    beta: β > 0 (TRL's default 0.1).
    desirable_weight: λ_D ≥ 0.
    undesirable_weight: λ_U ≥ 0.
    loss_type: "kto" (default) or "apo_zero_unpaired".
    return_rewards: also return the rewards ``[N]``.
    reduction: "mean" (default, over examples), "sum" or "none".
    where: boolean mask over examples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> lp, lp0 = jnp.array([-10.0, -12.0, -9.0]), jnp.array([-10.5, -11.0, -9.0])
    >>> good = jnp.array([True, False, True])
    >>> print(f"{lj.kto_loss(lp, lp0, good, jnp.array(0.1), beta=0.5):.4f}")
    0.4428

  References: Ethayarajh et al., "KTO: Model Alignment as Prospect Theoretic
  Optimization" (2024); TRL ``KTOTrainer.kto_loss``
  (trl/trainer/kto_trainer.py, v0.25.0).
  """
  name = core.loss_name()
  keep, (lp, lp0, good) = _logps(name, where, ("logps", logps), ("ref_logps", ref_logps),
                                 ("desirable", desirable))
  core.check_values(name, "desirable", good, lambda a: (a != 0) & (a != 1),
                    "booleans or 0/1 (whether each completion is desirable)", where=keep)
  z0 = core.check_broadcastable(name, "kl", kl, lp.shape).astype(lp.dtype)
  # TRL detaches the KL baseline and clamps it at 0 (after averaging it over devices).
  z0 = lax.stop_gradient(jnp.maximum(z0, 0.0))
  delta = lp - lp0
  if loss_type == "kto":
    chosen = 1.0 - jax.nn.sigmoid(beta * (delta - z0))
    rejected = 1.0 - jax.nn.sigmoid(beta * (z0 - delta))
  else:
    chosen = 1.0 - jax.nn.sigmoid(beta * delta)
    rejected = jax.nn.sigmoid(beta * delta)
  loss = jnp.where(good == 1, desirable_weight * chosen, undesirable_weight * rejected)
  loss = core.poison(loss, (good != 0) & (good != 1))
  loss = core.reduce_loss(name, loss, reduction, keep)
  if not return_rewards:
    return loss
  return loss, lax.stop_gradient(core.masked_fill(keep, beta * delta))


def _ex_pairs(rng, ref=True, mean=False):
  scale = 1.0 if mean else 10.0
  c, r = -rng.uniform(0.2, 2.0, size=(8,)) * scale, -rng.uniform(0.2, 2.0, size=(8,)) * scale
  if not ref:
    return (c, r)
  return (c, r, c + rng.normal(size=(8,)) * 0.3 * scale, r + rng.normal(size=(8,)) * 0.3 * scale)


def _ex_dpo(rng):
  return _ex_pairs(rng), {"beta": 0.5, "label_smoothing": 0.1}


def _ex_simpo(rng):
  return _ex_pairs(rng, ref=False, mean=True), {"beta": 2.0, "gamma": 1.0, "label_smoothing": 0.1}


def _ex_orpo(rng):
  return _ex_pairs(rng, ref=False, mean=True), {"beta": 0.25}


def _ex_kto(rng):
  lp = -rng.uniform(2.0, 20.0, size=(8,))
  return (lp, lp + rng.normal(size=(8,)), rng.uniform(size=(8,)) < 0.5, 0.2), {
      "beta": 0.5, "desirable_weight": 1.2, "undesirable_weight": 0.8}


_PAIRS = ("chosen_logps", "rejected_logps")


SPECS = [
    LossSpec(dpo_loss, None, _ex_dpo,
             differentiable=_PAIRS, batched=(*_PAIRS, "ref_chosen_logps", "ref_rejected_logps"),
             unbounded=(*_PAIRS, "ref_chosen_logps", "ref_rejected_logps"),
             bad_options={"loss_type": "kto", "beta": 0.0, "label_smoothing": 0.5},
             source="Rafailov et al. 2023; TRL DPOTrainer (v0.25.0)"),
    LossSpec(simpo_loss, None, _ex_simpo, differentiable=_PAIRS, batched=_PAIRS,
             unbounded=_PAIRS, bad_options={"beta": -1.0},
             source="Meng et al. 2024; TRL CPOTrainer simpo, Liger SimPO"),
    LossSpec(orpo_loss, None, _ex_orpo, differentiable=_PAIRS, batched=_PAIRS,
             bad_options={"beta": 0.0}, source="Hong et al. 2024; TRL ORPOTrainer"),
    LossSpec(kto_loss, None, _ex_kto, differentiable=("logps",),
             batched=("logps", "ref_logps", "desirable"), unbounded=("logps", "ref_logps"),
             bad_options={"loss_type": "sigmoid", "desirable_weight": -1.0},
             source="Ethayarajh et al. 2024; TRL KTOTrainer (v0.25.0)"),
]
