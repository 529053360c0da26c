"""Losses on class scores through a softmax: cross-entropy (torch's, with class weights,
`ignore_index` and label smoothing), NLL on log-probabilities, softmax focal, Poly-1,
generalised cross-entropy and the z-loss."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  AXIS,
  FLOAT,
  IGNORE_INDEX,
  INDEX,
  LABEL_SMOOTHING,
  TARGET,
  WEIGHT,
  ArrayOption,
  Float,
  declare,
)
from lossjax._shared.classes import (
  class_scores,
  class_weight,
  log_normalizer,
  pick_class,
  pick_class_converted,
)
from lossjax._spec import LossSpec

__all__ = ["cross_entropy", "nll_loss", "softmax_focal_loss", "poly1_cross_entropy", "generalized_cross_entropy", "z_loss"]


Array = jax.Array


def _class_index_nll(
    loss: str,
    scores: Array,
    normalizer: tuple[Array, Array] | None,
    target: Array,
    weight: Array | None,
    *,
    ignore_index: int | None,
    label_smoothing: float,
    reduction: str,
    keep: Array | None,
    raw_scores: Array | None = None,
    target_arg: str = "target",
    poly_epsilon: float = 0.0,
) -> Array:
  """Class-index NLL with ``log p_c = (scores_c - m) - log_s`` over `[..., C]`,
  ``normalizer = (m, log_s)``, shared by cross_entropy (scores are logits) and
  nll_loss (scores are log-probabilities, ``normalizer`` None).

  Per element: ``(1 - ε) w_y (-log p_y) + ε/C Σ_c w_c (-log p_c)``; "mean"
  divides by the summed ``w_y`` of counted targets (torch's normaliser, used
  for both terms). log p is never materialised: the target's score is picked
  by a gather whose gradient is an elementwise one-hot select (see
  `pick_class`), and the smoothing term is
  ``lse Σ_c w_c - Σ_c w_c s_c``. ``poly_epsilon`` adds Poly-1's
  ``ε (1 - p_y)``. `keep` is the validated `where` mask (the scores are
  already filled under it).
  """
  num_classes = scores.shape[-1]
  safe_target, valid, out_of_range = core.class_indices(
      loss, target_arg, target, num_classes, ignore_index=ignore_index, where=keep,
      expected=f"class indices in [0, {num_classes})"
      + ("" if ignore_index is None else f" or ignore_index={ignore_index}")
      + " (torch: Target is out of bounds)")
  if raw_scores is None or raw_scores.dtype == scores.dtype:
    picked = pick_class(scores, safe_target)
  else:  # scores = raw_scores converted to the compute dtype: on CPU, gather before converting
    picked = core.on_cpu(lambda: pick_class_converted(raw_scores, scores, safe_target),
                         lambda: pick_class(scores, safe_target))
  # Unchecked under jit, an out-of-range class must not yield a plausible
  # number: it gives NaN (lossjax.checked raises instead).
  picked = core.poison(picked, out_of_range)
  if normalizer is None:
    log_p_target = picked
  else:
    m, log_s = normalizer
    log_p_target = (picked - m) - log_s
  w_target = None if weight is None else jnp.take(weight, safe_target).astype(scores.dtype)
  values = -log_p_target if w_target is None else -log_p_target * w_target
  if not core.static_equals(label_smoothing, 0):
    shifted = scores if normalizer is None else scores - normalizer[0][..., None]
    if weight is None:
      total, weighted_sum = float(num_classes), jnp.sum(shifted, axis=-1)
    else:
      w = weight.astype(scores.dtype)
      total = jnp.sum(w)
      weighted_sum = jnp.sum(shifted * jnp.broadcast_to(w, scores.shape), axis=-1)
    smooth = -weighted_sum if normalizer is None else normalizer[1] * total - weighted_sum
    values = (1.0 - label_smoothing) * values + (label_smoothing / num_classes) * smooth
  if not core.static_equals(poly_epsilon, 0):
    values = values + poly_epsilon * (1.0 - jnp.exp(log_p_target))
  return core.reduce_loss(
      loss, values, reduction, keep, valid=None if ignore_index is None else valid,
      norm_weight=w_target
  )


@declare(input=FLOAT, target=TARGET.class_indices_of("input"), weight=WEIGHT, ignore_index=IGNORE_INDEX,
         label_smoothing=LABEL_SMOOTHING, axis=AXIS)
def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    ignore_index: int | None = -100,
    label_smoothing: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Cross-entropy between logits and class indices or class probabilities.

  The twin of ``torch.nn.functional.cross_entropy`` (same numbers, same
  options), with lossjax's ``where`` and ``axis``.

  With class indices ``y`` (any integer dtype), per element

  $$
  \ell = (1 - \varepsilon)\, w_y\, (-\log p_y)
  + \frac{\varepsilon}{C} \sum_c w_c\, (-\log p_c),
  \qquad p = \mathrm{softmax}(x),
  $$

  and "mean" divides by $\sum w_y$ over the counted targets (targets equal
  to ``ignore_index`` or masked by ``where`` are not counted). With class
  probabilities ``t`` (a float target of the input's shape), per element
  $\ell = -\sum_c w_c t'_c \log p_c$ with $t' = (1-\varepsilon)t +
  \varepsilon/C$, and "mean" divides by the number of elements.

  Args:
    input: logits, ``[C]``, ``[..., C]`` (``axis=-1``) or ``[N, C, d1, ...]``
      (``axis=1``, torch's layout). 16-bit inputs give a float32 loss.
    target: integer class indices of the input's shape without the class axis,
      or float class probabilities of the input's shape.
    weight: optional ``[C]`` rescaling weight per class.
    ignore_index: class-index targets equal to it are ignored (class indices
      only); None: no target is ignored.
    label_smoothing: ε in [0, 1].
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis of ``input`` (ignored for an unbatched ``[C]`` input).

  Returns:
    A scalar, or the per-element loss (input's shape without the class axis)
    for ``reduction="none"``.

  Differences from torch: an all-ignored "mean" is 0, not NaN; a ``-inf`` logit
  with a zero probability target gives a finite loss, not NaN.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.cross_entropy(logits, jnp.array([0, 2])):.4f}")
    0.1755

  References:
    PyTorch ``torch.nn.CrossEntropyLoss``; Szegedy et al., "Rethinking the
    Inception Architecture" (2016) for label smoothing.
  """
  return _cross_entropy(core.loss_name(), input, target, weight=weight, ignore_index=ignore_index,
                        label_smoothing=label_smoothing, reduction=reduction, where=where,
                        axis=axis)


def _cross_entropy(name, x, t, *, weight, ignore_index, label_smoothing, reduction,
                   where, axis, poly_epsilon=0.0):
  """cross_entropy's body, raising errors in the name of the loss that calls it."""
  logits_last = class_scores(name, "input", x, axis)
  num_classes = logits_last.shape[-1]
  w = class_weight(name, weight, num_classes)
  prob_target = jnp.issubdtype(t.dtype, jnp.floating)  # its shape: declared by the callers
  keep = core.as_mask(name, where, logits_last.shape[:-1])
  logits_last = core.masked_fill(keep, logits_last)
  dtype = core.compute_dtype(x, t if prob_target else None, w)
  logits = core.to_float(logits_last, dtype)
  if not prob_target:
    # Class indices need no clipping: -inf logits only ever enter exp() (see
    # log_normalizer) or, as the target's own logit, give a genuinely
    # infinite loss.
    normalizer = log_normalizer(logits, None if logits_last.dtype == dtype else logits_last)
    return _class_index_nll(
        name, logits, normalizer, t, w, ignore_index=ignore_index, label_smoothing=label_smoothing,
        reduction=reduction, keep=keep, raw_scores=logits_last,
        poly_epsilon=poly_epsilon,
    )
  # Probability targets multiply every logit: clip ±inf so a zero probability
  # times an impossible class is 0, not NaN (optax #896).
  logits = core.finite_logits(logits)
  normalizer = log_normalizer(logits)
  probs = core.masked_fill(keep, core.class_axis_last(name, core.to_float(t, dtype), axis))
  target_probs = probs
  if not core.static_equals(label_smoothing, 0):
    probs = probs * (1.0 - label_smoothing) + label_smoothing / num_classes
  if w is not None:
    probs = probs * jnp.broadcast_to(core.to_float(w, dtype), probs.shape)
  # -Σ_c t_c log p_c = log_s Σ_c t_c - Σ_c t_c (z_c - m); the logits are
  # finite (finite_logits), so a zero probability contributes exactly 0.
  m, log_s = normalizer
  values = log_s * jnp.sum(probs, axis=-1) - jnp.sum(probs * (logits - m[..., None]), axis=-1)
  if not core.static_equals(poly_epsilon, 0):
    # Poly-1 with probability labels: Σ_c t_c (1 - p_c), optax's term (1 - Σ_c t_c p_c
    # when the labels sum to 1; optax's also where they do not).
    p = jnp.exp((logits - m[..., None]) - log_s[..., None])
    values = values + poly_epsilon * jnp.sum(target_probs * (1.0 - p), axis=-1)
  return core.reduce_loss(name, values, reduction, keep)


@declare(input=FLOAT, target=INDEX.class_indices_of("input"), weight=WEIGHT, ignore_index=IGNORE_INDEX, axis=AXIS)
def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    ignore_index: int | None = -100,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Negative log-likelihood of class indices under given log-probabilities.

  The twin of ``torch.nn.functional.nll_loss``. Per element
  $\ell = -w_y\, x_y$; "mean" divides by $\sum w_y$ over counted
  targets (not ``ignore_index``, not masked).

  Args:
    input: log-probabilities ``[C]``, ``[..., C]`` (``axis=-1``) or
      ``[N, C, d1, ...]`` (``axis=1``).
    target: integer class indices, the input's shape without the class axis.
    weight: optional ``[C]`` weight per class.
    ignore_index: targets equal to it are ignored; None: none is.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis of ``input``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> logp = jax.nn.log_softmax(jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]))
    >>> print(f"{lj.nll_loss(logp, jnp.array([0, 2])):.4f}")
    0.1755

  References: PyTorch ``torch.nn.NLLLoss``.
  """
  name = core.loss_name()
  logp_last = class_scores(name, "input", input, axis)
  w = class_weight(name, weight, logp_last.shape[-1])
  keep = core.as_mask(name, where, logp_last.shape[:-1])
  dtype = core.compute_dtype(input, w)
  return _class_index_nll(
      name, core.masked_fill(keep, core.to_float(logp_last, dtype)), None, target, w,
      ignore_index=ignore_index, label_smoothing=0.0, reduction=reduction, keep=keep,
  )


@declare(renamed={"logits": "input", "labels": "target"},
         input=FLOAT, target=TARGET.class_indices_of("input"), alpha=ArrayOption("float", scalar=True),
         gamma=Float(lo=0.0), weight=WEIGHT, ignore_index=IGNORE_INDEX, axis=AXIS)
def softmax_focal_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    alpha: ArrayLike | float | None = None,
    gamma: float = 2.0,
    weight: ArrayLike | None = None,
    ignore_index: int | None = -100,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Multi-class focal loss: $\ell = -\alpha_y\,w_y\,(1 - p_y)^{\gamma} \log p_y$.

  The softmax generalisation of Lin et al.'s focal loss, with a per-class
  ``alpha`` (a ``[C]`` array, or one float for every class). "mean" divides
  by $\sum w_y$ over the counted targets, as [`cross_entropy`][lossjax.cross_entropy]
  does (by their count without ``weight``). ``gamma=0`` with no
  ``alpha`` is exactly [`cross_entropy`][lossjax.cross_entropy]. $1 - p_y$ is computed as
  ``-expm1(log p_y)``, accurate as $p_y \to 1$.

  With class probabilities ``t`` (a float target of the input's shape, e.g.
  one-hot or smoothed labels) the loss is Keras's ``categorical_focal_crossentropy``:
  $\ell = -\sum_c \alpha_c\,w_c\,t_c\,(1 - p_c)^{\gamma} \log p_c$, equal to the
  index form for a one-hot ``t``; "mean" divides by the number of elements.

  Args:
    input: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    target: integer class indices, the logits' shape without the class axis, or
      float class probabilities of the input's shape.
    alpha: ``[C]`` weights, a float, or None.
    gamma: focusing parameter, >= 0.
    weight: optional ``[C]`` class weights (the normaliser, as in cross_entropy).
    ignore_index: labels equal to it are ignored.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis.

  The old keywords ``logits=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.softmax_focal_loss(logits, jnp.array([0, 1])):.4f}")
    1.3061

  References: Lin et al., "Focal Loss for Dense Object Detection" (2017).
  """
  name = core.loss_name()
  scores = class_scores(name, "input", input, axis)
  c = scores.shape[-1]
  w = class_weight(name, weight, c)
  if isinstance(alpha, jax.Array) and alpha.ndim:
    core.check_shape(name, "alpha", alpha, (c,))
  keep = core.as_mask(name, where, scores.shape[:-1])
  dtype = core.compute_dtype(scores, w, alpha)
  z = core.masked_fill(keep, core.to_float(scores, dtype))
  if jnp.issubdtype(target.dtype, jnp.floating):
    return _soft_focal(name, z, target, alpha, gamma, w, reduction, keep, axis, dtype)
  safe, valid, out_of_range = core.class_indices(name, "target", target, c,
                                                 ignore_index=ignore_index, where=keep)
  m, log_s = log_normalizer(z)
  log_p = core.poison((pick_class(z, safe) - m) - log_s, out_of_range)
  values = -log_p
  if not core.static_equals(gamma, 0):
    values = values * core.power0(-jnp.expm1(log_p), gamma)
  if isinstance(alpha, jax.Array):
    af = core.to_float(alpha, dtype)
    values = values * (jnp.take(af, safe) if af.ndim else af)
  elif alpha is not None:
    values = values * alpha
  w_target = None if w is None else jnp.take(core.to_float(w, dtype), safe)
  if w_target is not None:
    values = values * w_target
  return core.reduce_loss(name, values, reduction, keep,
                          valid=None if ignore_index is None else valid, norm_weight=w_target)


def _soft_focal(name, z, target, alpha, gamma, w, reduction, keep, axis, dtype):
  """softmax_focal_loss with class probabilities: -Σ_c α_c w_c t_c (1 - p_c)^γ log p_c."""
  # Probability targets multiply every log p_c: clip ±inf logits so a zero probability times an
  # impossible class is 0, not NaN (as cross_entropy's probability targets)
  z = core.finite_logits(z)
  m, log_s = log_normalizer(z)
  log_p = (z - m[..., None]) - log_s[..., None]
  t = core.masked_fill(keep, core.class_axis_last(name, core.to_float(target, dtype), axis))
  terms = -t * log_p
  if not core.static_equals(gamma, 0):
    terms = terms * core.power0(-jnp.expm1(log_p), gamma)
  if isinstance(alpha, jax.Array):
    terms = terms * jnp.broadcast_to(core.to_float(alpha, dtype), terms.shape)
  elif alpha is not None:
    terms = terms * alpha
  if w is not None:
    terms = terms * jnp.broadcast_to(core.to_float(w, dtype), terms.shape)
  return core.reduce_loss(name, jnp.sum(terms, axis=-1), reduction, keep)


@declare(renamed={"logits": "input", "labels": "target"},
         input=FLOAT, target=TARGET.class_indices_of("input"), epsilon=Float(), axis=AXIS)
def poly1_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    *,
    epsilon: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Poly-1 cross-entropy: $\ell = \mathrm{CE} + \epsilon\,(1 - p_t)$.

  PolyLoss's first-order form (Leng et al. 2022), where $p_t$ is the
  probability of the target: the labelled class for integer labels. For
  probability labels the term is $\epsilon \sum_c t_c (1 - p_c)$, optax's
  ``poly_loss_cross_entropy`` (it is $\epsilon (1 - \sum_c t_c p_c)$ when the
  labels sum to 1); the default epsilon is 1, as in the paper (optax's: 2).

  Args:
    input: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    target: integer class indices (the logits' shape without the class
      axis), or class probabilities of the logits' shape.
    epsilon: the weight of the polynomial term.
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis.

  The old keywords ``logits=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.poly1_cross_entropy(logits, jnp.array([0, 2])):.4f}")
    0.3346

  References: Leng et al., "PolyLoss: A Polynomial Expansion Perspective of
  Classification Loss Functions" (ICLR 2022).
  """
  return _cross_entropy(core.loss_name(), input, target, weight=None, ignore_index=None,
                        label_smoothing=0.0, reduction=reduction, where=where, axis=axis,
                        poly_epsilon=epsilon)


@declare(renamed={"logits": "input", "labels": "target"},
         input=FLOAT, target=INDEX.class_indices_of("input"), q=Float(0.0, 1.0, lo_open=True), axis=AXIS)
def generalized_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    *,
    q: float = 0.7,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""Generalized cross-entropy: $\ell = (1 - p_y^{q}) / q$, robust to noisy labels.

  Zhang & Sabuncu's $L_q$ loss: $q \to 0$ is cross-entropy,
  $q = 1$ is MAE on the target probability. $p_y^q$ is computed
  as $\exp(q \log p_y)$ from the log-normaliser, so it is finite for
  any logits.

  Args:
    input: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    target: integer class indices, the logits' shape without the class axis.
    q: in (0, 1].
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-element loss.
    axis: the class axis.

  The old keywords ``logits=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> logits = jnp.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.generalized_cross_entropy(logits, jnp.array([0, 1])):.4f}")
    0.7321

  References: Zhang & Sabuncu, "Generalized Cross Entropy Loss for Training
  Deep Neural Networks with Noisy Labels" (NeurIPS 2018).
  """
  name = core.loss_name()
  scores = class_scores(name, "input", input, axis)
  keep = core.as_mask(name, where, scores.shape[:-1])
  z = core.masked_fill(keep, core.to_float(scores, core.compute_dtype(scores)))
  safe, _, out_of_range = core.class_indices(name, "target", target, z.shape[-1], where=keep)
  m, log_s = log_normalizer(z)
  log_p = core.poison((pick_class(z, safe) - m) - log_s, out_of_range)
  return core.reduce_loss(name, (1.0 - jnp.exp(q * log_p)) / q, reduction, keep)


@declare(renamed={"logits": "input"},
         input=FLOAT, axis=AXIS)
def z_loss(
    input: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis: int = -1,
) -> Array:
  r"""PaLM's auxiliary z-loss: $\ell = (\log \sum_c e^{x_c})^2$ per example.

  Keeps the softmax normaliser near 1 (log Z near 0) for stable training.
  Scale it yourself (PaLM uses 1e-4). It needs no labels.

  Args:
    input: ``[..., C]`` (``axis=-1``) or ``[N, C, ...]`` (``axis=1``).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the per-example loss.
    axis: the class axis.

  The old keyword ``logits=`` is still accepted for ``input=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.z_loss(jnp.array([[2.0, 0.5, -1.0]])):.4f}")
    5.0235

  References: Chowdhery et al., "PaLM: Scaling Language Modeling with
  Pathways" (2022), section 5.
  """
  name = core.loss_name()
  scores = class_scores(name, "input", input, axis)
  keep = core.as_mask(name, where, scores.shape[:-1])
  z = core.masked_fill(keep, core.to_float(scores, core.compute_dtype(scores)))
  m, log_s = log_normalizer(z)
  return core.reduce_loss(name, jnp.square(m + log_s), reduction, keep)


def _log_softmax_np(z):
  z = z - z.max(axis=-1, keepdims=True)
  return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _ex_cross_entropy(rng):
  logits = rng.normal(size=(6, 5)) * 2
  labels = rng.integers(0, 5, size=(6,))
  labels[2] = -100  # one ignored target
  return (logits, labels), {"weight": rng.uniform(0.5, 2.0, size=(5,)), "label_smoothing": 0.1}


def _ex_nll_loss(rng):
  logp = _log_softmax_np(rng.normal(size=(6, 5)) * 2)
  labels = rng.integers(0, 5, size=(6,))
  labels[1] = -100
  return (logp, labels), {"weight": rng.uniform(0.5, 2.0, size=(5,))}


def _ex_softmax_focal(rng):
  labels = rng.integers(0, 5, size=(6,))
  labels[3] = -100
  return (rng.normal(size=(6, 5)) * 2, labels), {
      "alpha": rng.uniform(0.2, 1.0, size=(5,)), "gamma": 2.0,
      "weight": rng.uniform(0.5, 2.0, size=(5,))}


def _ex_poly1(rng):
  return (rng.normal(size=(6, 5)) * 2, rng.integers(0, 5, size=(6,))), {"epsilon": 1.5}


def _ex_gce(rng):
  return (rng.normal(size=(6, 5)) * 2, rng.integers(0, 5, size=(6,))), {"q": 0.6}


def _ex_z_loss(rng):
  return (rng.normal(size=(6, 5)) * 2,), {}


SPECS = [
    LossSpec(cross_entropy, "CrossEntropyLoss", _ex_cross_entropy,
             differentiable=("input",), batched=("input", "target"),
             unbounded=("input",), softmax_args=("input",),
             bad_options={"label_smoothing": 1.5, "axis": 3, "weight": np.ones(4)},
             classes={"input": -1}),
    LossSpec(nll_loss, "NLLLoss", _ex_nll_loss,
             differentiable=("input",), batched=("input", "target"),
             unbounded=("input",), bad_options={"weight": np.ones(4), "axis": 5},
             classes={"input": -1}),
    LossSpec(softmax_focal_loss, None, _ex_softmax_focal,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), bad_options={"gamma": -0.5, "alpha": np.ones(3)},
             source="Lin et al. 2017 (multi-class)",
             classes={"input": -1}),
    LossSpec(poly1_cross_entropy, None, _ex_poly1,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), bad_options={"axis": 4},
             source="Leng et al. 2022 (PolyLoss); optax poly_loss_cross_entropy",
             classes={"input": -1}),
    LossSpec(generalized_cross_entropy, None, _ex_gce,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), bad_options={"q": 0.0},
             source="Zhang & Sabuncu 2018 (L_q loss)",
             classes={"input": -1}),
    LossSpec(z_loss, None, _ex_z_loss, differentiable=("input",),
             batched=("input",), unbounded=("input",), bad_options={"axis": 4},
             mismatch=lambda args: (args[0][0, 0],), source="PaLM (Chowdhery et al. 2022)",
             classes={"input": -1}),
]
