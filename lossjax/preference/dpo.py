"""DPO and the closed-form variants of TRL's ``DPOTrainer`` (TRL 1.16.0).

``dpo_loss`` takes the per-sequence log-probabilities of the chosen and
rejected completions (summed over their tokens, e.g. from
`linear_token_stats`) under the policy and the reference, and computes what
``DPOTrainer._compute_loss`` computes from them: one or several loss types
(``loss_weights``), on the f-divergence scores of the log-ratios, with
WPO's weights, and the rewards TRL logs.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Bool, Choice, Choices, Float, Floats, declare
from lossjax._spec import LossSpec
from lossjax.preference import _pairs

__all__ = ["dpo_loss"]  # and length_desensitized_logps, a helper (exported by lossjax)


Array = jax.Array


DPO_LOSS_TYPES = ("sigmoid", "robust", "exo_pair", "hinge", "ipo", "bco_pair", "sppo_hard",
                  "nca_pair", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft",
                  "sigmoid_norm", "aot_pair")

#: The types that read ``label_smoothing`` (TRL 1.16: robust, EXO and the AOT types).
_SMOOTHED = ("robust", "exo_pair", "aot", "aot_unpaired", "aot_pair")

#: The types TRL 1.16 allows with an f-divergence other than reverse KL: the f-DPO
#: reparameterisation's β log Z(x) cancels only in the chosen-minus-rejected score.
_F_DIVERGENCE_TYPES = ("sigmoid", "sigmoid_norm", "hinge", "ipo", "exo_pair", "robust",
                       "discopop", "sft")

#: Types whose per-pair loss depends on other pairs (sorted batches, a batch token mean).
_WHOLE_BATCH = ("aot", "aot_unpaired", "aot_pair", "sft")

F_DIVERGENCES = ("reverse_kl", "forward_kl", "js_divergence", "alpha_divergence")


def _f_score(logratio: Array, kind: str, alpha) -> Array:
  """f'(t) at t = π/π_ref, from log t (f-DPO, Wang et al. 2024; TRL's scores)."""
  if kind == "reverse_kl" or (kind == "alpha_divergence" and abs(alpha - 1.0) < 1e-6):
    return logratio  # f'(t) = log t (+1, which cancels in the difference)
  if kind == "forward_kl":
    return 1.0 - jnp.exp(-logratio)  # f'(t) = 1 - 1/t
  if kind == "js_divergence":
    return math.log(2.0) + core.log_sigmoid(logratio)  # f'(t) = log(2t / (t + 1))
  # alpha: f'(t) = (t^(α-1) - 1) / (α - 1). TRL clamps the exponent at 80 in float32 (and
  # bfloat16) so that exp stays finite; float64 needs no clamp (TRL's table has no float64).
  t = (alpha - 1.0) * logratio
  if logratio.dtype != jnp.float64:
    t = jnp.minimum(t, 80.0)
  return jnp.expm1(t) / (alpha - 1.0)


def _whole_batch(given) -> str | None:
  types = given.get("loss_type", "sigmoid")
  types = (types,) if isinstance(types, str) else tuple(types or ())
  pooled = [t for t in types if t in _WHOLE_BATCH]
  if pooled:
    return (f"`loss_type={pooled[0]!r}` pools the batch (sorted log-ratios or the batch's "
            "token mean)")
  return None


@declare(whole_batch_if=_whole_batch,
         chosen_logps=FLOAT, rejected_logps=FLOAT.same_as("chosen_logps"),
         ref_chosen_logps=_pairs.OPTIONAL_LOGPS.same_as("chosen_logps"),
         ref_rejected_logps=_pairs.OPTIONAL_LOGPS.same_as("chosen_logps"),
         chosen_lengths=_pairs.LENGTHS.same_as("chosen_logps"),
         rejected_lengths=_pairs.LENGTHS.same_as("chosen_logps"),
         chosen_weights=_pairs.OPTIONAL_LOGPS.same_as("chosen_logps"),
         rejected_weights=_pairs.OPTIONAL_LOGPS.same_as("chosen_logps"),
         beta=_pairs.BETA, loss_type=Choices(DPO_LOSS_TYPES), loss_weights=Floats(Float(lo=0.0)),
         label_smoothing=_pairs.SMOOTHING, conservative=Bool(),
         discopop_tau=_pairs.BETA, f_divergence_type=Choice(F_DIVERGENCES),
         f_alpha_divergence_coef=Float().static(), return_rewards=Bool())
def dpo_loss(
    chosen_logps: ArrayLike,
    rejected_logps: ArrayLike,
    ref_chosen_logps: ArrayLike | None = None,
    ref_rejected_logps: ArrayLike | None = None,
    chosen_lengths: ArrayLike | None = None,
    rejected_lengths: ArrayLike | None = None,
    chosen_weights: ArrayLike | None = None,
    rejected_weights: ArrayLike | None = None,
    *,
    beta: float = 0.1,
    loss_type: str | tuple[str, ...] = "sigmoid",
    loss_weights: tuple[float, ...] | None = None,
    label_smoothing: float = 0.0,
    conservative: bool = False,
    discopop_tau: float = 0.05,
    f_divergence_type: str = "reverse_kl",
    f_alpha_divergence_coef: float = 0.5,
    return_rewards: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array | tuple[Array, Array, Array]:
  r"""Direct Preference Optimization and the loss types of TRL's ``DPOTrainer``.

  With the policy's and the reference's log-probabilities of the chosen
  ($c$, $c_0$) and rejected ($r$, $r_0$) completions, the log-ratios
  $\Delta_c = c - c_0$, $\Delta_r = r - r_0$, their scores $s_c = f'(\Delta_c)$,
  $s_r = f'(\Delta_r)$ (``f_divergence_type``; reverse KL, the default, is
  $s = \Delta$) and $\delta = s_c - s_r$, the default ``loss_type="sigmoid"``
  is DPO (Rafailov et al. 2023):

  $$
  \ell = -\log \sigma(\beta \delta).
  $$

  The other types, as TRL 1.16.0's ``DPOTrainer._compute_loss`` computes them:

  - ``hinge``: $\max(0, 1 - \beta\delta)$ (SLiC);
  - ``ipo``: $(\bar\delta - 1/(2\beta))^2$ with $\bar\delta = s_c/n_c - s_r/n_r$, the scores
    over the completions' token counts (IPO; without lengths the inputs are taken as token means);
  - ``sigmoid_norm``: $-\log\sigma(\beta\bar\delta)$, the same length normalisation;
  - ``exo_pair``: $\sigma(\beta\delta)(\log\sigma(\beta\delta) - \log(1-\varepsilon)) + \sigma(-\beta\delta)(\log\sigma(-\beta\delta) - \log\varepsilon)$ (EXO; needs ε > 0);
  - ``robust``: $(-(1-\varepsilon)\log\sigma(\beta\delta) + \varepsilon\log\sigma(-\beta\delta)) / (1 - 2\varepsilon)$ (rDPO);
  - ``bco_pair``: $-\log\sigma(\beta\Delta_c) - \log\sigma(-\beta\Delta_r)$;
  - ``sppo_hard``: $(\Delta_c - 1/(2\beta))^2 + (\Delta_r + 1/(2\beta))^2$;
  - ``nca_pair``: $-\log\sigma(\beta\Delta_c) - \tfrac12\log\sigma(-\beta\Delta_c) - \tfrac12\log\sigma(-\beta\Delta_r)$;
  - ``aot`` / ``aot_unpaired``: the ε-smoothed sigmoid loss on sorted margins (optimal transport
    over the batch): ``aot`` sorts $c - r$ and $c_0 - r_0$, ``aot_unpaired`` sorts $\Delta_c$ and
    $\Delta_r$, and pairs them by rank (their "none" output is per rank). ``aot_pair`` is
    ``aot_unpaired``'s name before TRL 1.x, accepted with the same values;
  - ``apo_zero``: $1 - \sigma(\beta\Delta_c) + \sigma(\beta\Delta_r)$; ``apo_down``: $\sigma(\beta\Delta_c) + 1 - \sigma(\beta(\Delta_c - \Delta_r))$ (APO);
  - ``discopop``: with $z = \beta\delta$ and $m = \sigma(z / \tau)$, $-(1 - m)\log\sigma(z) + m e^{-z}$;
  - ``sft``: the chosen completions' token NLL, $-\sum_i c_i / \sum_i n_{c,i}$ over the batch
    (every pair's value is that batch mean, as in TRL).

  Several types at once (``loss_type=("sigmoid", "bco_pair", "sft")``, MPO) add up, each
  times its ``loss_weights`` entry (default 1). WPO's weights
  (``chosen_weights``, ``rejected_weights``: $w = \exp$ of the completion's mean over tokens
  of $\log p_t - \log\sum_v p_v^2$, Zhou et al. 2024) multiply each pair's loss by
  $w_c w_r$, without gradient. Without reference log-probabilities the reference terms are 0
  (reference-free DPO). The rewards TRL logs are $\beta\Delta_c$ and $\beta\Delta_r$ (for
  ``ipo`` too: pass summed log-probabilities and the lengths to get TRL's).

  ``label_smoothing`` ε is read by robust, exo_pair and the aot types; TRL 1.16 ignores it
  for ``sigmoid``, where TRL ≤ 0.2x applied conservative DPO (cDPO,
  $-(1-\varepsilon)\log\sigma(\beta\delta) - \varepsilon\log\sigma(-\beta\delta)$): that is
  ``conservative=True``. A ``label_smoothing`` no chosen type reads is an error, not
  ignored.

  Args:
    chosen_logps: ``[N]`` policy log-probabilities of the chosen completions (summed over tokens).
    rejected_logps: ``[N]`` the same for the rejected ones.
    ref_chosen_logps: optional ``[N]`` reference log-probabilities (chosen).
    ref_rejected_logps: optional ``[N]`` reference log-probabilities (rejected).
    chosen_lengths: optional ``[N]`` token counts of the chosen completions (ipo and
      sigmoid_norm, with ``rejected_lengths``; required by sft).
    rejected_lengths: optional ``[N]`` token counts of the rejected completions.
    chosen_weights: optional ``[N]`` WPO weights of the chosen completions (no gradient).
    rejected_weights: optional ``[N]`` WPO weights of the rejected completions.
    beta: β > 0 (TRL's default 0.1).
    loss_type: one of ``DPO_LOSS_TYPES`` or a tuple of them (default "sigmoid").
    loss_weights: one weight ≥ 0 per type in ``loss_type`` (default all 1).
    label_smoothing: ε in [0, 0.5) for robust, exo_pair (ε > 0), the aot types and cDPO.
    conservative: with ``sigmoid``, apply ``label_smoothing`` as cDPO (TRL ≤ 0.2x).
    discopop_tau: τ > 0 of ``discopop`` (TRL's default 0.05).
    f_divergence_type: "reverse_kl" (default), "forward_kl", "js_divergence" or
      "alpha_divergence" (f-DPO; for sigmoid, sigmoid_norm, hinge, ipo, exo_pair, robust,
      discopop and sft only, as TRL).
    f_alpha_divergence_coef: α of ``alpha_divergence`` (TRL's default 0.5).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``, ``[N]``.
    reduction: "mean" (default, over pairs), "sum" or "none".
    where: boolean mask over pairs.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> c, r = jnp.array([-10.0, -12.0]), jnp.array([-11.0, -11.5])
    >>> c0, r0 = jnp.array([-10.5, -12.0]), jnp.array([-10.5, -12.0])
    >>> print(f"{lj.dpo_loss(c, r, c0, r0, beta=0.5):.4f}")
    0.6500
    >>> n = jnp.array([10.0, 12.0])  # token counts: MPO-style sigmoid + SFT
    >>> print(f"{lj.dpo_loss(c, r, c0, r0, n, n, loss_type=('sigmoid', 'sft'), loss_weights=(0.8, 0.2)):.4f}")
    0.7451

  References: Rafailov et al., "Direct Preference Optimization" (2023); TRL
  ``DPOTrainer._compute_loss`` (trl/trainer/dpo_trainer.py, 1.16.0) and its
  sources for each type (Mitchell 2023 cDPO; Chowdhury et al. 2024 rDPO; Ji et
  al. 2024 EXO; Zhao et al. 2023 SLiC; Azar et al. 2023 IPO; Jung et al. 2024
  BCO; Wu et al. 2024 SPPO; Chen et al. 2024 NCA; Melnyk et al. 2024 AOT;
  D'Oosterlinck et al. 2024 APO; Chris Lu et al. 2024 DiscoPOP; Wang et al.
  2024 f-DPO; Zhou et al. 2024 WPO; Wang et al. 2024 MPO).
  """
  name = core.loss_name()
  types = (loss_type,) if isinstance(loss_type, str) else loss_type  # the default is a str
  weights = loss_weights or (1.0,) * len(types)
  if len(weights) != len(types):
    raise core.option_error(name, "loss_weights", f"got {len(weights)} weights for "
                            f"{len(types)} loss types {types}: give one per type")
  optional = {"ref_chosen_logps": ref_chosen_logps, "ref_rejected_logps": ref_rejected_logps,
              "chosen_lengths": chosen_lengths, "rejected_lengths": rejected_lengths,
              "chosen_weights": chosen_weights, "rejected_weights": rejected_weights}
  pairs_of = [("ref_chosen_logps", "ref_rejected_logps"), ("chosen_weights", "rejected_weights")]
  if set(types) & {"ipo", "sigmoid_norm"}:  # both sides normalised, or neither
    pairs_of.append(("chosen_lengths", "rejected_lengths"))
  for a, b in pairs_of:
    if (optional[a] is None) != (optional[b] is None):
      raise core.option_error(name, b if optional[b] is None else a,
                              f"give both {a} and {b} or neither")
  if f_divergence_type != "reverse_kl" and not set(types) <= set(_F_DIVERGENCE_TYPES):
    raise core.option_error(name, "f_divergence_type", f"{f_divergence_type!r} applies to the "
                            f"types {_F_DIVERGENCE_TYPES} only (TRL), got {types}")
  smoothed = [t for t in types if t in _SMOOTHED] + (["sigmoid"] if conservative and "sigmoid" in types else [])
  if conservative and "sigmoid" not in types:
    raise core.option_error(name, "conservative", f"is cDPO's sigmoid smoothing; {types} has no 'sigmoid'")
  if not smoothed and not core.static_equals(label_smoothing, 0):
    hint = (" (TRL 1.16 ignores it for 'sigmoid'; conservative=True applies it as cDPO, as TRL "
            "≤ 0.2x did)" if "sigmoid" in types else "")
    raise core.option_error(name, "label_smoothing", f"got {label_smoothing}, but none of "
                            f"{types} reads it: it is read by {_SMOOTHED} and cDPO{hint}")
  if "exo_pair" in types and core.static_equals(label_smoothing, 0):
    raise core.option_error(name, "label_smoothing", "exo_pair needs ε > 0 (log ε is its "
                            "target's log-probability; the EXO paper recommends 1e-3)")
  if "sft" in types and chosen_lengths is None:
    raise core.option_error(name, "chosen_lengths", "loss_type 'sft' is the chosen completions' "
                            "token mean: give their token counts")
  aot = [t for t in types if t.startswith("aot")]
  if aot and len(aot) < len(types) and where is not None:
    raise core.option_error(name, "where", f"{types} adds per-rank values ({aot}) to per-pair "
                            "ones: with a mask their slots differ; combine them without `where` "
                            "or call dpo_loss once per kind")
  if chosen_weights is not None and aot:
    raise core.option_error(name, "chosen_weights", "WPO weights do not apply to the aot types, "
                            "which pair examples by rank (TRL raises too)")

  pairs = [("chosen_logps", chosen_logps), ("rejected_logps", rejected_logps)]
  given = [(k, v) for k, v in optional.items() if v is not None]
  keep, arrays = _pairs.logps(name, where, *pairs, *given,
                              fill={k: 1.0 for k, _ in given if k.endswith(("lengths", "weights"))})
  got = dict(zip([k for k, _ in pairs + given], arrays))
  c, r = got["chosen_logps"], got["rejected_logps"]
  c0, r0 = got.get("ref_chosen_logps", jnp.zeros_like(c)), got.get("ref_rejected_logps", jnp.zeros_like(r))
  n_c = n_r = None
  if "chosen_lengths" in got:
    n_c = _pairs.lengths(name, "chosen_lengths", got["chosen_lengths"], keep)
  if "rejected_lengths" in got:
    n_r = _pairs.lengths(name, "rejected_lengths", got["rejected_lengths"], keep)
  for arg in ("chosen_weights", "rejected_weights"):
    if arg in got:
      _pairs.check_weights(name, arg, got[arg], keep)
  d_c, d_r = c - c0, r - r0
  s_c = _f_score(d_c, f_divergence_type, f_alpha_divergence_coef)
  s_r = _f_score(d_r, f_divergence_type, f_alpha_divergence_coef)
  delta = s_c - s_r
  b, eps = beta, label_smoothing
  pair_weight = None
  if "chosen_weights" in got:
    pair_weight = lax.stop_gradient(got["chosen_weights"] * got["rejected_weights"])

  # The aot types' values are per rank: the kept pairs fill the first ranks of both sorted batches.
  ranks = None if keep is None or not aot else jnp.arange(c.shape[0]) < jnp.sum(keep)
  loss = None
  for kind, weight in zip(types, weights):
    part = _loss_of_type(kind, b, eps, conservative, discopop_tau, delta, d_c, d_r, s_c, s_r,
                         c, r, c0, r0, n_c, n_r, keep, ranks)
    if pair_weight is not None:
      part = part * pair_weight
    part = part if weight == 1.0 else part * weight
    loss = part if loss is None else loss + part
  loss = _pairs.poison_nan_data(loss, *(got.get(k) for k in ("chosen_lengths", "rejected_lengths",
                                                             "chosen_weights", "rejected_weights")))
  loss = core.reduce_loss(name, loss, reduction, keep if ranks is None else ranks)
  return _pairs.with_rewards(loss, (b * d_c, b * d_r) if return_rewards else None, keep)


def _loss_of_type(kind, b, eps, conservative, tau, delta, d_c, d_r, s_c, s_r, c, r, c0, r0,
                  n_c, n_r, keep, ranks):
  """One loss type's per-pair value (TRL 1.16 ``DPOTrainer._compute_loss``, one branch each)."""
  if kind == "sigmoid":
    return _pairs.smoothed_sigmoid(b * delta, eps if conservative else 0.0)
  if kind == "hinge":
    return core.hinge_strict(1.0 - b * delta)  # torch.relu: no gradient at the kink
  if kind in ("ipo", "sigmoid_norm"):
    # Length-normalised scores: TRL divides each summed score by its completion's token
    # count, floored at 1.
    norm = ((s_c if n_c is None else s_c / jnp.maximum(n_c, 1.0))
            - (s_r if n_r is None else s_r / jnp.maximum(n_r, 1.0)))
    if kind == "ipo":
      return jnp.square(norm - 1.0 / (2.0 * b))
    return -core.log_sigmoid(b * norm)
  if kind == "exo_pair":
    z = b * delta
    return (jax.nn.sigmoid(z) * (core.log_sigmoid(z) - jnp.log1p(-eps))
            + jax.nn.sigmoid(-z) * (core.log_sigmoid(-z) - jnp.log(eps)))
  if kind == "robust":
    return (-core.log_sigmoid(b * delta) * (1.0 - eps)
            + core.log_sigmoid(-b * delta) * eps) / (1.0 - 2.0 * eps)
  if kind == "bco_pair":
    return -core.log_sigmoid(b * d_c) - core.log_sigmoid(-b * d_r)
  if kind == "sppo_hard":
    return jnp.square(d_c - 0.5 / b) + jnp.square(d_r + 0.5 / b)
  if kind == "nca_pair":
    return (-core.log_sigmoid(b * d_c) - 0.5 * core.log_sigmoid(-b * d_c)
            - 0.5 * core.log_sigmoid(-b * d_r))
  if kind in ("aot", "aot_unpaired", "aot_pair"):
    # Optimal transport between the two sorted batches: the k-th smallest with the k-th.
    first, second = (c - r, c0 - r0) if kind == "aot" else (d_c, d_r)
    ranked = _masked_sort(first, keep) - _masked_sort(second, keep)
    if ranks is not None:  # past the kept count both sorted batches hold +inf: no value there
      ranked = jnp.where(ranks, ranked, jnp.zeros_like(ranked))
    return _pairs.smoothed_sigmoid(b * ranked, eps)
  if kind == "apo_zero":
    return 1.0 - jax.nn.sigmoid(b * d_c) + jax.nn.sigmoid(b * d_r)
  if kind == "apo_down":
    return jax.nn.sigmoid(b * d_c) + 1.0 - jax.nn.sigmoid(b * (d_c - d_r))
  if kind == "discopop":
    z = b * delta
    m = jax.nn.sigmoid(z / tau)
    return -core.log_sigmoid(z) * (1.0 - m) + jnp.exp(-z) * m
  # sft: the chosen completions' mean token NLL over the (kept) batch, every pair's value.
  return jnp.broadcast_to(_pairs.token_nll(c, n_c, keep), c.shape)


def _masked_sort(x: Array, keep: Array | None) -> Array:
  """Sorts the kept values ascending; masked ones go last (as +inf)."""
  return jnp.sort(x if keep is None else jnp.where(keep, x, jnp.inf))


def length_desensitized_logps(
    chosen_token_logps: ArrayLike,
    rejected_token_logps: ArrayLike,
    chosen_where: ArrayLike | None = None,
    rejected_where: ArrayLike | None = None,
    *,
    ld_alpha: float,
) -> tuple[Array, Array]:
  r"""LD-DPO's per-sequence log-probabilities: the shared length in full, the rest times α.

  For each pair, with $\ell = \min(n_c, n_r)$ the shorter completion's token count,
  each completion's log-probability is the sum over its first $\ell$ completion tokens plus
  ``ld_alpha`` times the sum over the others (Liu et al. 2024), as TRL 1.16's
  ``DPOTrainer`` computes it with ``ld_alpha`` set (for the policy and the reference alike:
  call this for both). Pass the results to `dpo_loss`; ``ld_alpha=1`` gives the plain sums.

  Args:
    chosen_token_logps: ``[N, T]`` per-token log-probabilities of the chosen completions.
    rejected_token_logps: ``[N, T']`` the same for the rejected completions.
    chosen_where: optional ``[N, T]`` completion mask (default: every token).
    rejected_where: optional ``[N, T']`` completion mask.
    ld_alpha: α in [0, 1], the weight of the tokens past the shared length.

  Returns:
    ``(chosen_logps, rejected_logps)``, each ``[N]``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> c = jnp.array([[-1.0, -2.0, -3.0]]); r = jnp.array([[-0.5, -0.5, 0.0]])
    >>> rmask = jnp.array([[True, True, False]])
    >>> lc, lr = lj.length_desensitized_logps(c, r, None, rmask, ld_alpha=0.5)
    >>> print(f"{float(lc[0]):.2f} {float(lr[0]):.2f}")
    -4.50 -1.00

  References: Liu et al., "Length Desensitization in Direct Preference Optimization"
  (2024); TRL ``DPOTrainer._compute_loss`` (trl/trainer/dpo_trainer.py, 1.16.0, lines
  1303-1315).
  """
  name = "length_desensitized_logps"
  alpha = Float(0.0, 1.0).validate(name, "ld_alpha", ld_alpha)
  sides = []
  for arg, x, keep in (("chosen_token_logps", chosen_token_logps, chosen_where),
                       ("rejected_token_logps", rejected_token_logps, rejected_where)):
    x = core.as_array(name, arg, x)
    core.check_float(name, arg, x)
    core.check_rank(name, arg, x, 2, " [N, T] (completions, tokens)")
    if keep is None:
      keep = jnp.ones(x.shape, bool)
    else:
      where_arg = arg.replace("token_logps", "where")
      keep = core.as_array(name, where_arg, keep)
      if keep.dtype != jnp.bool_:
        raise ValueError(f"{name}: argument `{where_arg}` has dtype {keep.dtype}, expected bool")
      core.check_shape(name, where_arg, keep, x.shape, f" ({arg}'s)")
    sides.append((x, keep))
  (c, kc), (r, kr) = sides
  core.check_shape(name, "rejected_token_logps", r, c.shape[:1] + r.shape[1:],
                   " (one row per pair: the chosen completions' count)")
  shared = jnp.minimum(jnp.sum(kc, axis=1), jnp.sum(kr, axis=1))[:, None]

  def weighted(x, keep):
    position = jnp.cumsum(keep, axis=1)  # 1 at the first completion token
    w = jnp.where(position <= shared, 1.0, alpha).astype(x.dtype)
    return jnp.sum(jnp.where(keep, x * w, 0), axis=1)

  return weighted(c, kc), weighted(r, kr)


def _ex_dpo(rng):
  lengths = tuple(rng.integers(1, 30, size=(8,)).astype(np.float64) for _ in range(2))
  weights = tuple(rng.uniform(0.1, 1.0, size=(8,)) for _ in range(2))
  return (*_pairs_example(rng), *lengths, *weights), {
      "beta": 0.5, "loss_type": ("robust", "sigmoid_norm"), "loss_weights": (1.0, 0.5),
      "label_smoothing": 0.1}


def _pairs_example(rng, ref=True, mean=False):
  scale = 1.0 if mean else 10.0
  c, r = -rng.uniform(0.2, 2.0, size=(8,)) * scale, -rng.uniform(0.2, 2.0, size=(8,)) * scale
  if not ref:
    return (c, r)
  return (c, r, c + rng.normal(size=(8,)) * 0.3 * scale, r + rng.normal(size=(8,)) * 0.3 * scale)


_PAIRS = ("chosen_logps", "rejected_logps")


SPECS = [
    LossSpec(dpo_loss, None, _ex_dpo,
             differentiable=_PAIRS, batched=(*_PAIRS, "ref_chosen_logps", "ref_rejected_logps",
                                             "chosen_lengths", "rejected_lengths",
                                             "chosen_weights", "rejected_weights"),
             unbounded=(*_PAIRS, "ref_chosen_logps", "ref_rejected_logps"),
             bad_options={"loss_type": "kto", "beta": 0.0, "label_smoothing": 0.5},
             source="Rafailov et al. 2023; TRL DPOTrainer (1.16.0)"),
]
