"""Fixture cases for ctc_loss against torch 2.13's F.ctc_loss.

`log_probs` is stored as logits and passed through log_softmax on both sides
(Case.transforms): torch's CTC gradient is exp(lp) - gamma, which equals the
true gradient -gamma only after log_softmax, so gradients are compared wrt the
logits. Impossible alignments with zero_infinity=False give inf in both; their
gradients are not compared (torch's are NaN there, lossjax's are finite).
"""

from __future__ import annotations

import numpy as np
from torchref import Case

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


CASES = {
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
    ]
}
