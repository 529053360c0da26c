"""From optax and Keras to lossjax: the mapping, as data.

Each row holds one call in optax or Keras 3 and the lossjax call that gives the
same numbers, both as code over named example inputs, and what differs. One
list drives three things, so they cannot drift apart:

* tests/test_migration.py evaluates both sides of every row on random inputs
  (float64) and checks values and gradients (optax and Keras 3 run for real);
* docs/migration.md, written by ``python -m lossjax._migration`` (a test
  checks that it is current);
* ``python -m lossjax migrate NAME``, which prints the rows for a name.

The code strings use ``optax``, ``keras``, ``lj`` (lossjax), ``jax``, ``jnp``, ``np``
and the inputs of the row's input set (`INPUTS`): arrays, float hyperparameters (passed as
0-d arrays) and integer axes (passed as Python ints).
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import numpy as np


@dataclasses.dataclass(frozen=True)
class Row:
  """One call in another library and its lossjax equivalent.

  Attributes:
    library: "optax" or "keras".
    name: the other library's public name (``optax.losses.hinge_loss``,
      ``keras.losses.Hinge``).
    theirs: their call, as code.
    ours: the lossjax call, as code.
    inputs: the input set (a key of `INPUTS`) both calls read.
    grad: the input gradients are compared with respect to.
    note: what differs (defaults, argument order, layout, edge cases).
    new: the lossjax loss was added for this row (it had no equivalent).
  """

  library: str
  name: str
  theirs: str
  ours: str
  inputs: str
  grad: str
  note: str = ""
  new: bool = False


def _softmax(x, axis=-1):
  e = np.exp(x - x.max(axis=axis, keepdims=True))
  return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def _classes(rng):
  logits = rng.normal(size=(6, 5)) * 2.0
  labels = rng.integers(0, 5, size=6)
  return {"logits": logits, "labels": labels, "labels_n1": labels[:, None],
          "onehot": np.eye(5)[labels],
          "soft": rng.dirichlet(np.full(5, 2.0), size=6), "probs": _softmax(logits),
          "sample_weight": rng.uniform(0.2, 2.0, size=6), "epsilon": 0.7,
          "int_onehot": np.eye(5, dtype=np.int64)[labels],
          "class_mask": _class_mask(rng, labels), "rows": np.arange(6) != 2}


def _class_mask(rng, labels):
  # optax's `where` of the logits' shape masks classes: each label's class kept, row 4 all masked
  mask = (rng.uniform(size=(6, 5)) < 0.6) | (np.arange(5) == labels[:, None])
  mask[4] = False
  return mask


def _class_axis(rng):
  # optax's `axis=1`: the classes on the middle axis of [4, 5, 6] logits
  return {"logits": rng.normal(size=(4, 5, 6)) * 2.0, "labels": rng.integers(0, 5, size=(4, 6)),
          "soft": np.moveaxis(rng.dirichlet(np.full(5, 2.0), size=(4, 6)), -1, 1), "axis": 1}


def _binary(rng):
  logits = rng.normal(size=(6, 4)) * 2.0
  labels = (rng.uniform(size=(6, 4)) < 0.5).astype(np.float64)
  edge = _sigmoid(logits)
  edge[0, :2], edge[1, :2] = 0.0, 1.0  # probabilities exactly 0 and 1 (Keras clips them)
  return {"logits": logits, "labels": labels, "signs": 2.0 * labels - 1.0,
          "soft": rng.uniform(size=(6, 4)), "probs": _sigmoid(logits), "edge_probs": edge,
          "sample_weight": rng.uniform(0.2, 2.0, size=6), "alpha": 0.4, "gamma": 1.5}


def _regression(rng):
  return {"preds": rng.normal(size=(6, 4)) * 2.0, "targets": rng.normal(size=(6, 4)) * 2.0,
          "positive_preds": rng.uniform(0.1, 3.0, size=(6, 4)),
          "positive_targets": rng.uniform(0.1, 3.0, size=(6, 4)),
          "counts": rng.poisson(2.0, size=(6, 4)).astype(np.float64),
          "small_targets": np.where(rng.uniform(size=(6, 4)) < 0.3, 0.0,
                                    rng.uniform(0.1, 3.0, size=(6, 4))),
          "sample_weight": rng.uniform(0.2, 2.0, size=6),
          "sample_weight_n1": rng.uniform(0.2, 2.0, size=(6, 1)), "delta": 1.5,
          "elem_mask": rng.uniform(size=(6, 4)) < 0.7,
          "axis": 0, "int_preds": rng.integers(-5, 6, size=(6, 4)),
          "int_targets": rng.integers(-5, 6, size=(6, 4))}


def _distributions(rng):
  log_preds = np.log(rng.dirichlet(np.full(5, 2.0), size=6))
  return {"log_preds": log_preds, "preds": np.exp(log_preds),
          "targets": rng.dirichlet(np.full(5, 2.0), size=6),
          "log_targets": np.log(rng.dirichlet(np.full(5, 2.0), size=6)),
          "positive_targets": rng.uniform(0.1, 2.0, size=(6, 5)), "axis": 0,
          "mask": rng.uniform(size=(6, 5)) < 0.7}


def _embeddings(rng):
  group = np.array([0, 0, 0, 1, 1, 2, 2, 2, 3, 3])
  return {"anchors": rng.normal(size=(6, 8)), "positives": rng.normal(size=(6, 8)),
          "negatives": rng.normal(size=(6, 8)), "embeddings": rng.normal(size=(10, 4)),
          "group": group, "margin": 0.8}


def _unit(x):
  return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _pairs(rng):
  # Labels 2 and 4 have one sample each: those anchors have no positive (loss 0).
  return {"unit": _unit(rng.normal(size=(10, 4))), "group": np.array([0, 0, 0, 1, 1, 2, 3, 3, 3, 4]),
          "refs": _unit(rng.normal(size=(7, 4))), "ref_group": np.array([0, 1, 1, 3, 4, 4, 5])}


def _ranking(rng):
  items = rng.uniform(size=(3, 6)) < 0.8
  items[:, 0] = True
  return {"scores": rng.normal(size=(3, 6)), "relevance": rng.integers(0, 4, size=(3, 6)) * 1.0,
          "items": items, "item_weights": rng.uniform(0.5, 2.0, size=(3, 6))}


def _segmentation(rng):
  logits = rng.normal(size=(2, 5, 5, 3)) * 2.0
  labels = rng.integers(0, 3, size=(2, 5, 5))
  masks = (rng.uniform(size=(2, 5, 5, 3)) < 0.4).astype(np.float64)
  binary_logits = rng.normal(size=(2, 5, 5)) * 2.0
  int_preds = rng.integers(0, 2, size=(2, 5, 5, 3))  # thresholded predictions, as integers
  return {"logits": logits, "labels": labels, "onehot": np.eye(3)[labels],
          "probs": _sigmoid(logits), "masks": masks, "binary_logits": binary_logits,
          "binary_masks": masks[..., 0], "int_masks": masks.astype(np.int64),
          "int_preds": int_preds, "softmax_probs": _softmax(logits),
          "class_weights": rng.uniform(0.5, 2.0, size=3), "smooth": 0.7, "alpha": 0.3,
          "beta": 0.6, "logits1": logits[..., :1], "binary_masks1": masks[..., :1]}


def _ctc(rng):
  labels = rng.integers(1, 4, size=(2, 3))
  label_paddings = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
  logit_paddings = np.zeros((2, 8))
  logit_paddings[1, 6:] = 1.0
  keras_labels = np.where(label_paddings == 1.0, 0, labels)  # Keras pads with 0, its blank
  return {"logits": rng.normal(size=(2, 8, 4)), "logit_paddings": logit_paddings,
          "labels": labels, "label_paddings": label_paddings, "keras_labels": keras_labels}


#: The input sets: each builds float64 numpy inputs from a Generator.
INPUTS = {
    "classes": _classes, "binary": _binary, "regression": _regression,
    "distributions": _distributions, "embeddings": _embeddings, "pairs": _pairs,
    "ranking": _ranking,
    "segmentation": _segmentation, "ctc": _ctc, "class_axis": _class_axis,
}

_NONE = 'reduction="none"'
_OPTAX_NONE = ("optax returns the per-element (or per-vector) loss: lossjax's "
               '`reduction="none"`')
_CTC_OURS = ("lj.ctc_loss(jax.nn.log_softmax(logits).swapaxes(0, 1), labels, "
             "(1 - logit_paddings).sum(1).astype(int), (1 - label_paddings).sum(1).astype(int), "
             'reduction="none")')
# optax's `axis` names the class axis, or a tuple of them (flattened, in the order given):
# move them last and flatten them, then lossjax's classes are on the last axis.
_CLASSES_LAST = ("jnp.moveaxis({x}, axis, tuple(range(-np.size(axis), 0)) if np.ndim(axis) "
                 "else -1)")
_AXIS_NOTE = ("optax's `axis` (an int or a tuple of class axes): move the class axes last "
              "(flattened, in the order given)")
# optax's dice on masks of the logits' shape: a sigmoid for one channel, a softmax for several,
# then a dice per image and channel (lossjax's multilabel mode on those probabilities).
_OPTAX_PROBS = ("(jax.nn.softmax(logits) if logits.shape[-1] > 1 "
                "else jax.nn.sigmoid(logits))")
_OPTAX_DICE = 'mode="multilabel", from_logits=False, smooth_nr=2.0, smooth_dr=2.0'
_OPTAX_DICE_NOTE = ("with masks of the logits' shape (one-hot, soft or several labels per "
                    "pixel), optax applies a sigmoid to one channel and a softmax to several, "
                    "then one dice per image and channel: lossjax's multilabel dice on those "
                    "probabilities, averaged over the channels; optax's `smooth` s (default 1) "
                    "is `smooth_nr = smooth_dr = 2 s`")
_IGNORE_BACKGROUND = ("`ignore_background` is `include_background=False`: channel 0 left out, "
                      "after the softmax over every channel; optax ignores it for a single "
                      "channel, where lossjax refuses it, hence the condition")
_CTC_NOTE = ("optax takes batch-major logits with paddings; lossjax takes torch's time-major "
             "log-probabilities with lengths. optax's `log_epsilon=-1e5` stands for log 0")

_CLASS_MASK = ("optax's `where` of the logits' shape masks classes: out of the softmax and the "
               "sum. Give masked classes a -inf logit and a zero target, and mask the rows with "
               "no class left (optax gives them 0)")

OPTAX = [
    Row("optax", "optax.losses.binary_dice_loss",
        "optax.losses.binary_dice_loss(binary_logits, binary_masks)",
        'lj.dice_loss(binary_logits, binary_masks, mode="binary", smooth_nr=2.0, smooth_dr=2.0, '
        f'{_NONE}).mean(-1)',
        "segmentation", "binary_logits",
        "optax's `smooth` s is added as (I + s) / (mean of sums + s): lossjax's "
        "`smooth_nr = smooth_dr = 2 s`"),
    Row("optax", "optax.losses.binary_dice_loss",
        "optax.losses.binary_dice_loss(binary_logits, binary_masks, smooth=smooth)",
        'lj.dice_loss(binary_logits, binary_masks, mode="binary", smooth_nr=2 * smooth, '
        f'smooth_dr=2 * smooth, {_NONE}).mean(-1)', "segmentation", "binary_logits",
        "`smooth` s is `smooth_nr = smooth_dr = 2 s`"),
    Row("optax", "optax.losses.convex_kl_divergence",
        "optax.losses.convex_kl_divergence(log_preds, positive_targets)",
        f"lj.generalized_kl_div(log_preds, positive_targets, log_input=True, {_NONE}).sum(-1)",
        "distributions", "log_preds",
        "optax sums over the last axis; lossjax's `none` is per element: sum it"),
    Row("optax", "optax.losses.convex_kl_divergence",
        "optax.losses.convex_kl_divergence(log_preds, positive_targets, axis=axis)",
        f"lj.generalized_kl_div(log_preds, positive_targets, log_input=True, {_NONE}).sum(axis)",
        "distributions", "log_preds", "optax's deprecated name for generalized_kl_divergence"),
    Row("optax", "optax.losses.convex_kl_divergence",
        "optax.losses.convex_kl_divergence(log_preds, positive_targets, where=mask)",
        "lj.generalized_kl_div(log_preds, positive_targets, log_input=True, where=mask, "
        f"{_NONE}).sum(-1)", "distributions", "log_preds",
        "masked elements are left out of optax's sum: lossjax's `where` gives them 0"),
    Row("optax", "optax.losses.cosine_distance",
        "optax.losses.cosine_distance(preds, targets, epsilon=1e-16)",
        f"lj.cosine_similarity_loss(preds, targets, eps=1e-8, {_NONE})", "regression", "preds",
        "optax clamps each squared norm at `epsilon`, lossjax (as torch) each norm at `eps`: "
        "`eps = sqrt(epsilon)`; optax's default `epsilon=0` divides a zero vector by 0"),
    Row("optax", "optax.losses.cosine_distance",
        "optax.losses.cosine_distance(preds, targets)",
        f"lj.cosine_similarity_loss(preds, targets, eps=0.0, {_NONE})", "regression", "preds",
        "optax's default `epsilon=0` is lossjax's `eps=0` (a zero vector then gives NaN in "
        "both)"),
    Row("optax", "optax.losses.cosine_distance",
        "optax.losses.cosine_distance(preds, targets, axis=axis)",
        f"lj.cosine_similarity_loss(preds, targets, eps=0.0, axis=axis, {_NONE})",
        "regression", "preds", "the vectors along `axis`, as in optax"),
    Row("optax", "optax.losses.cosine_similarity",
        "optax.losses.cosine_similarity(preds, targets, epsilon=1e-16)",
        f"1.0 - lj.cosine_similarity_loss(preds, targets, eps=1e-8, {_NONE})",
        "regression", "preds", "a similarity, not a loss: one minus lossjax's cosine distance"),
    Row("optax", "optax.losses.cosine_distance",
        "optax.losses.cosine_distance(preds, targets, where=elem_mask)",
        "lj.cosine_similarity_loss(jnp.where(elem_mask, preds, 0.0), "
        f"jnp.where(elem_mask, targets, 0.0), eps=0.0, {_NONE})", "regression", "preds",
        "optax's `where` leaves elements out of the norms and the dot product: zero them"),
    Row("optax", "optax.losses.cosine_similarity",
        "optax.losses.cosine_similarity(preds, targets, where=elem_mask)",
        "1.0 - lj.cosine_similarity_loss(jnp.where(elem_mask, preds, 0.0), "
        f"jnp.where(elem_mask, targets, 0.0), eps=0.0, {_NONE})", "regression", "preds",
        "optax's `where` leaves elements out of the norms and the dot product: zero them"),
    Row("optax", "optax.losses.cosine_similarity", "optax.losses.cosine_similarity(preds, targets)",
        f"1.0 - lj.cosine_similarity_loss(preds, targets, eps=0.0, {_NONE})",
        "regression", "preds", "optax's default `epsilon=0` is lossjax's `eps=0`"),
    Row("optax", "optax.losses.cosine_similarity",
        "optax.losses.cosine_similarity(preds, targets, axis=axis)",
        f"1.0 - lj.cosine_similarity_loss(preds, targets, eps=0.0, axis=axis, {_NONE})",
        "regression", "preds", "the vectors along `axis`, as in optax"),
    Row("optax", "optax.losses.ctc_loss",
        "optax.losses.ctc_loss(logits, logit_paddings, labels, label_paddings)",
        _CTC_OURS, "ctc", "logits", _CTC_NOTE),
    Row("optax", "optax.losses.ctc_loss_with_forward_probs",
        "optax.losses.ctc_loss_with_forward_probs(logits, logit_paddings, labels, "
        "label_paddings)[0]", _CTC_OURS, "ctc", "logits",
        _CTC_NOTE + "; lossjax returns the loss only, not the forward probabilities"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(logits, onehot)",
        f"lj.dice_loss(logits, labels, smooth_nr=2.0, smooth_dr=2.0, {_NONE}).mean(-1)",
        "segmentation", "logits",
        "optax's `mean` is over classes, one loss per image: average lossjax's per image and "
        "class losses over the last axis; lossjax takes the class map, optax its one-hot; "
        "`smooth` s is `smooth_nr = smooth_dr = 2 s` (optax's default s = 1)"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(logits, onehot, alpha=0.3, beta=0.7, smooth=0.5, "
        "ignore_background=True)",
        "lj.tversky_loss(logits, labels, alpha=0.3, beta=0.7, smooth_nr=0.5, smooth_dr=0.5, "
        f"include_background=False, {_NONE}).mean(-1)", "segmentation", "logits",
        "optax's `alpha`/`beta` make it a Tversky loss: lossjax's `tversky_loss` (the "
        "same convention: alpha weighs false positives)"),
    Row("optax", "optax.losses.dice_loss", "optax.losses.dice_loss(logits, masks)",
        f"lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, {_NONE}).mean(-1)",
        "segmentation", "logits", _OPTAX_DICE_NOTE),
    Row("optax", "optax.losses.dice_loss", "optax.losses.dice_loss(logits, masks, smooth=smooth)",
        f"lj.dice_loss({_OPTAX_PROBS}, masks, mode=\"multilabel\", from_logits=False, "
        f"smooth_nr=2 * smooth, smooth_dr=2 * smooth, {_NONE}).mean(-1)", "segmentation",
        "logits", "`smooth` s is `smooth_nr = smooth_dr = 2 s`"),
    Row("optax", "optax.losses.dice_loss",
        'optax.losses.dice_loss(logits, masks, reduction="sum")',
        f"lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, {_NONE}).sum(-1)",
        "segmentation", "logits", "optax's `reduction` is over the classes of each image"),
    Row("optax", "optax.losses.dice_loss",
        'optax.losses.dice_loss(logits, masks, reduction="none")',
        f"lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, {_NONE})",
        "segmentation", "logits", "optax's `none`: one loss per image and class, as lossjax's"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(logits, masks, class_weights=class_weights)",
        f"(lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, {_NONE}) * class_weights[None])"
        ".mean(-1)", "segmentation", "logits",
        "optax multiplies each class's loss by its weight, then averages over the classes"),
    Row("optax", "optax.losses.dice_loss",
        'optax.losses.dice_loss(logits, masks, reduction="none", ignore_background=True)',
        f"lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, "
        f"include_background=logits.shape[-1] == 1, {_NONE})", "segmentation", "logits",
        _IGNORE_BACKGROUND),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(logits, masks, ignore_background=True)",
        f"lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, "
        f"include_background=logits.shape[-1] == 1, {_NONE}).mean(-1)", "segmentation", "logits",
        _IGNORE_BACKGROUND + "; the mean over the other channels"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(binary_logits, binary_masks1)",
        f"lj.dice_loss(jax.nn.sigmoid(binary_logits)[..., None], binary_masks1, {_OPTAX_DICE}, "
        f"{_NONE}).mean(-1)", "segmentation", "binary_logits",
        "optax gives predictions without the channel axis one (a sigmoid channel): add it"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(logits1, binary_masks)",
        f"lj.dice_loss(jax.nn.sigmoid(logits1), binary_masks[..., None], {_OPTAX_DICE}, "
        f"{_NONE}).mean(-1)", "segmentation", "logits1",
        "optax gives masks without the channel axis one: add it"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(softmax_probs, masks, apply_softmax=False)",
        f"lj.dice_loss(softmax_probs, masks, {_OPTAX_DICE}, {_NONE}).mean(-1)",
        "segmentation", "softmax_probs",
        "probabilities as given: lossjax's `from_logits=False` (optax also checks that they sum "
        "to 1)"),
    Row("optax", "optax.losses.dice_loss",
        "optax.losses.dice_loss(softmax_probs, masks, smooth=smooth, alpha=alpha, beta=beta, "
        "apply_softmax=False)",
        "lj.tversky_loss(softmax_probs, masks, alpha=alpha, beta=beta, mode=\"multilabel\", "
        f"from_logits=False, smooth_nr=smooth, smooth_dr=smooth, {_NONE}).mean(-1)",
        "segmentation", "softmax_probs",
        "`alpha` and `beta` make it lossjax's `tversky_loss` (alpha weighs false positives in "
        "both), with `smooth_nr = smooth_dr = smooth`"),
    Row("optax", "optax.losses.generalized_kl_divergence",
        "optax.losses.generalized_kl_divergence(log_preds, positive_targets)",
        f"lj.generalized_kl_div(log_preds, positive_targets, log_input=True, {_NONE}).sum(-1)",
        "distributions", "log_preds", "optax sums over the last axis"),
    Row("optax", "optax.losses.generalized_kl_divergence",
        "optax.losses.generalized_kl_divergence(log_preds, positive_targets, axis=axis)",
        f"lj.generalized_kl_div(log_preds, positive_targets, log_input=True, {_NONE}).sum(axis)",
        "distributions", "log_preds", "optax sums over `axis`"),
    Row("optax", "optax.losses.generalized_kl_divergence",
        "optax.losses.generalized_kl_divergence(log_preds, positive_targets, where=mask)",
        "lj.generalized_kl_div(log_preds, positive_targets, log_input=True, where=mask, "
        f"{_NONE}).sum(-1)", "distributions", "log_preds",
        "masked elements are left out of optax's sum: lossjax's `where` gives them 0"),
    Row("optax", "optax.losses.hinge_loss", "optax.losses.hinge_loss(logits, signs)",
        f"lj.hinge_loss(logits, signs, {_NONE})", "binary", "logits", _OPTAX_NONE, new=True),
    Row("optax", "optax.losses.huber_loss", "optax.losses.huber_loss(preds, targets)",
        f"lj.huber_loss(preds, targets, {_NONE})", "regression", "preds", _OPTAX_NONE),
    Row("optax", "optax.losses.huber_loss", "optax.losses.huber_loss(preds, targets, delta=delta)",
        f"lj.huber_loss(preds, targets, delta=delta, {_NONE})", "regression", "preds",
        _OPTAX_NONE),
    Row("optax", "optax.losses.huber_loss", "optax.losses.huber_loss(preds)",
        f"lj.huber_loss(preds, jnp.zeros_like(preds), {_NONE})", "regression", "preds",
        "optax's targets default to 0"),
    Row("optax", "optax.losses.kl_divergence", "optax.losses.kl_divergence(log_preds, targets)",
        f"lj.kl_div(log_preds, targets, {_NONE}).sum(-1)", "distributions", "log_preds",
        "optax sums over the last axis (lossjax's `batchmean` is its mean over rows)"),
    Row("optax", "optax.losses.kl_divergence",
        "optax.losses.kl_divergence(log_preds, targets, axis=axis)",
        f"lj.kl_div(log_preds, targets, {_NONE}).sum(axis)", "distributions", "log_preds",
        "optax sums over `axis`"),
    Row("optax", "optax.losses.kl_divergence",
        "optax.losses.kl_divergence(log_preds, targets, where=mask)",
        f"lj.kl_div(log_preds, targets, where=mask, {_NONE}).sum(-1)", "distributions",
        "log_preds", "masked elements are left out of optax's sum: lossjax's `where` gives them 0"),
    Row("optax", "optax.losses.kl_divergence_with_log_targets",
        "optax.losses.kl_divergence_with_log_targets(log_preds, log_targets)",
        f"lj.kl_div(log_preds, log_targets, log_target=True, {_NONE}).sum(-1)",
        "distributions", "log_preds", "optax sums over the last axis"),
    Row("optax", "optax.losses.kl_divergence_with_log_targets",
        "optax.losses.kl_divergence_with_log_targets(log_preds, log_targets, axis=axis)",
        f"lj.kl_div(log_preds, log_targets, log_target=True, {_NONE}).sum(axis)",
        "distributions", "log_preds", "optax sums over `axis`"),
    Row("optax", "optax.losses.kl_divergence_with_log_targets",
        "optax.losses.kl_divergence_with_log_targets(log_preds, log_targets, where=mask)",
        f"lj.kl_div(log_preds, log_targets, log_target=True, where=mask, {_NONE}).sum(-1)",
        "distributions", "log_preds",
        "masked elements are left out of optax's sum: lossjax's `where` gives them 0"),
    Row("optax", "optax.losses.l2_loss", "optax.losses.l2_loss(preds, targets)",
        f"0.5 * lj.mse_loss(preds, targets, {_NONE})", "regression", "preds",
        "optax's l2_loss is half the squared error"),
    Row("optax", "optax.losses.l2_loss", "optax.losses.l2_loss(preds)",
        f"0.5 * lj.mse_loss(preds, jnp.zeros_like(preds), {_NONE})", "regression", "preds",
        "optax's targets default to 0"),
    Row("optax", "optax.losses.log_cosh", "optax.losses.log_cosh(preds, targets)",
        f"lj.log_cosh_loss(preds, targets, {_NONE})", "regression", "preds", _OPTAX_NONE),
    Row("optax", "optax.losses.log_cosh", "optax.losses.log_cosh(preds)",
        f"lj.log_cosh_loss(preds, jnp.zeros_like(preds), {_NONE})", "regression", "preds",
        "optax's targets default to 0"),
    Row("optax", "optax.losses.make_fenchel_young_loss",
        "optax.losses.make_fenchel_young_loss(jax.nn.logsumexp)(logits, soft)",
        f"lj.fenchel_young_loss(logits, soft, max_fun=jax.nn.logsumexp, {_NONE})",
        "classes", "logits", "a loss with the max function as an option, not a factory",
        new=True),
    Row("optax", "optax.losses.multiclass_generalized_dice_loss",
        "optax.losses.multiclass_generalized_dice_loss(logits, onehot)",
        "lj.dice_loss(logits, labels, smooth_nr=2.0, smooth_dr=2.0, class_weights="
        "(w := 1.0 / (onehot.sum((0, 1, 2)) ** 2 + 1e-7)) / w.mean())",
        "segmentation", "logits",
        "optax weighs each class's dice loss by 1 / (volume² + 1e-7) over the whole batch, "
        "normalised to mean 1; lossjax's `generalized_dice_loss` is MONAI's (weights per "
        "image, inside one ratio): pass optax's weights as `class_weights`"),
    Row("optax", "optax.losses.multiclass_generalized_dice_loss",
        "optax.losses.multiclass_generalized_dice_loss(logits, masks)",
        f"(lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, {_NONE}) "
        "* (w := 1.0 / (masks.sum(tuple(range(masks.ndim - 1))) ** 2 + 1e-7))[None] / w.mean())"
        ".mean()",
        "segmentation", "logits",
        "with (soft or multi-label) masks of the logits' shape: the dice loss of each image and "
        "class, weighted by optax's class weights (from the whole batch's masks)"),
    Row("optax", "optax.losses.multiclass_generalized_dice_loss",
        "optax.losses.multiclass_generalized_dice_loss(logits, masks, ignore_background=True)",
        f"(lj.dice_loss({_OPTAX_PROBS}, masks, {_OPTAX_DICE}, {_NONE}) "
        "* (w := 1.0 / (masks.sum(tuple(range(masks.ndim - 1))) ** 2 + 1e-7))[None] / w.mean())"
        "[..., 1:].mean()", "segmentation", "logits",
        "`ignore_background`: the weights from every class, then channel 0 left out"),
    Row("optax", "optax.losses.multiclass_generalized_dice_loss",
        "optax.losses.multiclass_generalized_dice_loss(logits, masks, smooth=smooth)",
        f"(lj.dice_loss({_OPTAX_PROBS}, masks, mode=\"multilabel\", from_logits=False, "
        f"smooth_nr=2 * smooth, smooth_dr=2 * smooth, {_NONE}) "
        "* (w := 1.0 / (masks.sum(tuple(range(masks.ndim - 1))) ** 2 + 1e-7))[None] / w.mean())"
        ".mean()", "segmentation", "logits", "`smooth` s is `smooth_nr = smooth_dr = 2 s`"),
    Row("optax", "optax.losses.multiclass_generalized_dice_loss",
        "optax.losses.multiclass_generalized_dice_loss(softmax_probs, masks, apply_softmax=False)",
        f"(lj.dice_loss(softmax_probs, masks, {_OPTAX_DICE}, {_NONE}) "
        "* (w := 1.0 / (masks.sum(tuple(range(masks.ndim - 1))) ** 2 + 1e-7))[None] / w.mean())"
        ".mean()", "segmentation", "softmax_probs", "probabilities as given: `from_logits=False`"),
    Row("optax", "optax.losses.multiclass_hinge_loss",
        "optax.losses.multiclass_hinge_loss(logits, labels)",
        f"lj.multiclass_hinge_loss(logits, labels, {_NONE})", "classes", "logits", _OPTAX_NONE,
        new=True),
    Row("optax", "optax.losses.multiclass_perceptron_loss",
        "optax.losses.multiclass_perceptron_loss(logits, labels)",
        f"lj.multiclass_perceptron_loss(logits, labels, {_NONE})", "classes", "logits",
        _OPTAX_NONE, new=True),
    Row("optax", "optax.losses.multiclass_sparsemax_loss",
        "optax.losses.multiclass_sparsemax_loss(logits, labels)",
        f"lj.multiclass_sparsemax_loss(logits, labels, {_NONE})", "classes", "logits",
        _OPTAX_NONE + "; lossjax takes any number of leading axes (optax: exactly one)",
        new=True),
    Row("optax", "optax.losses.ntxent", "optax.losses.ntxent(embeddings, group, temperature=0.07)",
        "lj.info_nce_loss(embeddings, labels=group, temperature=0.07)", "embeddings",
        "embeddings", "the default temperature differs: optax 0.07, lossjax 0.1"),
    Row("optax", "optax.losses.perceptron_loss", "optax.losses.perceptron_loss(logits, signs)",
        f"lj.perceptron_loss(logits, signs, {_NONE})", "binary", "logits", _OPTAX_NONE, new=True),
    Row("optax", "optax.losses.poly_loss_cross_entropy",
        "optax.losses.poly_loss_cross_entropy(logits, soft)",
        f"lj.poly1_cross_entropy(logits, soft, epsilon=2.0, {_NONE})", "classes", "logits",
        "the default `epsilon` differs: optax 2, lossjax 1 (the paper's)"),
    Row("optax", "optax.losses.poly_loss_cross_entropy",
        "optax.losses.poly_loss_cross_entropy(logits, soft, epsilon=epsilon)",
        f"lj.poly1_cross_entropy(logits, soft, epsilon=epsilon, {_NONE})", "classes", "logits",
        _OPTAX_NONE),
    Row("optax", "optax.losses.poly_loss_cross_entropy",
        "optax.losses.poly_loss_cross_entropy(logits, soft, where=class_mask)",
        "lj.poly1_cross_entropy(jnp.where(class_mask, logits, -jnp.inf), "
        "jnp.where(class_mask, soft, 0.0), epsilon=2.0, where=class_mask.any(-1), "
        f"{_NONE})", "classes", "logits", _CLASS_MASK),
    Row("optax", "optax.losses.poly_loss_cross_entropy",
        "optax.losses.poly_loss_cross_entropy(logits, soft, axis=axis)",
        f"lj.poly1_cross_entropy(logits, soft, epsilon=2.0, axis=axis, {_NONE})", "class_axis",
        "logits", "optax's `axis` is lossjax's (the class axis)"),
    Row("optax", "optax.losses.ranking_softmax_loss",
        "optax.losses.ranking_softmax_loss(scores, relevance)",
        "lj.softmax_ranking_loss(scores, relevance)", "ranking", "scores",
        "optax's default `reduce_fn=jnp.mean` is lossjax's default `mean` over lists"),
    Row("optax", "optax.losses.ranking_softmax_loss",
        "optax.losses.ranking_softmax_loss(scores, relevance, reduce_fn=jnp.sum)",
        'lj.softmax_ranking_loss(scores, relevance, reduction="sum")', "ranking", "scores",
        "`reduce_fn=jnp.sum` is `reduction=\"sum\"`"),
    Row("optax", "optax.losses.ranking_softmax_loss",
        "optax.losses.ranking_softmax_loss(scores, relevance, reduce_fn=None)",
        f"lj.softmax_ranking_loss(scores, relevance, {_NONE})", "ranking", "scores",
        "`reduce_fn=None` is `reduction=\"none\"`: one loss per list"),
    Row("optax", "optax.losses.ranking_softmax_loss",
        "optax.losses.ranking_softmax_loss(scores, relevance, weights=item_weights, "
        "reduce_fn=jnp.sum)",
        'lj.softmax_ranking_loss(scores, relevance * item_weights, reduction="sum")', "ranking",
        "scores", "optax's `weights` multiply the labels: pass the product"),
    Row("optax", "optax.losses.ranking_softmax_loss",
        "optax.losses.ranking_softmax_loss(scores, relevance, where=items)",
        "lj.softmax_ranking_loss(scores, relevance, where=items)", "ranking", "scores",
        "optax reduces with `reduce_fn=jnp.mean`: lossjax's `reduction`"),
    Row("optax", "optax.losses.safe_softmax_cross_entropy",
        "optax.losses.safe_softmax_cross_entropy(logits, soft)",
        f"lj.cross_entropy(logits, soft, {_NONE})", "classes", "logits",
        "lossjax's cross-entropy is always safe at -inf logits with zero target. A "
        "deliberate difference: a positive target on a -inf logit costs inf in optax and "
        "a finite 3.4e37 (float32) in lossjax, which clips ±inf logits to a quarter of the "
        "dtype's range so every value and gradient stays finite; both are far from any "
        "plausible loss"),
    Row("optax", "optax.losses.sigmoid_binary_cross_entropy",
        "optax.losses.sigmoid_binary_cross_entropy(logits, soft)",
        f"lj.binary_cross_entropy_with_logits(logits, soft, {_NONE})", "binary", "logits",
        _OPTAX_NONE),
    Row("optax", "optax.losses.sigmoid_focal_loss", "optax.losses.sigmoid_focal_loss(logits, soft)",
        f"lj.sigmoid_focal_loss(logits, soft, alpha=-1.0, {_NONE})", "binary", "logits",
        "optax's default is no alpha weighting (`alpha=None`), lossjax's (torchvision's) "
        "alpha = 0.25: `alpha=-1` turns it off"),
    Row("optax", "optax.losses.sigmoid_focal_loss",
        "optax.losses.sigmoid_focal_loss(logits, soft, gamma=gamma)",
        f"lj.sigmoid_focal_loss(logits, soft, alpha=-1.0, gamma=gamma, {_NONE})", "binary",
        "logits", "no alpha weighting in optax by default: lossjax's `alpha=-1`"),
    Row("optax", "optax.losses.sigmoid_focal_loss",
        "optax.losses.sigmoid_focal_loss(logits, soft, alpha=alpha)",
        f"lj.sigmoid_focal_loss(logits, soft, alpha=alpha, {_NONE})", "binary", "logits",
        _OPTAX_NONE),
    Row("optax", "optax.losses.sigmoid_focal_loss",
        "optax.losses.sigmoid_focal_loss(logits, soft, alpha=alpha, gamma=gamma)",
        f"lj.sigmoid_focal_loss(logits, soft, alpha=alpha, gamma=gamma, {_NONE})", "binary",
        "logits", _OPTAX_NONE),
    Row("optax", "optax.losses.smooth_labels",
        "optax.losses.softmax_cross_entropy(logits, optax.losses.smooth_labels(onehot, 0.1))",
        f"lj.cross_entropy(logits, labels, label_smoothing=0.1, {_NONE})", "classes", "logits",
        "label smoothing is cross_entropy's `label_smoothing` option (torch's), also with "
        "class indices"),
    Row("optax", "optax.losses.softmax_cross_entropy",
        "optax.losses.softmax_cross_entropy(logits, soft)",
        f"lj.cross_entropy(logits, soft, {_NONE})", "classes", "logits",
        "optax's `where` masks classes, lossjax's masks elements of the loss"),
    Row("optax", "optax.losses.softmax_cross_entropy",
        "optax.losses.softmax_cross_entropy(logits, soft, where=rows)",
        f"lj.cross_entropy(logits, soft, where=rows, {_NONE})", "classes", "logits",
        "a `where` with one value per example masks examples, as lossjax's (a masked one is 0)"),
    Row("optax", "optax.losses.softmax_cross_entropy",
        "optax.losses.softmax_cross_entropy(logits, soft, where=class_mask)",
        "lj.cross_entropy(jnp.where(class_mask, logits, -jnp.inf), "
        f"jnp.where(class_mask, soft, 0.0), where=class_mask.any(-1), {_NONE})", "classes",
        "logits", _CLASS_MASK),
    Row("optax", "optax.losses.softmax_cross_entropy",
        "optax.losses.softmax_cross_entropy(logits, soft, axis=axis)",
        f"lj.cross_entropy(logits, soft, axis=axis, {_NONE})", "class_axis", "logits",
        "optax's `axis` is lossjax's (the class axis)"),
    Row("optax", "optax.losses.softmax_cross_entropy_with_integer_labels",
        "optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels)",
        f"lj.cross_entropy(logits, labels, {_NONE})", "classes", "logits",
        "one function for class indices and probabilities; an out-of-range label gives NaN "
        "(optax: a clipped gather)"),
    Row("optax", "optax.losses.softmax_cross_entropy_with_integer_labels",
        "optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels, where=rows)",
        f"lj.cross_entropy(logits, labels, where=rows, {_NONE})", "classes", "logits",
        "a `where` with one value per example masks examples, as lossjax's (a masked one is 0)"),
    Row("optax", "optax.losses.softmax_cross_entropy_with_integer_labels",
        "optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels, "
        "where=class_mask)",
        "lj.cross_entropy(jnp.where(class_mask, logits, -jnp.inf), labels, "
        f"where=class_mask.any(-1), {_NONE})", "classes", "logits",
        _CLASS_MASK + ". A label on a masked class: optax takes its logit anyway (a finite "
        "loss), lossjax gives inf"),
    Row("optax", "optax.losses.softmax_cross_entropy_with_integer_labels",
        "optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels, axis=axis)",
        f"lj.cross_entropy({_CLASSES_LAST.format(x='logits')}.reshape(labels.shape + (-1,)), "
        f"labels, {_NONE})", "class_axis", "logits", _AXIS_NOTE),
    Row("optax", "optax.losses.sparsemax_loss", "optax.losses.sparsemax_loss(logits, labels)",
        f"lj.sparsemax_loss(logits, labels, {_NONE})", "binary", "logits",
        _OPTAX_NONE + "; labels must be 0 or 1 (optax takes any nonzero as 1)", new=True),
    Row("optax", "optax.losses.squared_error", "optax.losses.squared_error(preds)",
        f"lj.mse_loss(preds, jnp.zeros_like(preds), {_NONE})", "regression", "preds",
        "optax's targets default to 0"),
    Row("optax", "optax.losses.squared_error", "optax.losses.squared_error(preds, targets)",
        f"lj.mse_loss(preds, targets, {_NONE})", "regression", "preds", _OPTAX_NONE),
    Row("optax", "optax.losses.triplet_margin_loss",
        "optax.losses.triplet_margin_loss(anchors, positives, negatives)",
        "lj.triplet_margin_with_distance_loss(anchors, positives, negatives, distance_function="
        f"lambda x, y: jnp.sqrt(jnp.sum((x - y) ** 2, -1) + 1e-6), {_NONE})",
        "embeddings", "anchors",
        "optax adds `eps` to the sum of powers, torch (and lossjax's triplet_margin_loss) to "
        "the difference: the same distance needs triplet_margin_with_distance_loss"),
    Row("optax", "optax.losses.triplet_margin_loss",
        "optax.losses.triplet_margin_loss(anchors, positives, negatives, margin=margin)",
        "lj.triplet_margin_with_distance_loss(anchors, positives, negatives, distance_function="
        f"lambda x, y: jnp.sqrt(jnp.sum((x - y) ** 2, -1) + 1e-6), margin=margin, {_NONE})",
        "embeddings", "anchors",
        "`margin` as in optax. optax's `norm_degree` raises the differences to a power without "
        "their absolute value (odd degrees give no norm): lossjax's rows keep the default 2"),
]

_MEAN = ("Keras's default reduction, `sum_over_batch_size`, is the mean over samples of the "
         "mean over the last axis: lossjax's `mean` over elements")
_ORDER = "Keras takes `(y_true, y_pred)`, lossjax `(input, target)`"

_INT = ("Keras casts integer inputs to its float dtype, and lossjax takes floating "
        "predictions only: cast them")

KERAS = [
    Row("keras", "keras.losses.BinaryCrossentropy",
        "keras.losses.BinaryCrossentropy()(labels, probs)",
        "lj.binary_cross_entropy(probs, labels)", "binary", "probs",
        _ORDER + "; Keras clips probabilities to [1e-7, 1 - 1e-7], torch (and lossjax) "
        "clamp the log at -100"),
    Row("keras", "keras.losses.BinaryCrossentropy",
        "keras.losses.BinaryCrossentropy()(labels, edge_probs)",
        "lj.binary_cross_entropy(jnp.clip(edge_probs, 1e-7, 1 - 1e-7), labels)", "binary",
        "edge_probs",
        "at probabilities exactly 0 and 1 Keras's clip decides the number: apply it, as here, "
        "for Keras's numbers (lossjax alone gives torch's, with the log clamped at -100)"),
    Row("keras", "keras.losses.BinaryCrossentropy",
        "keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)(labels, logits)",
        "lj.binary_cross_entropy_with_logits(logits, labels * 0.9 + 0.05)", "binary", "logits",
        "Keras's `label_smoothing` ε moves the targets to t (1 - ε) + ε / 2"),
    Row("keras", "keras.losses.BinaryFocalCrossentropy",
        "keras.losses.BinaryFocalCrossentropy(from_logits=True, gamma=2.0)(labels, logits)",
        "lj.sigmoid_focal_loss(logits, labels, alpha=-1.0, gamma=2.0)", "binary", "logits",
        "Keras weighs by alpha only with `apply_class_balancing=True`"),
    Row("keras", "keras.losses.BinaryFocalCrossentropy",
        "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.25, "
        "from_logits=True, label_smoothing=0.1)(labels, logits)",
        "lj.sigmoid_focal_loss(logits, labels * 0.9 + 0.05, alpha=0.25)", "binary", "logits",
        "label smoothing as for BinaryCrossentropy: smooth the targets"),
    Row("keras", "keras.losses.CTC", "keras.losses.CTC()(keras_labels, logits)",
        "lj.ctc_loss(jax.nn.log_softmax(logits).swapaxes(0, 1), keras_labels, "
        "jnp.full(logits.shape[0], logits.shape[1]), "
        '(keras_labels != 0).sum(1), reduction="none").mean()', "ctc", "logits",
        "Keras's blank is class 0 and also pads the labels; every frame counts; its mean is "
        "over sequences, not divided by target lengths as torch's `mean`"),
    Row("keras", "keras.losses.CategoricalCrossentropy",
        "keras.losses.CategoricalCrossentropy()(soft, probs)",
        "lj.cross_entropy(jnp.log(probs), soft)", "classes", "probs",
        "Keras takes probabilities by default (`from_logits=False`): pass their log; Keras "
        "renormalises and clips them to [1e-7, 1 - 1e-7]"),
    Row("keras", "keras.losses.CategoricalCrossentropy",
        "keras.losses.CategoricalCrossentropy()(int_onehot, probs)",
        "lj.cross_entropy(jnp.log(probs), int_onehot.astype(probs.dtype))", "classes", "probs",
        "an integer one-hot target is a probability target to Keras, but class indices to "
        "lossjax (an integer target): cast it to the probabilities' dtype"),
    Row("keras", "keras.losses.CategoricalCrossentropy",
        "keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)"
        "(onehot, logits)", "lj.cross_entropy(logits, labels, label_smoothing=0.1)", "classes",
        "logits", "the same label smoothing as torch's"),
    Row("keras", "keras.losses.CategoricalFocalCrossentropy",
        "keras.losses.CategoricalFocalCrossentropy(from_logits=True)(onehot, logits)",
        "lj.softmax_focal_loss(logits, labels, alpha=0.25, gamma=2.0)", "classes", "logits",
        "Keras's defaults alpha = 0.25, gamma = 2; lossjax's default alpha is none; one-hot "
        "targets as class indices"),
    Row("keras", "keras.losses.CategoricalGeneralizedCrossEntropy",
        "keras.losses.CategoricalGeneralizedCrossEntropy(q=0.5)(labels, jax.nn.softmax(logits))",
        "lj.generalized_cross_entropy(logits, labels, q=0.5)", "classes", "logits",
        "Keras takes the softmax's probabilities, lossjax the logits before it; default q: "
        "Keras 0.5, lossjax 0.7 (the paper's)"),
    Row("keras", "keras.losses.CategoricalHinge",
        "keras.losses.CategoricalHinge()(onehot, logits)",
        "lj.categorical_hinge_loss(logits, onehot)", "classes", "logits", _ORDER, new=True),
    Row("keras", "keras.losses.Circle", "keras.losses.Circle()(group, unit)",
        "lj.circle_loss(unit, group)", "pairs", "unit",
        "both average over the anchors whose loss is not 0 (Keras masks `loss > 0`), so "
        "anchors without a positive or a negative are left out; both take the embeddings "
        "as given (L2-normalise them, or pass lossjax's `normalize=True`)", new=True),
    Row("keras", "keras.losses.Circle",
        'keras.losses.Circle(gamma=16.0, margin=0.25, remove_diagonal=False, reduction="sum")'
        "(group, unit)",
        'lj.circle_loss(unit, group, gamma=16.0, margin=0.25, remove_diagonal=False, '
        'reduction="sum")', "pairs", "unit",
        "with `remove_diagonal=False` each anchor is its own positive (distance 0)", new=True),
    Row("keras", "keras.losses.circle", "keras.losses.circle(group, unit, ref_group, refs)",
        f"lj.circle_loss(unit, group, refs, ref_group, {_NONE})", "pairs", "unit",
        "Keras's function takes `(y_true, y_pred, ref_labels, ref_embeddings)`, lossjax "
        "`(embeddings, labels, ref_embeddings, ref_labels)`; the per-anchor loss", new=True),
    Row("keras", "keras.losses.CosineSimilarity",
        "keras.losses.CosineSimilarity()(targets, preds)",
        "lj.cosine_similarity_loss(preds, targets) - 1.0", "regression", "preds",
        "Keras's loss is the negative similarity (-1 is best), lossjax's one minus it (0 is "
        "best): they differ by the constant 1"),
    Row("keras", "keras.losses.Dice", "keras.losses.Dice()(masks, probs)",
        "lj.dice_loss(probs.reshape(1, -1), masks.reshape(1, -1), mode=\"binary\", "
        "from_logits=False, smooth_nr=0.0, smooth_dr=1e-7)", "segmentation", "probs",
        "Keras's default `axis=None` pools every element of the batch into one dice, with 1e-7 "
        "in the denominator only: one binary image in lossjax"),
    Row("keras", "keras.losses.Dice", "keras.losses.Dice()(int_masks, int_preds)",
        "lj.dice_loss(int_preds.reshape(1, -1).astype(float), int_masks.reshape(1, -1), "
        "mode=\"binary\", from_logits=False, smooth_nr=0.0, smooth_dr=1e-7)", "segmentation",
        "int_preds", _INT),
    Row("keras", "keras.losses.Dice", "keras.losses.Dice(axis=(1, 2))(masks, probs)",
        "lj.dice_loss(probs, masks, mode=\"multilabel\", from_logits=False, smooth_nr=0.0, "
        "smooth_dr=1e-7)", "segmentation", "probs",
        "`axis=(1, 2)`: one dice per image and channel, as lossjax's per-image dice"),
    Row("keras", "keras.losses.Hinge", "keras.losses.Hinge()(labels, logits)",
        "lj.hinge_loss(logits, 2.0 * labels - 1.0)", "binary", "logits",
        "Keras maps {0, 1} labels to ±1 when every label is 0 or 1; lossjax takes ±1 labels",
        new=True),
    Row("keras", "keras.losses.Huber", "keras.losses.Huber(delta=1.5)(targets, preds)",
        "lj.huber_loss(preds, targets, delta=1.5)", "regression", "preds", _MEAN),
    Row("keras", "keras.losses.KLDivergence", "keras.losses.KLDivergence()(targets, preds)",
        'lj.kl_div(jnp.log(preds), targets, reduction="batchmean")', "distributions", "preds",
        "Keras takes probabilities and clips both to [1e-7, 1] (a zero target then costs "
        "1e-7 log(1e-7 / p)); lossjax (as torch) takes log-probabilities and sums each row "
        "(`batchmean`)"),
    Row("keras", "keras.losses.LogCosh", "keras.losses.LogCosh()(targets, preds)",
        "lj.log_cosh_loss(preds, targets)", "regression", "preds", _MEAN),
    Row("keras", "keras.losses.MeanAbsoluteError",
        "keras.losses.MeanAbsoluteError()(targets, preds)", "lj.l1_loss(preds, targets)",
        "regression", "preds", _MEAN),
    Row("keras", "keras.losses.MeanAbsoluteError",
        "keras.losses.MeanAbsoluteError()(int_targets, int_preds)",
        "lj.l1_loss(int_preds.astype(float), int_targets.astype(float))", "regression",
        "int_preds", _INT),
    Row("keras", "keras.losses.MeanAbsolutePercentageError",
        "keras.losses.MeanAbsolutePercentageError()(int_targets, int_preds)",
        "100.0 * lj.mape_loss(int_preds.astype(float), int_targets.astype(float), eps=1e-7)",
        "regression", "int_preds", _INT),
    Row("keras", "keras.losses.MeanAbsolutePercentageError",
        "keras.losses.MeanAbsolutePercentageError()(targets, preds)",
        "100.0 * lj.mape_loss(preds, targets, eps=1e-7)", "regression", "preds",
        "Keras's is a percentage with a 1e-7 floor; lossjax's (scikit-learn's) a fraction"),
    Row("keras", "keras.losses.MeanSquaredError",
        "keras.losses.MeanSquaredError()(targets, preds)", "lj.mse_loss(preds, targets)",
        "regression", "preds", _MEAN),
    Row("keras", "keras.losses.MeanSquaredError",
        "keras.losses.MeanSquaredError()(int_targets, int_preds)",
        "lj.mse_loss(int_preds.astype(float), int_targets.astype(float))", "regression",
        "int_preds", _INT),
    Row("keras", "keras.losses.MeanSquaredError",
        "keras.losses.MeanSquaredError()(targets, preds, sample_weight=sample_weight)",
        'jnp.mean(lj.mse_loss(preds, targets, reduction="none").mean(-1) * sample_weight)',
        "regression", "preds",
        "Keras's `sample_weight` scales each sample's mean and still divides by the batch "
        "size: average over the last axis, weight, then average"),
    Row("keras", "keras.losses.MeanSquaredError",
        "keras.losses.MeanSquaredError()(targets, preds, sample_weight=sample_weight_n1)",
        'jnp.mean(lj.mse_loss(preds, targets, reduction="none").mean(-1) '
        "* sample_weight_n1.reshape(-1))",
        "regression", "preds",
        "a `(batch, 1)` sample_weight is one weight per sample, as a `(batch,)` one: flatten it "
        "(multiplying the `(batch,)` means by it unflattened would broadcast to a matrix)"),
    Row("keras", "keras.losses.MeanSquaredError",
        'keras.losses.MeanSquaredError(reduction="sum")(targets, preds)',
        'lj.mse_loss(preds, targets, reduction="none").mean(-1).sum()', "regression", "preds",
        "Keras's `sum` adds the samples' means over the last axis"),
    Row("keras", "keras.losses.MeanSquaredError",
        "keras.losses.MeanSquaredError(reduction=None)(targets, preds)",
        'lj.mse_loss(preds, targets, reduction="none").mean(-1)', "regression", "preds",
        "Keras's `None` is per sample (the last axis averaged); lossjax's `none` per element"),
    Row("keras", "keras.losses.MeanSquaredError",
        'keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")'
        "(targets, preds, sample_weight=sample_weight)",
        "lj.mse_loss(preds, targets, weight=jnp.broadcast_to(sample_weight[:, None], "
        "preds.shape))", "regression", "preds",
        "a weighted mean (divided by the summed weights) is lossjax's `weight`"),
    Row("keras", "keras.losses.MeanSquaredLogarithmicError",
        "keras.losses.MeanSquaredLogarithmicError()(positive_targets, positive_preds)",
        "lj.msle_loss(positive_preds, positive_targets)", "regression", "positive_preds",
        "Keras clips both sides at 1e-7 first, so values below it (negative ones too) differ; "
        "lossjax (scikit-learn) takes any value above -1"),
    Row("keras", "keras.losses.MeanSquaredLogarithmicError",
        "keras.losses.MeanSquaredLogarithmicError()(small_targets, positive_preds)",
        "lj.msle_loss(jnp.maximum(positive_preds, 1e-7), jnp.maximum(small_targets, 1e-7))",
        "regression", "positive_preds",
        "with values at or below 1e-7 (zeros here) apply Keras's clip for Keras's numbers"),
    Row("keras", "keras.losses.Poisson", "keras.losses.Poisson()(counts, positive_preds)",
        "lj.poisson_nll_loss(positive_preds, counts, log_input=False, eps=1e-7)", "regression",
        "positive_preds", "Keras takes the rate; lossjax's default (torch's) is its log"),
    Row("keras", "keras.losses.SparseCategoricalCrossentropy",
        "keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)",
        "lj.cross_entropy(logits, labels)", "classes", "logits",
        "Keras's default `from_logits=False` takes probabilities: `lj.nll_loss(jnp.log(p), y)`"),
    Row("keras", "keras.losses.SparseCategoricalCrossentropy",
        "keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels_n1, logits)",
        "lj.cross_entropy(logits, labels_n1[:, 0])", "classes", "logits",
        "Keras also takes labels of shape `(N, 1)`; lossjax's are the logits' shape without "
        "the class axis: drop the trailing 1"),
    Row("keras", "keras.losses.SparseCategoricalCrossentropy",
        "keras.losses.SparseCategoricalCrossentropy(ignore_class=0)(labels, jax.nn.softmax(logits))",
        "lj.cross_entropy(logits, labels, ignore_index=0)", "classes", "logits",
        "`ignore_class` is `ignore_index`; both average over the counted labels. Keras's default "
        "takes the softmax's probabilities, lossjax the logits before it"),
    Row("keras", "keras.losses.SquaredHinge", "keras.losses.SquaredHinge()(signs, logits)",
        "lj.hinge_loss(logits, signs, squared=True)", "binary", "logits",
        "the squared hinge is `hinge_loss(..., squared=True)`", new=True),
    Row("keras", "keras.losses.SquaredHinge", "keras.losses.SquaredHinge()(labels, logits)",
        "lj.hinge_loss(logits, 2.0 * labels - 1.0, squared=True)", "binary", "logits",
        "Keras maps {0, 1} labels to ±1 when every label is 0 or 1: map them", new=True),
    Row("keras", "keras.losses.Tversky",
        "keras.losses.Tversky(alpha=0.3, beta=0.7)(masks, probs)",
        "lj.tversky_loss(probs.reshape(1, -1), masks.reshape(1, -1), mode=\"binary\", "
        "from_logits=False, alpha=0.7, beta=0.3, smooth_nr=0.0, smooth_dr=1e-7)",
        "segmentation", "probs",
        "Keras's `alpha` weighs the false negatives and `beta` the false positives, lossjax's "
        "(MONAI's, optax's) the other way round: swap them; pooled as Keras's Dice"),
]

ROWS = OPTAX + KERAS


def find(name: str) -> list[Row]:
  """The rows whose other-library name contains `name` (case-insensitive; `.` or last part)."""
  key = name.lower()
  return [r for r in ROWS if key in r.name.lower()]


def input_shapes(row: Row) -> str:
  """The example inputs a row's code reads, with their shapes: ``preds (6, 4), ...``."""
  example = INPUTS[row.inputs](np.random.default_rng(0))
  used = set(re.findall(r"[A-Za-z_]\w*", row.theirs + " " + row.ours))
  return ", ".join(f"{k} {np.shape(v)}" for k, v in example.items() if k in used)


def _table(rows: list[Row]) -> list[str]:
  out = ["| theirs | lossjax | inputs | what differs |", "| --- | --- | --- | --- |"]
  for r in rows:
    note = r.note + (" (**new in lossjax for this row**)" if r.new else "")
    note = note.replace("|", "\\|")
    out.append(f"| `{r.theirs}` | `{r.ours}` | {input_shapes(r)} | {note} |")
  return out


_KERAS_OBJECTS = [
    "To keep Keras's Loss objects (`model.compile(loss=...)`, `sample_weight`, the reduction "
    "names, `dtype`, `get_config` and saving), import `lossjax.keras`: each class of "
    "`keras.losses` by its name, with Keras's constructor and defaults, a `keras.losses.Loss` "
    "whose per-sample values are lossjax's (Keras's conventions around them: targets first, "
    "Keras's clips, label smoothing and hinge labels). It needs Keras 3 on its JAX backend.",
    "",
    "```python",
    "import lossjax.keras",
    "model.compile(optimizer=\"adam\", loss=lossjax.keras.CategoricalFocalCrossentropy("
    "from_logits=True, label_smoothing=0.1))",
    "```",
    "",
    "Keras 3.15.1's own `losses_test.py` runs against these classes in the slow tests "
    "(`python -m tests.peer_suites keras`): 160 of its 167 tests pass. The other 7, and why "
    "none is a wrong value: two check Keras's error texts; two check that `get_config` of "
    "`Huber` and `CosineSimilarity` leaves out `delta` and `axis` (lossjax.keras keeps them, so a "
    "saved loss reloads with its options); two expect Keras's JAX backend to reject "
    "`SparseCategoricalCrossentropy(axis=0)`, which lossjax.keras computes (Keras's torch "
    "backend gives the same 0.0); one calls Keras's own function, which fails on its JAX backend. "
    "The module's docstring lists where the classes differ from Keras's on purpose (gradients at "
    "probabilities Keras clips, for the focal classes, are one).",
    "",
    "The rows below are for moving to lossjax's functions.",
    "",
]


def markdown() -> str:
  """The text of docs/migration.md."""
  lines = [
      "# From optax and Keras",
      "",
      "<!-- Generated by `python -m lossjax._migration` from lossjax/_migration.py; "
      "tests/test_migration.py checks every row against optax and Keras 3 (JAX backend). -->",
      "",
      "Every loss in `optax.losses` and every loss class in `keras.losses` has a lossjax "
      "call that gives the same numbers: each row below is a test that runs both (float64, "
      "random inputs, values and gradients). `python -m lossjax migrate NAME` prints the "
      "rows for one name.",
      "",
      "What differs everywhere:",
      "",
      "- **Reduction.** optax returns the per-element (or per-vector) loss: lossjax's "
      '`reduction="none"`. Keras reduces in two steps, a mean over the last axis per '
      "sample and then `sum_over_batch_size` (the mean over samples): for inputs of one "
      'shape that is lossjax\'s `"mean"` over elements. Keras\'s `"sum"` and `None` are over '
      "the per-sample means; the rows show each.",
      "- **Argument order.** Keras calls are `(y_true, y_pred)`; lossjax's (as torch's) "
      "`(input, target)`.",
      "- **Logits or probabilities.** Keras's cross-entropies default to probabilities "
      "(`from_logits=False`) and clip them to [1e-7, 1 - 1e-7]; lossjax's take logits (or "
      "log-probabilities for `nll_loss`, `kl_div`) and never clip.",
      "- **Masks and weights.** lossjax's `where` is a boolean mask over the elements of the "
      "loss (optax's `where` masks classes); Keras's `sample_weight` multiplies each sample's "
      "loss and still divides by the batch size.",
      "- **Hyperparameters as arrays.** As in optax, a numeric hyperparameter may be an "
      "array, traced or not: `jax.jit(jax.vmap(lambda g: lj.sigmoid_focal_loss(x, t, "
      "gamma=g)))(jnp.array([0.0, 1.0, 2.0]))` sweeps gamma; a learned temperature or an "
      "annealed margin is passed the same way and `jax.grad` differentiates with respect to "
      "it. Under `jit` an out-of-range value gives NaN (`lj.checked` raises). Options that "
      "select the computation (reductions, axes, choices, integer sizes, and the few numbers "
      "that pick a formula) are static and say so when traced.",
      "",
  ]
  for library, rows, title in (("optax", OPTAX, "optax.losses"),
                              ("keras", KERAS, "keras.losses (Keras 3)")):
    lines += [f"## {title}", ""]
    if library == "keras":
      lines += _KERAS_OBJECTS
    lines += _table(rows)
    lines.append("")
  return "\n".join(lines)


if __name__ == "__main__":
  path = pathlib.Path(__file__).resolve().parent.parent / "docs" / "migration.md"
  path.write_text(markdown())
  print(f"wrote {path}")
