"""Kahneman–Tversky Optimization: a preference loss on unpaired, labelled completions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Bool, Choice, Float, Role, declare
from lossjax._spec import LossSpec
from lossjax.preference import _pairs

__all__ = ["kto_loss"]


Array = jax.Array


@declare(logps=FLOAT, ref_logps=FLOAT.same_as("logps"), desirable=Role("real").same_as("logps"), kl=FLOAT, beta=_pairs.BETA,
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

  and "mean" is over all examples, as TRL's ``losses.nanmean()`` (a NaN input gives NaN
  here, where ``nanmean`` would leave its example out).
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
  (trl/trainer/kto_trainer.py, 1.16.0: ``_compute_loss``).
  """
  name = core.loss_name()
  keep, (lp, lp0, good) = _pairs.logps(name, where, ("logps", logps), ("ref_logps", ref_logps),
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


def _ex_kto(rng):
  lp = -rng.uniform(2.0, 20.0, size=(8,))
  return (lp, lp + rng.normal(size=(8,)), rng.uniform(size=(8,)) < 0.5, 0.2), {
      "beta": 0.5, "desirable_weight": 1.2, "undesirable_weight": 0.8}


SPECS = [
    LossSpec(kto_loss, None, _ex_kto, differentiable=("logps",),
             batched=("logps", "ref_logps", "desirable"), unbounded=("logps", "ref_logps"),
             bad_options={"loss_type": "sigmoid", "desirable_weight": -1.0},
             source="Ethayarajh et al. 2024; TRL KTOTrainer (1.16.0)"),
]
