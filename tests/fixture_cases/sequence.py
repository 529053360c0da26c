"""Fixture cases of the sequence family (`lossjax/sequence/`).

Fixture cases for rnnt_loss: a float64 PyTorch transcription of torchaudio's rnnt_loss.

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
326-389, equals it; checked against a brute-force sum over alignments in tests/sequence/test_ctc_and_rnnt.py).

Fixture cases for ctc_loss against torch 2.13's F.ctc_loss.

`log_probs` is stored as logits and passed through log_softmax on both sides
(Case.transforms): torch's CTC gradient is exp(lp) - gamma, which equals the
true gradient -gamma only after log_softmax, so gradients are compared wrt the
logits. Impossible alignments with zero_infinity=False give inf in both; their
gradients are not compared (torch's are NaN there, lossjax's are finite).
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


LOG_SOFTMAX = {"log_probs": "log_softmax"}


def _ctc(t, n, c, s, *, blank=0, concat=False, lengths=None, repeat=False, unbatched=False, **kw):
  def build(rng):
    logits = rng.normal(size=(t, n, c)) * 2
    labels = [x for x in range(c) if x != blank]
    targets = rng.choice(labels, size=(n, s))
    if repeat:
      targets[:, 1] = targets[:, 0]  # a repeated label needs a blank between
    if lengths is None:
      in_len = rng.integers(max(1, t - 4), t + 1, size=n)
      tg_len = rng.integers(1, s + 1, size=n)
    else:
      in_len, tg_len = (np.asarray(v) for v in lengths)
    kwargs = {"blank": blank, **kw}
    if unbatched:
      return [("log_probs", logits[:, 0]), ("targets", targets[0, : tg_len[0]]),
              ("input_lengths", np.asarray(in_len[0])), ("target_lengths", np.asarray(tg_len[0]))], kwargs
    if concat:
      targets = np.concatenate([targets[i, : tg_len[i]] for i in range(n)])
    return [("log_probs", logits), ("targets", targets), ("input_lengths", in_len),
            ("target_lengths", tg_len)], kwargs
  return build


def case(id_, build, grads=True):
  return Case(id_, build, grad_args=("log_probs",) if grads else (), transforms=LOG_SOFTMAX)


TORCH_REFERENCES["rnnt_loss"] = _torch_rnnt


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
    "ctc_loss": [
        case("padded", _ctc(12, 4, 6, 4)),
        case("concatenated", _ctc(12, 4, 6, 4, concat=True)),
        case("unbatched", _ctc(10, 1, 5, 3, unbatched=True)),
        case("blank_last", _ctc(12, 3, 6, 4, blank=5)),
        case("blank_middle", _ctc(10, 3, 5, 3, blank=2, concat=True)),
        case("repeated_labels", _ctc(10, 3, 5, 4, repeat=True)),
        case("empty_target", _ctc(8, 3, 4, 2, lengths=([8, 5, 6], [0, 2, 1]))),
        # Targets longer than their inputs (repeats need extra frames): impossible.
        case("infeasible_zero_infinity", _ctc(6, 3, 5, 5, repeat=True, zero_infinity=True,
                                              lengths=([6, 3, 6], [2, 4, 5]))),
        case("infeasible", _ctc(6, 3, 5, 5, lengths=([6, 3, 4], [2, 4, 5])), grads=False),
        case("longer_sequences", _ctc(40, 2, 8, 12)),
    ],
}
