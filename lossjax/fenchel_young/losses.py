"""Fenchel-Young losses: sparsemax, perceptron and the loss built from any max function.

A Fenchel-Young loss is $L_\\Omega(s, y) = \\Omega^*(s) - \\langle y, s\rangle$ (plus a
constant making it 0 at the right answer), with $\\Omega^*$ a "max" function: the
log-sum-exp gives the softmax cross-entropy, the plain max the perceptron, the
sparsemax's conjugate the sparsemax loss. Its gradient is the prediction minus
the target. optax's ``optax.losses`` functions of the same names are the
reference (Blondel, Martins and Niculae, "Learning with Fenchel-Young Losses",
JMLR 2020).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INDEX, REAL, Function, declare
from lossjax._shared.classes import pick_class
from lossjax._shared.hinges import checked_scores, pm1_hinge, scores_and_labels
from lossjax._spec import LossSpec

__all__ = ["fenchel_young_loss", "sparsemax_loss", "multiclass_sparsemax_loss", "perceptron_loss", "multiclass_perceptron_loss"]


Array = jax.Array


def _binary_labels(name: str, labels: Array, keep: Array | None) -> Array:
  """Checks {0, 1} labels (where known); any other value, NaN included, poisons its element."""
  core.check_values(name, "target", labels, lambda t: (t != 0) & (t != 1), "values in {0, 1}",
                    where=keep)
  return (labels != 0) & (labels != 1)


@declare(renamed={"scores": "input", "targets": "target"},
         input=FLOAT, target=REAL.same_as("input"), max_fun=Function())
def fenchel_young_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    max_fun: Callable[[Array], Array] | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""The Fenchel-Young loss of a max function: $\ell = \Omega^*(s) - \langle y, s\rangle$.

  ``max_fun`` maps one score vector ``(C,)`` to a scalar (it is vectorised
  over the leading axes, as optax's ``make_fenchel_young_loss`` does); the
  default, ``jax.nn.logsumexp``, gives the softmax cross-entropy with
  probability targets. ``lj.fenchel_young_loss(s, y, max_fun=f,
  reduction="none")`` equals ``optax.losses.make_fenchel_young_loss(f)(s, y)``.

  Args:
    input: ``[..., C]`` scores.
    target: ``[..., C]`` targets (one-hot or a point of the max function's domain).
    max_fun: ``(C,) -> ()``, convex; default the log-sum-exp.
    reduction: "mean" (default, over score vectors), "sum" or "none".
    where: boolean mask broadcastable to the per-vector loss ``[...]``.

  The old keywords ``scores=``, ``targets=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> s, y = jnp.array([[2.0, 0.5, -1.0]]), jnp.array([[1.0, 0.0, 0.0]])
    >>> print(f"{lj.fenchel_young_loss(s, y, max_fun=jax.nn.logsumexp):.4f}")
    0.2413

  References: Blondel et al., "Learning with Fenchel-Young Losses" (JMLR
  2020); optax ``make_fenchel_young_loss``.
  """
  name = core.loss_name()
  checked_scores(name, "input", input)
  keep = core.as_mask(name, where, input.shape[:-1])
  dtype = core.compute_dtype(input, target)
  s, y = (core.masked_fill(keep, core.to_float(a, dtype)) for a in (input, target))
  f = jax.nn.logsumexp if max_fun is None else max_fun
  values = jnp.vectorize(f, signature="(n)->()")(s) - jnp.sum(y * s, axis=-1)
  return core.reduce_loss(name, values.astype(dtype), reduction, keep)


@declare(renamed={"logits": "input", "labels": "target"},
         input=FLOAT, target=REAL.same_as("input"))
def sparsemax_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Binary sparsemax loss: $\ell = \mathrm{sparseplus}(-x)$ for $y = 1$, $\mathrm{sparseplus}(x)$ for $y = 0$.

  The two-class Fenchel-Young loss of the sparsemax, with
  $\mathrm{sparseplus}(z) = 0$ for $z \le -1$, $(z + 1)^2 / 4$ for
  $|z| < 1$ and $z$ for $z \ge 1$: a logistic loss whose probability
  reaches exactly 0 and 1. Equal to optax's ``sparsemax_loss``.

  Args:
    input: scores, any shape.
    target: labels in {0, 1} of the same shape (checked on concrete inputs; any
      other value gives NaN inside ``jit``).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the logits' shape.

  The old keywords ``logits=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.sparsemax_loss(jnp.array([2.0, 0.5, -0.5]), jnp.array([1.0, 0.0, 1.0])):.4f}")
    0.3750

  References: Martins & Astudillo, "From Softmax to Sparsemax" (ICML 2016);
  Blondel et al. (JMLR 2020); optax ``sparsemax_loss``.
  """
  name = core.loss_name()
  keep, (x, y) = core.elementwise(name, where, ("input", input), ("target", target))
  bad = _binary_labels(name, target, keep)
  values = jax.nn.sparse_plus(jnp.where(y == 1, -x, x))
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)


def _sparsemax(z: Array) -> Array:
  """The Euclidean projection of each row of ``z`` onto the simplex (Martins & Astudillo, Alg. 1)."""
  z_sorted = -jnp.sort(-z, axis=-1)  # descending
  cumsum = jnp.cumsum(z_sorted, axis=-1)
  k = jax.lax.broadcasted_iota(z.dtype, z.shape, z.ndim - 1) + 1.0  # 1, ..., C
  support = 1.0 + k * z_sorted > cumsum  # a prefix of the sorted scores
  size = jnp.sum(support, axis=-1, keepdims=True)
  tau = (jnp.take_along_axis(cumsum, size - 1, axis=-1) - 1.0) / size.astype(z.dtype)
  return jnp.maximum(z - tau, 0.0)


@declare(renamed={"scores": "input", "labels": "target"},
         input=FLOAT, target=INDEX.class_indices_of("input"))
def multiclass_sparsemax_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Multi-class sparsemax loss: $\ell = \langle p, s\rangle - \tfrac12\|p\|^2 + \tfrac12 - s_y$, $p = \mathrm{sparsemax}(s)$.

  The Fenchel-Young loss of the sparsemax (the Gini negentropy's conjugate):
  its gradient is $p - e_y$, and it is 0 once $s_y$ leads every other
  score by 1. Equal to optax's ``multiclass_sparsemax_loss``, for any number of
  leading axes.

  Args:
    input: ``[..., C]`` scores.
    target: integer class indices ``[...]``.
    reduction: "mean" (default), "sum" or "none" (per score vector).
    where: boolean mask broadcastable to the per-vector loss.

  The old keywords ``scores=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s = jnp.array([[2.0, 1.5, -1.0]])
    >>> print(f"{lj.multiclass_sparsemax_loss(s, jnp.array([1])):.4f}")
    0.5625

  References: Martins & Astudillo (ICML 2016); Blondel et al. (JMLR 2020);
  optax ``multiclass_sparsemax_loss``.
  """
  name = core.loss_name()
  keep, z, safe, bad = scores_and_labels(name, input, target, where)
  p = _sparsemax(z)
  values = (jnp.sum(p * z, axis=-1) + 0.5 * (1.0 - jnp.sum(p * p, axis=-1))
            - pick_class(z, safe))
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)


@declare(input=FLOAT, target=REAL.same_as("input"))
def perceptron_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Binary perceptron loss: $\ell = \max(0, -y x)$ with $y \in \{-1, 1\}$.

  The hinge without a margin (the Fenchel-Young loss of the max over
  ``{-x, x}``). Equal to optax's ``perceptron_loss``.

  Args:
    input: scores, any shape.
    target: labels in {-1, 1} of the same shape (checked on concrete inputs).
    reduction: "mean" (default), "sum" or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> print(f"{lj.perceptron_loss(jnp.array([2.0, -0.5]), jnp.array([1.0, 1.0])):.4f}")
    0.2500

  References: Rosenblatt (1958); optax ``perceptron_loss``.
  """
  # The hinge with no margin.
  return pm1_hinge(core.loss_name(), input, target, 0.0, False, reduction, where)


@declare(renamed={"scores": "input", "labels": "target"},
         input=FLOAT, target=INDEX.class_indices_of("input"))
def multiclass_perceptron_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Multi-class perceptron loss: $\ell = \max_c s_c - s_y$.

  The Fenchel-Young loss of the plain max. Equal to optax's
  ``multiclass_perceptron_loss``.

  Args:
    input: ``[..., C]`` scores.
    target: integer class indices ``[...]``.
    reduction: "mean" (default), "sum" or "none" (per score vector).
    where: boolean mask broadcastable to the per-vector loss.

  The old keywords ``scores=``, ``labels=`` are still accepted for ``input=``, ``target=``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> s = jnp.array([[2.0, 1.5, -1.0]])
    >>> print(f"{lj.multiclass_perceptron_loss(s, jnp.array([1])):.4f}")
    0.5000

  References: Collins, "Discriminative Training Methods for Hidden Markov
  Models" (2002); optax ``multiclass_perceptron_loss``.
  """
  name = core.loss_name()
  keep, z, safe, bad = scores_and_labels(name, input, target, where)
  values = jnp.max(z, axis=-1) - pick_class(z, safe)
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)


def _ex_fy(rng):
  return (rng.normal(size=(6, 4)), rng.dirichlet(np.ones(4), size=6)), {}


def _ex_binary01(rng):
  return (rng.normal(size=(6, 3)) * 1.5, (rng.uniform(size=(6, 3)) < 0.5).astype(np.float64)), {}


def _ex_pm1(rng):
  return (rng.normal(size=(6, 3)), np.where(rng.uniform(size=(6, 3)) < 0.5, -1.0, 1.0)), {}


def _ex_multiclass(rng):
  return (rng.normal(size=(6, 5)), rng.integers(0, 5, size=(6,))), {}


_SOURCE = "optax (Blondel et al. 2020)"


SPECS = [
    LossSpec(fenchel_young_loss, None, _ex_fy, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",), softmax_args=(),
             source=_SOURCE, classes={"input": -1, "target": -1}),
    LossSpec(sparsemax_loss, None, _ex_binary01, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",), source=_SOURCE),
    LossSpec(multiclass_sparsemax_loss, None, _ex_multiclass,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), source=_SOURCE, classes={"input": -1}),
    LossSpec(perceptron_loss, None, _ex_pm1, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",), source=_SOURCE),
    LossSpec(multiclass_perceptron_loss, None, _ex_multiclass,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), source=_SOURCE, classes={"input": -1}),
]
