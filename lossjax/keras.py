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
leaving out ``axis`` and ``delta``, its JAX backend rejecting a class axis other than the
last, or a Keras function that fails on that backend. tests/test_keras.py compares every class with Keras's over its options, every reduction
name and each shape of ``sample_weight``, values and gradients, in float64.

Where they differ from Keras's classes, on purpose:

* ``get_config`` keeps every option (Keras's `Huber`, `CosineSimilarity` and
  `SparseCategoricalCrossentropy` drop ``delta`` and ``axis``, so a saved one reloads with the
  default).
* ``SparseCategoricalCrossentropy(axis=...)`` computes along any class axis (Keras's JAX
  backend raises unless it is the last).
* Labels lossjax checks (hinge labels ±1 or all in {0, 1}, class indices in range, unless
  ``ignore_class``) raise in an eager call; inside ``jit`` (``model.fit``) such an example's
  loss is NaN, never a plausible number (Keras passes other hinge labels through its formula
  and gives an out-of-range class index a loss of 0).
* ``CTC``: an alignment the frames cannot hold costs inf (torch's); Keras's costs about 1e5
  (its log 0 is -1e5).
* The focal classes given probabilities: at a probability Keras clips (below 1e-7 or above
  1 - 1e-7) the value is Keras's, but the gradients with respect to the clipped probabilities
  differ (Keras's focal factor and its renormalisation still differentiate them, lossjax's
  clip does not), and with ``from_logits=True`` at logits whose sigmoid Keras clips (|x| above
  about 16).
* ``CategoricalGeneralizedCrossEntropy`` takes probabilities that sum to one (a softmax's):
  lossjax's loss takes logits, so they are renormalised (a probability of exactly 0 is floored
  at the dtype's smallest normal number); the gradient through the softmax that made them is
  Keras's.
* ``CosineSimilarity`` takes one axis (Keras also a tuple); y_true and y_pred are arrays (Keras
  also maps nested structures); errors are lossjax's, naming the loss and the argument, not
  Keras's texts.

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

import inspect
import math
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
import numpy as np

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
      int(a) % y_pred.ndim for a in np.atleast_1d(axis))
  kept = tuple(a for a in range(y_pred.ndim) if a not in axes)
  order = kept + axes
  shape = tuple(y_pred.shape[a] for a in kept)
  flat = (-1 if kept else 1, max(1, math.prod(y_pred.shape[a] for a in axes)))
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
  # Keras floors each norm at its epsilon (1e-7), lossjax's default at 1e-8
  return lj.cosine_similarity_loss(y_pred, y_true, axis=axis, eps=EPSILON,
                                   reduction="none") - 1.0


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
  # Keras takes the softmax's probabilities; lossjax the logits: their log, floored at the
  # dtype's smallest normal number so that a probability of exactly 0 (an underflowed softmax)
  # gets a zero gradient, not NaN
  tiny = jnp.finfo(y_pred.dtype).tiny
  return lj.generalized_cross_entropy(jnp.log(jnp.maximum(y_pred, tiny)),
                                      y_true.astype(jnp.int32), q=q, reduction="none")


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
  if y_true.ndim == 2 and y_true.shape[1] == 1:  # Keras also takes (N, 1) labels
    y_true = y_true[:, 0]
  values = lj.circle_loss(y_pred, y_true.astype(jnp.int32), gamma=gamma, margin=margin,
                          remove_diagonal=remove_diagonal, reduction="none")
  _set_mask(values, values > 0)  # Keras averages over the anchors whose loss is not 0
  return values


class _Loss(keras.losses.Loss):
  """A Keras Loss whose per-sample values are `_fn`'s, with `_options` as its options."""

  _fn: Callable[..., Any]
  _options: tuple[str, ...] = ()
  _signature: inspect.Signature
  _same_rank: bool = True
  _broadcast: bool = False

  def __init__(self, *args, **kwargs):
    try:
      bound = self._signature.bind(*args, **kwargs)
    except TypeError as e:
      raise TypeError(f"lossjax.keras.{type(self).__name__}: {e}; it takes "
                      f"{self._signature} (as keras.losses.{type(self).__name__})") from None
    bound.apply_defaults()
    given = dict(bound.arguments)
    super().__init__(name=given.pop("name"), reduction=given.pop("reduction"),
                     dtype=given.pop("dtype"))
    for option, value in given.items():
      setattr(self, option, value)
    self._check()

  def _check(self):
    """Keras's own checks of the options, made where Keras makes them (the constructor)."""

  def call(self, y_true, y_pred):
    y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
    if self._same_rank:
      y_true, y_pred = _same_rank(y_true, y_pred)
    if self._broadcast:  # Keras's elementwise losses broadcast; lossjax's targets never do
      y_true, y_pred = jnp.broadcast_arrays(y_true, y_pred)
    return type(self)._fn(y_true, y_pred, **{k: getattr(self, k) for k in self._options})

  def get_config(self):
    return {**super().get_config(), **{k: getattr(self, k) for k in self._options}}


_R = ("reduction", "sum_over_batch_size")
_D = ("dtype", None)


def _define(name: str, fn, *params: tuple[str, Any], same_rank: bool = True,
            broadcast: bool = False, check: Callable[[Any], None] | None = None) -> type:
  """The class `name` with Keras's constructor: `params` are its (parameter, default) pairs in
  Keras's order (keras/src/losses/losses.py), positional or keyword as there."""
  signature = inspect.Signature([inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                   default=d) for p, d in params])
  options = tuple(p for p, _ in params if p not in ("reduction", "name", "dtype"))
  doc = (f"`keras.losses.{name}{signature}` computed by lossjax: the same constructor and call. "
         "See the module's docstring.")
  body = {"_fn": staticmethod(fn), "_options": options, "_signature": signature,
          "_same_rank": same_rank, "_broadcast": broadcast, "__doc__": doc,
          "__module__": __name__}
  if check is not None:
    body["_check"] = check
  cls = type(name, (_Loss,), body)
  return keras.saving.register_keras_serializable(package="lossjax")(cls)


def _check_q(self):
  if not 0 < self.q < 1:  # Keras's CategoricalGeneralizedCrossEntropy.__init__
    raise ValueError(f"lossjax.keras.CategoricalGeneralizedCrossEntropy: argument `q`: got "
                     f"{self.q!r}, expected a number in (0, 1) (as Keras)")


# The classes, with the constructors of Keras 3's (keras/src/losses/losses.py): the parameters
# in Keras's order, with Keras's defaults. `broadcast`: Keras's ops broadcast y_true against
# y_pred there (its binary cross-entropies check equal shapes instead, as lossjax does).
MeanSquaredError = _define("MeanSquaredError", _mean_squared_error, _R,
                           ("name", "mean_squared_error"), _D, broadcast=True)
MeanAbsoluteError = _define("MeanAbsoluteError", _mean_absolute_error, _R,
                            ("name", "mean_absolute_error"), _D, broadcast=True)
MeanAbsolutePercentageError = _define(
    "MeanAbsolutePercentageError", _mean_absolute_percentage_error, _R,
    ("name", "mean_absolute_percentage_error"), _D, broadcast=True)
MeanSquaredLogarithmicError = _define(
    "MeanSquaredLogarithmicError", _mean_squared_logarithmic_error, _R,
    ("name", "mean_squared_logarithmic_error"), _D, broadcast=True)
CosineSimilarity = _define("CosineSimilarity", _cosine_similarity, ("axis", -1), _R,
                           ("name", "cosine_similarity"), _D, broadcast=True)
Huber = _define("Huber", _huber, ("delta", 1.0), _R, ("name", "huber_loss"), _D, broadcast=True)
LogCosh = _define("LogCosh", _log_cosh, _R, ("name", "log_cosh"), _D, broadcast=True)
Hinge = _define("Hinge", _hinge, _R, ("name", "hinge"), _D, broadcast=True)
SquaredHinge = _define("SquaredHinge", _squared_hinge, _R, ("name", "squared_hinge"), _D,
                       broadcast=True)
CategoricalHinge = _define("CategoricalHinge", _categorical_hinge, _R,
                           ("name", "categorical_hinge"), _D)
KLDivergence = _define("KLDivergence", _kl_divergence, _R, ("name", "kl_divergence"), _D,
                       broadcast=True)
Poisson = _define("Poisson", _poisson, _R, ("name", "poisson"), _D, broadcast=True)
BinaryCrossentropy = _define(
    "BinaryCrossentropy", _binary_crossentropy, ("from_logits", False), ("label_smoothing", 0.0),
    ("axis", -1), _R, ("name", "binary_crossentropy"), _D)
BinaryFocalCrossentropy = _define(
    "BinaryFocalCrossentropy", _binary_focal_crossentropy, ("apply_class_balancing", False),
    ("alpha", 0.25), ("gamma", 2.0), ("from_logits", False), ("label_smoothing", 0.0),
    ("axis", -1), _R, ("name", "binary_focal_crossentropy"), _D)
CategoricalCrossentropy = _define(
    "CategoricalCrossentropy", _categorical_crossentropy, ("from_logits", False),
    ("label_smoothing", 0.0), ("axis", -1), _R, ("name", "categorical_crossentropy"), _D)
CategoricalFocalCrossentropy = _define(
    "CategoricalFocalCrossentropy", _categorical_focal_crossentropy, ("alpha", 0.25),
    ("gamma", 2.0), ("from_logits", False), ("label_smoothing", 0.0), ("axis", -1), _R,
    ("name", "categorical_focal_crossentropy"), _D)
SparseCategoricalCrossentropy = _define(
    "SparseCategoricalCrossentropy", _sparse_categorical_crossentropy, ("from_logits", False),
    ("ignore_class", None), _R, ("axis", -1), ("name", "sparse_categorical_crossentropy"), _D)
CategoricalGeneralizedCrossEntropy = _define(
    "CategoricalGeneralizedCrossEntropy", _categorical_generalized_cross_entropy, ("q", 0.5), _R,
    ("name", "categorical_generalized_cross_entropy"), _D, check=_check_q)
CTC = _define("CTC", _ctc, _R, ("name", "ctc"), _D, same_rank=False)
Dice = _define("Dice", _dice, _R, ("name", "dice"), ("axis", None), _D)
Tversky = _define("Tversky", _tversky, ("alpha", 0.5), ("beta", 0.5), _R, ("name", "tversky"),
                  ("axis", None), _D)
Circle = _define("Circle", _circle, ("gamma", 80.0), ("margin", 0.4), ("remove_diagonal", True),
                 _R, ("name", "circle"), _D)
