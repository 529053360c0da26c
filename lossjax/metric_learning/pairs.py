"""Pair-based metric learning: multi-similarity, N-pair, lifted structure (generalised and
batch) and the margin loss, over the pairs of a batch of embeddings with labels.

They follow pytorch-metric-learning 2.9.0 with its default miner off
(``losses/multi_similarity_loss.py``, ``n_pairs_loss.py``, ``generalized_lifted_structure_loss.py``,
``lifted_structure_loss.py``, ``margin_loss.py``), which the fixtures run for real.

The batch losses here (proxy-anchor, lifted structure, the margin loss) are not a mean of
per-sample losses: proxy-anchor averages over classes, lifted structure over positive pairs,
the margin loss over the triplets that are still active; "mean" (the default) is the
reference's number. As for `vicreg_loss`, "none" gives each sample a share of the batch loss
whose mean over the kept samples is the loss itself (so its gradient is exactly the loss's): a
pair's or triplet's term goes to its anchor, a class's term to that class's samples. "sum" is
the sum of the shares. ``where`` removes samples from the batch, as slicing them out would.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INT, ArrayOption, Float, declare
from lossjax._shared.vectors import (
  batch_shares,
  embedding_matrix,
  log1p_sum_exp,
  masked_logsumexp,
  pair_masks,
  present_rows,
  unit_batch,
  unit_rows,
)
from lossjax._spec import LossSpec
from lossjax.metric_learning.margin_softmax import POSITIVE_SCALE

__all__ = ["multi_similarity_loss", "n_pairs_loss", "generalized_lifted_structure_loss", "lifted_structure_loss", "margin_loss"]


Array = jax.Array


@declare(whole_batch="pairs within the batch",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), alpha=POSITIVE_SCALE, beta=POSITIVE_SCALE, base=Float())
def multi_similarity_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    *,
    alpha: float = 2.0,
    beta: float = 50.0,
    base: float = 0.5,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Multi-similarity loss (Wang et al. 2019) over cosine similarities, without mining.

  With $S_{ij}$ the cosine similarity, $P(i)$ the other samples of $i$'s label
  and $N(i)$ the samples of other labels,

  $$
  \ell_i = \frac{1}{\alpha}\log\Big(1 + \sum_{p \in P(i)} e^{-\alpha (S_{ip} - \lambda)}\Big)
  + \frac{1}{\beta}\log\Big(1 + \sum_{n \in N(i)} e^{\beta (S_{in} - \lambda)}\Big)
  $$

  (λ = ``base``), as pytorch-metric-learning's ``MultiSimilarityLoss`` with no
  miner (the paper's pair mining is a separate step there too). "mean"
  averages over every sample, those with an empty term included (their term
  is 0), as its ``MeanReducer`` does. A masked sample is no anchor, positive
  or negative.

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` integer labels.
    alpha: α > 0, the positive scale (2).
    beta: β > 0, the negative scale (50).
    base: λ, the similarity margin (0.5).
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> print(f"{lj.multi_similarity_loss(x, jnp.array([0, 0, 1, 1])):.4f}")
    0.2688

  References: Wang et al., "Multi-Similarity Loss with General Pair Weighting
  for Deep Metric Learning" (CVPR 2019); pytorch-metric-learning
  ``MultiSimilarityLoss``.
  """
  name = core.loss_name()
  x = embedding_matrix(name, "embeddings", embeddings)
  keep = core.as_mask(name, where, x.shape[:1])
  xf = core.masked_fill(keep, core.to_float(x, core.compute_dtype(x)))
  unit = unit_rows(xf)
  s = unit @ unit.T
  same = labels[:, None] == labels[None, :]
  present = jnp.ones(same.shape, bool) if keep is None else keep[None, :]
  positives = same & ~jnp.eye(*same.shape, dtype=bool) & present
  negatives = ~same & present
  values = (log1p_sum_exp(alpha * (base - s), positives, axis=1) / alpha
            + log1p_sum_exp(beta * (s - base), negatives, axis=1) / beta)
  return core.reduce_loss(name, values, reduction, keep)


@declare(whole_batch="in-batch negatives",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"))
def n_pairs_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""N-pair loss (Sohn 2016): each label's first sample against its second, the other labels' as negatives.

  pytorch-metric-learning's ``NPairsLoss``: for every label with at least
  two (unmasked) samples, its first sample $a$ is an anchor and its second
  $p$ the positive; with $S = \hat a\,\hat p^\top$ over the K such pairs
  (cosine similarities: PML's ``DotProductSimilarity`` normalises),
  $\ell_k = -\log\mathrm{softmax}(S_k)_k$. "none" gives the loss at each
  anchor (0 elsewhere) and "mean" averages over anchors.

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` integer labels.
    reduction: "mean" (default, over anchors), "sum" or "none" (per sample).
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.2, 0.9]])
    >>> print(f"{lj.n_pairs_loss(x, jnp.array([0, 0, 1, 1])):.4f}")
    0.3647

  References: Sohn, "Improved Deep Metric Learning with Multi-class N-pair
  Loss Objective" (NeurIPS 2016); pytorch-metric-learning ``NPairsLoss``.
  """
  name = core.loss_name()
  unit, keep = unit_batch(name, embeddings, labels, where)
  n = unit.shape[0]
  if n == 0:  # no samples, no pairs: the empty mean
    return core.reduce_loss(name, jnp.zeros((0,), unit.dtype), reduction, keep)
  idx = jnp.arange(n)
  present = present_rows(keep, n)
  same = (labels[:, None] == labels[None, :]) & present[None, :] & present[:, None]
  first = jnp.argmax(same, axis=1)  # each sample's label's first present sample
  later = same & (idx[None, :] > first[:, None])
  second = jnp.argmax(later, axis=1)
  anchor = present & (first == idx) & jnp.any(later, axis=1)
  # Row i (an anchor) against every anchor's positive; the target is its own positive.
  s = unit @ unit[second].T
  logits = jnp.where(anchor[None, :], s, -jnp.inf)
  lse, _ = masked_logsumexp(logits, jnp.broadcast_to(anchor[None, :], logits.shape))
  values = jnp.where(anchor, lse - jnp.diagonal(s), 0.0)
  return core.reduce_loss(name, values, reduction, keep, valid=anchor)


@declare(whole_batch="pairs within the batch",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), pos_margin=Float(), neg_margin=Float())
def generalized_lifted_structure_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    *,
    pos_margin: float = 0.0,
    neg_margin: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Generalised lifted structure loss (Hermans et al. 2017), pytorch-metric-learning's form.

  With $d_{ij}$ the Euclidean distance between unit embeddings,

  $$
  \ell_i = \Big[\log\sum_{p \in P(i)} e^{d_{ip} - m_+}
  + \log\sum_{n \in N(i)} e^{m_- - d_{in}}\Big]_+ ,
  $$

  each log-sum-exp 0 when its set is empty, as ``GeneralizedLiftedStructureLoss``
  (m₊ = ``pos_margin`` 0, m₋ = ``neg_margin`` 1). "mean" is over every sample.

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` integer labels.
    pos_margin: m₊.
    neg_margin: m₋.
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples (no anchor, positive or negative).

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> print(f"{lj.generalized_lifted_structure_loss(x, jnp.array([0, 0, 1, 1])):.4f}")
    0.9731

  References: Song et al., "Deep Metric Learning via Lifted Structured
  Feature Embedding" (CVPR 2016); Hermans, Beyer & Leibe, "In Defense of the
  Triplet Loss" (2017); pytorch-metric-learning ``GeneralizedLiftedStructureLoss``.
  """
  name = core.loss_name()
  unit, keep = unit_batch(name, embeddings, labels, where)
  d, positives, negatives, _ = pair_masks(unit, labels, keep)  # a masked row's sets are empty
  pos, _ = masked_logsumexp(d - pos_margin, positives)
  neg, _ = masked_logsumexp(neg_margin - d, negatives)
  return core.reduce_loss(name, jax.nn.relu(pos + neg), reduction, keep)


Array = jax.Array


@declare(whole_batch="pairs within the batch",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), pos_margin=Float(), neg_margin=Float())
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
  name = core.loss_name()
  unit, keep = unit_batch(name, embeddings, labels, where)
  d, positives, negatives, present = pair_masks(unit, labels, keep)
  lse, has = masked_logsumexp(neg_margin - d, negatives)  # [N]: log Σ_{k∈N(i)} e^{m- - d_ik}
  # A positive pair shares its negatives' sets: the log-sum-exp of their union, listed twice.
  pair = jnp.logaddexp(lse[:, None], lse[None, :]) + d - pos_margin
  active = positives & has[:, None]  # no negative at all: PML's zero loss
  terms = jnp.where(active, jnp.square(jax.nn.relu(pair)) / 2, 0.0)
  shares = batch_shares(jnp.sum(terms, axis=1), jnp.sum(active, dtype=d.dtype), present)
  return core.reduce_loss(name, shares, reduction, keep)


@declare(whole_batch="pairs within the batch",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), margin=Float(), nu=Float(),
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
  name = core.loss_name()
  unit, keep = unit_batch(name, embeddings, labels, where)
  d, positives, negatives, present = pair_masks(unit, labels, keep)
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
  shares = batch_shares(per_anchor, active, present)
  triplets = n_pos[:, 0] * n_neg[:, 0]
  if not core.static_equals(nu, 0):
    if b.ndim == 0:  # PML's "already_reduced" ν β, when there is any triplet
      shares = shares + jnp.where(jnp.sum(triplets) > 0, nu * b, 0.0)
    else:
      shares = shares + batch_shares(nu * beta_a[:, 0] * triplets, active, present)
  if oor is not None:
    shares = core.poison(shares, oor)
  return core.reduce_loss(name, shares, reduction, keep)


_BATCH = dict(differentiable=("embeddings",), batched=("embeddings", "labels"),
              unbounded=("embeddings",))


SPECS = [
    LossSpec(multi_similarity_loss, None,
             lambda rng: ((rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])),
                          {"alpha": 2.0, "beta": 10.0}),
             differentiable=("embeddings",), batched=("embeddings", "labels"),
             unbounded=("embeddings",), bad_options={"alpha": 0.0},
             source="Wang et al. 2019; pytorch-metric-learning MultiSimilarityLoss"),
    LossSpec(n_pairs_loss, None,
             lambda rng: ((rng.normal(size=(8, 4)), np.array([0, 1, 2, 0, 1, 2, 3, 0])), {}),
             differentiable=("embeddings",), batched=("embeddings", "labels"),
             unbounded=("embeddings",), permutation_invariant=False,
             source="Sohn 2016; pytorch-metric-learning NPairsLoss"),
    LossSpec(generalized_lifted_structure_loss, None,
             lambda rng: ((rng.normal(size=(7, 4)), np.array([0, 1, 2, 0, 1, 2, 0])),
                          {"neg_margin": 1.2}),
             differentiable=("embeddings",), batched=("embeddings", "labels"),
             unbounded=("embeddings",),
             source="Hermans et al. 2017; pytorch-metric-learning GeneralizedLiftedStructureLoss"),
    LossSpec(lifted_structure_loss, None,
             lambda rng: ((rng.normal(size=(7, 4)), np.array([0, 1, 2, 0, 1, 2, 0])),
                          {"neg_margin": 1.2}),
             source="Song et al. 2016; pytorch-metric-learning LiftedStructureLoss", **_BATCH),
    LossSpec(margin_loss, None,
             lambda rng: ((rng.normal(size=(7, 4)), np.array([0, 1, 2, 0, 1, 2, 0])),
                          {"margin": 0.3, "beta": 1.0}),
             bad_options={"beta": "wide"},
             source="Wu et al. 2017; pytorch-metric-learning MarginLoss", **_BATCH),
]
