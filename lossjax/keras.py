"""Keras 3 loss objects whose numbers come from lossjax.

For a Keras 3 user on the JAX backend who keeps `model.compile(loss=...)`: each class here
takes the constructor of the `keras.losses` class of the same name (its options and defaults,
``reduction``, ``name``, ``dtype``) and is called as ``loss(y_true, y_pred, sample_weight)``.
It is a `keras.losses.Loss`, so Keras's own base class does what it does for its own losses:
the cast to ``dtype``, ``sample_weight`` (any shape Keras broadcasts), Keras masks, the
reduction names (``"sum_over_batch_size"``, ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"``,
``None``), ``get_config`` / ``from_config`` and serialization. What each class computes, the
loss of each sample, is a lossjax call, with Keras's conventions applied around it: targets
first, the mean over the last axis, probabilities clipped to [1e-7, 1 - 1e-7] where Keras
clips, {0, 1} hinge labels mapped to ±1, label smoothing as Keras smooths.

Keras 3.15.1's own tests of these classes run against them (``python -m tests.peer_suites
keras``): 160 of 167 pass, and the 7 others test Keras's error texts, Keras's `get_config`
leaving out ``axis`` and ``delta``, or its JAX backend rejecting a class axis other than the
last. tests/test_keras.py compares every class with Keras's over its options, every reduction
name and each shape of ``sample_weight``, values and gradients, in float64.

Where they differ from Keras's classes, on purpose:

* ``get_config`` keeps every option (Keras's `Huber` and `CosineSimilarity` drop ``delta`` and
  ``axis``, so a saved one reloads with the default).
* ``SparseCategoricalCrossentropy(axis=...)`` computes along any class axis (Keras's JAX
  backend raises unless it is the last).
* Hinge labels must be ±1, or all 0 or 1 (mapped to ±1); Keras passes any other label through
  its formula, lossjax's `hinge_loss` rejects it.
* The focal classes given probabilities: at a probability Keras clips (below 1e-7 or above
  1 - 1e-7) the value is Keras's, but the gradient with respect to that probability is 0 here,
  where Keras's focal factor still differentiates the unclipped one.
* ``CategoricalGeneralizedCrossEntropy`` takes probabilities that sum to one (a softmax's):
  lossjax's loss takes logits, so they are renormalised; the gradient through the softmax that
  made them is Keras's.
* Errors are lossjax's, naming the loss and the argument, not Keras's texts.

Importing this module imports Keras with the JAX backend (``KERAS_BACKEND=jax`` unless it is
set); Keras is not a dependency of lossjax: install it to use this module.

Examples:
  >>> import numpy as np, lossjax.keras
  >>> loss = lossjax.keras.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
  >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
  >>> y_pred = np.array([[-2.0, 3.0], [0.5, 1.5]])
  >>> print(f"{loss(y_true, y_pred, sample_weight=np.array([1.0, 0.5])):.5f}")  # Keras: 0.20332
  0.20332
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

if "keras" not in sys.modules:
  os.environ.setdefault("KERAS_BACKEND", "jax")

try:
  import keras
except ImportError as e:  # pragma: no cover - depends on the environment
  raise ImportError("lossjax.keras needs Keras 3 (pip install keras); lossjax itself does "
                    "not") from e

import jax
import jax.numpy as jnp

import lossjax as lj

if keras.backend.backend() != "jax":  # pragma: no cover - depends on the environment
  raise ImportError(f"lossjax.keras needs Keras's JAX backend; Keras was imported with "
                    f"{keras.backend.backend()!r} (set KERAS_BACKEND=jax before importing keras)")

__all__ = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "Tversky",
]

#: Keras's `backend.epsilon()`: the floor of its clips and denominators.
EPSILON = 1e-7


def _set_mask(values, mask) -> None:
  """Attach a Keras mask to per-sample values, as Keras's own losses do (its reduction then
  leaves the masked samples out of the mean)."""
  from keras.src import backend  # Keras's losses call this same function

  backend.set_keras_mask(values, mask=mask)


def _same_rank(y_true, y_pred):
  """Keras's `squeeze_or_expand_to_same_rank`: where the ranks differ by one and the longer
  one ends in 1, drop that axis (or add it to a rank-1 other side)."""
  if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
    return (y_true, y_pred[..., None]) if y_pred.ndim == 1 else (y_true[..., 0], y_pred)
  if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
    return (y_true[..., None], y_pred) if y_true.ndim == 1 else (y_true, y_pred[..., 0])
  return y_true, y_pred


def _hinge_labels(y_true):
  """Keras maps labels that are all 0 or 1 to -1 and 1; other labels pass unchanged."""
  binary = jnp.all((y_true == 0) | (y_true == 1))
  return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def _smooth_binary(y_true, label_smoothing):
  return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true


def _smooth_classes(y_true, label_smoothing):
  if not label_smoothing:
    return y_true
  return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def _class_probabilities(y_pred, axis):
  """Keras's probabilities: normalised along `axis`, then clipped to [1e-7, 1 - 1e-7]."""
  return jnp.clip(y_pred / jnp.sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)


def _logits_of(probabilities):
  """Logits of (clipped) probabilities, for lossjax's losses that take logits."""
  p = jnp.clip(probabilities, EPSILON, 1.0 - EPSILON)
  return jnp.log(p) - jnp.log1p(-p)


def _pooled(fn, y_true, y_pred, axis):
  """Keras's Dice and Tversky sum over `axis` (None: every axis) into one overlap per
  remaining index: lossjax's binary overlap loss, one image per remaining index."""
  axes = tuple(range(y_pred.ndim)) if axis is None else tuple(
      a % y_pred.ndim for a in ((axis,) if isinstance(axis, int) else axis))
  kept = tuple(a for a in range(y_pred.ndim) if a not in axes)
  order = kept + axes
  shape = tuple(y_pred.shape[a] for a in kept)
  flat = (-1 if kept else 1, max(1, int(jnp.prod(jnp.array([y_pred.shape[a] for a in axes])))))
  pred = jnp.transpose(y_pred, order).reshape(flat)
  true = jnp.transpose(y_true, order).reshape(flat)
  return fn(pred, true)[:, 0].reshape(shape)


# Each sample's loss, in Keras's conventions, from lossjax's `reduction="none"`.

def _mean_squared_error(y_true, y_pred):
  return lj.mse_loss(y_pred, y_true, reduction="none").mean(-1)


def _mean_absolute_error(y_true, y_pred):
  return lj.l1_loss(y_pred, y_true, reduction="none").mean(-1)


def _mean_absolute_percentage_error(y_true, y_pred):
  return 100.0 * lj.mape_loss(y_pred, y_true, eps=EPSILON, reduction="none").mean(-1)


def _mean_squared_logarithmic_error(y_true, y_pred):
  # Keras floors both sides at 1e-7 before log1p; lossjax (scikit-learn) takes any value > -1
  return lj.msle_loss(jnp.maximum(y_pred, EPSILON), jnp.maximum(y_true, EPSILON),
                      reduction="none").mean(-1)


def _cosine_similarity(y_true, y_pred, *, axis):
  # Keras's loss is the negative similarity; lossjax's is one minus it
  return lj.cosine_similarity_loss(y_pred, y_true, axis=axis, reduction="none") - 1.0


def _huber(y_true, y_pred, *, delta):
  return lj.huber_loss(y_pred, y_true, delta=delta, reduction="none").mean(-1)


def _log_cosh(y_true, y_pred):
  return lj.log_cosh_loss(y_pred, y_true, reduction="none").mean(-1)


def _hinge(y_true, y_pred):
  return lj.hinge_loss(y_pred, _hinge_labels(y_true), reduction="none").mean(-1)


def _squared_hinge(y_true, y_pred):
  return lj.hinge_loss(y_pred, _hinge_labels(y_true), squared=True, reduction="none").mean(-1)


def _categorical_hinge(y_true, y_pred):
  return lj.categorical_hinge_loss(y_pred, y_true, reduction="none")


def _kl_divergence(y_true, y_pred):
  # Keras clips both distributions to [1e-7, 1]; lossjax's kl_div takes the log of the input
  target = jnp.clip(y_true, EPSILON, 1.0)
  return lj.kl_div(jnp.log(jnp.clip(y_pred, EPSILON, 1.0)), target, reduction="none").sum(-1)


def _poisson(y_true, y_pred):
  return lj.poisson_nll_loss(y_pred, y_true, log_input=False, eps=EPSILON,
                             reduction="none").mean(-1)


def _binary_crossentropy(y_true, y_pred, *, from_logits, label_smoothing, axis):
  target = _smooth_binary(y_true, label_smoothing)
  if from_logits:
    values = lj.binary_cross_entropy_with_logits(y_pred, target, reduction="none")
  else:
    values = lj.binary_cross_entropy(jnp.clip(y_pred, EPSILON, 1.0 - EPSILON), target,
                                     reduction="none")
  return values.mean(axis)


def _binary_focal_crossentropy(y_true, y_pred, *, apply_class_balancing, alpha, gamma,
                               from_logits, label_smoothing, axis):
  target = _smooth_binary(y_true, label_smoothing)
  # Keras clips the probabilities inside its cross-entropy, also when given logits
  logits = _logits_of(jax.nn.sigmoid(y_pred) if from_logits else y_pred)
  values = lj.sigmoid_focal_loss(logits, target, alpha=alpha if apply_class_balancing else -1.0,
                                 gamma=gamma, reduction="none")
  return values.mean(axis)


def _categorical_crossentropy(y_true, y_pred, *, from_logits, label_smoothing, axis):
  target = _smooth_classes(y_true, label_smoothing)
  if from_logits:
    return lj.cross_entropy(y_pred, target, reduction="none", axis=axis)
  q = _class_probabilities(y_pred, axis)
  # Keras takes -sum(t log q) of its clipped q without normalising it again; cross_entropy's
  # log-softmax of log q subtracts log(sum q), added back here
  return (lj.cross_entropy(jnp.log(q), target, reduction="none", axis=axis)
          - jnp.sum(target, axis=axis) * jnp.log(jnp.sum(q, axis=axis)))


def _sparse_categorical_crossentropy(y_true, y_pred, *, from_logits, ignore_class, axis):
  if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
    y_true = jnp.squeeze(y_true, axis=axis)
  labels = y_true.astype(jnp.int32)  # Keras's Loss cast them to its float dtype
  ignore = -100 if ignore_class is None else int(ignore_class)
  if from_logits:
    values = lj.cross_entropy(y_pred, labels, ignore_index=ignore, reduction="none", axis=axis)
  else:
    values = lj.nll_loss(jnp.log(_class_probabilities(y_pred, axis)), labels,
                         ignore_index=ignore, reduction="none", axis=axis)
  if ignore_class is not None:
    _set_mask(values, labels != ignore)
  return values


def _categorical_focal_crossentropy(y_true, y_pred, *, alpha, gamma, from_logits,
                                    label_smoothing, axis):
  target = _smooth_classes(y_true, label_smoothing)
  q = _class_probabilities(jax.nn.softmax(y_pred, axis=axis) if from_logits else y_pred, axis)
  return lj.softmax_focal_loss(jnp.log(q), target, alpha=alpha, gamma=gamma, reduction="none",
                               axis=axis)


def _categorical_generalized_cross_entropy(y_true, y_pred, *, q):
  # Keras takes the softmax's probabilities; lossjax the logits: their log
  return lj.generalized_cross_entropy(jnp.log(y_pred), y_true.astype(jnp.int32), q=q,
                                      reduction="none")


def _ctc(y_true, y_pred):
  labels = y_true.astype(jnp.int32)
  batch, frames = y_pred.shape[:2]
  # Keras's blank is class 0, which also pads the labels; every frame of every sequence counts
  return lj.ctc_loss(jax.nn.log_softmax(y_pred).swapaxes(0, 1), labels,
                     jnp.full((batch,), frames), (labels != 0).sum(1), reduction="none")


def _dice(y_true, y_pred, *, axis):
  def overlap(pred, true):
    return lj.dice_loss(pred, true, mode="binary", from_logits=False, smooth_nr=0.0,
                        smooth_dr=EPSILON, reduction="none")
  return _pooled(overlap, y_true, y_pred, axis)


def _tversky(y_true, y_pred, *, alpha, beta, axis):
  def overlap(pred, true):
    # Keras's alpha weighs the false positives' complement: lossjax's (MONAI's) beta
    return lj.tversky_loss(pred, true, alpha=beta, beta=alpha, mode="binary",
                           from_logits=False, smooth_nr=0.0, smooth_dr=EPSILON,
                           reduction="none")
  return _pooled(overlap, y_true, y_pred, axis)


def _circle(y_true, y_pred, *, gamma, margin, remove_diagonal):
  values = lj.circle_loss(y_pred, y_true.astype(jnp.int32), gamma=gamma, margin=margin,
                          remove_diagonal=remove_diagonal, reduction="none")
  _set_mask(values, values > 0)  # Keras averages over the anchors whose loss is not 0
  return values


class _Loss(keras.losses.Loss):
  """A Keras Loss whose per-sample values are `_fn`'s, with `_options` as its options."""

  _fn: Callable[..., Any]
  _options: dict[str, Any] = {}
  _default_name: str
  _same_rank: bool = True

  def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **options):
    unknown = set(options) - set(self._options)
    if unknown:
      raise TypeError(f"lossjax.keras.{type(self).__name__}: unexpected option(s) "
                      f"{sorted(unknown)}; it takes {sorted(self._options)} and reduction, "
                      f"name, dtype (as keras.losses.{type(self).__name__})")
    super().__init__(name=name or self._default_name, reduction=reduction, dtype=dtype)
    for option, default in self._options.items():
      setattr(self, option, options.get(option, default))

  def call(self, y_true, y_pred):
    if self._same_rank:
      y_true, y_pred = _same_rank(jnp.asarray(y_true), jnp.asarray(y_pred))
    return type(self)._fn(y_true, y_pred, **{k: getattr(self, k) for k in self._options})

  def get_config(self):
    return {**super().get_config(), **{k: getattr(self, k) for k in self._options}}


def _define(name: str, fn, default_name: str, same_rank: bool = True, **options) -> type:
  """The class `name`: Keras's constructor for its `options` (with Keras's defaults)."""
  doc = (f"`keras.losses.{name}` computed by lossjax: the same constructor and call "
         f"(options {', '.join(f'{k}={v!r}' for k, v in options.items()) or 'none'}; "
         f"reduction, name, dtype). See the module's docstring.")
  cls = type(name, (_Loss,), {"_fn": staticmethod(fn), "_options": options,
                              "_default_name": default_name, "_same_rank": same_rank,
                              "__doc__": doc, "__module__": __name__})
  return keras.saving.register_keras_serializable(package="lossjax")(cls)


# The classes, with the options and defaults of Keras 3's (keras/src/losses/losses.py).
MeanSquaredError = _define("MeanSquaredError", _mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _define("MeanAbsoluteError", _mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _define(
    "MeanAbsolutePercentageError", _mean_absolute_percentage_error,
    "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _define(
    "MeanSquaredLogarithmicError", _mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error")
CosineSimilarity = _define("CosineSimilarity", _cosine_similarity, "cosine_similarity", axis=-1)
Huber = _define("Huber", _huber, "huber_loss", delta=1.0)
LogCosh = _define("LogCosh", _log_cosh, "log_cosh")
Hinge = _define("Hinge", _hinge, "hinge")
SquaredHinge = _define("SquaredHinge", _squared_hinge, "squared_hinge")
CategoricalHinge = _define("CategoricalHinge", _categorical_hinge, "categorical_hinge")
KLDivergence = _define("KLDivergence", _kl_divergence, "kl_divergence")
Poisson = _define("Poisson", _poisson, "poisson")
BinaryCrossentropy = _define(
    "BinaryCrossentropy", _binary_crossentropy, "binary_crossentropy", from_logits=False,
    label_smoothing=0.0, axis=-1)
BinaryFocalCrossentropy = _define(
    "BinaryFocalCrossentropy", _binary_focal_crossentropy, "binary_focal_crossentropy",
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
    axis=-1)
CategoricalCrossentropy = _define(
    "CategoricalCrossentropy", _categorical_crossentropy, "categorical_crossentropy",
    from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _define(
    "CategoricalFocalCrossentropy", _categorical_focal_crossentropy,
    "categorical_focal_crossentropy", alpha=0.25, gamma=2.0, from_logits=False,
    label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _define(
    "SparseCategoricalCrossentropy", _sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", from_logits=False, ignore_class=None, axis=-1)
CategoricalGeneralizedCrossEntropy = _define(
    "CategoricalGeneralizedCrossEntropy", _categorical_generalized_cross_entropy,
    "categorical_generalized_cross_entropy", q=0.5)
CTC = _define("CTC", _ctc, "ctc", same_rank=False)
Dice = _define("Dice", _dice, "dice", axis=None)
Tversky = _define("Tversky", _tversky, "tversky", alpha=0.5, beta=0.5, axis=None)
Circle = _define("Circle", _circle, "circle", gamma=80.0, margin=0.4, remove_diagonal=True)
