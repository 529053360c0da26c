"""Fixture cases at the edges that torch (and MONAI) accept, from issue #14.

- torch's OpInfo samples (torch/testing/_internal/common_methods_invocations.py,
  sample_inputs_multi_margin_loss and sample_inputs_multilabel_margin_loss):
  an unbatched ``(C,)`` input with a ``(1,)`` target, and 0-d input and target;
- scikit-learn's range for msle_loss: values in (-1, 0) are defined;
- dice_loss and jaccard_loss against MONAI 1.6.1 run for real
  (``pip install --no-deps monai==1.6.1`` beside torch==2.13.0 to regenerate):
  ``monai.losses.DiceLoss(softmax=True, to_onehot_y=True, jaccard=...)`` on
  the channel-first layout.

The cases are appended after each loss's own cases, so no existing seed moves.
"""

from __future__ import annotations

import numpy as np
from torchref import TORCH_REFERENCES, Case

#: generate_fixtures.collect: these cases go after each loss's own cases and the tutorials' (1).
APPENDS = 2


def _fixed(*args, **kwargs):
  def build(rng):
    return [(n, np.array(v)) for n, v in args], dict(kwargs)
  return build


def _monai(jaccard):
  def reference(input, target, *, smooth_nr=1e-5, smooth_dr=1e-5, include_background=True,
                batch=False, reduction="mean"):
    from monai.losses import DiceLoss

    loss = DiceLoss(include_background=include_background, to_onehot_y=True, softmax=True,
                    jaccard=jaccard, smooth_nr=smooth_nr, smooth_dr=smooth_dr, batch=batch,
                    reduction=reduction)
    # lossjax's default layout [N, ..., C] -> MONAI's [N, C, ...]; class maps get a channel.
    out = loss(input.movedim(-1, 1), target[:, None])
    return out.reshape(out.shape[:2]) if reduction == "none" else out
  return reference


TORCH_REFERENCES["dice_loss"] = _monai(jaccard=False)
TORCH_REFERENCES["jaccard_loss"] = _monai(jaccard=True)


def _maps(n, h, w, c, **kw):
  def build(rng):
    return [("input", rng.normal(size=(n, h, w, c)) * 2),
            ("target", rng.integers(0, c, size=(n, h, w)))], dict(kw)
  return build


def _above_minus_one(shape):
  def build(rng):
    return [("input", rng.uniform(-0.99, 2.0, size=shape)),
            ("target", rng.uniform(-0.99, 2.0, size=shape))], {}
  return build


_OVERLAP_CASES = [
    Case("monai/default", _maps(2, 4, 3, 3)),
    Case("monai/smooth_1", _maps(3, 3, 3, 4, smooth_nr=1.0, smooth_dr=1.0)),
    Case("monai/no_background", _maps(2, 3, 4, 3, include_background=False)),
    Case("monai/batch", _maps(2, 3, 3, 3, batch=True, smooth_nr=0.5, smooth_dr=0.5),
         reductions=("mean", "sum")),
]

CASES = {
    "multi_margin_loss": [
        Case("opinfo/unbatched_target_of_one",
             _fixed(("input", [0.1, 0.9, -0.3, 0.4, 0.2]), ("target", [1]), p=2)),
        Case("opinfo/scalar", _fixed(("input", 0.7), ("target", 0))),
    ],
    "multilabel_margin_loss": [
        Case("opinfo/scalar", _fixed(("input", 0.7), ("target", 0))),
    ],
    "msle_loss": [
        Case("sklearn/above_minus_one", _above_minus_one((5, 3)), grad_args=("input", "target")),
    ],
    "dice_loss": list(_OVERLAP_CASES),
    "jaccard_loss": list(_OVERLAP_CASES),
}
