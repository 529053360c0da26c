"""Policy-gradient losses per token: PPO's clipped surrogate as GRPO, DAPO and Dr. GRPO use it.

The inputs are per-token log-probabilities ``[B, T]`` of the sampled
completions (e.g. `linear_token_stats`' ``log_prob``), with ``where`` the
completion mask. The aggregation over tokens that distinguishes GRPO, DAPO
and Dr. GRPO is the ``average`` option of ``reduction="mean"``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Bool, Choice, Float, Int, Role, declare
from lossjax._spec import LossSpec

__all__ = ["policy_gradient_loss"]

#: The per-token objectives of TRL 1.16's ``GRPOTrainer`` ("clip": PPO's clipped surrogate).
OBJECTIVES = ("clip", "cispo", "sapo", "vespo")


Array = jax.Array


def _kl_estimate(logps: Array, ref_logps: Array, estimator: str) -> Array:
  """Schulman's estimators of KL(π ‖ π_ref) from one sample (verl's k1, k2, k3)."""
  log_ratio = ref_logps - logps
  if estimator == "k1":
    return -log_ratio
  if estimator == "k2":
    return 0.5 * jnp.square(log_ratio)
  return jnp.exp(log_ratio) - log_ratio - 1.0  # k3: unbiased, non-negative, low variance


@declare(logps=FLOAT, old_logps=FLOAT.same_as("logps"), advantages=FLOAT, ref_logps=Role("float", optional=True).same_as("logps"),
         objective=Choice(OBJECTIVES), importance_sampling=Choice(("token", "sequence")),
         epsilon_low=Float(lo=0.0), epsilon_high=Float(lo=0.0, optional=True),
         delta=Float(lo=1.0, lo_open=True, optional=True),
         clip_ratio_c=Float(lo=1.0, lo_open=True, optional=True), beta=Float(lo=0.0),
         kl_estimator=Choice(("k1", "k2", "k3")), bias_correction_kl=Bool(),
         sapo_temperature_pos=Float(lo=0.0, lo_open=True), sapo_temperature_neg=Float(lo=0.0, lo_open=True),
         vespo_k_pos=Float(), vespo_lambda_pos=Float(), vespo_k_neg=Float(), vespo_lambda_neg=Float(),
         average=Choice(("tokens", "sequences", "constant", "sequence_sums")),
         max_length=Int(lo=1, optional=True))
def policy_gradient_loss(
    logps: ArrayLike,
    old_logps: ArrayLike,
    advantages: ArrayLike,
    ref_logps: ArrayLike | None = None,
    *,
    objective: str = "clip",
    importance_sampling: str = "token",
    epsilon_low: float = 0.2,
    epsilon_high: float | None = None,
    delta: float | None = None,
    clip_ratio_c: float | None = None,
    beta: float = 0.0,
    kl_estimator: str = "k3",
    bias_correction_kl: bool = True,
    sapo_temperature_pos: float = 1.0,
    sapo_temperature_neg: float = 1.05,
    vespo_k_pos: float = 2.0,
    vespo_lambda_pos: float = 3.0,
    vespo_k_neg: float = 3.0,
    vespo_lambda_neg: float = 2.0,
    average: str = "tokens",
    max_length: int | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""PPO's clipped surrogate per token and the other objectives of TRL's ``GRPOTrainer``.

  With the importance ratio $\rho = \exp(\log\pi - \log\pi_{\text{old}})$ of
  each token and its advantage $A$, the default per-token loss
  (``objective="clip"``) is TRL's ``GRPOTrainer`` one,

  $$
  \ell = -\min\big(\rho A,\ \mathrm{clip}(\rho, 1 - \varepsilon_{\text{low}}, 1 + \varepsilon_{\text{high}}) A\big)
  + \beta\, \widehat{\mathrm{KL}},
  $$

  with DAPO's asymmetric clip (``epsilon_high``, default ``epsilon_low``),
  INTELLECT-2's upper bound on the unclipped ratio (``delta``: $\rho$ becomes
  $\min(\rho, \delta)$ in the first term), and verl's dual clip for
  negative advantages (``clip_ratio_c`` = c > 1: $\ell = \min(\ell, -cA)$
  where $A < 0$). The other objectives, as TRL 1.16.0 computes them:

  - ``"cispo"``: $-\mathrm{sg}(\min(\rho, \varepsilon_{\text{high}}))\, A \log\pi$ (MiniMax-M1's CISPO);
  - ``"sapo"``: $-\tfrac{4}{\tau}\sigma(\tau(\rho - 1))\, A$ with $\tau$ = ``sapo_temperature_pos``
    where $A > 0$, else ``sapo_temperature_neg`` (SAPO's soft gate);
  - ``"vespo"``: $-\mathrm{sg}(\varphi(w))\, A \log\pi$ with $w$ the sequence's ratio
    (its token log-ratios clamped to ±20, summed, clamped to [log 1e-8, 20]) and
    $\varphi(w) = e^{\lambda} w^k e^{-\lambda w}$, $(k, \lambda)$ by the sign of $A$
    (VESPO; ``vespo_k_pos`` ...).

  ``importance_sampling="sequence"`` (GSPO) replaces each token's ratio by its
  sequence's, $\exp$ of the mean of its tokens' log-ratios. The KL penalty to a
  reference policy uses ``kl_estimator`` on $r = \log\pi_{\text{ref}} - \log\pi$: k1
  $= -r$, k2 $= r^2/2$, k3 $= e^r - r - 1$ (TRL's and GRPO's); ``bias_correction_kl``
  (default True, as TRL 1.16) multiplies it by the ratio (TRL's ``use_bias_correction_kl``, the
  unbiased reverse-KL gradient of DeepSeek-V3.2). ``old_logps``,
  ``advantages`` and ``ref_logps`` are data: no gradient flows into them. With
  ``old_logps = stop_gradient(logps)`` (one update per batch) $\rho = 1$ and the loss is
  the plain policy gradient.

  "mean" aggregates the kept tokens (``where``, the completion mask) by
  ``average``; TRL's ``loss_type`` is an objective and an average:

  - ``"tokens"``: the sum over all kept tokens over their number (DAPO's
    token-level mean; TRL's "dapo", "bnpo", "cispo" and "vespo", verl's "token-mean");
  - ``"sequences"``: the mean over sequences of each sequence's mean over its
    tokens (TRL's "grpo" and "sapo"; a sequence without kept tokens is left out, as in
    verl; TRL counts it as 0);
  - ``"constant"``: the sum over ``B × max_length`` (Dr. GRPO; ``max_length``
    defaults to T, the token axis, where TRL uses ``max_completion_length``);
  - ``"sequence_sums"``: the sum over ``B`` (TRL's "luspo": each sequence's sum, then the
    mean over sequences).

  Args:
    logps: ``[B, T]`` log-probabilities of the sampled tokens under the policy.
    old_logps: ``[B, T]`` the same under the policy that sampled them.
    advantages: ``[B]`` per sequence (GRPO's group-normalised rewards) or ``[B, T]``.
    ref_logps: optional ``[B, T]`` reference log-probabilities (for ``beta`` > 0).
    objective: "clip" (default), "cispo", "sapo" or "vespo".
    importance_sampling: "token" (default) or "sequence" (GSPO).
    epsilon_low: ε_low ≥ 0 (TRL's and PPO's 0.2).
    epsilon_high: ε_high ≥ 0; None: ``epsilon_low`` (DAPO recommends 0.28; CISPO's cap).
    delta: optional δ > 1, an upper bound on the unclipped ratio.
    clip_ratio_c: optional c > 1, the dual clip for negative advantages (verl's 3.0).
    beta: the KL coefficient β ≥ 0 (TRL's default 0).
    kl_estimator: "k3" (default), "k2" or "k1".
    bias_correction_kl: multiply the KL estimate by the importance ratio (default True, TRL
      1.16's ``use_bias_correction_kl`` default: it changes the KL's gradient even on-policy).
    sapo_temperature_pos: SAPO's τ for positive advantages (TRL's 1.0).
    sapo_temperature_neg: SAPO's τ otherwise (TRL's 1.05).
    vespo_k_pos: VESPO's k for A ≥ 0 (TRL's 2.0).
    vespo_lambda_pos: VESPO's λ for A ≥ 0 (TRL's 3.0).
    vespo_k_neg: VESPO's k for A < 0 (TRL's 3.0).
    vespo_lambda_neg: VESPO's λ for A < 0 (TRL's 2.0).
    average: "tokens" (default), "sequences", "constant" or "sequence_sums": what "mean"
      divides by.
    max_length: the constant of ``average="constant"``.
    reduction: "mean" (default), "sum" or "none" (per token).
    where: boolean mask ``[B, T]`` (the completion mask).

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> logp = jnp.log(jnp.array([[0.5, 0.4, 0.9], [0.2, 0.3, 0.6]]))
    >>> old = logp - jnp.array([[0.1, -0.3, 0.0], [0.2, 0.0, -0.1]])
    >>> adv = jnp.array([1.0, -0.5])
    >>> mask = jnp.array([[True, True, True], [True, True, False]])
    >>> print(f"{lj.policy_gradient_loss(logp, old, adv, where=mask):.4f}")
    -0.3471

  References: Schulman et al., "Proximal Policy Optimization" (2017); Shao
  et al., "DeepSeekMath" (GRPO, 2024); Yu et al., "DAPO" (2025); Liu et
  al., "Understanding R1-Zero-Like Training" (Dr. GRPO, 2025); Zheng et al.,
  "Group Sequence Policy Optimization" (GSPO, 2025); MiniMax, "MiniMax-M1" (CISPO,
  2025); TRL ``GRPOTrainer._compute_loss`` and ``get_gamma_weights``
  (trl/trainer/grpo_trainer.py, 1.16.0); verl ``compute_policy_loss_vanilla`` and
  ``kl_penalty`` (verl/trainer/ppo/core_algos.py).
  """
  name = core.loss_name()
  unread = [("delta", delta is not None and objective != "clip"),
            ("epsilon_high", epsilon_high is not None and objective in ("sapo", "vespo")),
            ("sapo_temperature_pos", objective != "sapo" and sapo_temperature_pos != 1.0),
            ("sapo_temperature_neg", objective != "sapo" and sapo_temperature_neg != 1.05),
            *[(k, objective != "vespo" and v != d) for k, v, d in (
                ("vespo_k_pos", vespo_k_pos, 2.0), ("vespo_lambda_pos", vespo_lambda_pos, 3.0),
                ("vespo_k_neg", vespo_k_neg, 3.0), ("vespo_lambda_neg", vespo_lambda_neg, 2.0))]]
  for arg, bad in unread:
    if bad is True:  # a traced value is not compared (it cannot be known here)
      raise core.option_error(name, arg, f"objective={objective!r} does not read it")
  core.check_rank(name, "logps", logps, 2, " [B, T] (sequences, tokens)")
  pairs = [("logps", logps), ("old_logps", old_logps)]
  if ref_logps is not None:
    pairs.append(("ref_logps", ref_logps))
  a = advantages
  if a.ndim == 1:
    core.check_shape(name, "advantages", a, logps.shape[:1], " (one per sequence) or [B, T]")
    a = jnp.broadcast_to(a[:, None], logps.shape)
  else:
    core.check_shape(name, "advantages", a, logps.shape, " ([B] or [B, T])")
  keep, arrays = core.elementwise(name, where, *pairs, ("advantages", a))
  lp, old = arrays[0], lax.stop_gradient(arrays[1])
  adv = lax.stop_gradient(arrays[-1])
  log_ratio = lp - old
  if importance_sampling == "sequence":
    # GSPO: one ratio per sequence, the exponential of its mean token log-ratio.
    log_w = _sequence_mean(log_ratio, keep)
  else:
    log_w = log_ratio
  ratio = jnp.exp(log_w)
  high = epsilon_low if epsilon_high is None else epsilon_high
  if objective == "clip":
    clipped = core.clamp(ratio, 1.0 - epsilon_low, 1.0 + high)  # torch.clamp's gradient
    unclipped = ratio if delta is None else core.clamp(ratio, hi=delta)
    values = -jnp.minimum(unclipped * adv, clipped * adv)
  elif objective == "cispo":
    # CISPO: the ratio, capped at epsilon_high and detached, weighs the policy gradient.
    values = -lax.stop_gradient(jnp.minimum(ratio, high)) * adv * lp
  elif objective == "sapo":
    # SAPO: a sigmoid gate instead of a hard clip, sharper (τ) for negative advantages.
    tau = jnp.where(adv > 0, sapo_temperature_pos, sapo_temperature_neg)
    values = -jax.nn.sigmoid(tau * (ratio - 1.0)) * 4.0 / tau * adv
  else:
    phi = _vespo_weight(log_ratio, adv, keep, vespo_k_pos, vespo_lambda_pos, vespo_k_neg,
                        vespo_lambda_neg)
    values = -phi * adv * lp
  if clip_ratio_c is not None:
    # Dual clip: for A < 0 the loss is at most -c A, however large the ratio.
    values = jnp.where(adv < 0, jnp.minimum(values, -clip_ratio_c * adv), values)
  if not core.static_equals(beta, 0):
    if ref_logps is None:
      raise core.option_error(name, "beta", "a KL penalty (beta > 0, or a traced beta) needs ref_logps")
    kl = _kl_estimate(lp, lax.stop_gradient(arrays[2]), kl_estimator)
    if bias_correction_kl:  # TRL: the estimate times the (undetached) importance ratio
      kl = kl * ratio
    values = values + beta * kl
  if average == "constant":  # Dr. GRPO: every sequence counts max_length tokens
    if max_length is not None and max_length < values.shape[1]:
      raise core.option_error(name, "max_length", f"got {max_length}, fewer than the {values.shape[1]} "
                              "tokens per sequence of `logps` (Dr. GRPO's constant is the longest "
                              "completion's length)")
    length = values.shape[1] if max_length is None else max_length
    return core.reduce_loss(name, values, reduction, keep, denominator=values.shape[0] * length)
  if average == "sequence_sums":  # LUSPO: each sequence's sum, then the mean over sequences
    return core.reduce_loss(name, values, reduction, keep, denominator=values.shape[0])
  # "sequences": each sequence's mean over its tokens, then the mean over sequences.
  return core.reduce_loss(name, values, reduction, keep, groups=int(average == "sequences"))


def _sequence_mean(x: Array, keep: Array | None) -> Array:
  """Each row's mean over its kept tokens, ``[B, 1]`` (an empty row: its sum over 1)."""
  if keep is None:
    return jnp.mean(x, axis=-1, keepdims=True)
  total = jnp.sum(jnp.where(keep, x, 0), axis=-1, keepdims=True)
  return total / jnp.maximum(jnp.sum(keep, axis=-1, keepdims=True), 1).astype(x.dtype)


def _vespo_weight(log_ratio, adv, keep, k_pos, lam_pos, k_neg, lam_neg):
  """VESPO's gamma weight φ(w) = e^λ w^k e^(-λ w) of the sequence ratio w, without gradient
  (TRL's ``get_gamma_weights``: token log-ratios clamped to ±20, their sum to [log 1e-8, 20])."""
  log_ratio = lax.stop_gradient(jnp.clip(log_ratio, -20.0, 20.0))
  total = jnp.sum(log_ratio if keep is None else jnp.where(keep, log_ratio, 0), axis=-1,
                  keepdims=True)
  log_w = jnp.clip(total, math.log(1e-8), 20.0)
  k = jnp.where(adv >= 0, k_pos, k_neg)
  lam = jnp.maximum(jnp.where(adv >= 0, lam_pos, lam_neg), 1e-4)
  # Finite for every finite input (log w is clamped); a NaN stays NaN (TRL's nan_to_num
  # would make it 0: a plausible number).
  return lax.stop_gradient(jnp.exp(lam + k * log_w - lam * jnp.exp(log_w)))



def _ex_policy(rng):
  logps = np.log(rng.uniform(0.05, 0.95, size=(4, 6)))
  old = logps + rng.normal(size=(4, 6)) * 0.2
  ref = logps + rng.normal(size=(4, 6)) * 0.3
  return (logps, old, rng.normal(size=(4,)), ref), {"beta": 0.04, "epsilon_high": 0.28,
                                                    "clip_ratio_c": 3.0}


SPECS = [
    LossSpec(policy_gradient_loss, None, _ex_policy, differentiable=("logps",),
             batched=("logps", "old_logps", "advantages", "ref_logps"),
             bad_options={"epsilon_low": -0.1, "clip_ratio_c": 1.0, "average": "groups"},
             source="PPO; GRPO, DAPO, Dr. GRPO (TRL GRPOTrainer); verl dual clip"),
]
