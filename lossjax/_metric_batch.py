r"""Batch-level metric learning: proxy-anchor, lifted structure and the margin loss.

These three are not a mean of per-sample losses: proxy-anchor averages over
classes, lifted structure over positive pairs, the margin loss over the
triplets that are still active. They follow pytorch-metric-learning 2.9.0
with its default miner off (``losses/proxy_anchor_loss.py``,
``losses/lifted_structure_loss.py``, ``losses/margin_loss.py``), which the
fixtures run for real; "mean" (the default) is the reference's number.

As for `vicreg_loss`, "none" gives each sample a share of the batch loss whose
mean over the kept samples is the loss itself (so its gradient is exactly
the loss's): a pair's or triplet's term goes to its anchor, a class's term
to that class's samples. "sum" is the sum of the shares. ``where`` removes
samples from the batch, as slicing them out would. On the metric-learning
docs page.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._contrastive import _masked_logsumexp
from lossjax._declare import FLOAT, INT, ArrayOption, Float, declare
from lossjax._metric import _pairs, _present, _unit_batch, _unit_proxies
from lossjax._spec import LossSpec

Array = jax.Array

__all__ = ["proxy_anchor_loss", "lifted_structure_loss", "margin_loss"]


def _log1p_sum_exp(s: Array, mask: Array, axis: int) -> Array:
  """log(1 + Σ exp(s)) over ``mask`` along ``axis``: pytorch-metric-learning's
  ``logsumexp(add_one=True)``; the 1 is an extra entry 0, so the max is never -inf."""
  m = jax.lax.stop_gradient(jnp.max(jnp.where(mask, s, -jnp.inf), axis=axis, initial=0.0))
  total = jnp.sum(jnp.exp(jnp.where(mask, s - jnp.expand_dims(m, axis), -jnp.inf)), axis=axis)
  return jnp.log(total + jnp.exp(-m)) + m


def _shares(per_anchor: Array, total: Array, present: Array) -> Array:
  """Each sample's share n Σ_its terms / total over the n kept samples: their mean is the batch
  loss Σ terms / total, its gradient included (0 when total is 0)."""
  return jnp.sum(present, dtype=per_anchor.dtype) * core.safe_div(per_anchor, total)


@declare(embeddings=FLOAT, labels=INT, proxies=FLOAT, margin=Float(), alpha=Float(lo=0.0, lo_open=True))
def proxy_anchor_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    proxies: ArrayLike,
    *,
    margin: float = 0.1,
    alpha: float = 32.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Proxy-anchor (Kim et al. 2020): each class proxy pulls its samples and pushes all others.

  With $s_{ic}$ the cosine between sample $i$ and proxy $c$, $P^+$ the classes
  present in the batch, $X_c^+$ the samples of class $c$ and $X_c^-$ the rest,

  $$
  \ell = \frac{1}{|P^+|}\sum_{c \in P^+} \log\Big(1 + \sum_{i \in X_c^+} e^{-\alpha(s_{ic} - \delta)}\Big)
  + \frac{1}{C}\sum_{c} \log\Big(1 + \sum_{i \in X_c^-} e^{\alpha(s_{ic} + \delta)}\Big),
  $$

  pytorch-metric-learning's ``ProxyAnchorLoss`` (δ = ``margin`` 0.1, α =
  ``alpha`` 32). In "none", sample $i$ gets $n\,/(|X_{y_i}^+|\,|P^+|)$ times its
  class's first term plus the second term's mean.

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` class indices in ``[0, C)``.
    proxies: ``(C, D)`` class proxies (normalised inside; PML's ``loss.proxies``).
    margin: δ.
    alpha: α > 0, the scale.
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.2], [0.1, 1.0], [-1.0, 0.3]])
    >>> p = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(f"{lj.proxy_anchor_loss(x, jnp.array([0, 1, 2]), p, alpha=8.0):.4f}")
    2.0004

  References: Kim et al., "Proxy Anchor Loss for Deep Metric Learning"
  (CVPR 2020); pytorch-metric-learning ``ProxyAnchorLoss``.
  """
  name = "proxy_anchor_loss"
  unit, keep = _unit_batch(name, embeddings, labels, where)
  p = _unit_proxies(name, proxies, unit)
  n, c = unit.shape[0], p.shape[0]
  present = _present(keep, n)
  safe, _, oor = core.class_indices(name, "labels", labels, c, where=keep)
  cos = unit @ p.T
  hot = jax.nn.one_hot(safe, c, dtype=bool) & present[:, None]
  pull = _log1p_sum_exp(-alpha * (cos - margin), hot, axis=0)  # [C], 0 for an absent class
  push = _log1p_sum_exp(alpha * (cos + margin), ~hot & present[:, None], axis=0)
  members = jnp.sum(hot, axis=0, dtype=cos.dtype)
  classes = jnp.sum(members > 0, dtype=cos.dtype)
  # Class y's pull split over its members, so the kept samples' mean is Σ pull / |P+|.
  own = jnp.sum(jnp.where(hot, (pull / jnp.maximum(members, 1))[None, :], 0.0), axis=1)
  shares = _shares(own, classes, present) + jnp.sum(push) / c
  return core.reduce_loss(name, core.poison(shares, oor), reduction, keep)


@declare(embeddings=FLOAT, labels=INT, pos_margin=Float(), neg_margin=Float())
def lifted_structure_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    *,
    pos_margin: float = 0.0,
    neg_margin: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Lifted structure loss (Song et al. 2016), pytorch-metric-learning's form, averaged over positive pairs.

  With $d_{ij}$ the Euclidean distance between unit embeddings and $N(i)$ the
  samples whose label differs from $i$'s, for every ordered positive pair
  $(i, j)$,

  $$
  \ell_{ij} = \tfrac12\Big[\log\Big(\sum_{k \in N(i)} e^{m_- - d_{ik}}
  + \sum_{k \in N(j)} e^{m_- - d_{jk}}\Big) + d_{ij} - m_+\Big]_+^2 ,
  $$

  and the loss is the mean over the ordered positive pairs (each unordered
  pair twice, hence the ½), 0 when there are no positive or no negative
  pairs. m₊ = ``pos_margin`` 0, m₋ = ``neg_margin`` 1, as
  ``LiftedStructureLoss``. In "none" a pair's term goes to its first sample.

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` integer labels.
    pos_margin: m₊.
    neg_margin: m₋.
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> print(f"{lj.lifted_structure_loss(x, jnp.array([0, 0, 1, 1])):.4f}")
    1.4328

  References: Song et al., "Deep Metric Learning via Lifted Structured
  Feature Embedding" (CVPR 2016); pytorch-metric-learning ``LiftedStructureLoss``.
  """
  name = "lifted_structure_loss"
  unit, keep = _unit_batch(name, embeddings, labels, where)
  d, positives, negatives, present = _pairs(unit, labels, keep)
  lse, has = _masked_logsumexp(neg_margin - d, negatives)  # [N]: log Σ_{k∈N(i)} e^{m- - d_ik}
  # A positive pair shares its negatives' sets: the log-sum-exp of their union, listed twice.
  pair = jnp.logaddexp(lse[:, None], lse[None, :]) + d - pos_margin
  active = positives & has[:, None]  # no negative at all: PML's zero loss
  terms = jnp.where(active, jnp.square(jax.nn.relu(pair)) / 2, 0.0)
  shares = _shares(jnp.sum(terms, axis=1), jnp.sum(active, dtype=d.dtype), present)
  return core.reduce_loss(name, shares, reduction, keep)


@declare(embeddings=FLOAT, labels=INT, margin=Float(), nu=Float(),
         beta=ArrayOption("float", optional=False, scalar=True))
def margin_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    *,
    margin: float = 0.2,
    beta: ArrayLike = 1.2,
    nu: float = 0.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Margin loss (Wu et al. 2017): distances pulled under β − α and pushed over β + α, over all triplets.

  With $d$ the Euclidean distance between unit embeddings, for every triplet
  (anchor $a$, positive $p$, negative $n$),

  $$
  \ell = \frac{\sum_{(a,p,n)} [d_{ap} - \beta_a + \alpha]_+ + [\beta_a - d_{an} + \alpha]_+}
  {\#\{[d_{ap} - \beta_a + \alpha]_+ > 0\} + \#\{[\beta_a - d_{an} + \alpha]_+ > 0\}}
  \;+\; \nu\,\beta ,
  $$

  0 over a zero count, as pytorch-metric-learning's ``MarginLoss`` with all
  triplets (α = ``margin`` 0.2). ``beta`` is a number or a ``(C,)`` array of
  per-class boundaries indexed by the anchor's label (PML's ``num_classes``),
  differentiable: learning it is passing it as a parameter, and ``nu`` > 0
  adds PML's ``learn_beta`` regulariser ν β (per class: the mean of ν β_a
  over the triplets, with the same count). In "none" a triplet's term goes
  to its anchor. PML stores β in float32 (1.2 is 1.2000000476837158 there).

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` integer labels (class indices when ``beta`` is an array).
    margin: α.
    beta: β, a number or ``(C,)``.
    nu: ν, the weight of β's regulariser (0).
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> print(f"{lj.margin_loss(x, jnp.array([0, 0, 1, 1])):.4f}")
    0.5056

  References: Wu et al., "Sampling Matters in Deep Embedding Learning"
  (ICCV 2017); pytorch-metric-learning ``MarginLoss``.
  """
  name = "margin_loss"
  unit, keep = _unit_batch(name, embeddings, labels, where)
  d, positives, negatives, present = _pairs(unit, labels, keep)
  b = jnp.asarray(beta, unit.dtype)
  if b.ndim == 0:
    beta_a, oor = b, None
  else:
    core.check_rank(name, "beta", b, 1, " (a number, or one boundary per class)")
    safe, _, oor = core.class_indices(name, "labels", labels, b.shape[0], where=keep,
                                      expected=f"class indices in [0, {b.shape[0]}) (beta has "
                                               f"{b.shape[0]} classes)")
    beta_a = b[safe][:, None]
  n_pos = jnp.sum(positives, axis=1, keepdims=True, dtype=d.dtype)
  n_neg = jnp.sum(negatives, axis=1, keepdims=True, dtype=d.dtype)
  pull = jnp.where(positives, jax.nn.relu(d - beta_a + margin), 0.0)
  push = jnp.where(negatives, jax.nn.relu(beta_a - d + margin), 0.0)
  # Each (a, p) term appears once per negative of a, each (a, n) once per positive of a.
  per_anchor = jnp.sum(pull * n_neg + push * n_pos, axis=1)
  active = jnp.sum(jnp.where(pull > 0, n_neg, 0.0) + jnp.where(push > 0, n_pos, 0.0))
  shares = _shares(per_anchor, active, present)
  triplets = n_pos[:, 0] * n_neg[:, 0]
  if nu:
    if b.ndim == 0:  # PML's "already_reduced" ν β, when there is any triplet
      shares = shares + jnp.where(jnp.sum(triplets) > 0, nu * b, 0.0)
    else:
      shares = shares + _shares(nu * beta_a[:, 0] * triplets, active, present)
  if oor is not None:
    shares = core.poison(shares, oor)
  return core.reduce_loss(name, shares, reduction, keep)


# --------------------------------------------------------------------------
# Catalogue entries
# --------------------------------------------------------------------------

_BATCH = dict(differentiable=("embeddings",), batched=("embeddings", "labels"), in_batch=True,
              unbounded=("embeddings",))

SPECS = [
    LossSpec(proxy_anchor_loss, "metric-learning", None,
             lambda rng: ((rng.normal(size=(7, 4)), rng.integers(0, 4, size=(7,)),
                           rng.normal(size=(4, 4))), {"alpha": 4.0}),
             differentiable=("embeddings", "proxies"), batched=("embeddings", "labels"),
             in_batch=True, unbounded=("embeddings", "proxies"), classes={"proxies": 0},
             bad_options={"alpha": 0.0},
             source="Kim et al. 2020; pytorch-metric-learning ProxyAnchorLoss"),
    LossSpec(lifted_structure_loss, "metric-learning", None,
             lambda rng: ((rng.normal(size=(7, 4)), np.array([0, 1, 2, 0, 1, 2, 0])),
                          {"neg_margin": 1.2}),
             source="Song et al. 2016; pytorch-metric-learning LiftedStructureLoss", **_BATCH),
    LossSpec(margin_loss, "metric-learning", None,
             lambda rng: ((rng.normal(size=(7, 4)), np.array([0, 1, 2, 0, 1, 2, 0])),
                          {"margin": 0.3, "beta": 1.0}),
             bad_options={"beta": "wide"},
             source="Wu et al. 2017; pytorch-metric-learning MarginLoss", **_BATCH),
]
