"""Fixture cases of the distillation family (`lossjax/distillation/`).

Fixture cases for the distillation losses: their sources' formulas in torch.

- kd_loss: DistilBERT's distiller (huggingface/transformers-research-projects,
  distillation/distiller.py, lines 111 and 411-417): KLDivLoss(reduction="batchmean") of
  log_softmax(s/T) against softmax(t/T), times T**2, over the selected tokens.
- generalized_jsd_loss: TRL's GKDTrainer.generalized_jsd_loss
  (trl/experimental/gkd/gkd_trainer.py at 707a7172, lines 238-323), per token.
- tvd_loss: Liger Kernel's torch reference for LigerTVDLoss (test/transformers/test_tvd.py,
  lines 10-34): 0.5 * |p - q| summed over the vocabulary, "batchmean" over tokens.
Each reference returns lossjax's three reductions of the per-token values (mean over tokens =
batchmean); `where` selects tokens as the references' label masks do.
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case


def _tokens(student, teacher, where, temperature):
  import torch.nn.functional as F

  s = student.reshape(-1, student.shape[-1])
  t = teacher.reshape(-1, teacher.shape[-1])
  if where is not None:
    s, t = s[where.reshape(-1)], t[where.reshape(-1)]
  return F.log_softmax(s / temperature, dim=-1), F.log_softmax(t / temperature, dim=-1)


def _reduce(per_token, reduction, shape, where):
  import torch

  if reduction == "sum":
    return per_token.sum()
  if reduction == "mean":
    return per_token.sum() / max(per_token.shape[0], 1)
  out = torch.zeros(int(torch.tensor(shape).prod()), dtype=per_token.dtype)
  if where is None:
    return per_token.reshape(shape)
  out = out.masked_scatter(where.reshape(-1), per_token)
  return out.reshape(shape)


def _torch_kd(student_logits, teacher_logits, *, temperature=1.0, direction="forward",
              temperature_squared=True, where=None, reduction="mean"):
  import torch.nn.functional as F

  log_q, log_p = _tokens(student_logits, teacher_logits, where, temperature)
  if direction == "reverse":
    log_q, log_p = log_p, log_q
  # KLDivLoss(reduction="none")(input=log q, target=p), summed over the vocabulary per token.
  per_token = F.kl_div(log_q, log_p.exp(), reduction="none").sum(-1)
  if temperature_squared:
    per_token = per_token * temperature**2
  return _reduce(per_token, reduction, student_logits.shape[:-1], where)


def _torch_jsd(student_logits, teacher_logits, *, beta=0.5, temperature=1.0, where=None,
               reduction="mean"):
  import torch
  import torch.nn.functional as F

  student_log_probs, teacher_log_probs = _tokens(student_logits, teacher_logits, where,
                                                 temperature)
  if beta == 0:
    jsd = F.kl_div(student_log_probs, teacher_log_probs, reduction="none", log_target=True)
  elif beta == 1:
    jsd = F.kl_div(teacher_log_probs, student_log_probs, reduction="none", log_target=True)
  else:
    b = torch.tensor(beta, dtype=student_log_probs.dtype)
    mixture_log_probs = torch.logsumexp(
        torch.stack([student_log_probs + torch.log1p(-b), teacher_log_probs + torch.log(b)]), dim=0)
    kl_teacher = F.kl_div(mixture_log_probs, teacher_log_probs, reduction="none", log_target=True)
    kl_student = F.kl_div(mixture_log_probs, student_log_probs, reduction="none", log_target=True)
    jsd = b * kl_teacher + (1 - b) * kl_student
  return _reduce(jsd.sum(-1), reduction, student_logits.shape[:-1], where)


def _torch_tvd(student_logits, teacher_logits, *, temperature=1.0, where=None, reduction="mean"):
  log_q, log_p = _tokens(student_logits, teacher_logits, where, temperature)
  per_token = (0.5 * (log_p.exp() - log_q.exp()).abs()).sum(-1)
  return _reduce(per_token, reduction, student_logits.shape[:-1], where)


def _trl_add_tail_bucket(lp):
  """TRL trl/experimental/server_distillation (f2cd5771) `_add_tail_bucket`, lines 71-81."""
  import torch

  log_sum = torch.logsumexp(lp, dim=-1, keepdim=True).clamp(max=-1e-7)
  tail = torch.log(-torch.expm1(log_sum))
  return torch.cat([lp, tail], dim=-1)


def _torch_topk(student_logits, teacher_logprobs, teacher_indices, *, temperature=1.0,
                tail="bucket", direction="forward", temperature_squared=False, where=None,
                reduction="mean"):
  """tail="bucket": TRL ServerDistillationTrainer, lines 320-327 and 516-545 (student
  log_softmax(s / T) gathered at the teacher's ids, both sides through _add_tail_bucket,
  KL(teacher || student) over the K + 1 buckets). "renormalize": MaxText
  distillation_utils.py (e591f30c) lines 502-547 (softmax of the teacher's top-k / T against
  log_softmax of the student's logits at the same ids / T). "none": verl-recipe
  gkd/megatron/megatron_distill_losses.py (48ea0a79) lines 47-129, the truncated sum."""
  import torch
  import torch.nn.functional as F

  s = student_logits.reshape(-1, student_logits.shape[-1])
  lp = teacher_logprobs.reshape(-1, teacher_logprobs.shape[-1])
  ids = teacher_indices.reshape(-1, teacher_indices.shape[-1])
  if where is not None:
    m = where.reshape(-1)
    s, lp, ids = s[m], lp[m], ids[m]
  if tail == "renormalize":
    log_p = F.log_softmax(lp / temperature, dim=-1)
    log_q = F.log_softmax(torch.gather(s, -1, ids) / temperature, dim=-1)
  else:
    log_p = lp
    log_q = torch.gather(F.log_softmax(s / temperature, dim=-1), -1, ids)
    if tail == "bucket":
      log_p, log_q = _trl_add_tail_bucket(log_p), _trl_add_tail_bucket(log_q)
  if direction == "reverse":
    log_p, log_q = log_q, log_p
  per_token = (log_p.exp() * (log_p - log_q)).sum(-1)
  if temperature_squared:
    per_token = per_token * temperature**2
  return _reduce(per_token, reduction, student_logits.shape[:-1], where)


def _logits(shape, masked=False, **kw):
  def build(rng):
    kwargs = dict(kw)
    if masked:
      kwargs["where"] = rng.uniform(size=shape[:-1]) < 0.7
    return [("student_logits", rng.normal(size=shape) * 2.0),
            ("teacher_logits", rng.normal(size=shape) * 2.0)], kwargs
  return build


def _topk(shape, k, masked=False, **kw):
  def build(rng):
    kwargs = dict(kw)
    if masked:
      kwargs["where"] = rng.uniform(size=shape[:-1]) < 0.7
    t = rng.normal(size=shape) * 2.0
    log_t = t - np.log(np.sum(np.exp(t), axis=-1, keepdims=True))
    idx = np.argsort(-t, axis=-1)[..., :k]  # the teacher's top k, most likely first
    return [("student_logits", rng.normal(size=shape) * 2.0),
            ("teacher_logprobs", np.take_along_axis(log_t, idx, -1)),
            ("teacher_indices", idx)], kwargs
  return build


_GRADS = ("student_logits", "teacher_logits")


TORCH_REFERENCES["kd_loss"] = _torch_kd
TORCH_REFERENCES["generalized_jsd_loss"] = _torch_jsd
TORCH_REFERENCES["topk_kd_loss"] = _torch_topk
TORCH_REFERENCES["tvd_loss"] = _torch_tvd


CASES = {
    "kd_loss": [
        Case("t1", _logits((8, 11)), grad_args=_GRADS),
        Case("hinton_t4", _logits((8, 11), temperature=4.0), grad_args=_GRADS),
        Case("reverse", _logits((8, 11), temperature=2.0, direction="reverse"), grad_args=_GRADS),
        Case("no_t2_masked", _logits((3, 5, 9), masked=True, temperature=2.0,
                                     temperature_squared=False), grad_args=_GRADS),
    ],
    "generalized_jsd_loss": [
        Case("beta_half", _logits((8, 11)), grad_args=_GRADS),
        Case("beta_0_forward_kl", _logits((8, 11), beta=0.0), grad_args=_GRADS),
        Case("beta_1_reverse_kl", _logits((8, 11), beta=1.0), grad_args=_GRADS),
        Case("beta_0.9_temperature_masked", _logits((3, 5, 9), masked=True, beta=0.9,
                                                    temperature=0.7), grad_args=_GRADS),
    ],
    "topk_kd_loss": [
        Case("trl_tail_bucket", _topk((8, 11), 4), grad_args=("student_logits",)),
        Case("trl_tail_t2_masked", _topk((3, 5, 9), 3, masked=True, temperature=2.0),
             grad_args=("student_logits",)),
        Case("reverse_bucket", _topk((8, 11), 5, direction="reverse"),
             grad_args=("student_logits",)),
        Case("maxtext_renormalize", _topk((8, 11), 4, tail="renormalize", temperature=1.5,
                                          temperature_squared=True),
             grad_args=("student_logits",)),
        Case("verl_truncated", _topk((8, 11), 4, tail="none"), grad_args=("student_logits",)),
    ],
    "tvd_loss": [
        Case("default", _logits((8, 11)), grad_args=_GRADS),
        Case("temperature_masked", _logits((3, 5, 9), masked=True, temperature=2.0),
             grad_args=_GRADS),
    ],
}
