"""Bounding-box regression losses: IoU, GIoU, DIoU and CIoU, torchvision.ops semantics.

Boxes are ``(..., 4)`` arrays of ``(x1, y1, x2, y2)`` corners, compared
element by element (box i of the prediction with box i of the target), as
``torchvision.ops.generalized_box_iou_loss`` and its siblings do. The
``eps`` defaults and placements are torchvision's (0.29, ``ops/giou_loss.py``,
``diou_loss.py``, ``ciou_loss.py`` and ``_utils.py``). The default reduction
is lossjax's "mean" (as for every loss without a ``torch.nn`` twin);
torchvision's default is ``"none"``, so a ported call that relies on it needs
``reduction="none"``. Unlike torchvision, a box with ``x2 < x1`` or ``y2 < y1`` is an
error (NaN under ``jit``), not a silent number.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from lossjax import _core as core
from lossjax._declare import FLOAT, Float, declare
from lossjax._spec import LossSpec

__all__ = ["iou_loss", "generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]


Array = jax.Array


def _boxes(name, boxes1, boxes2, where):
  """Checks two (..., 4) box arrays; returns their corners, the mask and the bad boxes."""
  keep = core.as_mask(name, where, boxes1.shape[:-1])
  dtype = core.compute_dtype(boxes1, boxes2)
  b1, b2 = (core.masked_fill(keep, core.to_float(b, dtype)) for b in (boxes1, boxes2))
  sizes = [b[..., 2:] - b[..., :2] for b in (b1, b2)]  # (width, height) of each box
  for arg, wh in zip(("boxes1", "boxes2"), sizes):
    core.check_values(name, arg, wh, lambda v: v < 0,
                      "boxes with x2 >= x1 and y2 >= y1 (x1, y1, x2, y2)",
                      where=None if keep is None else keep[..., None])
  bad = jnp.any((sizes[0] < 0) | (sizes[1] < 0), axis=-1)
  return jnp.moveaxis(b1, -1, 0), jnp.moveaxis(b2, -1, 0), keep, bad


def _inter_union(p, g):
  """torchvision ``_loss_inter_union``: intersection (0 when the boxes do not overlap) and union."""
  x1, y1, x2, y2 = p
  x1g, y1g, x2g, y2g = g
  xk1, yk1 = jnp.maximum(x1, x1g), jnp.maximum(y1, y1g)
  xk2, yk2 = jnp.minimum(x2, x2g), jnp.minimum(y2, y2g)
  overlap = (yk2 > yk1) & (xk2 > xk1)
  inter = jnp.where(overlap, (xk2 - xk1) * (yk2 - yk1), 0.0)
  union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
  return inter, union


def _enclosing(p, g):
  x1, y1, x2, y2 = p
  x1g, y1g, x2g, y2g = g
  return (jnp.minimum(x1, x1g), jnp.minimum(y1, y1g), jnp.maximum(x2, x2g),
          jnp.maximum(y2, y2g))


def _diou(p, g, eps):
  """torchvision ``_diou_iou_loss``: (1 - IoU + ρ² / c², IoU)."""
  inter, union = _inter_union(p, g)
  iou = inter / (union + eps)
  xc1, yc1, xc2, yc2 = _enclosing(p, g)
  diagonal = jnp.square(xc2 - xc1) + jnp.square(yc2 - yc1) + eps
  x1, y1, x2, y2 = p
  x1g, y1g, x2g, y2g = g
  centres = jnp.square((x2 + x1) / 2 - (x1g + x2g) / 2) + jnp.square((y2 + y1) / 2
                                                                       - (y1g + y2g) / 2)
  return 1.0 - iou + centres / diagonal, iou


def _finish(name, values, bad, keep, reduction):
  return core.reduce_loss(name, core.poison(values, bad), reduction, keep)


_BOXES = dict(boxes1=FLOAT.ending_in(4, "(..., 4) boxes (x1, y1, x2, y2)"),
              boxes2=FLOAT.same_as("boxes1"), eps=Float(lo=0.0))


@declare(**_BOXES)
def iou_loss(
    boxes1: ArrayLike,
    boxes2: ArrayLike,
    *,
    eps: float = 1e-7,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""IoU loss $1 - |A \cap B| / (|A \cup B| + \varepsilon)$ of paired boxes.

  The first term of torchvision's GIoU, DIoU and CIoU losses on its own
  (torchvision has no function for it). Zero gradient for boxes that do not
  overlap: prefer `generalized_box_iou_loss` or `distance_box_iou_loss` when
  predictions may start far from their targets.

  Args:
    boxes1: ``(..., 4)`` predicted boxes ``(x1, y1, x2, y2)``.
    boxes2: ``(..., 4)`` target boxes.
    eps: ε ≥ 0 added to the union (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
    where: boolean mask over boxes.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a = jnp.array([[0.0, 0.0, 2.0, 2.0]], jnp.float32)
    >>> b = jnp.array([[1.0, 1.0, 3.0, 3.0]], jnp.float32)
    >>> print(lj.iou_loss(a, b, reduction="none"))
    [0.85714287]

  References: Yu et al., "UnitBox: An Advanced Object Detection Network"
  (2016); torchvision ``ops/_utils.py`` ``_loss_inter_union``.
  """
  name = core.loss_name()
  p, g, keep, bad = _boxes(name, boxes1, boxes2, where)
  inter, union = _inter_union(p, g)
  return _finish(name, 1.0 - inter / (union + eps), bad, keep, reduction)


@declare(**_BOXES)
def generalized_box_iou_loss(
    boxes1: ArrayLike,
    boxes2: ArrayLike,
    *,
    eps: float = 1e-7,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""GIoU loss (Rezatofighi et al. 2019), ``torchvision.ops.generalized_box_iou_loss``.

  With $C$ the smallest box enclosing both,

  $$
  \ell = 1 - \Big(\frac{|A \cap B|}{|A \cup B| + \varepsilon}
  - \frac{|C| - |A \cup B|}{|C| + \varepsilon}\Big),
  $$

  in $[0, 2]$, with a gradient that pulls non-overlapping boxes together.

  Args:
    boxes1: ``(..., 4)`` predicted boxes ``(x1, y1, x2, y2)``.
    boxes2: ``(..., 4)`` target boxes.
    eps: ε ≥ 0 (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
    where: boolean mask over boxes.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a = jnp.array([[0.0, 0.0, 2.0, 2.0]], jnp.float32)
    >>> b = jnp.array([[1.0, 1.0, 3.0, 3.0]], jnp.float32)
    >>> print(lj.generalized_box_iou_loss(a, b, reduction="none"))
    [1.079365]

  References: Rezatofighi et al., "Generalized Intersection over Union"
  (CVPR 2019); torchvision ``ops/giou_loss.py`` (lines 45-62).
  """
  name = core.loss_name()
  p, g, keep, bad = _boxes(name, boxes1, boxes2, where)
  inter, union = _inter_union(p, g)
  iou = inter / (union + eps)
  xc1, yc1, xc2, yc2 = _enclosing(p, g)
  area_c = (xc2 - xc1) * (yc2 - yc1)
  giou = iou - (area_c - union) / (area_c + eps)
  return _finish(name, 1.0 - giou, bad, keep, reduction)


@declare(**_BOXES)
def distance_box_iou_loss(
    boxes1: ArrayLike,
    boxes2: ArrayLike,
    *,
    eps: float = 1e-7,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""DIoU loss (Zheng et al. 2020), ``torchvision.ops.distance_box_iou_loss``.

  With $\rho$ the distance between the box centres and $c$ the diagonal of
  the enclosing box,

  $$
  \ell = 1 - \frac{|A \cap B|}{|A \cup B| + \varepsilon} + \frac{\rho^2}{c^2 + \varepsilon}.
  $$

  Args:
    boxes1: ``(..., 4)`` predicted boxes ``(x1, y1, x2, y2)``.
    boxes2: ``(..., 4)`` target boxes.
    eps: ε ≥ 0 (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
    where: boolean mask over boxes.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a = jnp.array([[0.0, 0.0, 2.0, 2.0]], jnp.float32)
    >>> b = jnp.array([[1.0, 1.0, 3.0, 3.0]], jnp.float32)
    >>> print(lj.distance_box_iou_loss(a, b, reduction="none"))
    [0.96825397]

  References: Zheng et al., "Distance-IoU Loss" (AAAI 2020); torchvision
  ``ops/diou_loss.py`` (lines 64-91).
  """
  name = core.loss_name()
  p, g, keep, bad = _boxes(name, boxes1, boxes2, where)
  values, _ = _diou(p, g, eps)
  return _finish(name, values, bad, keep, reduction)


@declare(**_BOXES)
def complete_box_iou_loss(
    boxes1: ArrayLike,
    boxes2: ArrayLike,
    *,
    eps: float = 1e-7,
    reduction: str = "mean",
    where: ArrayLike | None = None,
) -> Array:
  r"""CIoU loss (Zheng et al. 2021), ``torchvision.ops.complete_box_iou_loss``.

  DIoU plus an aspect-ratio term,

  $$
  \ell = \ell_{\mathrm{DIoU}} + \alpha v, \quad
  v = \tfrac{4}{\pi^2}\big(\arctan\tfrac{w_g}{h_g} - \arctan\tfrac{w}{h}\big)^2, \quad
  \alpha = \frac{v}{1 - \mathrm{IoU} + v + \varepsilon},
  $$

  with α not differentiated (``torch.no_grad`` in torchvision). As in
  torchvision, the DIoU part uses ε = 1e-7 whatever ``eps`` is (``eps`` only
  enters α), and a box of zero width and height gives NaN (0 / 0 in the
  aspect ratio).

  Args:
    boxes1: ``(..., 4)`` predicted boxes ``(x1, y1, x2, y2)``.
    boxes2: ``(..., 4)`` target boxes.
    eps: ε ≥ 0 in α (1e-7, torchvision's).
    reduction: "mean" (default), "sum" or "none" (per box; torchvision's default).
    where: boolean mask over boxes.

  Examples:
    >>> import jax.numpy as jnp, lossjax as lj
    >>> a = jnp.array([[0.0, 0.0, 2.0, 2.0]], jnp.float32)
    >>> b = jnp.array([[1.0, 1.0, 3.0, 4.0]], jnp.float32)
    >>> print(lj.complete_box_iou_loss(a, b, reduction="none"))
    [1.0191646]

  References: Zheng et al., "Enhancing Geometric Factors in Model Learning
  and Inference for Object Detection and Instance Segmentation" (2021);
  torchvision ``ops/ciou_loss.py`` (lines 50-64).
  """
  name = core.loss_name()
  p, g, keep, bad = _boxes(name, boxes1, boxes2, where)
  diou, iou = _diou(p, g, 1e-7)  # torchvision calls _diou_iou_loss without eps
  x1, y1, x2, y2 = p
  x1g, y1g, x2g, y2g = g
  v = (4.0 / math.pi**2) * jnp.square(jnp.arctan((x2g - x1g) / (y2g - y1g))
                                      - jnp.arctan((x2 - x1) / (y2 - y1)))
  alpha = lax.stop_gradient(v / (1.0 - iou + v + eps))
  return _finish(name, diou + alpha * v, bad, keep, reduction)


def _ex_boxes(rng):
  def boxes(n):
    xy = rng.uniform(0.0, 4.0, size=(n, 2))
    wh = rng.uniform(0.5, 3.0, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1)
  return (boxes(6), boxes(6)), {}


_SPEC = dict(differentiable=("boxes1", "boxes2"), batched=("boxes1", "boxes2"),
             bad_options={"eps": -1.0, "reduction": "average"},
             mismatch=lambda args: (args[0], args[1][:, :3]))


SPECS = [
    LossSpec(iou_loss, None, _ex_boxes, source="UnitBox (Yu et al. 2016)", **_SPEC),
    LossSpec(generalized_box_iou_loss, None, _ex_boxes,
             source="torchvision.ops.generalized_box_iou_loss", **_SPEC),
    LossSpec(distance_box_iou_loss, None, _ex_boxes,
             source="torchvision.ops.distance_box_iou_loss", **_SPEC),
    LossSpec(complete_box_iou_loss, None, _ex_boxes, numerical_grads=False,
             source="torchvision.ops.complete_box_iou_loss", **_SPEC),
]
