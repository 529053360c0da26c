"""The catalogue entry of one loss (each family module lists its own in ``SPECS``)."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

#: Builds valid example inputs (float64 numpy) for a loss: ``(args, kwargs)``.
ExampleFn = Callable[[np.random.Generator], tuple[tuple[Any, ...], dict[str, Any]]]

_NOT_OPTIONS = ("reduction", "where")


def family_of(module: str) -> str:
  """``lossjax.<family>.<concept>`` -> the family's name, e.g. "metric-learning"."""
  parts = module.split(".")
  if len(parts) < 3 or parts[0] != "lossjax" or parts[1].startswith("_"):
    raise ValueError(f"{module} is not a family module (lossjax.<family>.<concept>)")
  return parts[1].replace("_", "-")


@dataclasses.dataclass(frozen=True)
class LossSpec:
  """Everything the tests, the CLI and the README need to know about one loss.

  Attributes:
    fn: the public loss function. Its family is the package it lives in
      (``lossjax.metric_learning.pairs`` is in "metric-learning"): see `family`.
    torch: the twin's class name in ``torch.nn`` (e.g. "CrossEntropyLoss"), or
      None; its functional twin is ``torch.nn.functional.<name>``.
    example: builds small valid inputs from a numpy Generator.
    differentiable: names of positional arguments gradients are taken wrt.
    batched: names of arguments (positional, or array options such as an
      elementwise ``weight``) whose axis 0 is the batch axis, aligned with
      axis 0 of the per-element loss (used by the vmap and where tests).
    extra_reductions: reductions beyond "none" | "mean" | "sum".
    source: where the definition comes from (shown in the README table).
    batch_axes: per-argument batch axis where it is not 0 (e.g. CTC's
      ``log_probs`` is ``(T, N, C)``: ``{"log_probs": 1}``).
    forward_mode: whether forward-mode AD (jvp, jacfwd) works; False for a
      loss built on a custom_vjp.
    unbounded: positional arguments defined for any real value (logits,
      regression predictions): the property tests push them to ±1e4 and
      require finite values and gradients.
    softmax_args: positional arguments that are logits over the last axis,
      under a loss invariant to adding a constant along that axis.
    in_batch (a property: the declaration's ``whole_batch``): the per-element losses depend
      on the whole batch (in-batch negatives), so it has no ``reduction="parts"``. `where` removes samples from the batch (as slicing does),
      so masking one changes the unmasked elements' losses too.
    bad_options: options with an invalid value each (e.g.
      ``{"label_smoothing": 1.5}``); each must raise ValueError naming the loss
      and the option.
    mismatch: maps valid example args to args with a shape error (the generic
      test expects ValueError naming the loss); default: drop the last row of
      the second positional argument.
    classes: positional arguments with a class axis, and that axis in the
      example (a loss over zero classes must raise).
    numerical_grads: whether finite differences must match the gradient (False where
      the reference detaches a factor on purpose).
    permutation_invariant: whether the mean is invariant to permuting the batch.

  The argument roles and option types are not repeated here: they are the
  loss's own declaration (``fn.declaration``, see ``lossjax._declare``).
  """

  fn: Callable[..., Any]
  torch: str | None
  example: ExampleFn
  differentiable: tuple[str, ...]
  batched: tuple[str, ...]
  extra_reductions: tuple[str, ...] = ()
  source: str = ""
  batch_axes: Mapping[str, int] = dataclasses.field(default_factory=dict)
  mismatch: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
  forward_mode: bool = True
  unbounded: tuple[str, ...] = ()
  softmax_args: tuple[str, ...] = ()
  bad_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
  classes: Mapping[str, int] = dataclasses.field(default_factory=dict)
  #: False where the reference stops a gradient on purpose (CIoU's alpha), so finite
  #: differences disagree with the gradient by design (the fixtures check it against torch's).
  numerical_grads: bool = True
  #: False where the loss depends on the batch's order by definition (N-pair's anchors are
  #: each label's first sample).
  permutation_invariant: bool = True

  @property
  def in_batch(self) -> bool:
    """The per-element losses depend on the whole batch (declared: ``whole_batch``)."""
    return self.fn.declaration.whole_batch is not None

  @property
  def decomposable(self) -> bool:
    """``reduction="parts"`` is available (at the default options): the loss's mean of a
    batch is the merged parts of its pieces."""
    return self.fn.declaration.whole_batch is None

  @property
  def family(self) -> str:
    """The family's name: its package's, with "-" for "_" ("metric-learning")."""
    return family_of(self.fn.__module__)

  @property
  def declaration(self):
    return self.fn.declaration

  def batch_axis(self, arg: str) -> int:
    return self.batch_axes.get(arg, 0)

  @property
  def name(self) -> str:
    return self.fn.__name__

  @property
  def arg_names(self) -> tuple[str, ...]:
    """The positional (data) arguments, in order."""
    return tuple(
        p.name for p in inspect.signature(self.fn).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )

  @property
  def options(self) -> tuple[str, ...]:
    """The keyword-only options, without the universal `reduction` and `where`."""
    return tuple(
        p.name for p in inspect.signature(self.fn).parameters.values()
        if p.kind == p.KEYWORD_ONLY and p.name not in _NOT_OPTIONS
    )

  @property
  def reductions(self) -> tuple[str, ...]:
    return ("none", "mean", "sum") + self.extra_reductions

  @property
  def torch_functional(self) -> str | None:
    return self.name if self.torch else None


def class_name(spec: LossSpec) -> str:
  """The ``lossjax.nn`` class's name: the torch.nn twin's, else the CamelCase of the loss's name."""
  return spec.torch or "".join(part.capitalize() for part in spec.name.split("_"))
