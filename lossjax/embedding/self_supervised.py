"""Self-supervised losses on two views' embeddings: VICReg and Barlow Twins.

Both are batch statistics (variances, covariances, cross-correlations). As
for `load_balancing_loss`, "none" gives each sample a share of the batch loss
whose mean is the loss itself (and whose gradient is exactly the loss's):
"mean" is the reference's number. ``where`` removes samples from the batch
statistics. On the embedding docs page.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Float, declare
from lossjax._spec import LossSpec

__all__ = ["vicreg_loss", "barlow_twins_loss"]


Array = jax.Array

#: (N, D) embeddings with at least one feature.
_FEATURES = FLOAT.non_empty(-1)


def _views(name, a, b, where):
  core.check_rank(name, "input1", a, 2, " (N, F) embeddings of the first view")
  keep = core.as_mask(name, where, a.shape[:1])
  dtype = core.compute_dtype(a, b)
  x, y = (core.masked_fill(keep, core.to_float(v, dtype)) for v in (a, b))
  n = (jnp.asarray(a.shape[0], dtype) if keep is None else jnp.sum(keep, dtype=dtype))
  rows = None if keep is None else keep[:, None].astype(dtype)
  return x, y, keep, n, rows


def _centred(x, n, rows):
  mean = jnp.sum(x, axis=0) / jnp.maximum(n, 1.0)
  xc = x - mean[None, :]
  return xc if rows is None else xc * rows  # masked rows stay out of every statistic


def _off_diagonal(m):
  return jnp.where(jnp.eye(m.shape[0], dtype=bool), 0.0, m)


@declare(whole_batch="variance and covariance over the batch",
         input1=_FEATURES, input2=_FEATURES.same_as("input1"), sim_coeff=Float(lo=0.0), std_coeff=Float(lo=0.0),
         cov_coeff=Float(lo=0.0), eps=Float(lo=0.0))
def vicreg_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    *,
    sim_coeff: float = 25.0,
    std_coeff: float = 25.0,
    cov_coeff: float = 1.0,
    eps: float = 1e-4,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""VICReg (Bardes et al. 2022): invariance, variance and covariance terms on two views.

  For embeddings $X, Y$ of N samples and F features (centred per feature,
  unbiased statistics as the reference),

  $$
  \ell = \lambda\,\frac{\|X - Y\|^2}{NF}
  + \mu\,\tfrac12\sum_{Z \in \{X, Y\}} \frac1F\sum_j \max\big(0, 1 - \sqrt{\mathrm{Var}(Z_j) + \epsilon}\big)
  + \nu \sum_{Z \in \{X, Y\}} \frac1F \sum_{j \ne k} C(Z)_{jk}^2 ,
  $$

  with $C(Z) = Z^\top Z / (N - 1)$: the reference's ``VICReg.forward``
  (λ = ``sim_coeff``, μ = ``std_coeff``, ν = ``cov_coeff``, 25/25/1).

  Args:
    input1: ``(N, F)`` embeddings of the first view (after the expander).
    input2: ``(N, F)`` embeddings of the second view.
    sim_coeff: λ ≥ 0, the invariance weight.
    std_coeff: μ ≥ 0, the variance weight.
    cov_coeff: ν ≥ 0, the covariance weight.
    eps: ε added to the variance before the square root (1e-4).
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
    where: boolean mask over samples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x = jax.random.normal(jax.random.key(0), (16, 4), jnp.float32)
    >>> y = x + 0.1 * jax.random.normal(jax.random.key(1), (16, 4), jnp.float32)
    >>> print(f"{lj.vicreg_loss(x, y):.4f}")
    1.1604

  References: Bardes, Ponce & LeCun, "VICReg: Variance-Invariance-Covariance
  Regularization for Self-Supervised Learning" (ICLR 2022);
  facebookresearch/vicreg ``main_vicreg.py`` (lines 198-218).
  """
  name = core.loss_name()
  x, y, keep, n, rows = _views(name, input1, input2, where)
  f = x.shape[1]
  invariance = jnp.mean(jnp.square(x - y), axis=1)
  dof = jnp.maximum(n - 1.0, 1.0)
  values = sim_coeff * invariance
  for z in (x, y):
    zc = _centred(z, n, rows)
    var = jnp.sum(jnp.square(zc), axis=0) / dof
    std_term = jnp.mean(jax.nn.relu(1.0 - core.safe_sqrt(var + eps))) / 2
    off = _off_diagonal(zc.T @ zc / dof)
    # Σ_{j≠k} C_jk² / F written as a sum over samples: n z_n^T off z_n / ((n-1) F) has mean
    # (over the n samples) exactly Σ off C / F = Σ off² / F, gradient included.
    cov_share = n * jnp.sum((zc @ off) * zc, axis=1) / (dof * f)
    values = values + std_coeff * std_term + cov_coeff * cov_share
  return core.reduce_loss(name, values, reduction, keep)


@declare(whole_batch="the cross-correlation matrix over the batch",
         input1=_FEATURES, input2=_FEATURES.same_as("input1"), lambd=Float(lo=0.0), eps=Float(lo=0.0))
def barlow_twins_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    *,
    lambd: float = 0.0051,
    eps: float = 1e-5,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Barlow Twins (Zbontar et al. 2021): the cross-correlation of two views pushed to the identity.

  Each view is batch-normalised per feature (biased variance, ε = 1e-5, no
  affine part: ``BatchNorm1d(affine=False)`` in training mode), then
  $\mathcal{C} = \hat Z_1^\top \hat Z_2 / N$ and

  $$
  \ell = \sum_j (1 - \mathcal{C}_{jj})^2 + \lambda \sum_{j \ne k} \mathcal{C}_{jk}^2 ,
  $$

  as the reference's ``BarlowTwins.forward`` (λ = 0.0051).

  Args:
    input1: ``(N, F)`` projections of the first view.
    input2: ``(N, F)`` projections of the second view.
    lambd: λ ≥ 0, the off-diagonal weight.
    eps: the batch norm's ε.
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
    where: boolean mask over samples.

  Examples:
    >>> import jax, jax.numpy as jnp, lossjax as lj
    >>> x = jax.random.normal(jax.random.key(0), (16, 4), jnp.float32)
    >>> y = x + 0.1 * jax.random.normal(jax.random.key(1), (16, 4), jnp.float32)
    >>> print(f"{lj.barlow_twins_loss(x, y):.4f}")
    0.0024

  References: Zbontar et al., "Barlow Twins: Self-Supervised Learning via
  Redundancy Reduction" (ICML 2021); facebookresearch/barlowtwins ``main.py``
  (lines 205-220).
  """
  name = core.loss_name()
  x, y, keep, n, rows = _views(name, input1, input2, where)
  count = jnp.maximum(n, 1.0)

  def batch_norm(z):
    zc = _centred(z, n, rows)
    var = jnp.sum(jnp.square(zc), axis=0) / count
    return zc / jnp.sqrt(var + eps)[None, :]

  a, b = batch_norm(x), batch_norm(y)
  eye = jnp.eye(x.shape[1], dtype=a.dtype)
  c = a.T @ b / count
  weights = jnp.where(eye == 1, 1.0, lambd)
  # Σ_jk w_jk (C - I)_jk² as a mean over samples of Σ_jk w_jk (C - I)_jk (a_nj b_nk - I_jk):
  # the same function of the inputs, so the same gradient.
  g = weights * (c - eye)
  values = jnp.sum((a @ g) * b, axis=1) - jnp.sum(g * eye)
  if rows is not None:
    values = values * rows[:, 0]
  return core.reduce_loss(name, values, reduction, keep)


def _ex_views(rng):
  x = rng.normal(size=(8, 5))
  return (x, x + 0.3 * rng.normal(size=(8, 5))), {}


SPECS = [
    LossSpec(vicreg_loss, None, _ex_views, differentiable=("input1", "input2"),
             batched=("input1", "input2"), unbounded=("input1", "input2"),
             bad_options={"eps": -1.0}, source="Bardes et al. 2022; facebookresearch/vicreg"),
    LossSpec(barlow_twins_loss, None, _ex_views,
             differentiable=("input1", "input2"), batched=("input1", "input2"),
             unbounded=("input1", "input2"), bad_options={"lambd": -0.1},
             source="Zbontar et al. 2021; facebookresearch/barlowtwins"),
]
