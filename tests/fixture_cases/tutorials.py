"""Fixture cases holding the examples of the PyTorch tutorials users learn from.

The inputs are the tutorials' own numbers (four public PyTorch loss tutorials: the tensors
they build, or the tensors they print, to the four decimals printed), so the
porting notebook (notebooks/porting_from_pytorch.ipynb) can show each
tutorial's PyTorch line and its lossjax line giving the same number, from
these fixtures. The cases add to each loss's other cases (generate_fixtures
appends them after the loss's own module's cases, so existing seeds and
numbers do not move). Ids start with "tutorial/".
"""

from __future__ import annotations

import numpy as np
from torchref import Case


def _fixed(*args, **kwargs):
  """A build that ignores the rng: the tutorial's exact inputs."""

  def build(rng):
    return [(n, np.array(v)) for n, v in args], dict(kwargs)
  return build


def _sigmoid(z):
  return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


#: generate_fixtures.collect: these cases go after each loss's own module's cases.
APPENDS = True

_I64 = np.int64
_BOTH = ("input", "target")

# Printed by a regression/classification tutorial (torch.randn inputs, shown to 4 decimals).
_L1_IN = [[-1.1755, 1.5283, -0.7174, -1.3634, -0.3620, -1.2202],
          [-0.1568, 0.2724, 0.8901, -0.8379, -0.3100, -0.4176],
          [0.4500, 0.8241, 0.5357, 0.4286, 1.9292, -2.2875],
          [1.4657, -0.6260, 1.0961, 1.7617, -0.7118, 1.3014]]
_L1_TG = [[1.4000, -0.6161, 0.4187, -0.8206, 0.9031, 0.2457],
          [2.3506, -0.0032, 2.6048, 0.1283, -1.4994, 1.9908],
          [2.1236, 1.4097, -0.1516, 0.8269, 1.5431, 0.2846],
          [0.0561, 0.0031, 1.0905, -0.8874, 2.4385, 0.7125]]
_MSE_IN = [[-1.0470, -1.5886, 1.1301, -0.5288, -0.3676],
           [-0.2339, 0.6762, 0.5807, 0.2500, -0.7708]]
_MSE_TG = [[-0.5139, 0.0780, -0.2450, 0.7559, 1.2605],
           [-0.4927, -0.5196, 1.9237, 1.5240, 0.2913]]
_NLL_IN = [[0.2630, 1.6641, 0.4839, -0.1320, 1.2639],
           [0.5138, -0.5355, 0.7273, 0.7598, 1.5475],
           [1.0940, 0.1302, 0.0469, 0.7980, 1.1153]]
_CE_IN = [[0.1988, -1.1513, -0.6530, -0.5703, 1.2801],
          [0.6243, -0.2132, -0.4043, -1.3649, 0.9426],
          [0.9512, -0.6280, 0.6304, 0.4150, -1.1580]]

# A quick-reference tutorial's hand-written examples.
_THREE = [[2.0, 0.5, 0.3], [0.1, 3.0, 0.2], [0.2, 0.1, 4.0]]
_RAW = [2.0, -1.0, 0.5, -3.0]
_BIN = [1.0, 0.0, 1.0, 0.0]
_PRED = [2.5, 0.5, 2.0, 8.0]
_TRUE = [3.0, -0.5, 2.0, 7.0]

CASES = {
    "cross_entropy": [
        Case("tutorial/one_sample_4_1_2", _fixed(("input", [[4.0, 1.0, 2.0]]),
                                                 ("target", np.array([0], _I64)))),
        Case("tutorial/three_confident", _fixed(("input", _THREE),
                                                ("target", np.array([0, 1, 2], _I64)))),
        Case("tutorial/three_confident_smoothing",
             _fixed(("input", _THREE), ("target", np.array([0, 1, 2], _I64)),
                    label_smoothing=0.1)),
        Case("tutorial/randn_3x5", _fixed(("input", _CE_IN), ("target", np.array([3, 3, 0], _I64)))),
    ],
    "nll_loss": [
        # The tutorial feeds nn.LogSoftmax(dim=1)(input): stored raw, log_softmax on both sides.
        Case("tutorial/log_softmax_3x5",
             _fixed(("input", _NLL_IN), ("target", np.array([1, 0, 4], _I64))),
             transforms={"input": "log_softmax"}),
    ],
    "binary_cross_entropy": [
        Case("tutorial/p07_label1", _fixed(("input", [0.7]), ("target", [1.0]))),
        Case("tutorial/sigmoid_of_logits", _fixed(("input", _sigmoid(_RAW)), ("target", _BIN))),
    ],
    "binary_cross_entropy_with_logits": [
        Case("tutorial/logits", _fixed(("input", _RAW), ("target", _BIN))),
        Case("tutorial/logits_pos_weight_10",
             _fixed(("input", _RAW), ("target", _BIN), pos_weight=np.array([10.0]))),
    ],
    "hinge_embedding_loss": [
        # torch broadcasts the tutorial's [2] labels against the [2, 2] input (so the
        # labels pair with columns); lossjax takes them at the input's shape.
        Case("tutorial/labels_broadcast_over_rows",
             _fixed(("input", [[0.5, 0.7], [-0.3, -0.9]]), ("target", [[1.0, -1.0], [1.0, -1.0]]),
                    margin=1.0)),
    ],
    "multilabel_margin_loss": [
        # The tutorial passes a multi-hot-looking [1, 0, 1, 0]: torch reads it as the class
        # indices 1, 0, 1, 0 (no -1 terminator), so classes 0 and 1 are targets, twice each.
        Case("tutorial/indices_1_0_1_0",
             _fixed(("input", [[0.1, 0.2, 0.4, 0.8]]), ("target", np.array([[1, 0, 1, 0]], _I64)))),
    ],
    "mse_loss": [
        Case("tutorial/four_values", _fixed(("input", _PRED), ("target", _TRUE)), grad_args=_BOTH),
        Case("tutorial/randn_2x5", _fixed(("input", _MSE_IN), ("target", _MSE_TG)), grad_args=_BOTH),
    ],
    "l1_loss": [
        Case("tutorial/four_values", _fixed(("input", _PRED), ("target", _TRUE)), grad_args=_BOTH),
        Case("tutorial/randn_4x6", _fixed(("input", _L1_IN), ("target", _L1_TG)), grad_args=_BOTH),
    ],
    "smooth_l1_loss": [
        Case("tutorial/four_values", _fixed(("input", _PRED), ("target", _TRUE)), grad_args=_BOTH),
    ],
    "triplet_margin_loss": [
        Case("tutorial/two_triplets",
             _fixed(("anchor", [[1.0, 0.0, 0.5], [0.2, 0.9, -0.3]]),
                    ("positive", [[0.9, 0.1, 0.4], [0.1, 0.7, 0.1]]),
                    ("negative", [[0.8, 0.3, 0.6], [-0.5, 0.2, 0.9]])),
             grad_args=("anchor", "positive", "negative")),
    ],
    "cosine_embedding_loss": [
        Case("tutorial/similar_and_dissimilar",
             _fixed(("input1", [[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]]),
                    ("input2", [[1.5, 2.5, 2.0], [0.5, 1.0, 0.8]]),
                    ("target", [1.0, -1.0]), margin=0.2),
             grad_args=("input1", "input2")),
    ],
    "kl_div": [
        # log-probabilities of the model against target probabilities, per row.
        Case("tutorial/two_rows",
             _fixed(("input", np.log([[0.7, 0.2, 0.1], [0.25, 0.5, 0.25]])),
                    ("target", [[0.6, 0.3, 0.1], [0.2, 0.6, 0.2]]))),
    ],
}
