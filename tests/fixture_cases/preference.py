"""Fixture cases of the preference family (`lossjax/preference/`): TRL 1.16.0's own code, run.

The generator installs ``trl==1.16.0`` beside ``torch==2.13.0`` (it keeps that
torch) and calls the trainers' loss code on instances made with
``object.__new__`` and the attributes it reads: ``DPOTrainer._compute_loss``
and ``KTOTrainer._compute_loss`` with a stub model that returns given per-token
log-probabilities, ``CPOTrainer.get_batch_loss_metrics`` with a stub model that
returns logits with those log-probabilities, ``ORPOTrainer.odds_ratio_loss``.
Each reference below says how the lossjax arguments become TRL's inputs. The
one v0.25.0 transcription kept is conservative DPO (``conservative=True``),
which TRL 1.16 no longer has (tag v0.25.0, commit 55f5433e).
"""

from __future__ import annotations

import numpy as np
from fixture_cases._trl import Model, Outputs, make_trainer
from torchref import TORCH_REFERENCES, Case


def _reduce(loss, reduction):
  return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


def _v025_cdpo(chosen_logps, rejected_logps, ref_chosen_logps=None, ref_rejected_logps=None, *,
               beta=0.1, label_smoothing=0.0, reduction="mean", **_):
  """trl/trainer/dpo_trainer.py (v0.25.0) `dpo_loss`, lines 1077-1109 (the log-ratios,
  reference-free without a reference) and 1114-1118 (loss_type="sigmoid": conservative DPO)."""
  import torch
  import torch.nn.functional as F

  if ref_chosen_logps is None:
    ref_chosen_logps = torch.zeros_like(chosen_logps)
    ref_rejected_logps = torch.zeros_like(rejected_logps)
  logits = (chosen_logps - rejected_logps) - (ref_chosen_logps - ref_rejected_logps)
  b, ls = beta, label_smoothing
  return _reduce(-F.logsigmoid(b * logits) * (1 - ls) - F.logsigmoid(-b * logits) * ls, reduction)


def _token_layout(per_sequence, lengths):
  """Per-token log-probabilities [M, T] whose masked sums are `per_sequence` (the whole value
  on each completion's first token, 0 on the others: gradients reach the sequence's value
  unchanged) and TRL's completion mask [M, T + 1] (position 0 is the prompt)."""
  import torch

  m = per_sequence.shape[0]
  n = torch.ones(m, dtype=torch.long) if lengths is None else lengths.round().long()
  t = max(int(n.max()), 1)  # a completion of 0 tokens: its value must be 0 (nothing to sum)
  tokens = torch.cat([per_sequence[:, None], per_sequence.new_zeros(m, t - 1)], dim=1)
  positions = torch.arange(t)[None, :]
  mask = torch.cat([torch.zeros(m, 1, dtype=torch.long), (positions < n[:, None]).long()], dim=1)
  return tokens, mask, n


def _trl_dpo(chosen_logps, rejected_logps, ref_chosen_logps=None, ref_rejected_logps=None,
             chosen_lengths=None, rejected_lengths=None, chosen_weights=None,
             rejected_weights=None, *, beta=0.1, loss_type="sigmoid", loss_weights=None,
             label_smoothing=0.0, conservative=False, discopop_tau=0.05,
             f_divergence_type="reverse_kl", f_alpha_divergence_coef=0.5, reduction="mean"):
  """TRL 1.16.0 `DPOTrainer._compute_loss` (trl/trainer/dpo_trainer.py lines 1285-1497), run.

  The batch is [chosen, rejected]; the stub model's per-token log-probabilities sum to the
  given values over completions of the given lengths (1 token without lengths, so TRL's
  ipo/sigmoid_norm divide by 1: the inputs are then the token means), the reference's come
  precomputed (`precompute_ref_log_probs`; zeros for reference-free DPO). WPO's weights are
  produced by TRL's own formula (lines 1484-1492) from `log_sum_sq_probs` chosen so that
  exp(mean_t(log p_t - log_sum_sq_t)) is the given weight. TRL returns the mean only."""
  import torch
  from trl.trainer.dpo_trainer import DPOTrainer

  if conservative:
    return _v025_cdpo(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps,
                      beta=beta, label_smoothing=label_smoothing, reduction=reduction)
  if reduction != "mean":
    raise ValueError("TRL's DPOTrainer returns the mean over pairs only")
  types = [loss_type] if isinstance(loss_type, str) else list(loss_type)
  types = ["aot_unpaired" if t == "aot_pair" else t for t in types]  # TRL 1.x's name for it
  logps = torch.cat([chosen_logps, rejected_logps])
  lengths = None if chosen_lengths is None else torch.cat([chosen_lengths, rejected_lengths])
  tokens, completion_mask, n = _token_layout(logps, lengths)
  log_sum_sq = None
  if chosen_weights is not None:
    w = torch.cat([chosen_weights, rejected_weights])
    log_sum_sq = torch.cat([(logps - n * torch.log(w))[:, None],
                            tokens.new_zeros(tokens.shape[0], tokens.shape[1] - 1)], dim=1)
  if ref_chosen_logps is None:
    ref_chosen_logps, ref_rejected_logps = torch.zeros_like(chosen_logps), torch.zeros_like(rejected_logps)
  trainer = make_trainer(
      DPOTrainer, Model(Outputs(tokens, log_sum_sq)), ld_alpha=None, precompute_ref_logps=True,
      f_divergence_type=f_divergence_type, f_alpha_divergence_coef=f_alpha_divergence_coef,
      loss_types=types, loss_weights=list(loss_weights or [1.0] * len(types)), beta=beta,
      label_smoothing=label_smoothing, use_weighting=chosen_weights is not None,
      args=type("Args", (), {"discopop_tau": discopop_tau})())
  inputs = {"input_ids": torch.zeros_like(completion_mask), "attention_mask": torch.ones_like(completion_mask),
            "completion_mask": completion_mask, "ref_chosen_logps": ref_chosen_logps,
            "ref_rejected_logps": ref_rejected_logps}
  return trainer._compute_loss(trainer.model, inputs, return_outputs=False)


def _cpo_stub_logits(per_sequence, lengths):
  """Logits [M, T + 1, 2] whose log-softmax at label 0 is each completion's per-token share of
  `per_sequence` (the value over its length on each of its tokens; token logits 0 and
  log(expm1(-l)), so log p = l exactly), labels [M, T + 1] (-100 on the prompt and padding)."""
  import torch

  m = per_sequence.shape[0]
  n = lengths.round().long().clamp(min=1)
  t = int(n.max())
  share = (per_sequence / n)[:, None].expand(m, t)
  other = torch.log(torch.expm1(-share))
  logits = torch.stack([torch.zeros_like(share), other], dim=-1)
  logits = torch.cat([logits, logits.new_zeros(m, 1, 2)], dim=1)  # the last position predicts nothing
  labels = torch.full((m, t + 1), -100, dtype=torch.long)
  labels[:, 1:][torch.arange(t)[None, :] < n[:, None]] = 0
  return logits, labels


def _trl_cpo(chosen_logps, rejected_logps, chosen_lengths=None, *, beta=0.1, loss_type="sigmoid",
             label_smoothing=0.0, simpo_gamma=0.5, alpha=0.0, cpo_alpha=1.0, reduction="mean"):
  """TRL 1.16.0 `CPOTrainer.get_batch_loss_metrics` (trl/experimental/cpo/cpo_trainer.py lines
  865-890) with `concatenated_forward` (792-863: the chosen NLL by `nn.CrossEntropyLoss`, the
  log-probabilities by `get_batch_logps`, averaged for ipo and simpo) and `cpo_loss` (678-750),
  run on a stub model whose logits give each chosen and rejected completion the given
  log-probability (for ipo/simpo the given mean: the sum is mean times length). Rejected
  completions have the chosen ones' lengths."""
  import torch
  from trl.experimental.cpo.cpo_trainer import CPOTrainer

  if reduction != "mean":
    raise ValueError("TRL's CPOTrainer returns the mean over pairs only")
  if loss_type == "alphapo":
    # trl/experimental/cpo/cpo_config.py lines 175-179, run: the config's own rewrite.
    from trl.experimental.cpo.cpo_config import CPOConfig

    config = object.__new__(CPOConfig)
    config.loss_type, config.cpo_alpha = loss_type, cpo_alpha
    try:
      config.__post_init__()
    except Exception:  # the rest of TRL's post-init (training arguments) needs a full config
      pass
    loss_type, cpo_alpha = config.loss_type, config.cpo_alpha
  n = torch.ones_like(chosen_logps) if chosen_lengths is None else chosen_lengths
  average = loss_type in ("ipo", "simpo")
  sums = torch.cat([chosen_logps * n, rejected_logps * n]) if average else torch.cat(
      [chosen_logps, rejected_logps])
  logits, labels = _cpo_stub_logits(sums, torch.cat([n, n]))
  model = Model(type("Out", (), {"logits": logits, "aux_loss": None})())
  m = chosen_logps.shape[0]
  trainer = make_trainer(CPOTrainer, model, is_encoder_decoder=False, pad_token_id=0, beta=beta,
                     label_smoothing=label_smoothing, loss_type=loss_type, cpo_alpha=cpo_alpha,
                     simpo_gamma=simpo_gamma, alpha=alpha)
  trainer.concatenated_inputs = lambda batch, **_: {
      "concatenated_input_ids": torch.zeros_like(labels), "concatenated_attention_mask": torch.ones_like(labels),
      "concatenated_labels": labels}
  batch = {"chosen_labels": labels[:m]}
  loss, _ = trainer.get_batch_loss_metrics(model, batch)
  return loss


def _trl_orpo(chosen_logps, rejected_logps, *, beta=0.1, reduction="mean"):
  """TRL 1.16.0 `ORPOTrainer.odds_ratio_loss` (trl/experimental/orpo/orpo_trainer.py lines
  670-702), run; negated, as TRL's total is `policy_nll_loss - losses.mean()` (line 848). TRL
  casts the log-probabilities to float32 (lines 691-692): its float64 results are float32's."""
  from trl.experimental.orpo.orpo_trainer import ORPOTrainer

  trainer = make_trainer(ORPOTrainer, beta=beta)
  losses = trainer.odds_ratio_loss(chosen_logps, rejected_logps)[0]
  return _reduce(-losses.to(chosen_logps.dtype), reduction)


def _trl_kto(logps, ref_logps, desirable, kl, *, beta=0.1, desirable_weight=1.0,
             undesirable_weight=1.0, loss_type="kto", reduction="mean"):
  """TRL 1.16.0 `KTOTrainer._compute_loss` (trl/trainer/kto_trainer.py lines 1370-1550), run with
  a stub model (per-token log-probabilities summing to `logps`), precomputed reference
  log-probabilities, and the KL estimate's inputs (`_compute_kl_logps`, `ref_KL_logps`) chosen
  so that their mean difference is `kl` (TRL clamps it at 0 and detaches it, lines 1450-1451).
  TRL orders the per-example losses chosen first: "none" is put back in the input order."""
  import torch
  from trl.trainer.kto_trainer import KTOTrainer

  tokens, completion_mask, _ = _token_layout(logps, None)
  trainer = make_trainer(KTOTrainer, Model(Outputs(tokens)), precompute_ref_logps=True,
                     calculate_KL=loss_type == "kto", beta=beta, loss_type=loss_type,
                     desirable_weight=desirable_weight, undesirable_weight=undesirable_weight)
  trainer._compute_kl_logps = lambda model, batch: kl.reshape(1)
  label = desirable.bool()
  batch = {"input_ids": torch.zeros_like(completion_mask), "attention_mask": torch.ones_like(completion_mask),
           "completion_mask": completion_mask, "label": label, "ref_logps": ref_logps,
           "ref_KL_logps": torch.zeros(1, dtype=kl.dtype)}
  if reduction == "mean":
    return trainer._compute_loss(trainer.model, batch, return_outputs=False)
  # TRL's per-example losses (chosen, then rejected), from the same code with the mean taken
  # apart: nanmean over a one-example batch is that example's loss.
  per_example = torch.stack([
      _trl_kto(logps[i:i + 1], ref_logps[i:i + 1], desirable[i:i + 1], kl, beta=beta,
               desirable_weight=desirable_weight, undesirable_weight=undesirable_weight,
               loss_type=loss_type) for i in range(logps.shape[0])])
  return _reduce(per_example, reduction)


def _trl_simpo(chosen_logps, rejected_logps, *, beta=0.1, gamma=0.5, label_smoothing=0.0,
               reduction="mean"):
  """TRL 1.16.0 `CPOTrainer.cpo_loss` with loss_type="simpo" (trl/experimental/cpo/cpo_trainer.py
  lines 678-750), run: SimPO is CPO without the NLL (cpo_alpha=0)."""
  from trl.experimental.cpo.cpo_trainer import CPOTrainer

  trainer = make_trainer(CPOTrainer, beta=beta, label_smoothing=label_smoothing, loss_type="simpo",
                     simpo_gamma=gamma, alpha=0.0)
  return _reduce(trainer.cpo_loss(chosen_logps, rejected_logps)[0], reduction)


def _pairs(n=10, ref=True, mean=False, lengths=False, weights=False, **kw):
  def build(rng):
    scale = 1.0 if mean else 10.0
    c = -rng.uniform(0.2, 2.0, size=(n,)) * scale
    r = -rng.uniform(0.2, 2.0, size=(n,)) * scale
    args = [("chosen_logps", c), ("rejected_logps", r)]
    if ref:
      args += [("ref_chosen_logps", c + rng.normal(size=(n,)) * 0.3 * scale),
               ("ref_rejected_logps", r + rng.normal(size=(n,)) * 0.3 * scale)]
    if lengths or weights:
      args += [("chosen_lengths", rng.integers(1, 30, size=(n,)).astype(np.float64)),
               ("rejected_lengths", rng.integers(1, 30, size=(n,)).astype(np.float64))]
    if weights:
      args += [("chosen_weights", rng.uniform(0.05, 1.0, size=(n,))),
               ("rejected_weights", rng.uniform(0.05, 1.0, size=(n,)))]
    return args, dict(kw)
  return build


def _cpo_pairs(n=10, mean=False, **kw):
  def build(rng):
    scale = 1.0 if mean else 10.0
    return [("chosen_logps", -rng.uniform(0.2, 2.0, size=(n,)) * scale),
            ("rejected_logps", -rng.uniform(0.2, 2.0, size=(n,)) * scale),
            ("chosen_lengths", rng.integers(1, 30, size=(n,)).astype(np.float64))], dict(kw)
  return build


def _unpaired(n=12, **kw):
  def build(rng):
    lp = -rng.uniform(2.0, 20.0, size=(n,))
    return [("logps", lp), ("ref_logps", lp + rng.normal(size=(n,))),
            ("desirable", rng.uniform(size=(n,)) < 0.5),
            ("kl", np.asarray(rng.uniform(-0.2, 0.5)))], dict(kw)
  return build


_PAIR_GRADS = ("chosen_logps", "rejected_logps")


_ALL_GRADS = (*_PAIR_GRADS, "ref_chosen_logps", "ref_rejected_logps")


#: Every loss type of TRL 1.16's DPOTrainer (and aot_pair, its old name for aot_unpaired).
_DPO_TYPES = ("sigmoid", "robust", "exo_pair", "hinge", "ipo", "bco_pair", "sppo_hard", "nca_pair",
              "aot", "aot_unpaired", "aot_pair", "apo_zero", "apo_down", "discopop", "sft",
              "sigmoid_norm")


def _dpo_case(t, **kw):
  types = (t,) if isinstance(t, str) else t
  kw.setdefault("beta", 0.5)
  if set(types) & {"robust", "exo_pair", "aot", "aot_unpaired", "aot_pair"}:
    kw.setdefault("label_smoothing", 0.15)
  lengths = kw.pop("lengths", False) or bool(set(types) & {"ipo", "sigmoid_norm", "sft"})
  return _pairs(loss_type=t, lengths=lengths, **kw)


TORCH_REFERENCES["dpo_loss"] = _trl_dpo
TORCH_REFERENCES["cpo_loss"] = _trl_cpo
TORCH_REFERENCES["simpo_loss"] = _trl_simpo
TORCH_REFERENCES["orpo_loss"] = _trl_orpo
TORCH_REFERENCES["kto_loss"] = _trl_kto

_MEAN = ("mean",)


CASES = {
    "dpo_loss": [
        *[Case(t, _dpo_case(t), grad_args=_ALL_GRADS, reductions=_MEAN) for t in _DPO_TYPES],
        Case("ipo_token_means", _pairs(mean=True, beta=0.5, loss_type="ipo"), grad_args=_ALL_GRADS,
             reductions=_MEAN),
        Case("exo_pair_1e-3", _dpo_case("exo_pair", label_smoothing=1e-3), grad_args=_ALL_GRADS,
             reductions=_MEAN),
        Case("reference_free", _pairs(ref=False, beta=0.3), grad_args=_PAIR_GRADS, reductions=_MEAN),
        Case("discopop_tau", _pairs(beta=0.1, loss_type="discopop", discopop_tau=0.5),
             grad_args=_ALL_GRADS, reductions=_MEAN),
        *[Case(f"{f}_{t}", _dpo_case(t, beta=0.2, f_divergence_type=f), grad_args=_ALL_GRADS,
               reductions=_MEAN)
          for f in ("forward_kl", "js_divergence") for t in ("sigmoid", "ipo", "sigmoid_norm", "hinge")],
        Case("alpha_divergence", _dpo_case("sigmoid", beta=0.2, f_divergence_type="alpha_divergence",
                                           f_alpha_divergence_coef=0.3), grad_args=_ALL_GRADS,
             reductions=_MEAN, dtypes=("float32",)),
        Case("wpo_sigmoid", _dpo_case("sigmoid", weights=True), grad_args=_ALL_GRADS, reductions=_MEAN),
        Case("wpo_ipo_sigmoid_norm", _dpo_case(("ipo", "sigmoid_norm"), weights=True), grad_args=_ALL_GRADS,
             reductions=_MEAN),
        Case("mpo_weights", _dpo_case(("sigmoid", "bco_pair", "sft"), lengths=True,
                                      loss_weights=(0.8, 0.2, 1.0)),
             grad_args=_ALL_GRADS, reductions=_MEAN),
        Case("sigmoid_robust_aot", _dpo_case(("sigmoid", "robust", "aot"), label_smoothing=0.1,
                                             loss_weights=(1.0, 0.5, 0.25)),
             grad_args=_ALL_GRADS, reductions=_MEAN),
        Case("cdpo_v025", _pairs(beta=0.2, loss_type="sigmoid", label_smoothing=0.15, conservative=True),
             grad_args=_ALL_GRADS),
    ],
    "cpo_loss": [
        *[Case(t, _cpo_pairs(mean=t in ("ipo", "simpo"), beta=0.3, loss_type=t), grad_args=_PAIR_GRADS,
               reductions=_MEAN) for t in ("sigmoid", "hinge", "ipo", "simpo")],
        Case("smoothed_alphapo", _cpo_pairs(beta=0.2, label_smoothing=0.1, alpha=0.05, cpo_alpha=0.5),
             grad_args=_PAIR_GRADS, reductions=_MEAN),
        Case("alphapo", _cpo_pairs(mean=True, beta=2.0, loss_type="alphapo", alpha=0.25),
             grad_args=_PAIR_GRADS, reductions=_MEAN),
        Case("simpo_no_nll", _cpo_pairs(mean=True, beta=2.0, loss_type="simpo", simpo_gamma=1.2,
                                        cpo_alpha=0.0), grad_args=_PAIR_GRADS, reductions=_MEAN),
    ],
    "simpo_loss": [
        Case("default", _pairs(ref=False, mean=True), grad_args=_PAIR_GRADS),
        Case("paper_scale", _pairs(ref=False, mean=True, beta=2.5, gamma=1.4, label_smoothing=0.1),
             grad_args=_PAIR_GRADS),
    ],
    "orpo_loss": [
        Case("default", _pairs(ref=False, mean=True), grad_args=_PAIR_GRADS),
        Case("beta", _pairs(ref=False, mean=True, beta=0.5), grad_args=_PAIR_GRADS),
    ],
    "kto_loss": [
        Case("kto", _unpaired(beta=0.5, desirable_weight=1.3, undesirable_weight=0.7),
             grad_args=("logps", "ref_logps")),
        Case("apo_zero_unpaired", _unpaired(loss_type="apo_zero_unpaired"),
             grad_args=("logps", "ref_logps")),
    ],
}
