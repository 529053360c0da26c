"""Fixture cases for rnnt_loss: a float64 PyTorch transcription of torchaudio's rnnt_loss.

torchaudio is not served for torch 2.13, so its semantics are transcribed (torchaudio 2.11.0):
- functional.py lines 1747-1796: the signature, blank=-1 resolved as V - 1 (lines 1786-1787),
  "mean" = costs.mean() over the batch (lines 1791-1792);
- rnnt/cpu/cpu_kernels.h lines 103-117 (log-probs: log_softmax when fused, the input as given
  otherwise), 176-194 (the alpha recursion and the final blank at each sequence's own
  (T - 1, U)), 353-358 / 380-385 (clamp: each sequence's gradient clipped elementwise when
  clamp > 0);
- functional.py lines 1730-1734: the backward multiplies the stored, clamped per-sequence
  gradient by the upstream gradient.
The recursion's gradient is torch autograd's (torchaudio's closed form, cpu_kernels.h lines
326-389, equals it; checked against a brute-force sum over alignments in tests/test_sequence.py).
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case, reduce_masked


def _sequence_cost(lp, y, t_len, u_len, blank):
  import torch

  skip = lp[:t_len, :u_len + 1, blank]
  emit = lp[:t_len, :u_len].gather(-1, y[:u_len].long().view(1, -1, 1).expand(t_len, u_len, 1))
  emit = emit.squeeze(-1)
  alpha = [[None] * (u_len + 1) for _ in range(t_len)]
  alpha[0][0] = lp.new_zeros(())
  for t in range(1, t_len):
    alpha[t][0] = alpha[t - 1][0] + skip[t - 1, 0]
  for u in range(1, u_len + 1):
    alpha[0][u] = alpha[0][u - 1] + emit[0, u - 1]
  for t in range(1, t_len):
    for u in range(1, u_len + 1):
      alpha[t][u] = torch.logaddexp(alpha[t - 1][u] + skip[t - 1, u],
                                    alpha[t][u - 1] + emit[t, u - 1])
  return -(alpha[t_len - 1][u_len] + skip[t_len - 1, u_len])


def _costs(logits, targets, logit_lengths, target_lengths, blank, fused):
  import torch

  lp = torch.log_softmax(logits, -1) if fused else logits
  return torch.stack([_sequence_cost(lp[i], targets[i], int(logit_lengths[i]),
                                     int(target_lengths[i]), blank)
                      for i in range(logits.shape[0])])


def _torch_rnnt(logits, targets, logit_lengths, target_lengths, *, blank=-1, clamp=-1.0,
                fused_log_softmax=True, reduction="mean", where=None):
  import torch

  blank = blank + logits.shape[-1] if blank < 0 else blank

  class Clamped(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
      with torch.enable_grad():
        z = x.detach().requires_grad_(True)
        costs = _costs(z, targets, logit_lengths, target_lengths, blank, fused_log_softmax)
        (g,) = torch.autograd.grad(costs.sum(), z)
      ctx.save_for_backward(g.clamp(-clamp, clamp))
      return costs.detach()

    @staticmethod
    def backward(ctx, dy):
      (g,) = ctx.saved_tensors
      return g * dy.view(-1, 1, 1, 1)

  if clamp > 0:
    costs = Clamped.apply(logits)
  else:
    costs = _costs(logits, targets, logit_lengths, target_lengths, blank, fused_log_softmax)
  return reduce_masked(costs, reduction, where)


TORCH_REFERENCES["rnnt_loss"] = _torch_rnnt


def _rnnt(n, t, u, v, *, t_lens, u_lens, blank=-1, where=None, **kw):
  def build(rng):
    b = blank + v if blank < 0 else blank
    labels = [c for c in range(v) if c != b]
    opts = dict(kw, blank=blank)
    if where is not None:
      opts["where"] = np.asarray(where)
    return [("logits", rng.normal(size=(n, t, u + 1, v)) * 1.5),
            ("targets", rng.choice(labels, size=(n, u))),
            ("logit_lengths", np.asarray(t_lens)), ("target_lengths", np.asarray(u_lens))], opts
  return build


_G = ("logits",)
CASES = {
    "rnnt_loss": [
        Case("ragged_defaults", _rnnt(3, 5, 3, 6, t_lens=[5, 2, 4], u_lens=[3, 1, 0]),
             grad_args=_G),
        # More labels than frames: several labels per frame.
        Case("blank0_u_over_t", _rnnt(2, 2, 4, 5, t_lens=[2, 1], u_lens=[4, 3], blank=0),
             grad_args=_G),
        Case("clamped", _rnnt(3, 4, 2, 5, t_lens=[4, 4, 3], u_lens=[2, 1, 2], clamp=0.02),
             grad_args=_G),
        Case("log_probs_given_masked", _rnnt(3, 4, 2, 4, t_lens=[4, 3, 2], u_lens=[2, 2, 1],
                                             fused_log_softmax=False, where=[True, False, True]),
             grad_args=_G),
    ],
}
