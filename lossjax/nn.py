"""torch.nn-style loss objects: one class per registered loss. Generated, do not edit.

Written by ``python -m lossjax._nn_source`` from the catalogue (tests/test_nn.py checks it).
Each class is named after its torch.nn twin (``CrossEntropyLoss``, ``CTCLoss``, ...), or
the CamelCase of the loss's name (``dice_loss`` -> ``DiceLoss``). Constructing one binds
options (keyword-only: the loss's own options plus ``reduction``, validated at once);
calling it takes the data arguments as the torch module's ``forward`` does, plus an
optional ``where`` mask.

Examples:
  >>> import jax.numpy as jnp
  >>> from lossjax import nn
  >>> loss = nn.CrossEntropyLoss(label_smoothing=0.1)
  >>> loss
  CrossEntropyLoss(label_smoothing=0.1)
  >>> print(f"{loss(jnp.array([[2.0, 0.5, -1.0]]), jnp.array([0])):.4f}")
  0.3913

Objects are immutable, compare by their options, and are hashable (array options hash by
value when concrete), so one can be a static argument of ``jax.jit``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
from jax.typing import ArrayLike

from lossjax._nn_base import Loss
from lossjax._spec import class_name

Array = jax.Array


class BCELoss(Loss):
  """[`binary_cross_entropy`][lossjax.binary_cross_entropy] with bound options: the twin of `torch.nn.BCELoss`.

  Args:
    weight: optional weight broadcastable to the input's shape.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "binary_cross_entropy"

  def __init__(self, *, weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class BCEWithLogitsLoss(Loss):
  """[`binary_cross_entropy_with_logits`][lossjax.binary_cross_entropy_with_logits] with bound options: the twin of `torch.nn.BCEWithLogitsLoss`.

  Args:
    weight: optional weight broadcastable to the input's shape.
    pos_weight: optional weight of positive examples, broadcastable to the
      input's shape; a ``[C]`` vector applies along the last (class) axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "binary_cross_entropy_with_logits"

  def __init__(self, *, weight: ArrayLike | None = None, pos_weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, pos_weight=pos_weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class SigmoidFocalLoss(Loss):
  """[`sigmoid_focal_loss`][lossjax.sigmoid_focal_loss] with bound options.

  Args:
    alpha: weight of the positive class in [0, 1], or < 0 for none.
    gamma: focusing parameter, >= 0.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "sigmoid_focal_loss"

  def __init__(self, *, alpha: float = 0.25, gamma: float = 2.0, reduction: str = 'mean') -> None:
    super().__init__(alpha=alpha, gamma=gamma, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class AsymmetricLoss(Loss):
  """[`asymmetric_loss`][lossjax.asymmetric_loss] with bound options.

  Args:
    gamma_neg: γ₋ ≥ 0 (4).
    gamma_pos: γ₊ ≥ 0 (1).
    clip: the probability margin m in [0, 1] for negatives (0.05; 0 turns it off).
    eps: the log's floor (1e-8).
    detach_focal_weight: treat the focal weights as constants.
    reduction: "mean" (default, over elements), "sum" (timm's) or "none".
  """

  _loss = "asymmetric_loss"

  def __init__(self, *, gamma_neg: float = 4.0, gamma_pos: float = 1.0, clip: float = 0.05, eps: float = 1e-08, detach_focal_weight: bool = False, reduction: str = 'mean') -> None:
    super().__init__(gamma_neg=gamma_neg, gamma_pos=gamma_pos, clip=clip, eps=eps, detach_focal_weight=detach_focal_weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class AsymmetricSingleLabelLoss(Loss):
  """[`asymmetric_single_label_loss`][lossjax.asymmetric_single_label_loss] with bound options.

  Args:
    gamma_pos: γ₊ ≥ 0 (timm's 1; the ASL repository's ``ASLSingleLabel`` uses 0).
    gamma_neg: γ₋ ≥ 0 (4).
    label_smoothing: ε in [0, 1] (timm's ``eps``, 0.1).
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "asymmetric_single_label_loss"

  def __init__(self, *, gamma_pos: float = 1.0, gamma_neg: float = 4.0, label_smoothing: float = 0.1, reduction: str = 'mean') -> None:
    super().__init__(gamma_pos=gamma_pos, gamma_neg=gamma_neg, label_smoothing=label_smoothing, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class CrossEntropyLoss(Loss):
  """[`cross_entropy`][lossjax.cross_entropy] with bound options: the twin of `torch.nn.CrossEntropyLoss`.

  Args:
    weight: optional ``[C]`` rescaling weight per class.
    ignore_index: class-index targets equal to it are ignored (class indices
      only); None: no target is ignored.
    label_smoothing: ε in [0, 1].
    axis: the class axis of ``input`` (ignored for an unbatched ``[C]`` input).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "cross_entropy"

  def __init__(self, *, weight: ArrayLike | None = None, ignore_index: int | None = -100, label_smoothing: float = 0.0, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, ignore_index=ignore_index, label_smoothing=label_smoothing, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class NLLLoss(Loss):
  """[`nll_loss`][lossjax.nll_loss] with bound options: the twin of `torch.nn.NLLLoss`.

  Args:
    weight: optional ``[C]`` weight per class.
    ignore_index: targets equal to it are ignored; None: none is.
    axis: the class axis of ``input``.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "nll_loss"

  def __init__(self, *, weight: ArrayLike | None = None, ignore_index: int | None = -100, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, ignore_index=ignore_index, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class SoftmaxFocalLoss(Loss):
  """[`softmax_focal_loss`][lossjax.softmax_focal_loss] with bound options.

  Args:
    alpha: ``[C]`` weights, a float, or None.
    gamma: focusing parameter, >= 0.
    weight: optional ``[C]`` class weights (the normaliser, as in cross_entropy).
    ignore_index: labels equal to it are ignored.
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "softmax_focal_loss"

  def __init__(self, *, alpha: ArrayLike | float | None = None, gamma: float = 2.0, weight: ArrayLike | None = None, ignore_index: int | None = -100, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(alpha=alpha, gamma=gamma, weight=weight, ignore_index=ignore_index, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class Poly1CrossEntropy(Loss):
  """[`poly1_cross_entropy`][lossjax.poly1_cross_entropy] with bound options.

  Args:
    epsilon: the weight of the polynomial term.
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "poly1_cross_entropy"

  def __init__(self, *, epsilon: float = 1.0, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(epsilon=epsilon, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class GeneralizedCrossEntropy(Loss):
  """[`generalized_cross_entropy`][lossjax.generalized_cross_entropy] with bound options.

  Args:
    q: in (0, 1].
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "generalized_cross_entropy"

  def __init__(self, *, q: float = 0.7, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(q=q, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class ZLoss(Loss):
  """[`z_loss`][lossjax.z_loss] with bound options.

  Args:
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "z_loss"

  def __init__(self, *, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, where=where)


class IouLoss(Loss):
  """[`iou_loss`][lossjax.iou_loss] with bound options.

  Args:
    eps: ε ≥ 0 added to the union (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
  """

  _loss = "iou_loss"

  def __init__(self, *, eps: float = 1e-07, reduction: str = 'mean') -> None:
    super().__init__(eps=eps, reduction=reduction)

  def __call__(self, boxes1: ArrayLike, boxes2: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(boxes1, boxes2, where=where)


class GeneralizedBoxIouLoss(Loss):
  """[`generalized_box_iou_loss`][lossjax.generalized_box_iou_loss] with bound options.

  Args:
    eps: ε ≥ 0 (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
  """

  _loss = "generalized_box_iou_loss"

  def __init__(self, *, eps: float = 1e-07, reduction: str = 'mean') -> None:
    super().__init__(eps=eps, reduction=reduction)

  def __call__(self, boxes1: ArrayLike, boxes2: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(boxes1, boxes2, where=where)


class DistanceBoxIouLoss(Loss):
  """[`distance_box_iou_loss`][lossjax.distance_box_iou_loss] with bound options.

  Args:
    eps: ε ≥ 0 (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
  """

  _loss = "distance_box_iou_loss"

  def __init__(self, *, eps: float = 1e-07, reduction: str = 'mean') -> None:
    super().__init__(eps=eps, reduction=reduction)

  def __call__(self, boxes1: ArrayLike, boxes2: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(boxes1, boxes2, where=where)


class CompleteBoxIouLoss(Loss):
  """[`complete_box_iou_loss`][lossjax.complete_box_iou_loss] with bound options.

  Args:
    eps: ε ≥ 0 in α (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
  """

  _loss = "complete_box_iou_loss"

  def __init__(self, *, eps: float = 1e-07, reduction: str = 'mean') -> None:
    super().__init__(eps=eps, reduction=reduction)

  def __call__(self, boxes1: ArrayLike, boxes2: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(boxes1, boxes2, where=where)


class KdLoss(Loss):
  """[`kd_loss`][lossjax.kd_loss] with bound options.

  Args:
    temperature: T > 0.
    direction: "forward" (KL(teacher || student), default) or "reverse".
    temperature_squared: multiply by T² (default True).
    axis: the class axis.
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
  """

  _loss = "kd_loss"

  def __init__(self, *, temperature: float = 1.0, direction: str = 'forward', temperature_squared: bool = True, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(temperature=temperature, direction=direction, temperature_squared=temperature_squared, axis=axis, reduction=reduction)

  def __call__(self, student_logits: ArrayLike, teacher_logits: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(student_logits, teacher_logits, where=where)


class GeneralizedJsdLoss(Loss):
  """[`generalized_jsd_loss`][lossjax.generalized_jsd_loss] with bound options.

  Args:
    beta: β in [0, 1] (TRL's default 0.5).
    temperature: T > 0 (TRL's GKD trainer calls it with T = 1).
    axis: the class axis.
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
  """

  _loss = "generalized_jsd_loss"

  def __init__(self, *, beta: float = 0.5, temperature: float = 1.0, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, temperature=temperature, axis=axis, reduction=reduction)

  def __call__(self, student_logits: ArrayLike, teacher_logits: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(student_logits, teacher_logits, where=where)


class TvdLoss(Loss):
  """[`tvd_loss`][lossjax.tvd_loss] with bound options.

  Args:
    temperature: T > 0.
    axis: the class axis.
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
  """

  _loss = "tvd_loss"

  def __init__(self, *, temperature: float = 1.0, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(temperature=temperature, axis=axis, reduction=reduction)

  def __call__(self, student_logits: ArrayLike, teacher_logits: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(student_logits, teacher_logits, where=where)


class TopkKdLoss(Loss):
  """[`topk_kd_loss`][lossjax.topk_kd_loss] with bound options.

  Args:
    temperature: T > 0 for the student's softmax.
    tail: "bucket" (default), "renormalize" or "none".
    direction: "forward" (KL(teacher ‖ student), default) or "reverse".
    temperature_squared: multiply by T².
    reduction: "mean" (default, over tokens), "sum" or "none" (per token).
  """

  _loss = "topk_kd_loss"

  def __init__(self, *, temperature: float = 1.0, tail: str = 'bucket', direction: str = 'forward', temperature_squared: bool = False, reduction: str = 'mean') -> None:
    super().__init__(temperature=temperature, tail=tail, direction=direction, temperature_squared=temperature_squared, reduction=reduction)

  def __call__(self, student_logits: ArrayLike, teacher_logprobs: ArrayLike, teacher_indices: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(student_logits, teacher_logprobs, teacher_indices, where=where)


class LinearJsdLoss(Loss):
  """[`linear_jsd_loss`][lossjax.linear_jsd_loss] with bound options.

  Args:
    student_bias: optional ``[V]``.
    teacher_bias: optional ``[V]``.
    beta: β in [0, 1] (Liger's and TRL's default 0.5).
    temperature: T > 0, dividing both heads' logits.
    layout: "vd" (default, torch's) or "dv", for both weights.
    ignore_index: targets equal to it are not counted; None: all are.
    token_chunk: tokens whose logits exist at once (default 512).
    reduction: "mean" (default, over counted tokens), "sum" or "none".
  """

  _loss = "linear_jsd_loss"

  def __init__(self, *, student_bias: ArrayLike | None = None, teacher_bias: ArrayLike | None = None, beta: float = 0.5, temperature: float = 1.0, layout: str = 'vd', ignore_index: int | None = -100, token_chunk: int = 512, reduction: str = 'mean') -> None:
    super().__init__(student_bias=student_bias, teacher_bias=teacher_bias, beta=beta, temperature=temperature, layout=layout, ignore_index=ignore_index, token_chunk=token_chunk, reduction=reduction)

  def __call__(self, student_input: ArrayLike, student_weight: ArrayLike, teacher_input: ArrayLike, teacher_weight: ArrayLike | None = None, target: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(student_input, student_weight, teacher_input, teacher_weight, target, where=where)


class InfoNceLoss(Loss):
  """[`info_nce_loss`][lossjax.info_nce_loss] with bound options.

  Args:
    labels: optional ``(N,)`` integer labels (without ``other``).
    temperature: τ > 0.
    average: "pairs" (default) or "anchors": what "mean" averages over.
    reduction: "mean" (default), "sum" or "none" (per anchor).
  """

  _loss = "info_nce_loss"

  def __init__(self, *, labels: ArrayLike | None = None, temperature: float = 0.1, average: str = 'pairs', reduction: str = 'mean') -> None:
    super().__init__(labels=labels, temperature=temperature, average=average, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, other: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, other, where=where)


class SupconLoss(Loss):
  """[`supcon_loss`][lossjax.supcon_loss] with bound options.

  Args:
    temperature: τ > 0.
    base_temperature: τ_b > 0.
    contrast_mode: "all" or "one".
    reduction: "mean" (default, over anchors), "sum" or "none" (per anchor,
      ``[V, N]`` for "all", ``[N]`` for "one").
  """

  _loss = "supcon_loss"

  def __init__(self, *, temperature: float = 0.07, base_temperature: float = 0.07, contrast_mode: str = 'all', reduction: str = 'mean') -> None:
    super().__init__(temperature=temperature, base_temperature=base_temperature, contrast_mode=contrast_mode, reduction=reduction)

  def __call__(self, features: ArrayLike, labels: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(features, labels, where=where)


class CircleLoss(Loss):
  """[`circle_loss`][lossjax.circle_loss] with bound options.

  Args:
    gamma: the scale γ > 0 (Keras's default 80).
    margin: the relaxation m (Keras's default 0.4).
    remove_diagonal: whether pair ``(i, i)`` is left out of the positives.
    normalize: L2-normalise both sets of embeddings first.
    detach_weights: stop the gradient through the pair weights.
    reduction: "mean" (default, over anchors with a non-zero loss), "sum" or
      "none" (per anchor).
  """

  _loss = "circle_loss"

  def __init__(self, *, gamma: float = 80.0, margin: float = 0.4, remove_diagonal: bool = True, normalize: bool = False, detach_weights: bool = False, reduction: str = 'mean') -> None:
    super().__init__(gamma=gamma, margin=margin, remove_diagonal=remove_diagonal, normalize=normalize, detach_weights=detach_weights, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, ref_embeddings: ArrayLike | None = None, ref_labels: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, ref_embeddings, ref_labels, where=where)


class ContrastiveLoss(Loss):
  """[`contrastive_loss`][lossjax.contrastive_loss] with bound options.

  Args:
    pos_margin: distance below which similar pairs cost nothing.
    neg_margin: distance above which dissimilar pairs cost nothing.
    distance: "euclidean" or "cosine".
    reduction: "mean" (default, over pairs), "sum" or "none".
  """

  _loss = "contrastive_loss"

  def __init__(self, *, pos_margin: float = 0.0, neg_margin: float = 1.0, distance: str = 'euclidean', reduction: str = 'mean') -> None:
    super().__init__(pos_margin=pos_margin, neg_margin=neg_margin, distance=distance, reduction=reduction)

  def __call__(self, input1: ArrayLike, input2: ArrayLike, same: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input1, input2, same, where=where)


class ClipLoss(Loss):
  """[`clip_loss`][lossjax.clip_loss] with bound options.

  Args:
    logit_bias: optional scalar bias $b$ added to every logit.
    axis_name: the mesh axis the batch is split along, inside ``shard_map``.
    reduction: "mean" (default, over pairs), "sum" or "none" (per pair).
  """

  _loss = "clip_loss"

  def __init__(self, *, logit_bias: ArrayLike | None = None, axis_name: str | None = None, reduction: str = 'mean') -> None:
    super().__init__(logit_bias=logit_bias, axis_name=axis_name, reduction=reduction)

  def __call__(self, image_embeddings: ArrayLike, text_embeddings: ArrayLike, logit_scale: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(image_embeddings, text_embeddings, logit_scale, where=where)


class SiglipLoss(Loss):
  """[`siglip_loss`][lossjax.siglip_loss] with bound options.

  Args:
    axis_name: the mesh axis the batch is split along, inside ``shard_map``.
    reduction: "mean" (default, over images), "sum" or "none" (per image).
  """

  _loss = "siglip_loss"

  def __init__(self, *, axis_name: str | None = None, reduction: str = 'mean') -> None:
    super().__init__(axis_name=axis_name, reduction=reduction)

  def __call__(self, image_embeddings: ArrayLike, text_embeddings: ArrayLike, logit_scale: ArrayLike, logit_bias: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(image_embeddings, text_embeddings, logit_scale, logit_bias, where=where)


class CosineEmbeddingLoss(Loss):
  """[`cosine_embedding_loss`][lossjax.cosine_embedding_loss] with bound options: the twin of `torch.nn.CosineEmbeddingLoss`.

  Args:
    margin: the margin for dissimilar pairs, in [-1, 1].
    reduction: "mean" (default), "sum" or "none" (per pair).
  """

  _loss = "cosine_embedding_loss"

  def __init__(self, *, margin: float = 0.0, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, reduction=reduction)

  def __call__(self, input1: ArrayLike, input2: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input1, input2, target, where=where)


class TripletMarginLoss(Loss):
  """[`triplet_margin_loss`][lossjax.triplet_margin_loss] with bound options: the twin of `torch.nn.TripletMarginLoss`.

  Args:
    margin: the margin, > 0 (torch's check).
    p: the norm degree (> 0, or ``jnp.inf``).
    eps: added to the difference inside the norm.
    swap: use the distance swap.
    reduction: "mean" (default), "sum" or "none" (per triplet).
  """

  _loss = "triplet_margin_loss"

  def __init__(self, *, margin: float = 1.0, p: float = 2.0, eps: float = 1e-06, swap: bool = False, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, p=p, eps=eps, swap=swap, reduction=reduction)

  def __call__(self, anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(anchor, positive, negative, where=where)


class TripletMarginWithDistanceLoss(Loss):
  """[`triplet_margin_with_distance_loss`][lossjax.triplet_margin_with_distance_loss] with bound options: the twin of `torch.nn.TripletMarginWithDistanceLoss`.

  Args:
    distance_function: ``(x, y) -> distances``; default Euclidean.
    margin: the margin, > 0 (torch's check).
    swap: use the distance swap.
    reduction: "mean" (default), "sum" or "none" (per triplet).
  """

  _loss = "triplet_margin_with_distance_loss"

  def __init__(self, *, distance_function: Callable[[Array, Array], Array] | None = None, margin: float = 1.0, swap: bool = False, reduction: str = 'mean') -> None:
    super().__init__(distance_function=distance_function, margin=margin, swap=swap, reduction=reduction)

  def __call__(self, anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(anchor, positive, negative, where=where)


class VicregLoss(Loss):
  """[`vicreg_loss`][lossjax.vicreg_loss] with bound options.

  Args:
    sim_coeff: λ ≥ 0, the invariance weight.
    std_coeff: μ ≥ 0, the variance weight.
    cov_coeff: ν ≥ 0, the covariance weight.
    eps: ε added to the variance before the square root (1e-4).
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
  """

  _loss = "vicreg_loss"

  def __init__(self, *, sim_coeff: float = 25.0, std_coeff: float = 25.0, cov_coeff: float = 1.0, eps: float = 0.0001, reduction: str = 'mean') -> None:
    super().__init__(sim_coeff=sim_coeff, std_coeff=std_coeff, cov_coeff=cov_coeff, eps=eps, reduction=reduction)

  def __call__(self, input1: ArrayLike, input2: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input1, input2, where=where)


class BarlowTwinsLoss(Loss):
  """[`barlow_twins_loss`][lossjax.barlow_twins_loss] with bound options.

  Args:
    lambd: λ ≥ 0, the off-diagonal weight.
    eps: the batch norm's ε.
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
  """

  _loss = "barlow_twins_loss"

  def __init__(self, *, lambd: float = 0.0051, eps: float = 1e-05, reduction: str = 'mean') -> None:
    super().__init__(lambd=lambd, eps=eps, reduction=reduction)

  def __call__(self, input1: ArrayLike, input2: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input1, input2, where=where)


class FenchelYoungLoss(Loss):
  """[`fenchel_young_loss`][lossjax.fenchel_young_loss] with bound options.

  Args:
    max_fun: ``(C,) -> ()``, convex; default the log-sum-exp.
    reduction: "mean" (default, over score vectors), "sum" or "none".
  """

  _loss = "fenchel_young_loss"

  def __init__(self, *, max_fun: Callable[[Array], Array] | None = None, reduction: str = 'mean') -> None:
    super().__init__(max_fun=max_fun, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class SparsemaxLoss(Loss):
  """[`sparsemax_loss`][lossjax.sparsemax_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "sparsemax_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MulticlassSparsemaxLoss(Loss):
  """[`multiclass_sparsemax_loss`][lossjax.multiclass_sparsemax_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none" (per score vector).
  """

  _loss = "multiclass_sparsemax_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class PerceptronLoss(Loss):
  """[`perceptron_loss`][lossjax.perceptron_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "perceptron_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MulticlassPerceptronLoss(Loss):
  """[`multiclass_perceptron_loss`][lossjax.multiclass_perceptron_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none" (per score vector).
  """

  _loss = "multiclass_perceptron_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class DiffusionLoss(Loss):
  """[`diffusion_loss`][lossjax.diffusion_loss] with bound options.

  Args:
    prediction_type: "epsilon" (default), "v_prediction" or "sample".
    weighting: "none" (default), "min_snr" or "p2".
    snr_gamma: min-SNR's γ > 0 (5, the paper's and diffusers' recommendation).
    p2_gamma: P2's γ ≥ 0 (1; 0.5 in some of the paper's runs; 0 is no weighting).
    p2_k: P2's k ≥ 0 (1).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
  """

  _loss = "diffusion_loss"

  def __init__(self, *, prediction_type: str = 'epsilon', weighting: str = 'none', snr_gamma: float = 5.0, p2_gamma: float = 1.0, p2_k: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(prediction_type=prediction_type, weighting=weighting, snr_gamma=snr_gamma, p2_gamma=p2_gamma, p2_k=p2_k, reduction=reduction)

  def __call__(self, model_output: ArrayLike, clean: ArrayLike, noise: ArrayLike, alphas_cumprod: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(model_output, clean, noise, alphas_cumprod, where=where)


class EdmLoss(Loss):
  """[`edm_loss`][lossjax.edm_loss] with bound options.

  Args:
    sigma_data: the data's standard deviation (0.5, EDM's; k-diffusion's default is 1).
    weighting: "edm" (default), "soft_min_snr" or "snr".
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
  """

  _loss = "edm_loss"

  def __init__(self, *, sigma_data: float = 0.5, weighting: str = 'edm', reduction: str = 'mean') -> None:
    super().__init__(sigma_data=sigma_data, weighting=weighting, reduction=reduction)

  def __call__(self, denoised: ArrayLike, clean: ArrayLike, sigma: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(denoised, clean, sigma, where=where)


class FlowMatchingLoss(Loss):
  """[`flow_matching_loss`][lossjax.flow_matching_loss] with bound options.

  Args:
    path: "linear" (default), "target", "variance_preserving" or "schrodinger_bridge".
    sigma: the path's σ ≥ 0 (0). The flow itself depends on it only for "target" and
      "schrodinger_bridge"; the other paths' σ enters x_t alone (`flow_matching_sample`).
    weighting: "none" (default) or "logit_normal".
    logit_mean: the logit-normal's m, in the paper's convention (0).
    logit_std: the logit-normal's s > 0 (1).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
  """

  _loss = "flow_matching_loss"

  def __init__(self, *, path: str = 'linear', sigma: float = 0.0, weighting: str = 'none', logit_mean: float = 0.0, logit_std: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(path=path, sigma=sigma, weighting=weighting, logit_mean=logit_mean, logit_std=logit_std, reduction=reduction)

  def __call__(self, velocity: ArrayLike, x0: ArrayLike, x1: ArrayLike, t: ArrayLike, noise: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(velocity, x0, x1, t, noise, where=where)


class GanGeneratorLoss(Loss):
  """[`gan_generator_loss`][lossjax.gan_generator_loss] with bound options.

  Args:
    formulation: "non_saturating" (default), "minimax", "wasserstein", "hinge" or
      "least_squares".
    label_smoothing: ε in [0, 1] for "non_saturating" (0).
    real_label: the target of "least_squares" (1).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "gan_generator_loss"

  def __init__(self, *, formulation: str = 'non_saturating', label_smoothing: float = 0.0, real_label: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(formulation=formulation, label_smoothing=label_smoothing, real_label=real_label, reduction=reduction)

  def __call__(self, fake_logits: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(fake_logits, where=where)


class GanDiscriminatorLoss(Loss):
  """[`gan_discriminator_loss`][lossjax.gan_discriminator_loss] with bound options.

  Args:
    formulation: "non_saturating" (default), "minimax", "wasserstein", "hinge" or
      "least_squares".
    label_smoothing: ε in [0, 1] for the cross-entropy forms (0).
    real_label: "least_squares"'s target for real samples (1).
    fake_label: "least_squares"'s target for generated samples (0).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "gan_discriminator_loss"

  def __init__(self, *, formulation: str = 'non_saturating', label_smoothing: float = 0.0, real_label: float = 1.0, fake_label: float = 0.0, reduction: str = 'mean') -> None:
    super().__init__(formulation=formulation, label_smoothing=label_smoothing, real_label=real_label, fake_label=fake_label, reduction=reduction)

  def __call__(self, real_logits: ArrayLike, fake_logits: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(real_logits, fake_logits, where=where)


class GradientPenalty(Loss):
  """[`gradient_penalty`][lossjax.gradient_penalty] with bound options.

  Args:
    critic: ``D``, mapping ``[N, ...]`` samples to ``[N]`` (or ``[N, 1]``) logits, each from
      its own sample (no batch statistics).
    target: the gradient norm aimed at, > 0 (1).
    one_sided: penalise only norms above the target (False).
    epsilon: added to the squared norm before the square root, ≥ 0 (1e-10).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
  """

  _loss = "gradient_penalty"

  def __init__(self, *, critic: Callable[[Array], Array] | None = None, target: float = 1.0, one_sided: bool = False, epsilon: float = 1e-10, reduction: str = 'mean') -> None:
    super().__init__(critic=critic, target=target, one_sided=one_sided, epsilon=epsilon, reduction=reduction)

  def __call__(self, real: ArrayLike, fake: ArrayLike, alpha: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(real, fake, alpha, where=where)


class R1Penalty(Loss):
  """[`r1_penalty`][lossjax.r1_penalty] with bound options.

  Args:
    critic: ``D``, mapping ``[N, ...]`` samples to ``[N]`` (or ``[N, 1]``) logits, each from
      its own sample.
    gamma: γ ≥ 0 (10; StyleGAN2-ADA sets it per dataset).
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
  """

  _loss = "r1_penalty"

  def __init__(self, *, critic: Callable[[Array], Array] | None = None, gamma: float = 10.0, reduction: str = 'mean') -> None:
    super().__init__(critic=critic, gamma=gamma, reduction=reduction)

  def __call__(self, samples: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(samples, where=where)


class GaussianKlLoss(Loss):
  """[`gaussian_kl_loss`][lossjax.gaussian_kl_loss] with bound options.

  Args:
    free_bits: λ ≥ 0 in nats per latent dimension (0: none).
    reduction: "mean" (default, over examples), "sum" or "none" (``[...]``).
  """

  _loss = "gaussian_kl_loss"

  def __init__(self, *, free_bits: float = 0.0, reduction: str = 'mean') -> None:
    super().__init__(free_bits=free_bits, reduction=reduction)

  def __call__(self, mean: ArrayLike, log_var: ArrayLike, prior_mean: ArrayLike | None = None, prior_log_var: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(mean, log_var, prior_mean, prior_log_var, where=where)


class ElboLoss(Loss):
  """[`elbo_loss`][lossjax.elbo_loss] with bound options.

  Args:
    likelihood: "bernoulli" (default) or "gaussian".
    beta: the KL's weight β ≥ 0 (1).
    obs_scale: the Gaussian likelihood's σ > 0 (1).
    free_bits: λ ≥ 0 nats per latent dimension (0), as in `gaussian_kl_loss`.
    reduction: "mean" (default, over examples), "sum" or "none" (``[N]``).
  """

  _loss = "elbo_loss"

  def __init__(self, *, likelihood: str = 'bernoulli', beta: float = 1.0, obs_scale: float = 1.0, free_bits: float = 0.0, reduction: str = 'mean') -> None:
    super().__init__(likelihood=likelihood, beta=beta, obs_scale=obs_scale, free_bits=free_bits, reduction=reduction)

  def __call__(self, reconstruction: ArrayLike, data: ArrayLike, mean: ArrayLike, log_var: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(reconstruction, data, mean, log_var, where=where)


class SsimLoss(Loss):
  """[`ssim_loss`][lossjax.ssim_loss] with bound options.

  Args:
    window_size: odd Gaussian window size (11; σ = 1.5).
    max_val: the data range L > 0 (1.0 for images in [0, 1]; 255 for bytes).
    eps: ε added to the denominator (1e-12, kornia's).
    padding: "same" (default, reflected borders) or "valid".
    channel_axis: -1 (default) or 1.
    reduction: "mean" (default), "sum" or "none" (the per-pixel map, ``[N, C, H', W']``).
  """

  _loss = "ssim_loss"

  def __init__(self, *, window_size: int = 11, max_val: float = 1.0, eps: float = 1e-12, padding: str = 'same', channel_axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(window_size=window_size, max_val=max_val, eps=eps, padding=padding, channel_axis=channel_axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MsSsimLoss(Loss):
  """[`ms_ssim_loss`][lossjax.ms_ssim_loss] with bound options.

  Args:
    data_range: L > 0 (1.0 here; pytorch-msssim's default is 255).
    window_size: odd Gaussian window size (11; σ = 1.5).
    k1: K₁ (0.01).
    k2: K₂ (0.03).
    channel_axis: -1 (default) or 1.
    reduction: "mean" (default, over images: ``1 - ms_ssim(x, y)``), "sum" or "none" (per image).
  """

  _loss = "ms_ssim_loss"

  def __init__(self, *, data_range: float = 1.0, window_size: int = 11, k1: float = 0.01, k2: float = 0.03, channel_axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(data_range=data_range, window_size=window_size, k1=k1, k2=k2, channel_axis=channel_axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class PsnrLoss(Loss):
  """[`psnr_loss`][lossjax.psnr_loss] with bound options.

  Args:
    max_val: the largest pixel value (1.0; 255 for 8-bit images).
    reduction: "mean" (default, over images), "sum" or "none" (``[N]``).
  """

  _loss = "psnr_loss"

  def __init__(self, *, max_val: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(max_val=max_val, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class TotalVariationLoss(Loss):
  """[`total_variation_loss`][lossjax.total_variation_loss] with bound options.

  Args:
    channel_axis: -1 (default) or 1.
    reduction: "mean" (default, over images and channels), "sum" or "none" (``[N, C]``).
  """

  _loss = "total_variation_loss"

  def __init__(self, *, channel_axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(channel_axis=channel_axis, reduction=reduction)

  def __call__(self, input: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, where=where)


class LinearCrossEntropyLoss(Loss):
  """[`linear_cross_entropy`][lossjax.linear_cross_entropy] with bound options: the twin of `torch.nn.LinearCrossEntropyLoss`.

  Args:
    linear_bias: optional ``[V]`` (``[V, d1, ..., dK]``).
    weight: optional ``[V]`` class weights (all V classes, also with
      ``axis_name``).
    layout: "vd" (default) or "dv": which way round ``linear_weight`` is.
    ignore_index: class-index targets equal to it are not counted; None:
      every target is (torch maps None to -100: lossjax keeps None as "off",
      so a -100 target then gives NaN, not a silent number).
    label_smoothing: ε in [0, 1].
    z_loss: λ_z ≥ 0, the weight of the log-sum-exp² term.
    logit_softcap: c > 0 for soft-capping (Gemma 2), or None.
    token_weight: optional float weight per token (broadcastable to the
      per-token loss): it multiplies the token's loss, and "mean" divides by
      the summed weights of the counted tokens (times their class weights),
      as Levanter's and NeMo's loss masks do. lossjax's addition.
    token_chunk: tokens per block; None (the default): the platform's, chosen
      when the program is lowered (CPU 4096, GPU 1024, TPU 1024; on CPU a
      reduced loss with class-index targets runs a one-pass kernel whose blocks
      are about 2^25 logits, at most 512 tokens, against the whole vocabulary).
    vocab_chunk: vocabulary entries per block; None: the platform's (CPU
      2048, GPU 2048, TPU 8192). Giving it selects the two-pass kernel on CPU
      too. The blocks trade memory for time: on a 2-core CPU the default
      one-pass kernel took 0.92x-1.04x of the naive program's time with 0.13 to
      0.25 GiB of temporaries, and ``token_chunk=1024, vocab_chunk=1024`` took
      1.02x-1.29x with 0.008 to 0.08 GiB, at most tokamax's chunked kernel's at
      the four shapes measured (BENCHMARKS.md, ``benchmarks/linear_cross_entropy.py
      --frontier``).
    axis_name: vocabulary-parallel mode. Inside ``shard_map``,
      ``linear_weight`` and ``linear_bias`` (and probability targets) hold
      this device's contiguous slice of the vocabulary along the mesh axis
      ``axis_name``, and the partial log-sum-exps are combined across it.
      Class-index targets and ``weight`` stay global. Neither the full weight
      nor the logits is gathered.
    return_lse: also return the per-token log-sum-exp (the loss's shape
      without reduction).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "linear_cross_entropy"

  def __init__(self, *, linear_bias: ArrayLike | None = None, weight: ArrayLike | None = None, layout: str = 'vd', ignore_index: int | None = -100, label_smoothing: float = 0.0, z_loss: float = 0.0, logit_softcap: float | None = None, token_weight: ArrayLike | None = None, token_chunk: int | None = None, vocab_chunk: int | None = None, axis_name: str | None = None, return_lse: bool = False, reduction: str = 'mean') -> None:
    super().__init__(linear_bias=linear_bias, weight=weight, layout=layout, ignore_index=ignore_index, label_smoothing=label_smoothing, z_loss=z_loss, logit_softcap=logit_softcap, token_weight=token_weight, token_chunk=token_chunk, vocab_chunk=vocab_chunk, axis_name=axis_name, return_lse=return_lse, reduction=reduction)

  def __call__(self, input: ArrayLike, linear_weight: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array | tuple[Array, Array]:
    return self._call(input, linear_weight, target, where=where)


class MarginRankingLoss(Loss):
  """[`margin_ranking_loss`][lossjax.margin_ranking_loss] with bound options: the twin of `torch.nn.MarginRankingLoss`.

  Args:
    margin: the margin.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "margin_ranking_loss"

  def __init__(self, *, margin: float = 0.0, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, reduction=reduction)

  def __call__(self, input1: ArrayLike, input2: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input1, input2, target, where=where)


class HingeEmbeddingLoss(Loss):
  """[`hinge_embedding_loss`][lossjax.hinge_embedding_loss] with bound options: the twin of `torch.nn.HingeEmbeddingLoss`.

  Args:
    margin: the margin for dissimilar pairs.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "hinge_embedding_loss"

  def __init__(self, *, margin: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class SoftMarginLoss(Loss):
  """[`soft_margin_loss`][lossjax.soft_margin_loss] with bound options: the twin of `torch.nn.SoftMarginLoss`.

  Args:
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "soft_margin_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MultiLabelMarginLoss(Loss):
  """[`multilabel_margin_loss`][lossjax.multilabel_margin_loss] with bound options: the twin of `torch.nn.MultiLabelMarginLoss`.

  Args:
    reduction: "mean" (default, over samples), "sum" or "none" (per sample).
  """

  _loss = "multilabel_margin_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MultiLabelSoftMarginLoss(Loss):
  """[`multilabel_soft_margin_loss`][lossjax.multilabel_soft_margin_loss] with bound options: the twin of `torch.nn.MultiLabelSoftMarginLoss`.

  Args:
    weight: optional ``(C,)`` weight per class (broadcast to the input).
    reduction: "mean" (default, over samples), "sum" or "none" (per sample).
  """

  _loss = "multilabel_soft_margin_loss"

  def __init__(self, *, weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MultiMarginLoss(Loss):
  """[`multi_margin_loss`][lossjax.multi_margin_loss] with bound options: the twin of `torch.nn.MultiMarginLoss`.

  Args:
    p: 1 or 2.
    margin: the margin.
    weight: optional ``(C,)`` weight, applied by the target class.
    reduction: "mean" (default), "sum" or "none" (per sample).
  """

  _loss = "multi_margin_loss"

  def __init__(self, *, p: int = 1, margin: float = 1.0, weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(p=p, margin=margin, weight=weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class HingeLoss(Loss):
  """[`hinge_loss`][lossjax.hinge_loss] with bound options.

  Args:
    squared: square the hinge (Keras's ``SquaredHinge``).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "hinge_loss"

  def __init__(self, *, squared: bool = False, reduction: str = 'mean') -> None:
    super().__init__(squared=squared, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MulticlassHingeLoss(Loss):
  """[`multiclass_hinge_loss`][lossjax.multiclass_hinge_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none" (per score vector).
  """

  _loss = "multiclass_hinge_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class CategoricalHingeLoss(Loss):
  """[`categorical_hinge_loss`][lossjax.categorical_hinge_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none" (per score vector).
  """

  _loss = "categorical_hinge_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class ArcfaceLoss(Loss):
  """[`arcface_loss`][lossjax.arcface_loss] with bound options.

  Args:
    scale: s > 0 (64, the paper's and pytorch-metric-learning's).
    margin: m in radians, in [0, π/2] (0.5, the paper's; pytorch-metric-learning's
      28.6° is 0.4992).
    easy_margin: apply the margin only to positive cosines.
    layout: "vd" (``(C, D)``, default) or "dv" (``(D, C)``).
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "arcface_loss"

  def __init__(self, *, scale: float = 64.0, margin: float = 0.5, easy_margin: bool = False, layout: str = 'vd', reduction: str = 'mean') -> None:
    super().__init__(scale=scale, margin=margin, easy_margin=easy_margin, layout=layout, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, weight: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, weight, where=where)


class CosfaceLoss(Loss):
  """[`cosface_loss`][lossjax.cosface_loss] with bound options.

  Args:
    scale: s > 0.
    margin: m ≥ 0, subtracted from the target cosine.
    layout: "vd" (default) or "dv".
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "cosface_loss"

  def __init__(self, *, scale: float = 64.0, margin: float = 0.35, layout: str = 'vd', reduction: str = 'mean') -> None:
    super().__init__(scale=scale, margin=margin, layout=layout, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, weight: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, weight, where=where)


class SpherefaceLoss(Loss):
  """[`sphereface_loss`][lossjax.sphereface_loss] with bound options.

  Args:
    scale: s > 0 (1, pytorch-metric-learning's).
    margin: the integer m ≥ 1 (4, the paper's).
    layout: "vd" (default) or "dv".
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "sphereface_loss"

  def __init__(self, *, scale: float = 1.0, margin: int = 4, layout: str = 'vd', reduction: str = 'mean') -> None:
    super().__init__(scale=scale, margin=margin, layout=layout, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, weight: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, weight, where=where)


class SubcenterArcfaceLoss(Loss):
  """[`subcenter_arcface_loss`][lossjax.subcenter_arcface_loss] with bound options.

  Args:
    sub_centers: K ≥ 1 (3, the paper's).
    scale: s > 0.
    margin: m in radians, in [0, π/2].
    easy_margin: apply the margin only to positive cosines.
    layout: "vd" (default) or "dv".
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "subcenter_arcface_loss"

  def __init__(self, *, sub_centers: int = 3, scale: float = 64.0, margin: float = 0.5, easy_margin: bool = False, layout: str = 'vd', reduction: str = 'mean') -> None:
    super().__init__(sub_centers=sub_centers, scale=scale, margin=margin, easy_margin=easy_margin, layout=layout, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, weight: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, weight, where=where)


class MultiSimilarityLoss(Loss):
  """[`multi_similarity_loss`][lossjax.multi_similarity_loss] with bound options.

  Args:
    alpha: α > 0, the positive scale (2).
    beta: β > 0, the negative scale (50).
    base: λ, the similarity margin (0.5).
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "multi_similarity_loss"

  def __init__(self, *, alpha: float = 2.0, beta: float = 50.0, base: float = 0.5, reduction: str = 'mean') -> None:
    super().__init__(alpha=alpha, beta=beta, base=base, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, where=where)


class NPairsLoss(Loss):
  """[`n_pairs_loss`][lossjax.n_pairs_loss] with bound options.

  Args:
    reduction: "mean" (default, over anchors), "sum" or "none" (per sample).
  """

  _loss = "n_pairs_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, where=where)


class GeneralizedLiftedStructureLoss(Loss):
  """[`generalized_lifted_structure_loss`][lossjax.generalized_lifted_structure_loss] with bound options.

  Args:
    pos_margin: m₊.
    neg_margin: m₋.
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "generalized_lifted_structure_loss"

  def __init__(self, *, pos_margin: float = 0.0, neg_margin: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(pos_margin=pos_margin, neg_margin=neg_margin, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, where=where)


class LiftedStructureLoss(Loss):
  """[`lifted_structure_loss`][lossjax.lifted_structure_loss] with bound options.

  Args:
    pos_margin: m₊.
    neg_margin: m₋.
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
  """

  _loss = "lifted_structure_loss"

  def __init__(self, *, pos_margin: float = 0.0, neg_margin: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(pos_margin=pos_margin, neg_margin=neg_margin, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, where=where)


class MarginLoss(Loss):
  """[`margin_loss`][lossjax.margin_loss] with bound options.

  Args:
    margin: α.
    beta: β, a number or ``(C,)``.
    nu: ν, the weight of β's regulariser (0).
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
  """

  _loss = "margin_loss"

  def __init__(self, *, margin: float = 0.2, beta: ArrayLike = 1.2, nu: float = 0.0, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, beta=beta, nu=nu, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, where=where)


class ProxyNcaLoss(Loss):
  """[`proxy_nca_loss`][lossjax.proxy_nca_loss] with bound options.

  Args:
    softmax_scale: s > 0 (1).
    reduction: "mean" (default, over samples), "sum" or "none".
  """

  _loss = "proxy_nca_loss"

  def __init__(self, *, softmax_scale: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(softmax_scale=softmax_scale, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, proxies: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, proxies, where=where)


class ProxyAnchorLoss(Loss):
  """[`proxy_anchor_loss`][lossjax.proxy_anchor_loss] with bound options.

  Args:
    margin: δ.
    alpha: α > 0, the scale.
    reduction: "mean" (default: the loss), "sum" or "none" (each sample's share).
  """

  _loss = "proxy_anchor_loss"

  def __init__(self, *, margin: float = 0.1, alpha: float = 32.0, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, alpha=alpha, reduction=reduction)

  def __call__(self, embeddings: ArrayLike, labels: ArrayLike, proxies: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(embeddings, labels, proxies, where=where)


class LoadBalancingLoss(Loss):
  """[`load_balancing_loss`][lossjax.load_balancing_loss] with bound options.

  Args:
    top_k: experts per token (Mixtral 2, Switch 1).
    reduction: "mean" (default: the loss above), "sum" or "none" (per token).
  """

  _loss = "load_balancing_loss"

  def __init__(self, *, top_k: int = 2, reduction: str = 'mean') -> None:
    super().__init__(top_k=top_k, reduction=reduction)

  def __call__(self, router_logits: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(router_logits, where=where)


class PolicyGradientLoss(Loss):
  """[`policy_gradient_loss`][lossjax.policy_gradient_loss] with bound options.

  Args:
    objective: "clip" (default), "cispo", "sapo" or "vespo".
    importance_sampling: "token" (default) or "sequence" (GSPO).
    epsilon_low: ε_low ≥ 0 (TRL's and PPO's 0.2).
    epsilon_high: ε_high ≥ 0; None: ``epsilon_low`` (DAPO recommends 0.28; CISPO's cap).
    delta: optional δ > 1, an upper bound on the unclipped ratio.
    clip_ratio_c: optional c > 1, the dual clip for negative advantages (verl's 3.0).
    beta: the KL coefficient β ≥ 0 (TRL's default 0).
    kl_estimator: "k3" (default), "k2" or "k1".
    bias_correction_kl: multiply the KL estimate by the importance ratio (default True, TRL
      1.16's ``use_bias_correction_kl`` default: it changes the KL's gradient even on-policy).
    sapo_temperature_pos: SAPO's τ for positive advantages (TRL's 1.0).
    sapo_temperature_neg: SAPO's τ otherwise (TRL's 1.05).
    vespo_k_pos: VESPO's k for A ≥ 0 (TRL's 2.0).
    vespo_lambda_pos: VESPO's λ for A ≥ 0 (TRL's 3.0).
    vespo_k_neg: VESPO's k for A < 0 (TRL's 3.0).
    vespo_lambda_neg: VESPO's λ for A < 0 (TRL's 2.0).
    average: "tokens" (default), "sequences", "constant" or "sequence_sums": what "mean"
      divides by.
    max_length: the constant of ``average="constant"``.
    reduction: "mean" (default), "sum" or "none" (per token).
  """

  _loss = "policy_gradient_loss"

  def __init__(self, *, objective: str = 'clip', importance_sampling: str = 'token', epsilon_low: float = 0.2, epsilon_high: float | None = None, delta: float | None = None, clip_ratio_c: float | None = None, beta: float = 0.0, kl_estimator: str = 'k3', bias_correction_kl: bool = True, sapo_temperature_pos: float = 1.0, sapo_temperature_neg: float = 1.05, vespo_k_pos: float = 2.0, vespo_lambda_pos: float = 3.0, vespo_k_neg: float = 3.0, vespo_lambda_neg: float = 2.0, average: str = 'tokens', max_length: int | None = None, reduction: str = 'mean') -> None:
    super().__init__(objective=objective, importance_sampling=importance_sampling, epsilon_low=epsilon_low, epsilon_high=epsilon_high, delta=delta, clip_ratio_c=clip_ratio_c, beta=beta, kl_estimator=kl_estimator, bias_correction_kl=bias_correction_kl, sapo_temperature_pos=sapo_temperature_pos, sapo_temperature_neg=sapo_temperature_neg, vespo_k_pos=vespo_k_pos, vespo_lambda_pos=vespo_lambda_pos, vespo_k_neg=vespo_k_neg, vespo_lambda_neg=vespo_lambda_neg, average=average, max_length=max_length, reduction=reduction)

  def __call__(self, logps: ArrayLike, old_logps: ArrayLike, advantages: ArrayLike, ref_logps: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array:
    return self._call(logps, old_logps, advantages, ref_logps, where=where)


class DpoLoss(Loss):
  """[`dpo_loss`][lossjax.dpo_loss] with bound options.

  Args:
    beta: β > 0 (TRL's default 0.1).
    loss_type: one of ``DPO_LOSS_TYPES`` or a tuple of them (default "sigmoid").
    loss_weights: one weight ≥ 0 per type in ``loss_type`` (default all 1).
    label_smoothing: ε in [0, 0.5) for robust, exo_pair (ε > 0), the aot types and cDPO.
    conservative: with ``sigmoid``, apply ``label_smoothing`` as cDPO (TRL ≤ 0.2x).
    discopop_tau: τ > 0 of ``discopop`` (TRL's default 0.05).
    f_divergence_type: "reverse_kl" (default), "forward_kl", "js_divergence" or
      "alpha_divergence" (f-DPO; for sigmoid, sigmoid_norm, hinge, ipo, exo_pair, robust,
      discopop and sft only, as TRL).
    f_alpha_divergence_coef: α of ``alpha_divergence`` (TRL's default 0.5).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``, ``[N]``.
    reduction: "mean" (default, over pairs), "sum" or "none".
  """

  _loss = "dpo_loss"

  def __init__(self, *, beta: float = 0.1, loss_type: str | tuple[str, ...] = 'sigmoid', loss_weights: tuple[float, ...] | None = None, label_smoothing: float = 0.0, conservative: bool = False, discopop_tau: float = 0.05, f_divergence_type: str = 'reverse_kl', f_alpha_divergence_coef: float = 0.5, return_rewards: bool = False, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, loss_type=loss_type, loss_weights=loss_weights, label_smoothing=label_smoothing, conservative=conservative, discopop_tau=discopop_tau, f_divergence_type=f_divergence_type, f_alpha_divergence_coef=f_alpha_divergence_coef, return_rewards=return_rewards, reduction=reduction)

  def __call__(self, chosen_logps: ArrayLike, rejected_logps: ArrayLike, ref_chosen_logps: ArrayLike | None = None, ref_rejected_logps: ArrayLike | None = None, chosen_lengths: ArrayLike | None = None, rejected_lengths: ArrayLike | None = None, chosen_weights: ArrayLike | None = None, rejected_weights: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]:
    return self._call(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, chosen_lengths, rejected_lengths, chosen_weights, rejected_weights, where=where)


class KtoLoss(Loss):
  """[`kto_loss`][lossjax.kto_loss] with bound options.

  Args:
    beta: β > 0 (TRL's default 0.1).
    desirable_weight: λ_D ≥ 0.
    undesirable_weight: λ_U ≥ 0.
    loss_type: "kto" (default) or "apo_zero_unpaired".
    return_rewards: also return the rewards ``[N]``.
    reduction: "mean" (default, over examples), "sum" or "none".
  """

  _loss = "kto_loss"

  def __init__(self, *, beta: float = 0.1, desirable_weight: float = 1.0, undesirable_weight: float = 1.0, loss_type: str = 'kto', return_rewards: bool = False, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, desirable_weight=desirable_weight, undesirable_weight=undesirable_weight, loss_type=loss_type, return_rewards=return_rewards, reduction=reduction)

  def __call__(self, logps: ArrayLike, ref_logps: ArrayLike, desirable: ArrayLike, kl: ArrayLike, *, where: ArrayLike | None = None) -> Array | tuple[Array, Array]:
    return self._call(logps, ref_logps, desirable, kl, where=where)


class CpoLoss(Loss):
  """[`cpo_loss`][lossjax.cpo_loss] with bound options.

  Args:
    beta: β > 0 (TRL's default 0.1).
    loss_type: "sigmoid" (default), "hinge", "ipo", "simpo" or "alphapo".
    label_smoothing: ε in [0, 0.5) (sigmoid and simpo only).
    simpo_gamma: SimPO's target margin γ (TRL's default 0.5).
    alpha: AlphaPO's α (default 0: log-probability rewards).
    cpo_alpha: the NLL's weight ≥ 0 (TRL's default 1).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``.
    reduction: "mean" (default, over pairs), "sum" or "none".
  """

  _loss = "cpo_loss"

  def __init__(self, *, beta: float = 0.1, loss_type: str = 'sigmoid', label_smoothing: float = 0.0, simpo_gamma: float = 0.5, alpha: float = 0.0, cpo_alpha: float = 1.0, return_rewards: bool = False, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, loss_type=loss_type, label_smoothing=label_smoothing, simpo_gamma=simpo_gamma, alpha=alpha, cpo_alpha=cpo_alpha, return_rewards=return_rewards, reduction=reduction)

  def __call__(self, chosen_logps: ArrayLike, rejected_logps: ArrayLike, chosen_lengths: ArrayLike | None = None, *, where: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]:
    return self._call(chosen_logps, rejected_logps, chosen_lengths, where=where)


class SimpoLoss(Loss):
  """[`simpo_loss`][lossjax.simpo_loss] with bound options.

  Args:
    beta: β > 0.
    gamma: the target reward margin γ.
    label_smoothing: ε in [0, 0.5).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``.
    reduction: "mean" (default, over pairs), "sum" or "none".
  """

  _loss = "simpo_loss"

  def __init__(self, *, beta: float = 0.1, gamma: float = 0.5, label_smoothing: float = 0.0, return_rewards: bool = False, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, gamma=gamma, label_smoothing=label_smoothing, return_rewards=return_rewards, reduction=reduction)

  def __call__(self, chosen_logps: ArrayLike, rejected_logps: ArrayLike, *, where: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]:
    return self._call(chosen_logps, rejected_logps, where=where)


class OrpoLoss(Loss):
  """[`orpo_loss`][lossjax.orpo_loss] with bound options.

  Args:
    beta: β > 0 (TRL's default 0.1).
    return_rewards: also return ``(chosen_rewards, rejected_rewards)``.
    reduction: "mean" (default, over pairs), "sum" or "none".
  """

  _loss = "orpo_loss"

  def __init__(self, *, beta: float = 0.1, return_rewards: bool = False, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, return_rewards=return_rewards, reduction=reduction)

  def __call__(self, chosen_logps: ArrayLike, rejected_logps: ArrayLike, *, where: ArrayLike | None = None) -> Array | tuple[Array, Array, Array]:
    return self._call(chosen_logps, rejected_logps, where=where)


class KLDivLoss(Loss):
  """[`kl_div`][lossjax.kl_div] with bound options: the twin of `torch.nn.KLDivLoss`.

  Args:
    log_target: whether ``target`` is given in log space.
    reduction: "mean" (default, torch's), "batchmean", "sum" or "none".
  """

  _loss = "kl_div"

  def __init__(self, *, log_target: bool = False, reduction: str = 'mean') -> None:
    super().__init__(log_target=log_target, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class PoissonNLLLoss(Loss):
  """[`poisson_nll_loss`][lossjax.poisson_nll_loss] with bound options: the twin of `torch.nn.PoissonNLLLoss`.

  Args:
    log_input: whether ``input`` is the log of the rate.
    full: add the Stirling approximation term.
    eps: added to the rate inside the log when ``log_input=False``.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "poisson_nll_loss"

  def __init__(self, *, log_input: bool = True, full: bool = False, eps: float = 1e-08, reduction: str = 'mean') -> None:
    super().__init__(log_input=log_input, full=full, eps=eps, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class GaussianNLLLoss(Loss):
  """[`gaussian_nll_loss`][lossjax.gaussian_nll_loss] with bound options: the twin of `torch.nn.GaussianNLLLoss`.

  Args:
    full: include the constant term.
    eps: lower clamp of the variance.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "gaussian_nll_loss"

  def __init__(self, *, full: bool = False, eps: float = 1e-06, reduction: str = 'mean') -> None:
    super().__init__(full=full, eps=eps, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, var: ArrayLike | float, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, var, where=where)


class GeneralizedKlDiv(Loss):
  """[`generalized_kl_div`][lossjax.generalized_kl_div] with bound options.

  Args:
    log_input: whether ``input`` is log p.
    reduction: "mean" (default, over elements), "sum" or "none".
  """

  _loss = "generalized_kl_div"

  def __init__(self, *, log_input: bool = False, reduction: str = 'mean') -> None:
    super().__init__(log_input=log_input, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class JsDivergence(Loss):
  """[`js_divergence`][lossjax.js_divergence] with bound options.

  Args:
    log_input: whether both are given as log-probabilities.
    axis: the distribution axis.
    reduction: "mean" (default, over distributions), "sum" or "none".
  """

  _loss = "js_divergence"

  def __init__(self, *, log_input: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(log_input=log_input, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class SoftmaxRankingLoss(Loss):
  """[`softmax_ranking_loss`][lossjax.softmax_ranking_loss] with bound options.

  Args:
    reduction: "mean" (default, over lists with a valid item), "sum" or "none".
  """

  _loss = "softmax_ranking_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, scores: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(scores, labels, where=where)


class PairwiseLogisticLoss(Loss):
  """[`pairwise_logistic_loss`][lossjax.pairwise_logistic_loss] with bound options.

  Args:
    reduction: "mean" (default, over lists with a valid pair), "sum" or "none".
  """

  _loss = "pairwise_logistic_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, scores: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(scores, labels, where=where)


class PairwiseHingeLoss(Loss):
  """[`pairwise_hinge_loss`][lossjax.pairwise_hinge_loss] with bound options.

  Args:
    margin: the margin.
    reduction: "mean" (default, over lists with a valid pair), "sum" or "none".
  """

  _loss = "pairwise_hinge_loss"

  def __init__(self, *, margin: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(margin=margin, reduction=reduction)

  def __call__(self, scores: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(scores, labels, where=where)


class ListmleLoss(Loss):
  """[`listmle_loss`][lossjax.listmle_loss] with bound options.

  Args:
    reduction: "mean" (default, over lists with a valid item), "sum" or "none".
  """

  _loss = "listmle_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, scores: ArrayLike, labels: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(scores, labels, where=where)


class QuantileLoss(Loss):
  """[`quantile_loss`][lossjax.quantile_loss] with bound options.

  Args:
    quantiles: q in [0, 1], a number or a ``(Q,)`` array (default 0.5).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "quantile_loss"

  def __init__(self, *, quantiles: ArrayLike | float = 0.5, reduction: str = 'mean') -> None:
    super().__init__(quantiles=quantiles, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class TweedieDeviance(Loss):
  """[`tweedie_deviance`][lossjax.tweedie_deviance] with bound options.

  Args:
    power: p ≤ 0 or p ≥ 1 (1.5).
    reduction: "mean" (default; scikit-learn's value), "sum" or "none".
  """

  _loss = "tweedie_deviance"

  def __init__(self, *, power: float = 1.5, reduction: str = 'mean') -> None:
    super().__init__(power=power, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class GammaDeviance(Loss):
  """[`gamma_deviance`][lossjax.gamma_deviance] with bound options.

  Args:
    reduction: "mean" (default; scikit-learn's value), "sum" or "none".
  """

  _loss = "gamma_deviance"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class CrpsGaussian(Loss):
  """[`crps_gaussian`][lossjax.crps_gaussian] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "crps_gaussian"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, scale: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, scale, target, where=where)


class CrpsEnsemble(Loss):
  """[`crps_ensemble`][lossjax.crps_ensemble] with bound options.

  Args:
    reduction: "mean" (default, over observations), "sum" or "none".
  """

  _loss = "crps_ensemble"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class BarronLoss(Loss):
  """[`barron_loss`][lossjax.barron_loss] with bound options.

  Args:
    alpha: the shape α (a number, ±inf allowed; 1).
    scale: c > 0, the size of the quadratic bowl near 0 (1).
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "barron_loss"

  def __init__(self, *, alpha: float = 1.0, scale: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(alpha=alpha, scale=scale, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MSELoss(Loss):
  """[`mse_loss`][lossjax.mse_loss] with bound options: the twin of `torch.nn.MSELoss`.

  Args:
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "mse_loss"

  def __init__(self, *, weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class L1Loss(Loss):
  """[`l1_loss`][lossjax.l1_loss] with bound options: the twin of `torch.nn.L1Loss`.

  Args:
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "l1_loss"

  def __init__(self, *, weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(weight=weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class SmoothL1Loss(Loss):
  """[`smooth_l1_loss`][lossjax.smooth_l1_loss] with bound options: the twin of `torch.nn.SmoothL1Loss`.

  Args:
    beta: non-negative threshold.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "smooth_l1_loss"

  def __init__(self, *, beta: float = 1.0, reduction: str = 'mean') -> None:
    super().__init__(beta=beta, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class HuberLoss(Loss):
  """[`huber_loss`][lossjax.huber_loss] with bound options: the twin of `torch.nn.HuberLoss`.

  Args:
    delta: positive threshold.
    weight: optional per-element weights of the input's shape.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "huber_loss"

  def __init__(self, *, delta: float = 1.0, weight: ArrayLike | None = None, reduction: str = 'mean') -> None:
    super().__init__(delta=delta, weight=weight, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class LogCoshLoss(Loss):
  """[`log_cosh_loss`][lossjax.log_cosh_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "log_cosh_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class CharbonnierLoss(Loss):
  """[`charbonnier_loss`][lossjax.charbonnier_loss] with bound options.

  Args:
    eps: smoothing, > 0.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "charbonnier_loss"

  def __init__(self, *, eps: float = 0.001, reduction: str = 'mean') -> None:
    super().__init__(eps=eps, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MsleLoss(Loss):
  """[`msle_loss`][lossjax.msle_loss] with bound options.

  Args:
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "msle_loss"

  def __init__(self, *, reduction: str = 'mean') -> None:
    super().__init__(reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class MapeLoss(Loss):
  """[`mape_loss`][lossjax.mape_loss] with bound options.

  Args:
    eps: lower bound of the denominator, > 0.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "mape_loss"

  def __init__(self, *, eps: float = 2.220446049250313e-16, reduction: str = 'mean') -> None:
    super().__init__(eps=eps, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class CosineSimilarityLoss(Loss):
  """[`cosine_similarity_loss`][lossjax.cosine_similarity_loss] with bound options.

  Args:
    axis: the vector axis.
    eps: lower bound of each norm (0: none, so a zero vector gives NaN, as optax's default).
    reduction: "mean" (default), "sum" or "none" (per vector).
  """

  _loss = "cosine_similarity_loss"

  def __init__(self, *, axis: int = -1, eps: float = 1e-08, reduction: str = 'mean') -> None:
    super().__init__(axis=axis, eps=eps, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class DiceCeLoss(Loss):
  """[`dice_ce_loss`][lossjax.dice_ce_loss] with bound options.

  Args:
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    lambda_dice: λ_d >= 0.
    lambda_ce: λ_ce >= 0.
    smooth_nr: the dice numerator's smoothing.
    smooth_dr: the dice denominator's smoothing.
    jaccard: the dice part is MONAI's Jaccard form.
    class_weights: ``[C]`` weights of both parts.
    label_smoothing: the cross-entropy's (multiclass).
    ignore_index: multiclass pixels with this label leave both parts.
    include_background: keep class 0 in the dice part.
    batch: the dice statistics are summed over the batch too.
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none" (``[N]``).
  """

  _loss = "dice_ce_loss"

  def __init__(self, *, mode: str = 'multiclass', lambda_dice: float = 1.0, lambda_ce: float = 1.0, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, jaccard: bool = False, class_weights: ArrayLike | None = None, label_smoothing: float = 0.0, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(mode=mode, lambda_dice=lambda_dice, lambda_ce=lambda_ce, smooth_nr=smooth_nr, smooth_dr=smooth_dr, jaccard=jaccard, class_weights=class_weights, label_smoothing=label_smoothing, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class DiceFocalLoss(Loss):
  """[`dice_focal_loss`][lossjax.dice_focal_loss] with bound options.

  Args:
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    lambda_dice: λ_d >= 0.
    lambda_focal: λ_f >= 0.
    gamma: the focal exponent γ >= 0 (2).
    alpha: the focal positive weight in [0, 1], or None (MONAI's default: none).
    smooth_nr: the dice numerator's smoothing.
    smooth_dr: the dice denominator's smoothing.
    jaccard: the dice part is MONAI's Jaccard form.
    class_weights: ``[C]`` weights of both parts.
    ignore_index: multiclass pixels with this label leave both parts.
    include_background: keep class 0 in both parts.
    batch: the statistics are taken over the batch too (``[C]`` values).
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "dice_focal_loss"

  def __init__(self, *, mode: str = 'multiclass', lambda_dice: float = 1.0, lambda_focal: float = 1.0, gamma: float = 2.0, alpha: float | None = None, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, jaccard: bool = False, class_weights: ArrayLike | None = None, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(mode=mode, lambda_dice=lambda_dice, lambda_focal=lambda_focal, gamma=gamma, alpha=alpha, smooth_nr=smooth_nr, smooth_dr=smooth_dr, jaccard=jaccard, class_weights=class_weights, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class HausdorffDtLoss(Loss):
  """[`hausdorff_dt_loss`][lossjax.hausdorff_dt_loss] with bound options.

  Args:
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    alpha: the distance exponent α > 0 (2).
    ignore_index: multiclass pixels with this label count as nobody's (None).
    include_background: keep class 0 (False).
    batch: average over the batch too (``[C]`` values).
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "hausdorff_dt_loss"

  def __init__(self, *, mode: str = 'multiclass', alpha: float = 2.0, ignore_index: int | None = None, include_background: bool = False, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(mode=mode, alpha=alpha, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class BoundaryLoss(Loss):
  """[`boundary_loss`][lossjax.boundary_loss] with bound options.

  Args:
    mode: "multiclass", "multilabel" or "binary", as `dice_loss`.
    ignore_index: multiclass pixels with this label count as nobody's (None).
    include_background: keep class 0 (True, as MONAI).
    batch: average over the batch too (``[C]`` values).
    axis: the class axis.
    reduction: "mean" (default), "sum" or "none".
  """

  _loss = "boundary_loss"

  def __init__(self, *, mode: str = 'multiclass', ignore_index: int | None = None, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(mode=mode, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class LovaszSoftmaxLoss(Loss):
  """[`lovasz_softmax_loss`][lossjax.lovasz_softmax_loss] with bound options.

  Args:
    from_logits: apply softmax first (the reference takes probabilities).
    classes: "present" or "all".
    per_image: one loss per image (else one for the batch).
    ignore_index: pixels with this label are left out.
    axis: the class axis.
    reduction: "mean" (default, over images), "sum" or "none".
  """

  _loss = "lovasz_softmax_loss"

  def __init__(self, *, from_logits: bool = True, classes: str = 'present', per_image: bool = False, ignore_index: int | None = None, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(from_logits=from_logits, classes=classes, per_image=per_image, ignore_index=ignore_index, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class LovaszHingeLoss(Loss):
  """[`lovasz_hinge_loss`][lossjax.lovasz_hinge_loss] with bound options.

  Args:
    per_image: one loss per image (else one for the batch).
    ignore_index: pixels whose label equals it are left out.
    reduction: "mean" (default, over images), "sum" or "none".
  """

  _loss = "lovasz_hinge_loss"

  def __init__(self, *, per_image: bool = True, ignore_index: int | None = None, reduction: str = 'mean') -> None:
    super().__init__(per_image=per_image, ignore_index=ignore_index, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class DiceLoss(Loss):
  """[`dice_loss`][lossjax.dice_loss] with bound options.

  Args:
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    axis: the class axis of ``input``.
    reduction: "mean" (default, over images and classes), "sum" or "none".
  """

  _loss = "dice_loss"

  def __init__(self, *, mode: str = 'multiclass', from_logits: bool = True, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, class_weights: ArrayLike | None = None, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(mode=mode, from_logits=from_logits, smooth_nr=smooth_nr, smooth_dr=smooth_dr, class_weights=class_weights, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class JaccardLoss(Loss):
  """[`jaccard_loss`][lossjax.jaccard_loss] with bound options.

  Args:
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    axis: the class axis of ``input``.
    reduction: "mean" (default, over images and classes), "sum" or "none".
  """

  _loss = "jaccard_loss"

  def __init__(self, *, mode: str = 'multiclass', from_logits: bool = True, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, class_weights: ArrayLike | None = None, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(mode=mode, from_logits=from_logits, smooth_nr=smooth_nr, smooth_dr=smooth_dr, class_weights=class_weights, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class TverskyLoss(Loss):
  """[`tversky_loss`][lossjax.tversky_loss] with bound options.

  Args:
    alpha: weight of the false positives, >= 0.
    beta: weight of the false negatives, >= 0.
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    axis: the class axis of ``input``.
    reduction: "mean" (default, over images and classes), "sum" or "none".
  """

  _loss = "tversky_loss"

  def __init__(self, *, alpha: float = 0.5, beta: float = 0.5, mode: str = 'multiclass', from_logits: bool = True, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, class_weights: ArrayLike | None = None, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(alpha=alpha, beta=beta, mode=mode, from_logits=from_logits, smooth_nr=smooth_nr, smooth_dr=smooth_dr, class_weights=class_weights, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class FocalTverskyLoss(Loss):
  """[`focal_tversky_loss`][lossjax.focal_tversky_loss] with bound options.

  Args:
    alpha: weight of the false positives, >= 0.
    beta: weight of the false negatives, >= 0.
    gamma: the exponent, > 0.
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    class_weights: optional ``[C]`` weight of each class's loss (without the
      background's when ``include_background=False``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    axis: the class axis of ``input``.
    reduction: "mean" (default, over images and classes), "sum" or "none".
  """

  _loss = "focal_tversky_loss"

  def __init__(self, *, alpha: float = 0.3, beta: float = 0.7, gamma: float = 0.75, mode: str = 'multiclass', from_logits: bool = True, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, class_weights: ArrayLike | None = None, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(alpha=alpha, beta=beta, gamma=gamma, mode=mode, from_logits=from_logits, smooth_nr=smooth_nr, smooth_dr=smooth_dr, class_weights=class_weights, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class GeneralizedDiceLoss(Loss):
  """[`generalized_dice_loss`][lossjax.generalized_dice_loss] with bound options.

  Args:
    w_type: class weights from the target volumes: "square" (1/T^2), "simple"
      (1/T) or "uniform".
    mode: "multiclass" (softmax over classes, one-hot targets), "multilabel"
      (independent sigmoids) or "binary" (one channel).
    from_logits: apply softmax (multiclass) or sigmoid (otherwise) first.
    smooth_nr: added to the numerator, >= 0 (MONAI's ``smooth_nr``).
    smooth_dr: added to the denominator, >= 0 (MONAI's ``smooth_dr``).
    ignore_index: multiclass pixels with this label leave both the prediction and
      the target; None: none does.
    include_background: keep class 0 (else it is dropped, as MONAI's option).
    batch: sum the statistics over the batch too (one loss per class).
    axis: the class axis of ``input``.
    reduction: "mean" (default, over images), "sum" or "none".
  """

  _loss = "generalized_dice_loss"

  def __init__(self, *, w_type: str = 'square', mode: str = 'multiclass', from_logits: bool = True, smooth_nr: float = 1e-05, smooth_dr: float = 1e-05, ignore_index: int | None = -100, include_background: bool = True, batch: bool = False, axis: int = -1, reduction: str = 'mean') -> None:
    super().__init__(w_type=w_type, mode=mode, from_logits=from_logits, smooth_nr=smooth_nr, smooth_dr=smooth_dr, ignore_index=ignore_index, include_background=include_background, batch=batch, axis=axis, reduction=reduction)

  def __call__(self, input: ArrayLike, target: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(input, target, where=where)


class CTCLoss(Loss):
  """[`ctc_loss`][lossjax.ctc_loss] with bound options: the twin of `torch.nn.CTCLoss`.

  Args:
    blank: the blank class.
    zero_infinity: replace infinite losses (impossible alignments) by 0.
    reduction: "mean" (default), "sum" or "none" (per sequence).
  """

  _loss = "ctc_loss"

  def __init__(self, *, blank: int = 0, zero_infinity: bool = False, reduction: str = 'mean') -> None:
    super().__init__(blank=blank, zero_infinity=zero_infinity, reduction=reduction)

  def __call__(self, log_probs: ArrayLike, targets: ArrayLike, input_lengths: ArrayLike, target_lengths: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(log_probs, targets, input_lengths, target_lengths, where=where)


class RnntLoss(Loss):
  """[`rnnt_loss`][lossjax.rnnt_loss] with bound options.

  Args:
    blank: the blank class; negative counts from the end (-1, torchaudio's default: the last).
    clamp: gradient clip per element, <= 0 for none (-1).
    fused_log_softmax: apply ``log_softmax`` over V first (True); False takes ``logits``
      as log-probabilities, as given.
    reduction: "mean" (default, over sequences), "sum" or "none".
  """

  _loss = "rnnt_loss"

  def __init__(self, *, blank: int = -1, clamp: float = -1.0, fused_log_softmax: bool = True, reduction: str = 'mean') -> None:
    super().__init__(blank=blank, clamp=clamp, fused_log_softmax=fused_log_softmax, reduction=reduction)

  def __call__(self, logits: ArrayLike, targets: ArrayLike, logit_lengths: ArrayLike, target_lengths: ArrayLike, *, where: ArrayLike | None = None) -> Array:
    return self._call(logits, targets, logit_lengths, target_lengths, where=where)


__all__ = ["Loss", "class_name", "BCELoss", "BCEWithLogitsLoss", "SigmoidFocalLoss", "AsymmetricLoss", "AsymmetricSingleLabelLoss", "CrossEntropyLoss", "NLLLoss", "SoftmaxFocalLoss", "Poly1CrossEntropy", "GeneralizedCrossEntropy", "ZLoss", "IouLoss", "GeneralizedBoxIouLoss", "DistanceBoxIouLoss", "CompleteBoxIouLoss", "KdLoss", "GeneralizedJsdLoss", "TvdLoss", "TopkKdLoss", "LinearJsdLoss", "InfoNceLoss", "SupconLoss", "CircleLoss", "ContrastiveLoss", "ClipLoss", "SiglipLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "VicregLoss", "BarlowTwinsLoss", "FenchelYoungLoss", "SparsemaxLoss", "MulticlassSparsemaxLoss", "PerceptronLoss", "MulticlassPerceptronLoss", "DiffusionLoss", "EdmLoss", "FlowMatchingLoss", "GanGeneratorLoss", "GanDiscriminatorLoss", "GradientPenalty", "R1Penalty", "GaussianKlLoss", "ElboLoss", "SsimLoss", "MsSsimLoss", "PsnrLoss", "TotalVariationLoss", "LinearCrossEntropyLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "HingeLoss", "MulticlassHingeLoss", "CategoricalHingeLoss", "ArcfaceLoss", "CosfaceLoss", "SpherefaceLoss", "SubcenterArcfaceLoss", "MultiSimilarityLoss", "NPairsLoss", "GeneralizedLiftedStructureLoss", "LiftedStructureLoss", "MarginLoss", "ProxyNcaLoss", "ProxyAnchorLoss", "LoadBalancingLoss", "PolicyGradientLoss", "DpoLoss", "KtoLoss", "CpoLoss", "SimpoLoss", "OrpoLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "GeneralizedKlDiv", "JsDivergence", "SoftmaxRankingLoss", "PairwiseLogisticLoss", "PairwiseHingeLoss", "ListmleLoss", "QuantileLoss", "TweedieDeviance", "GammaDeviance", "CrpsGaussian", "CrpsEnsemble", "BarronLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "LogCoshLoss", "CharbonnierLoss", "MsleLoss", "MapeLoss", "CosineSimilarityLoss", "DiceCeLoss", "DiceFocalLoss", "HausdorffDtLoss", "BoundaryLoss", "LovaszSoftmaxLoss", "LovaszHingeLoss", "DiceLoss", "JaccardLoss", "TverskyLoss", "FocalTverskyLoss", "GeneralizedDiceLoss", "CTCLoss", "RnntLoss"]
