"""Contrastive embedding losses: InfoNCE (NT-Xent), supervised contrastive, circle, pair margins, CLIP and SigLIP."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import (
  FLOAT,
  INT,
  REAL,
  ArrayOption,
  AxisName,
  Bool,
  Choice,
  Float,
  Role,
  declare,
)
from lossjax._shared.vectors import cosine_matrix, embedding_matrix, masked_logsumexp, unit_rows
from lossjax._spec import LossSpec

__all__ = ["info_nce_loss", "supcon_loss", "circle_loss", "contrastive_loss", "clip_loss", "siglip_loss"]


Array = jax.Array


_TEMPERATURE = Float(lo=0.0, lo_open=True)


@declare(whole_batch="in-batch negatives",
         embeddings=FLOAT, other=Role("float", optional=True), labels=ArrayOption("int"),
         temperature=_TEMPERATURE, average=Choice(("pairs", "anchors")))
def info_nce_loss(
    embeddings: ArrayLike,
    other: ArrayLike | None = None,
    *,
    labels: ArrayLike | None = None,
    temperature: float = 0.1,
    average: str = "pairs",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""InfoNCE / NT-Xent over cosine similarities, for paired views or labels.

  With $s_{ij} = \cos(z_i, z_j) / \tau$, each positive pair
  $(i, j)$ (same label, $j \ne i$) costs
  $-\log \frac{e^{s_{ij}}}{e^{s_{ij}} + \sum_{k \in N(i)} e^{s_{ik}}}$,
  with $N(i)$ the samples of other labels, as in optax's ``ntxent``.
  With ``average="pairs"`` (the default) "mean" averages over all positive
  pairs, as optax's ``ntxent`` and pytorch-metric-learning's ``NTXentLoss``
  do, and the per-anchor loss ("none") is the sum over the anchor's
  positives. With ``average="anchors"`` each anchor's loss is the mean over
  its positives, and "mean" averages the anchors that have one (the two agree
  when every anchor has as many positives).

  ``where`` removes samples from the batch: a masked sample is no anchor, no
  positive and no negative, and a NaN in its embedding reaches neither the
  value nor a gradient.

  Positives can be given two ways:
  - paired views, ``info_nce_loss(z1, z2)``: row i of ``z1`` and row i of
    ``z2`` are positives, and every other row of either is a negative (SimCLR,
    2N anchors);
  - labels, ``info_nce_loss(z, labels=y)``: rows with equal labels are positives.

  Args:
    embeddings: ``(N, D)`` embeddings (first views when ``other`` is given).
    other: optional ``(N, D)`` second views.
    labels: optional ``(N,)`` integer labels (without ``other``).
    temperature: τ > 0.
    average: "pairs" (default) or "anchors": what "mean" averages over.
    reduction: "mean" (default), "sum" or "none" (per anchor).
    where: boolean mask over samples (``2N`` with paired views: both views'
      rows, first views first).

  Zero vectors have cosine 0 with every vector and finite gradients.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> z1 = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    >>> z2 = jnp.array([[0.9, 0.1], [0.1, 0.9]])
    >>> print(f"{lj.info_nce_loss(z1, z2, temperature=0.5):.4f}")
    0.2965

  References: Oord et al., "Representation Learning with Contrastive
  Predictive Coding" (2018); Chen et al., "SimCLR" (2020); optax ``ntxent``.
  """
  name = core.loss_name()
  z = embedding_matrix(name, "embeddings", embeddings)
  if other is not None:
    if labels is not None:
      raise core.option_error(name, "labels", "give either paired views (other) or labels")
    z2 = embedding_matrix(name, "other", other)
    core.check_same_shape(name, "other", z2, "embeddings", z)
    n = z.shape[0]
    z = jnp.concatenate([z, z2], axis=0)
    y = jnp.concatenate([jnp.arange(n), jnp.arange(n)])
  elif labels is not None:
    y = labels
    core.check_shape(name, "labels", y, z.shape[:1], " (one label per embedding)")
  else:
    raise core.option_error(name, "labels", "positives are needed: pass `other` or `labels`")
  keep = core.as_mask(name, where, z.shape[:1])
  zf = core.masked_fill(keep, core.to_float(z, core.compute_dtype(z)))
  s = cosine_matrix(zf, 1e-12) / temperature
  same = y[:, None] == y[None, :]
  present = jnp.ones(z.shape[:1], bool) if keep is None else keep
  # A masked sample is neither a positive nor a negative of any anchor.
  positives = same & ~jnp.eye(z.shape[0], dtype=bool) & present[None, :]
  negatives = ~same & present[None, :]
  # -log(e^s_ij / (e^s_ij + Σ_neg e^s_ik)) = softplus(log Σ_neg e^s_ik - s_ij); no negatives: 0.
  neg_lse, has_neg = masked_logsumexp(s, negatives)
  pair = jnp.where(has_neg[:, None], core.softplus(neg_lse[:, None] - s), 0.0)
  n_pos = jnp.sum(positives, axis=1).astype(s.dtype)
  per_anchor = jnp.sum(jnp.where(positives, pair, 0.0), axis=1)
  if average == "pairs":
    return core.reduce_loss(name, per_anchor, reduction, keep, norm_weight=n_pos)
  return core.reduce_loss(name, core.safe_div(per_anchor, n_pos), reduction, keep,
                          valid=n_pos > 0)


@declare(whole_batch="in-batch positives and negatives",
         features=FLOAT, labels=Role("int", optional=True), temperature=_TEMPERATURE,
         base_temperature=_TEMPERATURE, contrast_mode=Choice(("all", "one")))
def supcon_loss(
    features: ArrayLike,
    labels: ArrayLike | None = None,
    *,
    temperature: float = 0.07,
    base_temperature: float = 0.07,
    contrast_mode: str = "all",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Supervised contrastive loss (Khosla et al. 2020), their reference code's semantics.

  ``features`` ``[N, V, D]`` hold V views of N samples (normalise them first,
  as the reference expects). The views are flattened into
  $A = NV$ samples. For an anchor $i$ with positives $P(i)$
  (same label, or same sample without labels, $\ne i$),

  $$
  \ell_i = -\frac{\tau}{\tau_b} \frac{1}{|P(i)|} \sum_{p \in P(i)}
  \log \frac{e^{z_i \cdot z_p / \tau}}{\sum_{a \ne i} e^{z_i \cdot z_a / \tau}}.
  $$

  ``contrast_mode="one"`` uses only the first view as anchors. Anchors
  without positives contribute 0, as in the reference (which divides by 1).
  "mean" averages over anchors. ``where`` removes views from the batch: a
  masked (view of a) sample is no anchor and leaves every contrast set
  (with ``contrast_mode="one"`` a masked anchor removes all its views).

  Args:
    features: ``[N, V, D]`` (normalised) features.
    labels: optional ``[N]`` integer labels (SimCLR-style positives without).
    temperature: τ > 0.
    base_temperature: τ_b > 0.
    contrast_mode: "all" or "one".
    reduction: "mean" (default, over anchors), "sum" or "none" (per anchor,
      ``[V, N]`` for "all", ``[N]`` for "one").
    where: boolean mask broadcastable to the per-anchor loss.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> f = jnp.array([[[1.0, 0.0], [0.8, 0.6]], [[0.0, 1.0], [0.6, 0.8]]])
    >>> print(f"{lj.supcon_loss(f, jnp.array([0, 1]), temperature=0.5, base_temperature=0.5):.4f}")
    0.8707

  References: Khosla et al., "Supervised Contrastive Learning" (NeurIPS
  2020), reference code ``SupContrast/losses.py``.
  """
  name = core.loss_name()
  f = features
  core.check_rank(name, "features", f, 3, " [N, V, D]")
  n, v, _ = f.shape
  if labels is None:
    y = jnp.arange(n)
  else:
    y = labels
    core.check_shape(name, "labels", y, (n,))
  keep = core.as_mask(name, where, (v, n) if contrast_mode == "all" else (n,))
  if keep is None:
    present = None
  else:  # [N, V]: which views of which samples are in the batch
    present = keep.T if contrast_mode == "all" else jnp.broadcast_to(keep[:, None], (n, v))
  ff = core.masked_fill(present, core.to_float(f, core.compute_dtype(f)))
  contrast = jnp.swapaxes(ff, 0, 1).reshape(v * n, f.shape[2])  # view-major: torch.cat(unbind(1))
  y_contrast = jnp.tile(y, v)
  anchors = contrast if contrast_mode == "all" else ff[:, 0]
  y_anchor = y_contrast if contrast_mode == "all" else y
  logits = anchors @ contrast.T / temperature
  logits = logits - lax.stop_gradient(jnp.max(logits, axis=1, keepdims=True, initial=-jnp.inf))
  self_mask = jnp.arange(anchors.shape[0])[:, None] == jnp.arange(contrast.shape[0])[None, :]
  if present is not None:  # masked views leave every contrast set
    self_mask = self_mask | ~jnp.swapaxes(present, 0, 1).reshape(1, v * n)
  positives = (y_anchor[:, None] == y_contrast[None, :]) & ~self_mask
  log_prob = logits - jnp.log(jnp.sum(jnp.where(self_mask, 0.0, jnp.exp(logits)), axis=1,
                                      keepdims=True))
  n_pos = jnp.sum(positives, axis=1).astype(logits.dtype)
  mean_log_prob_pos = (jnp.sum(jnp.where(positives, log_prob, 0.0), axis=1)
                       / jnp.where(n_pos < 1e-6, jnp.ones_like(n_pos), n_pos))
  per_anchor = -(temperature / base_temperature) * mean_log_prob_pos
  if contrast_mode == "all":
    per_anchor = per_anchor.reshape(v, n)
  return core.reduce_loss(name, per_anchor, reduction, keep)


@declare(whole_batch="pairs within the batch",
         embeddings=FLOAT, labels=INT.one_per_row_of("embeddings"), ref_embeddings=Role("float", optional=True),
         ref_labels=Role("int", optional=True), gamma=_TEMPERATURE, margin=Float(),
         remove_diagonal=Bool(), normalize=Bool(), detach_weights=Bool())
def circle_loss(
    embeddings: ArrayLike,
    labels: ArrayLike,
    ref_embeddings: ArrayLike | None = None,
    ref_labels: ArrayLike | None = None,
    *,
    gamma: float = 80.0,
    margin: float = 0.4,
    remove_diagonal: bool = True,
    normalize: bool = False,
    detach_weights: bool = False,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Circle loss (Sun et al. 2020) over cosine distances, Keras 3's ``circle`` semantics.

  Each anchor $i$ is compared with every reference $j$ through the cosine
  distance $d_{ij} = \max(0, 1 - x_i \cdot r_j)$ (the embeddings are used as
  given: L2-normalise them first, as Keras expects, or pass
  ``normalize=True``, as pytorch-metric-learning's ``CircleLoss`` does). With
  $m$ the margin and $\gamma$ the scale, positives $P(i)$ (same label; not
  $j = i$ with ``remove_diagonal``) and negatives $N(i)$ (other labels) give

  $$
  \ell_i = \operatorname{softplus}\Big(
  \log \sum_{p \in P(i)} e^{-\gamma\,[m + d_{ip}]_+ (m - d_{ip})}
  + \log \sum_{n \in N(i)} e^{\gamma\,[1 + m - d_{in}]_+ (1 - m - d_{in})}\Big).
  $$

  The weights $[m + d]_+$ and $[1 + m - d]_+$ are differentiated through, as
  in Keras; ``detach_weights=True`` treats them as constants, as the paper's
  code and pytorch-metric-learning do (``normalize=True, detach_weights=True``
  is pytorch-metric-learning's ``CircleLoss(m, gamma)``: the values agree
  either way, the gradients only so).

  An anchor without a positive or without a negative costs 0. "mean"
  averages over the anchors whose loss is not 0, as Keras (which masks
  ``loss > 0``) and pytorch-metric-learning (``AvgNonZeroReducer``) both do;
  the mean over no such anchor is 0. ``where`` removes anchors; when there are
  no separate references it removes the masked samples from every anchor's
  positives and negatives too, and a NaN in a masked embedding reaches neither
  the value nor a gradient.

  Args:
    embeddings: ``(N, D)`` anchor embeddings (L2-normalised unless ``normalize``).
    labels: ``(N,)`` integer labels.
    ref_embeddings: optional ``(M, D)`` reference embeddings (default: the anchors).
    ref_labels: optional ``(M,)`` reference labels (default: ``labels``).
    gamma: the scale γ > 0 (Keras's default 80).
    margin: the relaxation m (Keras's default 0.4).
    remove_diagonal: whether pair ``(i, i)`` is left out of the positives.
    normalize: L2-normalise both sets of embeddings first.
    detach_weights: stop the gradient through the pair weights.
    reduction: "mean" (default, over anchors with a non-zero loss), "sum" or
      "none" (per anchor).
    where: boolean mask over the anchors.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> x = jnp.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]])
    >>> print(f"{lj.circle_loss(x, jnp.array([0, 0, 1, 1]), gamma=4.0):.4f}")
    0.8299

  References: Sun et al., "Circle Loss: A Unified Perspective of Pair
  Similarity Optimization" (CVPR 2020); Keras 3 ``keras.losses.Circle``;
  pytorch-metric-learning ``CircleLoss``.
  """
  name = core.loss_name()
  x = embedding_matrix(name, "embeddings", embeddings)
  keep = core.as_mask(name, where, x.shape[:1])
  if ref_embeddings is None:
    dtype = core.compute_dtype(x)
    r = xf = core.masked_fill(keep, core.to_float(x, dtype))
    present = keep  # the masked samples are nobody's references either
  else:
    r = embedding_matrix(name, "ref_embeddings", ref_embeddings)
    core.check_shape(name, "ref_embeddings", r, (r.shape[0], x.shape[1]),
                     " (as many features per row as `embeddings`)")
    dtype = core.compute_dtype(x, r)
    xf = core.masked_fill(keep, core.to_float(x, dtype))
    r, present = core.to_float(r, dtype), None
  ry = labels if ref_labels is None else ref_labels
  core.check_shape(name, "ref_labels", ry, r.shape[:1], " (one label per reference)")
  if normalize:
    xf = unit_rows(xf)
    r = xf if ref_embeddings is None else unit_rows(r)
  d = jnp.maximum(1.0 - xf @ r.T, 0.0)
  same = labels[:, None] == ry[None, :]
  positives, negatives = same, ~same
  if remove_diagonal:
    positives = positives & ~jnp.eye(*same.shape, dtype=bool)
  if present is not None:
    positives, negatives = positives & present[None, :], negatives & present[None, :]
  dw = lax.stop_gradient(d) if detach_weights else d
  pos_logits = -gamma * jnp.maximum(margin + dw, 0.0) * (margin - d)
  neg_logits = gamma * jnp.maximum(1.0 + margin - dw, 0.0) * (1.0 - margin - d)
  pos_lse, has_pos = masked_logsumexp(pos_logits, positives)
  neg_lse, has_neg = masked_logsumexp(neg_logits, negatives)
  per_anchor = jnp.where(has_pos & has_neg, core.softplus(pos_lse + neg_lse), 0.0)
  # The references average the non-zero losses; `!= 0` (not `> 0`) keeps a NaN in.
  return core.reduce_loss(name, per_anchor, reduction, keep, valid=per_anchor != 0)


@declare(input1=FLOAT, input2=FLOAT.same_as("input1"), same=REAL, pos_margin=Float(), neg_margin=Float(),
         distance=Choice(("euclidean", "cosine")))
def contrastive_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    same: ArrayLike,
    *,
    pos_margin: float = 0.0,
    neg_margin: float = 1.0,
    distance: str = "euclidean",
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""Pair contrastive loss with margins (Hadsell et al. 2006; pytorch-metric-learning's margins).

  With $d$ the distance between paired rows, similar pairs cost
  $\max(0, d - m_+)$ and dissimilar pairs $\max(0, m_- - d)$.
  ``distance="euclidean"`` is the L2 distance of the embeddings as given (no
  normalisation); ``"cosine"`` is $1 - \cos$. Identical or zero
  vectors have finite gradients.

  Args:
    input1: ``(N, D)`` embeddings.
    input2: ``(N, D)`` embeddings paired row by row with ``input1``.
    same: ``(N,)`` booleans (or 0/1): whether each pair is similar.
    pos_margin: distance below which similar pairs cost nothing.
    neg_margin: distance above which dissimilar pairs cost nothing.
    distance: "euclidean" or "cosine".
    reduction: "mean" (default, over pairs), "sum" or "none".
    where: boolean mask over pairs.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a, b = jnp.array([[0.0, 0.0], [1.0, 0.0]]), jnp.array([[0.3, 0.4], [1.0, 0.5]])
    >>> print(f"{lj.contrastive_loss(a, b, jnp.array([True, False])):.4f}")
    0.5000

  References: Hadsell, Chopra & LeCun, "Dimensionality Reduction by Learning
  an Invariant Mapping" (CVPR 2006); pytorch-metric-learning
  ``ContrastiveLoss``.
  """
  name = core.loss_name()
  core.check_rank(name, "input1", input1, 2, " (N, D)")
  core.check_shape(name, "same", same, input1.shape[:1], " (one flag per pair)")
  keep = core.as_mask(name, where, input1.shape[:1])
  dtype = core.compute_dtype(input1, input2)
  x1, x2 = (core.masked_fill(keep, core.to_float(a, dtype)) for a in (input1, input2))
  s = core.to_float(same, dtype)
  core.check_values(name, "same", s, lambda a: (a != 0) & (a != 1),
                    "booleans or 0/1 (whether each pair is similar)", where=keep)
  if distance == "euclidean":
    d = core.safe_norm(x1 - x2)
  else:
    d = 1.0 - jnp.sum(x1 * x2, axis=-1) / (jnp.maximum(core.safe_norm(x1), 1e-12)
                                           * jnp.maximum(core.safe_norm(x2), 1e-12))
  values = jnp.where(s == 1, core.hinge_strict(d - pos_margin), core.hinge_strict(neg_margin - d))
  # A flag that is neither 0 nor 1 (NaN included) gives NaN, not a plausible branch.
  values = core.poison(values, (s != 0) & (s != 1))
  return core.reduce_loss(name, values, reduction, keep)


def _image_text(name, image, text, logit_scale, logit_bias, where):
  """Checks a batch of paired image and text embeddings; masked rows become 0."""
  embedding_matrix(name, "image_embeddings", image)
  core.check_shape(name, "logit_scale", logit_scale, (), " (a scalar: exp of a learnable "
                   "log-scale)")
  if logit_bias is not None:
    core.check_shape(name, "logit_bias", logit_bias, (), " (a scalar)")
  keep = core.as_mask(name, where, image.shape[:1])
  dtype = core.compute_dtype(image, text, logit_scale, logit_bias)
  img, txt = (core.masked_fill(keep, core.to_float(a, dtype)) for a in (image, text))
  scale = core.to_float(logit_scale, dtype)
  bias = None if logit_bias is None else core.to_float(logit_bias, dtype)
  return img, txt, scale, bias, keep


@declare(whole_batch="in-batch negatives",
         image_embeddings=FLOAT, text_embeddings=FLOAT.same_as("image_embeddings"), logit_scale=FLOAT,
         logit_bias=ArrayOption("float"), axis_name=AxisName())
def clip_loss(
    image_embeddings: ArrayLike,
    text_embeddings: ArrayLike,
    logit_scale: ArrayLike,
    *,
    logit_bias: ArrayLike | None = None,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis_name: str | None = None,
) -> Array:
  r"""CLIP's symmetric image-text cross-entropy (Radford et al. 2021), open_clip's ``ClipLoss``.

  With $L = s\, X_{\mathrm{img}} X_{\mathrm{txt}}^\top (+ b)$ over a batch of N
  pairs, pair $i$ costs the mean of its two directions

  $$
  \ell_i = \tfrac12\Big(\big(\log\textstyle\sum_j e^{L_{ij}} - L_{ii}\big)
  + \big(\log\textstyle\sum_j e^{L_{ji}} - L_{ii}\big)\Big),
  $$

  and "mean" is open_clip's ``(cross_entropy(L, arange) + cross_entropy(L.T, arange)) / 2``.
  The embeddings are used as given (normalise them first, as CLIP's towers
  do); ``logit_scale`` is the multiplier $s$ itself: pass ``jnp.exp(t)`` for
  CLIP's learnable log-scale ``t`` (initialised to ``log(1 / 0.07)``), and the
  gradient reaches ``t`` through it. A masked pair is nobody's negative.

  **Sharded.** With ``axis_name``, inside ``shard_map`` each device holds its
  slice of the batch along that mesh axis: the embeddings (and ``where``) are
  all-gathered, each device scores its own rows against the whole batch
  (open_clip's ``local_loss`` with ``gather_with_grad``), and "mean" and "sum"
  are over the whole batch, the same number on every device, equal to the
  single-device loss; "none" gives this device's pairs.

  Args:
    image_embeddings: ``(N, D)`` image embeddings.
    text_embeddings: ``(N, D)`` text embeddings, paired row by row.
    logit_scale: scalar $s > 0$ (differentiable).
    logit_bias: optional scalar bias $b$ added to every logit.
    reduction: "mean" (default, over pairs), "sum" or "none" (per pair).
    where: boolean mask over pairs.
    axis_name: the mesh axis the batch is split along, inside ``shard_map``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> img = jnp.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    >>> txt = jnp.array([[0.8, 0.6], [0.0, 1.0], [0.6, 0.8]])
    >>> print(f"{lj.clip_loss(img, txt, jnp.asarray(10.0)):.4f}")
    0.4896

  References: Radford et al., "Learning Transferable Visual Models From
  Natural Language Supervision" (2021); open_clip ``src/open_clip/loss.py``
  ``ClipLoss``.
  """
  name = core.loss_name()
  img, txt, scale, bias, keep = _image_text(name, image_embeddings, text_embeddings,
                                            logit_scale, logit_bias, where)
  n = img.shape[0]
  offset = 0
  img_all, txt_all, keep_all = img, txt, keep
  if axis_name is not None:
    gather = lambda a: lax.all_gather(a, axis_name, tiled=True)  # noqa: E731
    img_all, txt_all = gather(img), gather(txt)
    keep_all = None if keep is None else gather(keep)
    offset = lax.axis_index(axis_name) * n
  cols = jnp.ones((img_all.shape[0],), bool) if keep_all is None else keep_all

  def direction(rows, others):
    logits = scale * (rows @ others.T)
    if bias is not None:
      logits = logits + bias
    lse, _ = masked_logsumexp(logits, jnp.broadcast_to(cols[None, :], logits.shape))
    diag = jnp.take_along_axis(logits, (offset + jnp.arange(n))[:, None], axis=1)[:, 0]
    return lse - diag

  values = 0.5 * (direction(img, txt_all) + direction(txt, img_all))
  return core.reduce_loss(name, values, reduction, keep, axis_name=axis_name)


@declare(whole_batch="in-batch negatives",
         image_embeddings=FLOAT, text_embeddings=FLOAT.same_as("image_embeddings"), logit_scale=FLOAT, logit_bias=FLOAT,
         axis_name=AxisName())
def siglip_loss(
    image_embeddings: ArrayLike,
    text_embeddings: ArrayLike,
    logit_scale: ArrayLike,
    logit_bias: ArrayLike,
    *,
    reduction: str = "mean",
    where: ArrayLike | None = None,
    axis_name: str | None = None,
) -> Array:
  r"""SigLIP's pairwise sigmoid loss (Zhai et al. 2023), big_vision's reference.

  With $L_{ij} = s\, x^{\mathrm{img}}_i \cdot x^{\mathrm{txt}}_j + b$ and
  $y_{ij} = 1$ for $i = j$, $-1$ otherwise, image $i$ costs

  $$
  \ell_i = -\sum_j \log \sigma(y_{ij} L_{ij}),
  $$

  and "mean" is $\frac1N \sum_i \ell_i$ (big_vision's ``mean(sum(..., -1))``:
  every pair, divided by the batch size; open_clip's ``SigLipLoss`` agrees).
  ``logit_scale`` is $s$ itself (``jnp.exp(t)``, ``t`` initialised to
  ``log(10)``) and ``logit_bias`` is $b$ (initialised to -10). The embeddings
  are used as given. A masked pair is in no other pair's negatives.

  **Sharded.** With ``axis_name``, inside ``shard_map`` each device holds its
  slice of the batch: text blocks travel around the ring of devices
  (``ppermute``, the chunked form of the paper's section 3.3), so no device
  ever holds the whole batch; each image meets its own positive on its own
  device and every other text as a negative. "mean" and "sum" are over the
  whole batch (equal to the single-device loss); "none" gives this device's
  images.

  Args:
    image_embeddings: ``(N, D)`` image embeddings.
    text_embeddings: ``(N, D)`` text embeddings, paired row by row.
    logit_scale: scalar $s > 0$ (differentiable).
    logit_bias: scalar $b$ (differentiable).
    reduction: "mean" (default, over images), "sum" or "none" (per image).
    where: boolean mask over pairs.
    axis_name: the mesh axis the batch is split along, inside ``shard_map``.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> img = jnp.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    >>> txt = jnp.array([[0.8, 0.6], [0.0, 1.0], [0.6, 0.8]])
    >>> print(f"{lj.siglip_loss(img, txt, jnp.asarray(10.0), jnp.asarray(-5.0)):.4f}")
    4.4675

  References: Zhai et al., "Sigmoid Loss for Language Image Pre-Training"
  (ICCV 2023); big_vision ``trainers/proj/image_text/siglip.py`` (lines
  287-308) and its chunked form in ``_deprecated_contrastive.py``
  (lines 168-194).
  """
  name = core.loss_name()
  img, txt, scale, bias, keep = _image_text(name, image_embeddings, text_embeddings,
                                            logit_scale, logit_bias, where)
  n = img.shape[0]
  cols = jnp.ones((n,), bool) if keep is None else keep

  def nll(others, others_keep, positives):
    logits = scale * (img @ others.T) + bias
    signs = jnp.where(jnp.eye(n, dtype=bool), 1.0, -1.0) if positives else -1.0
    # -log σ(y L) = softplus(-y L); a masked text adds nothing.
    return jnp.sum(jnp.where(others_keep[None, :], core.softplus(-signs * logits), 0.0), axis=1)

  values = nll(txt, cols, True)
  if axis_name is not None:
    size = lax.axis_size(axis_name)
    ring = [(i, (i + 1) % size) for i in range(size)]
    others, others_keep = txt, cols
    for _ in range(size - 1):  # every other device's texts, all negatives
      others, others_keep = lax.ppermute((others, others_keep), axis_name, ring)
      values = values + nll(others, others_keep, False)
  return core.reduce_loss(name, values, reduction, keep, axis_name=axis_name)


def _ex_info_nce(rng):
  return (rng.normal(size=(6, 4)),), {"labels": np.array([0, 1, 2, 0, 1, 2]), "temperature": 0.5}


def _ex_supcon(rng):
  f = rng.normal(size=(6, 2, 4))
  return (f / np.linalg.norm(f, axis=-1, keepdims=True), rng.integers(0, 3, size=(6,))), {
      "temperature": 0.5, "base_temperature": 0.07, "contrast_mode": "one"}


def _ex_circle(rng):
  x = rng.normal(size=(6, 4))
  return (x / np.linalg.norm(x, axis=-1, keepdims=True), np.array([0, 1, 2, 0, 1, 2])), {
      "gamma": 8.0, "margin": 0.25}


def _ex_image_text(bias):
  def build(rng):
    img, txt = (x / np.linalg.norm(x, axis=1, keepdims=True) for x in rng.normal(size=(2, 6, 4)))
    return (img, txt, np.asarray(5.0)) + ((np.asarray(-2.0),) if bias else ()), {}
  return build


def _ex_contrastive(rng):
  return (rng.normal(size=(6, 4)), rng.normal(size=(6, 4)), rng.uniform(size=(6,)) < 0.5), {
      "pos_margin": 0.2, "neg_margin": 3.0}


SPECS = [
    LossSpec(info_nce_loss, None, _ex_info_nce, differentiable=("embeddings",),
             batched=("embeddings", "labels"), unbounded=("embeddings",),
             bad_options={"temperature": 0.0},
             mismatch=lambda args: (args[0][:, :, None],),
             source="InfoNCE / NT-Xent (Oord 2018, SimCLR); optax ntxent"),
    LossSpec(supcon_loss, None, _ex_supcon, differentiable=("features",),
             batched=("features", "labels"),
             bad_options={"contrast_mode": "some"},
             source="Khosla et al. 2020 (SupContrast reference code)"),
    LossSpec(circle_loss, None, _ex_circle, differentiable=("embeddings",),
             batched=("embeddings", "labels"), bad_options={"gamma": 0.0},
             source="Sun et al. 2020; Keras 3 Circle, pytorch-metric-learning CircleLoss"),
    LossSpec(contrastive_loss, None, _ex_contrastive,
             differentiable=("input1", "input2"), batched=("input1", "input2", "same"),
             unbounded=("input1", "input2"), bad_options={"distance": "manhattan"},
             source="Hadsell et al. 2006; pytorch-metric-learning ContrastiveLoss"),
    LossSpec(clip_loss, None, _ex_image_text(False),
             differentiable=("image_embeddings", "text_embeddings", "logit_scale"),
             batched=("image_embeddings", "text_embeddings"),
             unbounded=("image_embeddings", "text_embeddings"),
             source="Radford et al. 2021; open_clip ClipLoss"),
    LossSpec(siglip_loss, None, _ex_image_text(True),
             differentiable=("image_embeddings", "text_embeddings", "logit_scale",
                             "logit_bias"),
             batched=("image_embeddings", "text_embeddings"),
             unbounded=("image_embeddings", "text_embeddings", "logit_bias"),
             source="Zhai et al. 2023; big_vision siglip.py"),
]
