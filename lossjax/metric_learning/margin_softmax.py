"""Margin softmax for recognition: ArcFace, CosFace, SphereFace, sub-centre ArcFace.

The margin-softmax losses are a cross-entropy over scaled cosines between the
L2-normalised embeddings and the L2-normalised class centres (``weight``, a
learnable argument), with a margin applied to the target class's cosine only.
They follow pytorch-metric-learning 2.9.0 (``losses/large_margin_softmax_loss.py``
and its subclasses), which the fixtures run for real; "mean" is its
``MeanReducer`` over the samples. ``weight`` is ``[C, D]`` (class centres as
rows, ``nn.Linear``'s and insightface's layout) or ``[D, C]`` with
``layout="dv"`` (pytorch-metric-learning's ``loss.W``). Margins are in
radians (pytorch-metric-learning takes degrees: its ArcFace default 28.6° is
``margin=np.radians(28.6)`` = 0.4992 here).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INT, LAYOUT, Bool, Float, Int, declare
from lossjax._shared.vectors import embedding_matrix, unit_rows
from lossjax._spec import LossSpec

__all__ = ["arcface_loss", "cosface_loss", "sphereface_loss", "subcenter_arcface_loss"]


Array = jax.Array


def _cosines(name, embeddings, labels, weight, layout, where, sub_centers=1):
  """Cosines [N, C] between unit embeddings and unit class centres (max over sub-centres)."""
  x = embedding_matrix(name, "embeddings", embeddings)
  core.linear_head(name, "weight", weight, x.shape[1], layout, rows="C")
  w = weight if layout == "vd" else weight.T
  if w.shape[0] % sub_centers:
    raise ValueError(f"{name}: argument `weight` has {w.shape[0]} centres, expected a multiple "
                     f"of sub_centers={sub_centers} (C * sub_centers)")
  core.check_int(name, "labels", labels)
  keep = core.as_mask(name, where, x.shape[:1])
  dtype = core.compute_dtype(x, w)
  xf = core.masked_fill(keep, core.to_float(x, dtype))
  cos = unit_rows(xf) @ unit_rows(core.to_float(w, dtype)).T
  if sub_centers > 1:
    # Column c * K + k is sub-centre k of class c; the closest sub-centre counts.
    cos = jnp.max(cos.reshape(cos.shape[0], cos.shape[1] // sub_centers, sub_centers), axis=-1)
  num_classes = cos.shape[1]
  safe, valid, out_of_range = core.class_indices(
      name, "labels", labels, num_classes, where=keep,
      expected=f"class indices in [0, {num_classes})")
  hot = jax.nn.one_hot(safe, num_classes, dtype=bool)
  target = jnp.sum(jnp.where(hot, cos, 0.0), axis=1)
  return xf, cos, hot, target, keep, out_of_range


def _margin_ce(name, cos, hot, target, modified, logit_scale, keep, out_of_range, reduction):
  """Cross-entropy of ``logit_scale * cos`` with the target cosine replaced by ``modified``."""
  # As pytorch-metric-learning: cos + onehot * (modified - target), then scaled.
  logits = (cos + jnp.where(hot, (modified - target)[:, None], 0.0)) * logit_scale
  values = jax.nn.logsumexp(logits, axis=1) - jnp.sum(jnp.where(hot, logits, 0.0), axis=1)
  if out_of_range is not None:
    values = core.poison(values, out_of_range)
  return core.reduce_loss(name, values, reduction, keep)


def _sin(cos: Array) -> Array:
  """sin θ = sqrt(1 - cos²) for θ in [0, π], with a finite gradient at |cos| = 1."""
  return core.safe_sqrt(jnp.clip(1.0 - jnp.square(cos), 0.0, None))


def _arcface_target(c: Array, margin: float, easy_margin: bool) -> Array:
  """cos(θ + m), with the reference code's fallback where θ + m would pass π."""
  cos, sin = (math.cos, math.sin) if core.is_static(margin) else (jnp.cos, jnp.sin)
  phi = c * cos(margin) - _sin(c) * sin(margin)  # cos(θ + m)
  if easy_margin:
    return jnp.where(c > 0, phi, c)  # insightface's easy_margin
  # θ <= π - m keeps cos(θ + m); beyond it cos θ - m sin m (pytorch-metric-learning,
  # insightface's th/mm), so the target logit stays monotonic in θ.
  return jnp.where(c >= cos(math.pi - margin), phi, c - margin * sin(margin))


POSITIVE_SCALE = Float(lo=0.0, lo_open=True)


_MARGIN_OPTIONS = dict(embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), weight=FLOAT, layout=LAYOUT,
                       scale=POSITIVE_SCALE)


@declare(**_MARGIN_OPTIONS, margin=Float(0.0, math.pi / 2), easy_margin=Bool())
def arcface_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    weight: ArrayLike,
    *,
    scale: float = 64.0,
    margin: float = 0.5,
    easy_margin: bool = False,
    layout: str = "vd",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""ArcFace (additive angular margin, Deng et al. 2019): cross-entropy of $s\cos(\theta_y + m)$ against $s\cos\theta_c$.

  With $\cos\theta_c$ the cosine between the sample and class centre $c$,

  $$
  \ell = -\log \frac{e^{s\,\psi(\theta_y)}}{e^{s\,\psi(\theta_y)} + \sum_{c \ne y} e^{s \cos\theta_c}},
  \qquad \psi(\theta) = \begin{cases} \cos(\theta + m) & \theta \le \pi - m \\
  \cos\theta - m \sin m & \text{otherwise} \end{cases}
  $$

  (pytorch-metric-learning's ``ArcFaceLoss`` and insightface's default; with
  ``easy_margin`` the margin applies only where $\cos\theta > 0$).

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` class indices in ``[0, C)``.
    weight: class centres, ``(C, D)`` (or ``(D, C)`` with ``layout="dv"``), normalised inside.
    scale: s > 0 (64, the paper's and pytorch-metric-learning's).
    margin: m in radians, in [0, π/2] (0.5, the paper's; pytorch-metric-learning's
      28.6° is 0.4992).
    easy_margin: apply the margin only to positive cosines.
    layout: "vd" (``(C, D)``, default) or "dv" (``(D, C)``).
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.2], [0.1, 1.0], [-1.0, 0.3]])
    >>> w = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(f"{lj.arcface_loss(x, jnp.array([0, 1, 2]), w, scale=8.0):.4f}")
    0.0165

  References: Deng et al., "ArcFace: Additive Angular Margin Loss for Deep
  Face Recognition" (CVPR 2019); pytorch-metric-learning ``ArcFaceLoss``;
  insightface ``ArcMarginProduct``.
  """
  name = core.loss_name()
  _, cos, hot, target, keep, oor = _cosines(name, embeddings, labels, weight, layout, where)
  return _margin_ce(name, cos, hot, target, _arcface_target(target, margin, easy_margin), scale,
                    keep, oor, reduction)


@declare(**_MARGIN_OPTIONS, margin=Float(lo=0.0))
def cosface_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    weight: ArrayLike,
    *,
    scale: float = 64.0,
    margin: float = 0.35,
    layout: str = "vd",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""CosFace / AM-softmax (additive cosine margin, Wang et al. 2018): the target logit is $s(\cos\theta_y - m)$.

  $$
  \ell = -\log \frac{e^{s(\cos\theta_y - m)}}{e^{s(\cos\theta_y - m)} + \sum_{c \ne y} e^{s \cos\theta_c}}
  $$

  as pytorch-metric-learning's ``CosFaceLoss`` (s = 64, m = 0.35).

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` class indices in ``[0, C)``.
    weight: class centres, ``(C, D)`` (or ``(D, C)`` with ``layout="dv"``).
    scale: s > 0.
    margin: m ≥ 0, subtracted from the target cosine.
    layout: "vd" (default) or "dv".
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.2], [0.1, 1.0], [-1.0, 0.3]])
    >>> w = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(f"{lj.cosface_loss(x, jnp.array([0, 1, 2]), w, scale=8.0):.4f}")
    0.0400

  References: Wang et al., "CosFace: Large Margin Cosine Loss for Deep Face
  Recognition" (CVPR 2018); Wang et al., "Additive Margin Softmax" (2018);
  pytorch-metric-learning ``CosFaceLoss``.
  """
  name = core.loss_name()
  _, cos, hot, target, keep, oor = _cosines(name, embeddings, labels, weight, layout, where)
  return _margin_ce(name, cos, hot, target, target - margin, scale, keep, oor, reduction)


@declare(**_MARGIN_OPTIONS, margin=Int(lo=1))
def sphereface_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    weight: ArrayLike,
    *,
    scale: float = 1.0,
    margin: int = 4,
    layout: str = "vd",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""SphereFace / A-softmax (multiplicative angular margin, Liu et al. 2017).

  The target logit is $s\,\|x\|\,\psi(\theta_y)$ with
  $\psi(\theta) = (-1)^k \cos(m\theta) - 2k$ for
  $\theta \in [k\pi/m, (k+1)\pi/m]$, the others $s\,\|x\|\cos\theta_c$:

  $$
  \ell = -\log \frac{e^{s\|x\|\psi(\theta_y)}}{e^{s\|x\|\psi(\theta_y)} + \sum_{c \ne y} e^{s\|x\| \cos\theta_c}}
  $$

  as pytorch-metric-learning's ``SphereFaceLoss`` ($\cos m\theta$ by the
  multiple-angle expansion in $\cos\theta$, k not differentiated; the
  embedding's own norm $\|x\|$ scales every logit; no λ annealing).

  Args:
    embeddings: ``(N, D)`` embeddings (their norms scale the logits).
    labels: ``(N,)`` class indices in ``[0, C)``.
    weight: class centres, ``(C, D)`` (or ``(D, C)`` with ``layout="dv"``).
    scale: s > 0 (1, pytorch-metric-learning's).
    margin: the integer m ≥ 1 (4, the paper's).
    layout: "vd" (default) or "dv".
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.2], [0.1, 1.0], [-1.0, 0.3]])
    >>> w = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(f"{lj.sphereface_loss(x, jnp.array([0, 1, 2]), w, scale=4.0):.4f}")
    0.2228

  References: Liu et al., "SphereFace: Deep Hypersphere Embedding for Face
  Recognition" (CVPR 2017); pytorch-metric-learning ``SphereFaceLoss``.
  """
  name = core.loss_name()
  xf, cos, hot, target, keep, oor = _cosines(name, embeddings, labels, weight, layout, where)
  c = target
  # cos(mθ) = Σ_n (-1)^n C(m, 2n) cos^(m-2n) θ sin^(2n) θ, sin² = 1 - cos².
  cos_m = sum((-1) ** k * math.comb(margin, 2 * k) * c ** (margin - 2 * k)
              * (1.0 - jnp.square(c)) ** k for k in range(margin // 2 + 1))
  theta = jnp.arccos(lax.stop_gradient(jnp.clip(c, -1.0, 1.0)))
  k = lax.stop_gradient(jnp.floor(theta / (math.pi / margin)))
  psi = jnp.where(jnp.mod(k, 2) == 0, 1.0, -1.0) * cos_m - 2.0 * k
  norms = core.safe_norm(xf)[:, None]
  return _margin_ce(name, cos, hot, target, psi, scale * norms, keep, oor, reduction)


@declare(**_MARGIN_OPTIONS, margin=Float(0.0, math.pi / 2), sub_centers=Int(lo=1),
         easy_margin=Bool())
def subcenter_arcface_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    weight: ArrayLike,
    *,
    sub_centers: int = 3,
    scale: float = 64.0,
    margin: float = 0.5,
    easy_margin: bool = False,
    layout: str = "vd",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Sub-center ArcFace (Deng et al. 2020): ArcFace against the closest of K centres per class.

  ``weight`` holds ``C * K`` centres, rows ``c*K ... c*K + K - 1`` for class c;
  $\cos\theta_c = \max_k \cos(x, w_{c,k})$, then `arcface_loss`'s margin and
  cross-entropy (pytorch-metric-learning's ``SubCenterArcFaceLoss``: the max is
  taken before the margin).

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` class indices in ``[0, C)``.
    weight: ``(C * K, D)`` centres (or ``(D, C * K)`` with ``layout="dv"``).
    sub_centers: K ≥ 1 (3, the paper's).
    scale: s > 0.
    margin: m in radians, in [0, π/2].
    easy_margin: apply the margin only to positive cosines.
    layout: "vd" (default) or "dv".
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.2], [0.1, 1.0]])
    >>> w = jnp.array([[1.0, 0.0], [0.7, 0.7], [0.0, 1.0], [-0.7, 0.7]])  # 2 classes x 2
    >>> print(f"{lj.subcenter_arcface_loss(x, jnp.array([0, 1]), w, sub_centers=2, scale=8.0):.4f}")
    0.2592

  References: Deng et al., "Sub-center ArcFace: Boosting Face Recognition by
  Large-scale Noisy Web Faces" (ECCV 2020); pytorch-metric-learning
  ``SubCenterArcFaceLoss``.
  """
  name = core.loss_name()
  _, cos, hot, target, keep, oor = _cosines(name, embeddings, labels, weight, layout, where,
                                            sub_centers)
  return _margin_ce(name, cos, hot, target, _arcface_target(target, margin, easy_margin), scale,
                    keep, oor, reduction)


def _ex_margin(k=1, **kw):
  def build(rng):
    return (rng.normal(size=(6, 4)), rng.integers(0, 3, size=(6,)),
            rng.normal(size=(3 * k, 4))), dict(kw)
  return build


_MARGIN_ARGS = dict(differentiable=("embeddings", "weight"), batched=("embeddings", "labels"),
                    unbounded=("embeddings", "weight"), classes={"weight": 0})


SPECS = [
    LossSpec(arcface_loss, None, _ex_margin(scale=8.0, margin=0.3),
             bad_options={"scale": 0.0, "margin": 2.0, "layout": "cd"},
             source="Deng et al. 2019; pytorch-metric-learning ArcFaceLoss", **_MARGIN_ARGS),
    LossSpec(cosface_loss, None, _ex_margin(scale=8.0, margin=0.2),
             bad_options={"scale": -1.0, "margin": -0.1},
             source="Wang et al. 2018; pytorch-metric-learning CosFaceLoss", **_MARGIN_ARGS),
    LossSpec(sphereface_loss, None, _ex_margin(scale=0.5, margin=2),
             bad_options={"margin": 0},
             source="Liu et al. 2017; pytorch-metric-learning SphereFaceLoss", **_MARGIN_ARGS),
    LossSpec(subcenter_arcface_loss, None,
             _ex_margin(2, sub_centers=2, scale=2.0, margin=0.3),
             bad_options={"sub_centers": 0},
             source="Deng et al. 2020; pytorch-metric-learning SubCenterArcFaceLoss",
             **_MARGIN_ARGS),
]
