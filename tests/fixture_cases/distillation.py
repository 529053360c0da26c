"""Fixture cases for the distillation losses: their sources' formulas in torch.

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


TORCH_REFERENCES["kd_loss"] = _torch_kd
TORCH_REFERENCES["generalized_jsd_loss"] = _torch_jsd
TORCH_REFERENCES["tvd_loss"] = _torch_tvd


def _logits(shape, masked=False, **kw):
  def build(rng):
    kwargs = dict(kw)
    if masked:
      kwargs["where"] = rng.uniform(size=shape[:-1]) < 0.7
    return [("student_logits", rng.normal(size=shape) * 2.0),
            ("teacher_logits", rng.normal(size=shape) * 2.0)], kwargs
  return build


_GRADS = ("student_logits", "teacher_logits")
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
    "tvd_loss": [
        Case("default", _logits((8, 11)), grad_args=_GRADS),
        Case("temperature_masked", _logits((3, 5, 9), masked=True, temperature=2.0),
             grad_args=_GRADS),
    ],
}
