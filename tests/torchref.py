"""The shared machinery of the PyTorch reference: fixture cases and running torch.

Used by tests/generate_fixtures.py (which writes the shipped fixtures) and by
tests/test_live_torch.py (randomised cases against live torch), so both share
one code path. Importing this module does not import torch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

TORCH_VERSION = "2.13.0"


@dataclasses.dataclass
class Case:
  id: str
  build: Callable[[np.random.Generator], tuple[list[tuple[str, Any]], dict[str, Any]]]
  grad_args: tuple[str, ...] = ("input",)
  jax_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
  #: Reductions to record; None: the loss's default set.
  reductions: tuple[str, ...] | None = None
  #: Arguments stored as something else and transformed on both sides before
  #: the call, gradients taken wrt what is stored: {"log_probs": "log_softmax"}
  #: (torch's CTC gradient is only comparable through log_softmax).
  transforms: dict[str, str] = dataclasses.field(default_factory=dict)
  #: The dtypes to record (a reference that cannot run one: TRL's alpha-divergence DPO has no
  #: float64 clamp and raises).
  dtypes: tuple[str, ...] = ("float64", "float32")


def reduce_masked(loss, reduction, where=None):
  """lossjax's three reductions of a per-element torch loss: masked elements are 0 and out of
  the mean's count (an empty mean is 0). Masked elements multiply by the mask, so the
  references keep torch's own gradients elsewhere."""
  if where is not None:
    loss = loss * where
  if reduction == "none":
    return loss
  if reduction == "sum":
    return loss.sum()
  count = loss.numel() if where is None else int(where.expand_as(loss).sum())
  return loss.sum() / max(count, 1)


#: Torch implementations for losses that torch.nn.functional lacks (formulas of
#: the source each loss follows), keyed by lossjax name. Each takes torch
#: tensors and the same keyword options as the lossjax function.
TORCH_REFERENCES: dict[str, Callable[..., Any]] = {}


def torch_result(loss: str, args, kwargs, reduction, grad_args, cotangent=None, dtype="float64",
                 transforms=None):
  """Runs torch.nn.functional.<loss> (or TORCH_REFERENCES[loss]); returns
  (value, {arg: grad}) as float64 numpy."""
  import torch
  import torch.nn.functional as F

  tdtype = getattr(torch, dtype)

  def to_t(v, grad=False):
    if not isinstance(v, np.ndarray):
      return v
    t = torch.from_numpy(v.copy())
    if t.is_floating_point():
      t = t.to(tdtype)
    return t.requires_grad_(grad)

  t_args = [to_t(v, name in grad_args) for name, v in args]
  t_kwargs = {k: to_t(v) for k, v in kwargs.items()}
  fn = TORCH_REFERENCES.get(loss) or getattr(F, loss)
  call_args = [getattr(torch, (transforms or {})[name])(t, -1) if name in (transforms or {}) else t
               for (name, _), t in zip(args, t_args)]
  out = fn(*call_args, reduction=reduction, **t_kwargs)
  grads = {}
  if grad_args:
    ct = torch.ones_like(out) if cotangent is None else torch.from_numpy(cotangent).to(tdtype)
    out.backward(ct)
    for (name, _), t in zip(args, t_args):
      if name in grad_args:
        # No grad: the output does not depend on it (TRL's sft ignores the reference).
        grads[name] = (t.grad if t.grad is not None else torch.zeros_like(t)).double().numpy()
  return out.detach().double().numpy(), grads


