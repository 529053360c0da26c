"""Asymmetric loss (ASL, Ridnik et al. 2021) for multi-label and single-label classification.

timm's ``timm/loss/asymmetric_loss.py`` (``AsymmetricLossMultiLabel``, lines
5-50, and ``AsymmetricLossSingleLabel``, lines 53-97; unchanged since
5c5ae8d4) is the reference, transcribed into the fixture generator. On the
classification docs page.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INDEX, LABEL_SMOOTHING, REAL, Bool, Float, declare
from lossjax._spec import LossSpec

__all__ = ["asymmetric_loss", "asymmetric_single_label_loss"]


Array = jax.Array


_GAMMA = Float(lo=0.0)


@declare(input=FLOAT, target=REAL.same_as("input"), gamma_neg=_GAMMA, gamma_pos=_GAMMA, clip=Float(0.0, 1.0),
         eps=Float(0.0, 1.0), detach_focal_weight=Bool())
def asymmetric_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    gamma_neg: float = 4.0,
    gamma_pos: float = 1.0,
    clip: float = 0.05,
    eps: float = 1e-8,
    detach_focal_weight: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Asymmetric loss for multi-label classification (ASL), timm's ``AsymmetricLossMultiLabel``.

  With $p = \sigma(x)$ and the shifted negative probability
  $p_- = \min(1, 1 - p + m)$ (m = ``clip``), each class costs

  $$
  \ell = -\Big(y\,(1 - p)^{\gamma_+} \log \max(p, \epsilon)
  + (1 - y)\,(1 - p_-)^{\gamma_-} \log \max(p_-, \epsilon)\Big):
  $$

  a focal weight per side (γ₋ > γ₊ down-weights the many easy negatives) and
  the clip discards negatives with $p < m$ altogether.
  ``detach_focal_weight=True`` stops the gradient through the weights (timm's
  ``disable_torch_grad_focal_loss``; the ASL paper's code defaults to it, timm
  does not). timm returns the sum over the batch and classes:
  ``reduction="sum"``; "mean" (lossjax's default) divides it by the number of
  elements.

  Args:
    input: logits, ``[..., C]`` (any shape).
    target: multi-hot targets in [0, 1] of the same shape.
    gamma_neg: γ₋ ≥ 0 (4).
    gamma_pos: γ₊ ≥ 0 (1).
    clip: the probability margin m in [0, 1] for negatives (0.05; 0 turns it off).
    eps: the log's floor (1e-8).
    detach_focal_weight: treat the focal weights as constants.
    reduction: "mean" (default, over elements), "sum" (timm's) or "none".
    where: boolean mask broadcastable to the input's shape.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[2.0, -1.0, 0.5, -3.0]])
    >>> y = jnp.array([[1.0, 0.0, 1.0, 0.0]])
    >>> print(f"{lj.asymmetric_loss(x, y, reduction='sum'):.4f}")
    0.1947

  References: Ridnik et al., "Asymmetric Loss For Multi-Label
  Classification" (ICCV 2021); timm ``AsymmetricLossMultiLabel``.
  """
  name = core.loss_name()
  keep, (xf, yf) = core.elementwise(name, where, ("input", input), ("target", target))
  core.check_values(name, "target", yf, lambda t: (t < 0) | (t > 1), "targets in [0, 1]",
                    where=keep)
  p = jax.nn.sigmoid(xf)
  p_neg = 1.0 - p
  if not core.static_equals(clip, 0):
    p_neg = jnp.minimum(p_neg + clip, 1.0)
  values = yf * jnp.log(jnp.maximum(p, eps)) + (1.0 - yf) * jnp.log(jnp.maximum(p_neg, eps))
  if not (core.static_equals(gamma_neg, 0) and core.static_equals(gamma_pos, 0)):
    pt = p * yf + p_neg * (1.0 - yf)
    w = core.power0(1.0 - pt, gamma_pos * yf + gamma_neg * (1.0 - yf))
    values = values * (jax.lax.stop_gradient(w) if detach_focal_weight else w)
  return core.reduce_loss(name, -values, reduction, keep)


@declare(input=FLOAT, target=INDEX.class_indices_of("input"), gamma_pos=_GAMMA, gamma_neg=_GAMMA,
         label_smoothing=LABEL_SMOOTHING)
def asymmetric_single_label_loss(
    input: ArrayLike,
    target: ArrayLike,
    *,
    gamma_pos: float = 1.0,
    gamma_neg: float = 4.0,
    label_smoothing: float = 0.1,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""ASL's single-label form, timm's ``AsymmetricLossSingleLabel``: focal weights on a softmax.

  With $p = \mathrm{softmax}(x)$, the target class $y$ weighted by
  $(1 - p_y)^{\gamma_+}$ and the others by $p_c^{\gamma_-}$, and smoothed
  targets $t = (1 - \varepsilon)\,\mathbb{1}_y + \varepsilon / C$,

  $$
  \ell = -\sum_c t_c\, w_c \log p_c .
  $$

  The weights come from the unsmoothed one-hot and are differentiated
  through, as in timm. "mean" averages over samples (timm's default).

  Args:
    input: ``[N, C]`` logits.
    target: ``[N]`` class indices.
    gamma_pos: γ₊ ≥ 0 (timm's 1; the ASL repository's ``ASLSingleLabel`` uses 0).
    gamma_neg: γ₋ ≥ 0 (4).
    label_smoothing: ε in [0, 1] (timm's ``eps``, 0.1).
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    >>> print(f"{lj.asymmetric_single_label_loss(x, jnp.array([0, 2], jnp.int32)):.4f}")
    0.0295

  References: Ridnik et al. (ICCV 2021); timm ``AsymmetricLossSingleLabel``.
  """
  name = core.loss_name()
  core.check_rank(name, "input", input, 2, " (N, C)")
  core.check_classes(name, "input", input)
  core.check_shape(name, "target", target, input.shape[:1], " (one class index per row)")
  keep = core.as_mask(name, where, input.shape[:1])
  dtype = core.compute_dtype(input)
  xf = core.finite_logits(core.masked_fill(keep, core.to_float(input, dtype)))
  c = xf.shape[1]
  safe, _, out_of_range = core.class_indices(name, "target", target, c, where=keep)
  log_p = jax.nn.log_softmax(xf, axis=-1)
  hot = jax.nn.one_hot(safe, c, dtype=dtype)
  p = jnp.exp(log_p)
  # 1 - p_pos - p_neg: 1 - p_y at the target, p_c elsewhere.
  w = core.power0(1.0 - p * hot - (1.0 - p) * (1.0 - hot), gamma_pos * hot + gamma_neg * (1.0 - hot))
  t = hot * (1.0 - label_smoothing) + label_smoothing / c
  values = -jnp.sum(t * log_p * w, axis=-1)
  values = core.poison(values, out_of_range)
  return core.reduce_loss(name, values, reduction, keep)


def _ex_asl(rng):
  return (rng.normal(size=(5, 4)) * 2.0, (rng.uniform(size=(5, 4)) < 0.4).astype(float)), {
      "gamma_neg": 3.0, "clip": 0.1}


def _ex_asl_single(rng):
  return (rng.normal(size=(6, 5)) * 2.0, rng.integers(0, 5, size=(6,))), {"label_smoothing": 0.2}


SPECS = [
    LossSpec(asymmetric_loss, None, _ex_asl, differentiable=("input",),
             batched=("input", "target"), unbounded=("input",),
             bad_options={"clip": 1.5, "gamma_neg": -1.0},
             source="Ridnik et al. 2021; timm AsymmetricLossMultiLabel"),
    LossSpec(asymmetric_single_label_loss, None, _ex_asl_single,
             differentiable=("input",), batched=("input", "target"), unbounded=("input",),
             softmax_args=("input",), classes={"input": 1},
             bad_options={"label_smoothing": 2.0},
             source="Ridnik et al. 2021; timm AsymmetricLossSingleLabel"),
]
