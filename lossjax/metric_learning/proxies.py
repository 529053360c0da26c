"""Proxy-based metric learning: ProxyNCA and proxy-anchor, against learnable class proxies
``(C, D)`` (pytorch-metric-learning 2.9.0's ``losses/proxy_losses.py`` and
``proxy_anchor_loss.py``, which the fixtures run for real).

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
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, INT, Float, declare
from lossjax._shared.vectors import (
  batch_shares,
  log1p_sum_exp,
  present_rows,
  unit_batch,
  unit_proxies,
)
from lossjax._spec import LossSpec
from lossjax.metric_learning.margin_softmax import POSITIVE_SCALE

__all__ = ["proxy_nca_loss", "proxy_anchor_loss"]


Array = jax.Array


@declare(embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), proxies=FLOAT, softmax_scale=POSITIVE_SCALE)
def proxy_nca_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    proxies: ArrayLike,
    *,
    softmax_scale: float = 1.0,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Proxy-NCA (Movshovitz-Attias et al. 2017): a softmax over negative squared distances to class proxies.

  With unit embeddings $\hat x$ and unit proxies $\hat p_c$ (one learnable
  proxy per class),

  $$
  \ell = -\log \frac{e^{-s\,\|\hat x - \hat p_y\|^2}}{\sum_c e^{-s\,\|\hat x - \hat p_c\|^2}},
  $$

  pytorch-metric-learning's ``ProxyNCALoss`` (s = ``softmax_scale``). It
  drops samples whose probability underflows to 0; here the log-softmax
  keeps them (a large, finite loss), the only difference.

  Args:
    embeddings: ``(N, D)`` embeddings (normalised inside).
    labels: ``(N,)`` class indices in ``[0, C)``.
    proxies: ``(C, D)`` class proxies (normalised inside; PML's ``loss.proxies``).
    softmax_scale: s > 0 (1).
    reduction: "mean" (default, over samples), "sum" or "none".
    where: boolean mask over samples.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.2], [0.1, 1.0], [-1.0, 0.3]])
    >>> p = jnp.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> print(f"{lj.proxy_nca_loss(x, jnp.array([0, 1, 2]), p, softmax_scale=4.0):.4f}")
    0.0025

  References: Movshovitz-Attias et al., "No Fuss Distance Metric Learning
  using Proxies" (ICCV 2017); pytorch-metric-learning ``ProxyNCALoss``.
  """
  name = core.loss_name()
  unit, keep = unit_batch(name, embeddings, labels, where)
  p = unit_proxies(name, proxies, unit)
  # Squared distance of unit vectors, |x|^2 + |p|^2 - 2 x.p (torch.cdist's matmul form).
  d2 = jnp.maximum(jnp.sum(jnp.square(unit), 1)[:, None] + jnp.sum(jnp.square(p), 1)[None, :]
                   - 2.0 * unit @ p.T, 0.0)
  c = p.shape[0]
  safe, _, oor = core.class_indices(name, "labels", labels, c, where=keep)
  logp = jax.nn.log_softmax(-softmax_scale * d2, axis=1)
  values = -jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
  return core.reduce_loss(name, core.poison(values, oor), reduction, keep)


Array = jax.Array


@declare(whole_batch="each proxy's sum over the batch",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), proxies=FLOAT, margin=Float(), alpha=Float(lo=0.0, lo_open=True))
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
  name = core.loss_name()
  unit, keep = unit_batch(name, embeddings, labels, where)
  p = unit_proxies(name, proxies, unit)
  n, c = unit.shape[0], p.shape[0]
  present = present_rows(keep, n)
  safe, _, oor = core.class_indices(name, "labels", labels, c, where=keep)
  cos = unit @ p.T
  hot = jax.nn.one_hot(safe, c, dtype=bool) & present[:, None]
  pull = log1p_sum_exp(-alpha * (cos - margin), hot, axis=0)  # [C], 0 for an absent class
  push = log1p_sum_exp(alpha * (cos + margin), ~hot & present[:, None], axis=0)
  members = jnp.sum(hot, axis=0, dtype=cos.dtype)
  classes = jnp.sum(members > 0, dtype=cos.dtype)
  # Class y's pull split over its members, so the kept samples' mean is Σ pull / |P+|.
  own = jnp.sum(jnp.where(hot, (pull / jnp.maximum(members, 1))[None, :], 0.0), axis=1)
  shares = batch_shares(own, classes, present) + jnp.sum(push) / c
  return core.reduce_loss(name, core.poison(shares, oor), reduction, keep)


SPECS = [
    LossSpec(proxy_nca_loss, None,
             lambda rng: ((rng.normal(size=(6, 4)), rng.integers(0, 3, size=(6,)),
                           rng.normal(size=(3, 4))), {"softmax_scale": 2.0}),
             differentiable=("embeddings", "proxies"), batched=("embeddings", "labels"),
             unbounded=("embeddings", "proxies"), classes={"proxies": 0},
             bad_options={"softmax_scale": 0.0},
             source="Movshovitz-Attias et al. 2017; pytorch-metric-learning ProxyNCALoss"),
    LossSpec(proxy_anchor_loss, None,
             lambda rng: ((rng.normal(size=(7, 4)), rng.integers(0, 4, size=(7,)),
                           rng.normal(size=(4, 4))), {"alpha": 4.0}),
             differentiable=("embeddings", "proxies"), batched=("embeddings", "labels"),
             unbounded=("embeddings", "proxies"), classes={"proxies": 0},
             bad_options={"alpha": 0.0},
             source="Kim et al. 2020; pytorch-metric-learning ProxyAnchorLoss"),
]
